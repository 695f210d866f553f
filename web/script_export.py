"""A real conversation as a draft conversation script (``docs/conversation-tests.md``).

The agent console's **Export as test** turns what a shopper wrote into one script file: one
turn per shopper message, each ``expect`` drafted from what the assistant did in that turn (the
intent and entities Rasa parsed, and per payload type of the bot's replies until the next
shopper message: cards, a search that found nothing, a grounded answer, the cart or quote, an
order, a comparison, promotions, a handoff). Bot texts, agent messages and silent turns become
YAML comments: a draft records what happened, and the store's team edits it into what *should*
happen. ``ops.conversation_tests.script.parse_script_file`` validates the result (``web`` may not
import ``ops``; the unit tests check the two agree).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import yaml

from web.tracker import Conversation

NAME_CHARS = 60
COMMENT_CHARS = 120
TURN_INDENT = " " * 4  # under "scripts:" → "- name:" → "turns:"
#: What PyYAML refuses in a stream (its ``Reader.NON_PRINTABLE``): dropped from comments.
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd"
                            "\U00010000-\U0010ffff]")


class NothingToExport(ValueError):
    """The conversation has no shopper message, so no turn to test."""


class _Flow(dict):
    """A mapping written on one line: ``{count: 1, size: L}``."""


class _FlowList(list):
    """A list written on one line: ``[Chaz Kangeroo Hoodie, Teton Pullover Hoodie]``."""


class _Dumper(yaml.SafeDumper):
    """Block style, except the values marked as flow, as the documentation writes them."""


_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping(
    "tag:yaml.org,2002:map", v.items(), flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, v: d.represent_sequence(
    "tag:yaml.org,2002:seq", v, flow_style=True))


def one_line(text: Any, limit: int) -> str:
    """``text`` on one line (every line break, YAML's included, as a space), printable only,
    cut to ``limit`` characters with an ellipsis: safe inside a YAML comment."""
    flat = _NOT_PRINTABLE.sub("", " ".join(str(text or "").split()))
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"


def _entities(message: dict[str, Any]) -> dict[str, Any]:
    """Entity → value (a list when one entity has several values; ``"*"`` for a value that is
    not a plain string or number, which the runner compares as text)."""
    found: dict[str, list[Any]] = {}
    for entity in message.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if not name or value is None:
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            value = "*"
        values = found.setdefault(str(name), [])
        if value not in values:
            values.append(value)
    return _Flow({name: values[0] if len(values) == 1 else _FlowList(values)
                  for name, values in found.items()})


def _line(item: dict[str, Any]) -> dict[str, Any]:
    return _Flow({key: item[key] for key in ("name", "size", "color", "quantity")
                  if item.get(key) is not None})


def _lines(payload: dict[str, Any]) -> dict[str, Any]:
    items = payload.get("items") or []
    return {"count": len(items), **({"items": [_line(i) for i in items]} if items else {})}


def _answer(payload: dict[str, Any]) -> dict[str, Any]:
    citations = payload.get("citations") or []
    drafted: dict[str, Any] = _Flow(grounded=bool(payload.get("grounded")))
    if citations and citations[0].get("source"):
        drafted["source"] = citations[0]["source"]
    product = payload.get("product_id")
    cited = {c.get("product_id") for c in citations if c.get("source") != "policy"}
    if product and cited <= {product}:
        drafted["product"] = product
    return drafted


def _order(payload: dict[str, Any]) -> dict[str, Any]:
    drafted = _Flow({key: payload[key] for key in ("number", "status") if payload.get(key)})
    if (payload.get("return") or {}).get("status"):
        drafted["return_status"] = payload["return"]["status"]
    return drafted


def _names(cards: list[dict[str, Any]]) -> list[str]:
    return _FlowList(str(card.get("name") or card.get("id")) for card in cards)


def draft_expect(user: dict[str, Any], replies: list[dict[str, Any]]) -> dict[str, Any]:
    """The assertions one turn met: its parsed intent and entities, and per payload type of
    ``replies`` (the bot's messages of the turn) the last such payload, as the runner reads it."""
    expect: dict[str, Any] = {}
    if user.get("intent"):
        expect["intent"] = user["intent"]
    if entities := _entities(user):
        expect["entities"] = entities
    last: dict[str, dict[str, Any]] = {}
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("type"), str):
            last[custom["type"]] = custom
    if (products := last.get("products")) is not None:
        cards = products.get("products") or []
        expect["products"] = {"count": len(cards), **({"names": _names(cards)} if cards else {})}
    if ((last.get("search") or {}).get("search") or {}).get("results") == 0:
        expect["no_results"] = True
    if (answer := last.get("answer")) is not None:
        expect["answer"] = _answer(answer)
    if (comparison := last.get("comparison")) is not None:
        expect["comparison"] = _Flow(names=_names(comparison.get("products") or []))
    for kind in ("cart", "quote"):
        if (payload := last.get(kind)) is not None:
            expect[kind] = _lines(payload)
    if (order := last.get("order")) is not None:
        expect["order"] = _order(order)
    if (promotions := last.get("promotions")) is not None:
        expect["promotions"] = len(promotions.get("promotions") or [])
    if "handoff" in last:
        expect["handoff"] = True
    return expect


def _held_at(conversation: Conversation, at: Any) -> bool:
    """Whether an agent held the conversation at time ``at`` (from the handover records)."""
    held = False
    for handover in conversation.handovers:
        if at is not None and handover["at"] > float(at):
            break
        held = handover["to"] == "agent"
    return held


def _reply_comments(conversation: Conversation, user: dict[str, Any],
                    replies: list[dict[str, Any]]) -> list[str]:
    """What the editor should see under a turn: every reply's text, agent messages marked as
    not replayed, and why a turn has no reply."""
    lines = []
    for reply in replies:
        custom = reply.get("custom") if isinstance(reply.get("custom"), dict) else {}
        tag = f" [{one_line(custom['type'], 20)}]" if custom.get("type") else ""
        if reply["role"] == "agent":
            name = custom.get("agent") or "agent"
            lines.append(f"agent {one_line(name, 40)}: {one_line(reply.get('text'), COMMENT_CHARS)}"
                         " (a person's message: not a shopper turn, not replayed)")
        else:
            lines.append(f"bot{tag}: {one_line(reply.get('text'), COMMENT_CHARS)}")
    if not any(r["role"] == "bot" for r in replies):
        lines.append("the bot sent nothing" + (
            ": an agent held the conversation (replayed as a script, the bot will answer)"
            if _held_at(conversation, user.get("at")) else ""))
    return lines


def _turns(conversation: Conversation) -> tuple[list[str], list[tuple[dict[str, Any], list[str]]]]:
    """Comments before the first shopper message, and each shopper turn with its comments."""
    before: list[str] = []
    turns: list[tuple[dict[str, Any], list[str]]] = []
    messages = conversation.messages
    starts = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    for reply in messages[:starts[0] if starts else len(messages)]:
        before.append(f"{reply['role']}: {one_line(reply.get('text'), COMMENT_CHARS)} "
                      "(before the shopper's first message: not replayed)")
    for n, start in enumerate(starts):
        user = messages[start]
        replies = messages[start + 1:starts[n + 1] if n + 1 < len(starts) else len(messages)]
        bot = [r for r in replies if r.get("role") == "bot"]
        turn = {"user": str(user.get("text") or "").strip(), "expect": draft_expect(user, bot)}
        turns.append((turn, _reply_comments(conversation, user, replies)))
    return before, turns


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)


