"""The production profile on one machine: PostgreSQL, Redis and a Chroma server started by
``scripts/services.sh``, two Rasa replicas and two action workers behind nginx.

One cluster serves every test of this module (starting it takes a minute or two); the tests
that break something put it back. Order matters only in that the fault tests come last.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aisle.settings import load_settings
from dialogue.search import KEYWORD_ONLY_NOTICE
from ops.backing import LocalServices, load_data
from ops.fuzz import fuzz, generate_cases, plant_canary, table_counts
from ops.load import run_load
from ops.proxy import TROUBLE_TEXT, probe_front_end
from ops.servers import RunningCluster, api_headers, free_port, running_cluster

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not sys.platform.startswith("linux"),
                       reason="the production services are Debian packages: Linux only"),
]
API_TOKEN = uuid.uuid4().hex


@pytest.fixture(scope="module")
def services() -> Iterator[LocalServices]:
    # PostgreSQL runs as its own user when we are root: its folder must not sit in pytest's
    # private (0700) temporary directory.
    local = LocalServices(Path(tempfile.mkdtemp(prefix="aisle-services-")), free_port(),
                          free_port(), free_port())
    try:
        yield local
    finally:
        local.stop(remove=True)


@pytest.fixture(scope="module")
def service_env(services: LocalServices) -> dict[str, str]:
    env = services.start()
    load_data(env)
    return env


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory,
            service_env: dict[str, str]) -> Iterator[RunningCluster]:
    with running_cluster(tmp_path_factory.mktemp("cluster"), service_env,
                         token=API_TOKEN) as running:
        yield running


def _one(messages: list[dict], kind: str) -> dict:
    found = [m["custom"] for m in messages if (m.get("custom") or {}).get("type") == kind]
    assert len(found) == 1, (kind, messages)
    return found[0]


def _texts(messages: list[dict]) -> str:
    return " ".join(m.get("text") or "" for m in messages)


def _sender() -> str:
    return f"prod-{uuid.uuid4().hex[:10]}"


def _add_first(cluster: RunningCluster, sender: str, shown: list[dict], client: httpx.Client,
               via: str | None = None) -> dict:
    card = shown[0]
    return _one(cluster.say(sender, f"add the first one in size {card['sizes'][0]} and "
                            f"{card['colors'][0].lower()}", client, via=via), "cart")


def test_turns_alternating_between_replicas_make_one_conversation(cluster, client) -> None:
    one, two = cluster.replica_urls
    sender = _sender()
    shown = _one(cluster.say(sender, "show me men's hoodies", client, via=one),
                 "products")["products"]
    assert len(shown) >= 2
    # "the second one" on replica two resolves to what replica one showed.
    answer = _one(cluster.say(sender, "is the second one warm?", client, via=two), "answer")
    cited = {c["product_id"] for c in answer["citations"] if c.get("product_id")}
    assert cited <= {shown[1]["id"]}
    cart = _add_first(cluster, sender, shown, client, via=one)
    assert [line["product_id"] for line in cart["items"]] == [shown[0]["id"]]
    viewed = _one(cluster.say(sender, "show me my cart", client, via=two), "cart")
    assert viewed["items"] == cart["items"]
    # Both replicas read the same tracker: the same events, the same slots.
    first, second = (cluster.tracker(sender, client, via=url) for url in (one, two))
    assert first["events"] == second["events"]
    assert first["slots"]["shown_products"] == [c["id"] for c in shown]
    assert first["slots"]["carted_products"] == [shown[0]["id"]]


def test_short_load_run_loses_and_misaddresses_nothing(cluster) -> None:
    # Speed is `make load-test`'s business; max_seconds only stops a run that hangs.
    report = asyncio.run(run_load(cluster.proxy_url, shoppers=10, turns=5, max_seconds=600,
                                  pids=cluster.pids()))
    assert report.turns_run == 50, f"timed out: {report.line()}"
    assert report.failures == [], report.failures[:10]
    assert len(report.latencies) == 50 and all(s > 0 for s in report.latencies), report.line()
    assert set(report.processes) >= {"rasa-0", "rasa-1", "actions-0", "actions-1"}
    assert all(m["rss_max_mb"] > 0 for m in report.processes.values())


def test_short_fuzz_run_finds_no_5xx_no_trace_and_no_leak(cluster, client, service_env) -> None:
    settings = load_settings()
    canary = plant_canary(service_env["AISLE_STATE_DATABASE_URL"],
                          service_env["AISLE_DATABASE_URL"], settings.data_dir / "luma",
                          secrets=[API_TOKEN, service_env["AISLE_TRACKER_DATABASE_URL"]
                                   .split(":")[2].split("@")[0]])
    # Shopper A talks about their own order, so it is in the tracker store too.
    cluster.say(canary.sender, f"my email is {canary.email}", client)
    before = {name: table_counts(service_env[name]) for name in
              ("AISLE_DATABASE_URL", "AISLE_STATE_DATABASE_URL")}
    cases = list(generate_cases(200, canary, seed=11))
    report = fuzz([f"{cluster.proxy_url}/webhooks/rest/webhook"], cases, canary)
    assert report.sent == 200, report.line()
    assert report.problems == [], report.problems[:10]
    after = {name: table_counts(service_env[name]) for name in before}
    assert after["AISLE_DATABASE_URL"] == before["AISLE_DATABASE_URL"]  # the catalog is untouched
    shop_before, shop_after = before["AISLE_STATE_DATABASE_URL"], after["AISLE_STATE_DATABASE_URL"]
    for table in ("commerce_orders", "commerce_customers", "commerce_order_items"):
        assert shop_after[table] >= shop_before[table], table
    # Every Rasa replica still answers and still knows shopper A.
    for url in cluster.replica_urls:
        assert cluster.tracker(canary.sender, client, via=url)["events"]


def test_front_end_refuses_the_api_which_needs_the_bearer_token(cluster, client) -> None:
    front = httpx.URL(cluster.proxy_url)
    assert probe_front_end(front.host, front.port) == []
    sender = _sender()
    assert cluster.say(sender, "hello", client)
    replica = f"{cluster.replica_urls[0]}/conversations/{sender}/tracker"
    assert client.get(replica).status_code == 401
    assert client.get(replica, params={"token": API_TOKEN}).status_code == 401
    assert client.get(replica, headers=api_headers(API_TOKEN)).status_code == 200
    assert client.get(f"{cluster.proxy_url}/health").status_code == 200


def test_search_falls_back_to_keywords_while_chroma_is_down(cluster, client, services) -> None:
    sender = _sender()
    services.run("stop-chroma")
    try:
        down = cluster.say(sender, "show me women's jackets", client)
        cards = _one(down, "products")["products"]
        assert cards and all(c["category"] == "Women/Tops/Jackets" for c in cards)
        assert KEYWORD_ONLY_NOTICE in _texts(down)
    finally:
        services.run("start-chroma")
    back = cluster.say(sender, "show me women's jackets", client)
    assert _one(back, "products")["products"]
    assert KEYWORD_ONLY_NOTICE not in _texts(back)


def test_connections_recover_after_a_postgres_restart(cluster, client, services) -> None:
    sender = _sender()
    shown = _one(cluster.say(sender, "show me bags", client), "products")["products"]
    services.run("restart-postgres")
    for url in cluster.replica_urls:  # each replica's pool held connections to the old server
        assert _one(cluster.say(sender, "show me my cart", client, via=url), "cart")["items"] == []
    cart = _one(cluster.say(sender, "add the first one", client), "cart")
    assert [line["product_id"] for line in cart["items"]] == [shown[0]["id"]]


def test_shopper_hears_an_apology_while_actions_are_down_then_carries_on(cluster, client) -> None:
    sender = _sender()
    shown = _one(cluster.say(sender, "show me women's shorts", client), "products")["products"]
    cart = _add_first(cluster, sender, shown, client)
    for name in ("actions-0", "actions-1"):
        cluster.processes[name].kill()
    try:
        down = cluster.say(sender, "show me my cart", client)
        assert TROUBLE_TEXT in _texts(down)
    finally:
        cluster.restart("actions-0")
        cluster.restart("actions-1")
    viewed = _one(cluster.say(sender, "show me my cart", client), "cart")
    assert viewed["items"] == cart["items"]
    slots = cluster.tracker(sender, client)["slots"]
    assert slots["shown_products"] == [c["id"] for c in shown]


def test_conversation_resumes_on_a_killed_and_restarted_replica(cluster, client) -> None:
    one, two = cluster.replica_urls
    sender = _sender()
    shown = _one(cluster.say(sender, "show me watches", client, via=one), "products")["products"]
    cluster.processes["rasa-0"].kill()
    # The proxy sends the next turns to the surviving replica.
    answer = cluster.say(sender, "is the first one waterproof?", client)
    assert answer and TROUBLE_TEXT not in _texts(answer)
    cluster.restart("rasa-0")
    tracker = cluster.tracker(sender, client, via=one)
    assert tracker["slots"]["shown_products"] == [c["id"] for c in shown]
    # Both replicas answer again, with the one conversation behind them.
    for url in (one, two):
        reply = cluster.say(sender, "show me my cart", client, via=url)
        assert TROUBLE_TEXT not in _texts(reply), url
        assert _one(reply, "cart")["items"] == [], url
    first, second = (cluster.tracker(sender, client, via=url) for url in (one, two))
    assert first["events"] == second["events"]
