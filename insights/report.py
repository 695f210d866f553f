"""The insights report: compute every section from the events of a period, render one HTML page.

The page is self-contained: the Vega, Vega-Lite and vega-embed JavaScript is inlined from the
copy bundled with ``vl-convert-python`` (pinned in requirements/app.lock.txt), so it draws its
charts offline and loads nothing from a CDN.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jinja2

from insights import charts
from insights.events import Event
from insights.metrics import (
    FunnelStep,
    ListPerformance,
    Need,
    UnansweredProduct,
    funnel,
    funnel_by_day,
    intent_mix,
    list_performance,
    low_confidence,
    unanswered_questions,
    understanding_rates,
    unmet_demand,
)
from insights.propensity import (
    ConversationPropensity,
    Scorer,
    open_conversations,
    score_open_conversations,
    segment_sizes,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    """Every section of the report, as rows."""

    since: datetime | None
    until: datetime | None
    generated_at: datetime
    events: int
    replayed_events: int
    funnel: list[FunnelStep]
    funnel_by_day: list[dict[str, object]]
    unmet_demand: list[Need]
    unanswered: list[UnansweredProduct]
    intents: list[tuple[str, int]]
    rates: dict[str, Any]
    low_confidence: list[Event]
    lists: list[ListPerformance]
    propensity: list[ConversationPropensity] | None
    segments: list[tuple[str, int]] = field(default_factory=list)
    product_names: dict[str, str] = field(default_factory=dict)


def build_report(events: Sequence[Event], since: datetime | None = None,
                 until: datetime | None = None, scorer: Scorer | None = None,
                 low_confidence_below: float = 0.6,
                 product_name: Callable[[str], str | None] | None = None) -> Report:
    """Compute the report over ``events`` (already limited to the period).

    ``product_name`` names the products the tables list (e.g. from the catalog); without it
    they show their ids.
    """
    propensity = (score_open_conversations(open_conversations(events), scorer)
                  if scorer is not None else None)
    unanswered = unanswered_questions(events)
    listed = [item.product_id for item in unanswered] + [r.product_id for r in propensity or []]
    names = {pid: name for pid in dict.fromkeys(listed)
             if product_name is not None and (name := product_name(pid))}
    return Report(
        since=since, until=until, generated_at=datetime.now(UTC), events=len(events),
        replayed_events=sum(1 for e in events if e.replayed),
        funnel=funnel(events), funnel_by_day=funnel_by_day(events),
        unmet_demand=unmet_demand(events), unanswered=unanswered,
        intents=intent_mix(events), rates=understanding_rates(events),
        low_confidence=low_confidence(events, low_confidence_below),
        lists=list_performance(events), propensity=propensity,
        segments=segment_sizes(propensity) if propensity is not None else [],
        product_names=names,
    )


def catalog_names(settings: Any) -> Callable[[str], str | None]:
    """Product names from the catalog database named by ``settings`` (opened on first use).

    Without a readable catalog (not imported yet) the report shows ids: names are a courtesy.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from catalog import SqlCatalog

    catalog: list[SqlCatalog | None] = []

    def name(product_id: str) -> str | None:
        if not catalog:
            catalog.append(SqlCatalog(settings.catalog_url, settings.store))
        if catalog[0] is None:
            return None
        try:
            product = catalog[0].product(product_id)
        except SQLAlchemyError as error:
            logger.warning("no product names in the report: the catalog is unreadable (%s)",
                           type(error).__name__)
            catalog[0] = None
            return None
        return product.name if product is not None else None

    return name


@functools.cache
def vega_javascript() -> str:
    """vega + vega-lite + vega-embed as one script, from the locally installed vl-convert."""
    import altair as alt
    import vl_convert

    version = "_".join(alt.VEGALITE_VERSION.split(".")[:2])
    return vl_convert.javascript_bundle(vl_version=f"v{version}")


def _json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element."""
    return json.dumps(value, default=str).replace("</", "<\\/")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def chart_specs(report: Report) -> dict[str, dict[str, Any]]:
    """The report's charts as Vega-Lite specs, by element id."""
    specs = {
        "funnel": charts.funnel_chart(report.funnel),
        "funnel_by_day": charts.funnel_over_time_chart(report.funnel_by_day),
        "needs": charts.needs_chart(report.unmet_demand),
        "intents": charts.intent_chart(report.intents),
        "lists": charts.lists_chart(report.lists),
    }
    if report.propensity:
        specs["propensity"] = charts.propensity_chart(report.propensity)
    return specs


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page with its charts."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("insights", "templates"), autoescape=True)
    environment.filters["percent"] = _percent
    environment.filters["script_json"] = _json
    template = environment.get_template("report.html")
    return template.render(report=report, specs=chart_specs(report),
                           vega_js=vega_javascript())
