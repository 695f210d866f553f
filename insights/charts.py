"""Altair (Vega-Lite) charts of the insight rows; each returns a chart's JSON spec."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from insights.metrics import FunnelStep, ListPerformance, Need
from insights.propensity import ConversationPropensity


def funnel_chart(steps: Sequence[FunnelStep]) -> dict[str, Any]:
    rows = [{"step": s.name, "order": i, "conversations": s.conversations,
             "from_start": s.from_start or 0.0} for i, s in enumerate(steps)]
    return alt.Chart(alt.Data(values=rows), title="Funnel").mark_bar().encode(
        y=alt.Y("step:N", sort=alt.SortField("order"), title=None),
        x=alt.X("conversations:Q", title="conversations"),
        tooltip=["step:N", "conversations:Q", alt.Tooltip("from_start:Q", format=".0%")],
    ).properties(width=480).to_dict()


def funnel_over_time_chart(rows: Sequence[dict[str, object]]) -> dict[str, Any]:
    return alt.Chart(alt.Data(values=list(rows)), title="Conversion from the start, by day"
                     ).mark_line(point=True).encode(
        x=alt.X("day:T", title="day"), y=alt.Y("rate:Q", axis=alt.Axis(format="%"), title=None),
        color=alt.Color("step:N", sort=None), tooltip=["day:T", "step:N", "conversations:Q"],
    ).properties(width=480).to_dict()


def needs_chart(needs: Sequence[Need], top: int = 15) -> dict[str, Any]:
    rows = [{"need": n.need, "kind": kind, "searches": count} for n in needs[:top]
            for kind, count in (("no results", n.no_results), ("weak results", n.weak_results))]
    return alt.Chart(alt.Data(values=rows), title="Unmet demand (searches)").mark_bar().encode(
        y=alt.Y("need:N", sort="-x", title=None), x=alt.X("sum(searches):Q", title="searches"),
        color=alt.Color("kind:N"), tooltip=["need:N", "kind:N", "searches:Q"],
    ).properties(width=480).to_dict()


def intent_chart(mix: Sequence[tuple[str, int]], top: int = 20) -> dict[str, Any]:
    rows = [{"intent": name, "messages": count} for name, count in mix[:top]]
    return alt.Chart(alt.Data(values=rows), title="Intent mix").mark_bar().encode(
        y=alt.Y("intent:N", sort="-x", title=None), x=alt.X("messages:Q"),
        tooltip=["intent:N", "messages:Q"],
    ).properties(width=480).to_dict()


def lists_chart(lists: Sequence[ListPerformance]) -> dict[str, Any]:
    rows = [{"list": item.list, "rate": "click-through", "value": item.ctr or 0.0}
            for item in lists] + [{"list": item.list, "rate": "add to cart",
                                   "value": item.add_to_cart_rate or 0.0} for item in lists]
    return alt.Chart(alt.Data(values=rows), title="Recommended vs searched").mark_bar().encode(
        x=alt.X("list:N", title=None), y=alt.Y("value:Q", axis=alt.Axis(format="%"), title=None),
        xOffset="rate:N", color="rate:N", tooltip=["list:N", "rate:N",
                                                   alt.Tooltip("value:Q", format=".1%")],
    ).properties(width=320).to_dict()


def propensity_chart(rows: Sequence[ConversationPropensity]) -> dict[str, Any]:
    values = [{"propensity": r.propensity, "segment": r.segment} for r in rows]
    return alt.Chart(alt.Data(values=values), title="Open conversations by purchase propensity"
                     ).mark_bar().encode(
        x=alt.X("propensity:Q", bin=alt.Bin(maxbins=20)), y=alt.Y("count():Q", title="conversations"),
        color="segment:N",
    ).properties(width=480).to_dict()
