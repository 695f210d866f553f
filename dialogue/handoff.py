"""Handing the conversation over to a person: on request, and after a complaint."""

from __future__ import annotations

from typing import Literal

from dialogue.payloads import HandoffPayload, given
from dialogue.reply import Reply

HANDOFF_TEXT = (
    "Of course. I've asked a colleague from our customer service team to take over; they will "
    "see everything we've talked about, so you won't need to repeat yourself. "
    "Please stay in this chat."
)
COMPLAINT_TEXT = (
    "I'm sorry about that — that's not the experience we want you to have. I've flagged this "
    "conversation for a colleague from our customer service team, who will read what happened "
    "and reply here. If you have an order number, add it so they can look at it straight away."
)


def flag_for_agent(text: str, reason: Literal["complaint"] | None = None) -> Reply:
    """Tell the shopper a person will take over, and flag the conversation for the console
    (:class:`HandoffPayload`)."""
    payload = HandoffPayload(status="requested", **given(reason=reason)).to_payload()
    return Reply().say(text, payload).set("handoff_requested", True)


def human_handoff() -> Reply:
    """``human_handoff``: acknowledge, flag the conversation for an agent, stop selling."""
    return flag_for_agent(HANDOFF_TEXT)


def complaint() -> Reply:
    """``complaint``: apologise and flag the conversation for an agent, with the reason."""
    return flag_for_agent(COMPLAINT_TEXT, "complaint")
