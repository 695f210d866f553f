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
from sqlalchemy import create_engine

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
    stores: list[EventStore] = []

    def store() -> EventStore:
        if not stores:  # opened on the first request, not at start-up
            stores.append(EventStore(settings.state_url))
        return stores[0]

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
        events_store = store()
        sync_tracker(create_engine(settings.tracker_url), events_store)
        report = build_report(events_store.events(start, end), start, end, scorer,
                              settings.low_confidence, catalog_names(settings))
        return HTMLResponse(render_html(report))

    return router
