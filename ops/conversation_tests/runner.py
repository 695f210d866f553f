"""Play conversation scripts against a running assistant, turn by turn, over Rasa's REST channel."""

from __future__ import annotations

import secrets
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from aisle.settings import REPO_ROOT, Settings
from catalog.repository import SqlCatalog
from ops.conversation_tests.checks import Context, check_turn
from ops.conversation_tests.facts import CatalogFacts, ShopFacts
from ops.conversation_tests.novelty import normalise, training_examples
from ops.conversation_tests.outcome import TurnOutcome
from ops.conversation_tests.report import RunReport, ScriptResult
from ops.conversation_tests.script import Script, ScriptFile

NLU_DIR = REPO_ROOT / "bot" / "data" / "nlu"
#: What is sent for a user turn, given (script name, turn number, the scripted text); e.g.
#: :class:`ops.conversation_tests.typos.TypoInjector`. The expectations stay as written.
Rewrite = Callable[[str, int, str], str]


class AssistantUnavailable(RuntimeError):
    """The assistant could not be started or reached."""


@dataclass
class RestChannel:
    """Rasa's REST channel for the messages, its HTTP API for the parse and the slots."""

    rasa_url: str
    token: str | None
    client: httpx.Client

    def say(self, sender: str, text: str) -> tuple[list[dict[str, Any]], float]:
        started = time.perf_counter()
        response = self.client.post(f"{self.rasa_url}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": text})
        response.raise_for_status()
        return response.json(), time.perf_counter() - started

    def state(self, sender: str) -> dict[str, Any]:
        """The tracker without its events: the latest message's parse and the slots."""
        response = self.client.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                                   params={"include_events": "NONE"}, headers=self._auth())
        response.raise_for_status()
        return response.json()

    def _auth(self) -> dict[str, str]:
        """Rasa's API token as a header (the server refuses it in the URL)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def check_reachable(self) -> None:
        try:
            response = self.client.get(f"{self.rasa_url}/status", headers=self._auth())
        except httpx.HTTPError as error:
            raise AssistantUnavailable(f"cannot reach Rasa at {self.rasa_url}: {error}") from None
        if response.status_code in {401, 403}:
            raise AssistantUnavailable(f"Rasa at {self.rasa_url} refused the token "
                                       "(pass --token, the server's AISLE_RASA_TOKEN)")
        if response.status_code != 200:
            raise AssistantUnavailable(f"Rasa at {self.rasa_url}/status answered "
                                       f"{response.status_code}: is its HTTP API enabled?")


def play_turn(channel: RestChannel, sender: str, text: str) -> TurnOutcome:
    messages, seconds = channel.say(sender, text)
    state = channel.state(sender)
    latest = state.get("latest_message") or {}
    intent = latest.get("intent") or {}
    return TurnOutcome(user=text, messages=messages, seconds=seconds,
                       intent=intent.get("name"), confidence=intent.get("confidence"),
                       entities=list(latest.get("entities") or []),
                       slots=dict(state.get("slots") or {}))


def run_script(script: Script, file: Path, channel: RestChannel, catalog: CatalogFacts,
               shop: ShopFacts, budget_s: float, rewrite: Rewrite | None = None) -> ScriptResult:
    """Play ``script`` as a new conversation; stop at the first turn whose assertions fail
    (later turns would only report the same divergence again)."""
    sender = f"script-{uuid.uuid4().hex[:12]}"
    ctx = Context(sender=sender, catalog=catalog, shop=shop)
    result = ScriptResult(file=file, name=script.name, known_issue=script.known_issue)
    started = time.perf_counter()
    try:
        for number, turn in enumerate(script.turns, 1):
            text = rewrite(script.name, number, turn.user) if rewrite else turn.user
            outcome = play_turn(channel, sender, text)
            result.turns.append(outcome)
            budget = turn.budget_s if turn.budget_s is not None else budget_s
            if outcome.seconds > budget:
                result.over_budget.append((number, outcome.seconds, budget))
            problems = check_turn(turn.expect, outcome, ctx)
            if problems:
                result.problems[number] = problems
                break
    except httpx.HTTPError as error:
        result.error = f"{type(error).__name__}: {error}"
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class Target:
    """Where to play the scripts and which databases to check them against."""

    rasa_url: str
    token: str | None
    settings: Settings


def run_files(files: list[tuple[Path, ScriptFile]], target: Target, store: str,
              budget_s: float = 3.0, parallel: int = 1, timeout: float = 180.0,
              rewrite: Rewrite | None = None) -> RunReport:
    """Run every script of the files written for ``store``, in file order; ``parallel``
    conversations at once (all scripts share the run's shop database and its sample orders);
    each user turn sent as ``rewrite`` makes it, when given."""
    started = time.perf_counter()
    report = RunReport(files=len(files))
    chosen = [(path, f) for path, f in files if f.store == store]
    report.skipped_files = [str(path) for path, f in files if f.store != store]
    known = training_examples(NLU_DIR)
    for _, script_file in chosen:
        for script in script_file.scripts:
            for turn in script.turns:
                report.user_turns += 1
                report.novel_turns += normalise(turn.user) not in known
    catalog = CatalogFacts(SqlCatalog(target.settings.catalog_url, store))
    shop = ShopFacts.at(target.settings.state_url)
    jobs = [(script, path) for path, f in chosen for script in f.scripts]
    try:
        with httpx.Client(timeout=timeout) as client:
            channel = RestChannel(target.rasa_url.rstrip("/"), target.token, client)
            channel.check_reachable()
            with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
                report.results = list(pool.map(
                    lambda job: run_script(job[0], job[1], channel, catalog, shop, budget_s,
                                           rewrite), jobs))
    finally:
        shop.close()
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def own_assistant(settings: Settings, store: str) -> Iterator[Target]:
    """Start Rasa and the action server for ``store`` on free ports with a fresh tracker store
    and a fresh shop database holding the store's sample orders; stop them afterwards."""
    from commerce.import_sample import PLACED_AT
    from commerce.importer import import_sample
    from commerce.schema import commerce_engine
    from ops.servers import running_assistant

    settings = settings.model_copy(update={"store": store})
    catalog = SqlCatalog(settings.catalog_url, store)
    if catalog.fingerprint() is None:
        raise AssistantUnavailable(f"the {store} catalog is not imported into "
                                   f"{settings.catalog_url}: run `make data` "
                                   f"(AISLE_STORE={store}) first")
    with tempfile.TemporaryDirectory(prefix="aisle-scripts-") as folder:
        workdir = Path(folder)
        shop_url = f"sqlite:///{workdir / 'shop.sqlite'}"
        engine = commerce_engine(shop_url)
        try:
            if (settings.store_data_dir / "orders.csv").exists():  # the Luma sample's
                import_sample(settings.store_data_dir, catalog, engine, PLACED_AT)
        finally:
            engine.dispose()
        token = secrets.token_urlsafe(16)
        env = {"AISLE_STORE": store, "AISLE_STATE_DATABASE_URL": shop_url}
        with ExitStack() as stack:
            try:
                running = stack.enter_context(
                    running_assistant(workdir, extra_env=env, token=token))
            except RuntimeError as error:
                raise AssistantUnavailable(str(error)) from None
            yield Target(running.rasa_url, token,
                         settings.model_copy(update={"state_database_url": shop_url}))
