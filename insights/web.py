"""The ``/insights`` page of the web app: the HTML report for a date range, for signed-in agents.

The web app mounts ``build_router(settings, require_agent)``; ``require_agent`` is its sign-in
dependency (``web/auth.py``), so the page is refused exactly like the agent console.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Engine

from aisle.db import make_engine
from aisle.settings import Settings
from insights.events import EventStore
from insights.propensity import Scorer


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_router(settings: Settings, require_agent: Callable[..., Any],
                 scorer: Scorer | None = None) -> APIRouter:
    """``GET /insights?since=&until=`` (ISO dates): sync the tracker store, render the report.

    ``scorer`` adds purchase propensity (e.g. ``insights.propensity.recommender_scorer``, or
    the web app's own recommender); without it that section says it was not computed.
    """
    router = APIRouter(dependencies=[Depends(require_agent)])
    opened: list[tuple[EventStore, Engine]] = []

    def stores() -> tuple[EventStore, Engine]:
        """The event store and the tracker store's engine, opened once on the first request."""
        if not opened:
            opened.append((EventStore(settings.state_url),
                           make_engine(settings.tracker_url, read_only=True)))
        return opened[0]

    @router.get("/insights", response_class=HTMLResponse)
    def insights_page(
        since: Annotated[datetime | None, Query(description="ISO date, inclusive")] = None,
        until: Annotated[datetime | None, Query(description="ISO date, exclusive")] = None,
    ) -> HTMLResponse:
        from insights.report import build_report, catalog_names, render_html
        from insights.sync import sync_tracker

        start, end = _utc(since), _utc(until)
        if start and end and start >= end:
            raise HTTPException(status_code=400, detail="'since' must be before 'until'")
        events_store, tracker = stores()
        sync_tracker(tracker, events_store)
        report = build_report(events_store.events(start, end), start, end, scorer,
                              settings.low_confidence, catalog_names(settings))
        return HTMLResponse(render_html(report))

    return router
