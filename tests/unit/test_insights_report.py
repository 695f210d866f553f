"""The report renders offline with its charts, and ``/insights`` needs a signed-in agent."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import vl_convert
from fastapi import FastAPI, HTTPException, Request
from fastapi.testclient import TestClient

from aisle.settings import Settings
from insights.events import EventStore
from insights.report import build_report, render_html
from insights.web import build_router
from tests.unit.test_insight_metrics import shop_day

SPEC = re.compile(r"const specs = (\{.*?\});\n", re.S)


def _specs(html: str) -> dict:
    match = SPEC.search(html)
    assert match, "no chart specs in the page"
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_report_renders_with_charts_and_no_external_scripts() -> None:
    def scorer(history: tuple, carted: tuple, ids: list[str]) -> dict[str, float]:
        return dict.fromkeys(ids, 0.25)

    names = {"P6": "Chaz Kangeroo Hoodie"}.get
    html = render_html(build_report(shop_day(), scorer=scorer, product_name=names))
    specs = _specs(html)
    assert set(specs) == {"funnel", "funnel_by_day", "needs", "intents", "lists", "propensity"}
    assert all("vega-lite" in spec["$schema"] for spec in specs.values())
    for name, spec in specs.items():  # each spec compiles and draws (the same Vega, offline)
        assert "<svg" in vl_convert.vegalite_to_svg(spec), name
    funnel = specs["funnel"]["data"]["values"]
    assert [row["conversations"] for row in funnel] == [6, 4, 3, 2, 1]
    assert "vegaEmbed" in html and len(html) > 500_000  # the libraries are inlined
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=[\"']https?:", html)
    assert "laptops please" in html and "medium: 2" in html
    assert "Chaz Kangeroo Hoodie (P6)" in html


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    tracker = tmp_path / "tracker.sqlite"
    return Settings(state_dir=tmp_path, state_database_url=f"sqlite:///{tmp_path / 'shop.sqlite'}",
                    tracker_database_url=f"sqlite:///{tracker}")


def _app(settings: Settings) -> FastAPI:
    def require_agent(request: Request) -> str:
        if request.headers.get("authorization") != "Bearer agent-token":
            raise HTTPException(status_code=401, detail="sign in first")
        return "agent"

    app = FastAPI()
    app.include_router(build_router(settings, require_agent))
    return app


def test_insights_page_refuses_unauthenticated_requests(settings: Settings) -> None:
    client = TestClient(_app(settings))
    assert client.get("/insights").status_code == 401
    assert client.get("/insights", headers={"authorization": "Bearer wrong"}).status_code == 401


def test_insights_page_for_a_date_range(settings: Settings) -> None:
    EventStore(settings.state_url).record_many(shop_day())
    client = TestClient(_app(settings))
    agent = {"authorization": "Bearer agent-token"}
    page = client.get("/insights", params={"since": "2026-11-01", "until": "2026-11-03"},
                      headers=agent)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert [r["conversations"] for r in _specs(page.text)["funnel"]["data"]["values"]] == [
        6, 4, 3, 2, 1]
    empty = client.get("/insights", params={"since": "2026-11-05"}, headers=agent)
    assert [r["conversations"] for r in _specs(empty.text)["funnel"]["data"]["values"]] == [0] * 5
    assert client.get("/insights", params={"since": "2026-11-05", "until": "2026-11-01"},
                      headers=agent).status_code == 400
    assert client.get("/insights", params={"since": "yesterday"}, headers=agent).status_code == 422