def _indented(text: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line
                   for line in text.splitlines(keepends=True))


def conversation_script(conversation: Conversation, store: str,
                        now: datetime | None = None) -> str:
    """One script file's YAML text drafted from ``conversation`` for ``store``.

    Raises:
        NothingToExport: the conversation has no shopper message.
    """
    before, turns = _turns(conversation)
    if not turns:
        raise NothingToExport(f"conversation {conversation.conversation_id} has no shopper "
                              "message to turn into a test")
    first = one_line(turns[0][0]["user"], NAME_CHARS)
    name = first or f"conversation {conversation.conversation_id}"
    at = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    agents = sum(m.get("role") == "agent" for m in conversation.messages)
    header = [f"Exported from conversation {one_line(conversation.conversation_id, 128)} "
              f"at {at} by the agent console.",
              "A draft: each expectation below is what the assistant did, not what it should do.",
              "Review each expectation, then add this file to "
              f"tests/scripted/{store}/ (docs/conversation-tests.md).",
              _count(len(turns), "shopper turn") + (
                  f"; {_count(agents, 'agent message')}, as comments only" if agents else "")
              + "."]
    data = {"store": store,
            "scripts": [{"name": name, "tags": ["exported"], "turns": [t for t, _ in turns]}]}
    parts = ["".join(f"# {line}\n" for line in header),
             _dump({"store": store}),
             "scripts:\n",
             _dump([{"name": name, "tags": _FlowList(["exported"])}]),
             "  turns:\n",
             "".join(f"{TURN_INDENT}# {line}\n" for line in before)]
    for turn, comments in turns:
        parts.append(_indented(_dump([turn]), TURN_INDENT))
        parts.append("".join(f"{TURN_INDENT}  # {line}\n" for line in comments))
    text = "".join(parts)
    if _loaded(text) != data:  # the pieces must make the same document; never ship less
        text = parts[0] + _dump(data)
    return text


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _loaded(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None
