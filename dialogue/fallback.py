"""Low-confidence messages: a clarifying "Did you mean …?" first, then an honest give-up.

The first time in a row Aisle cannot tell what a message means, it offers the two likeliest
intents as buttons (and remembers the message, so the chosen action works on the shopper's own
words, see ``dialogue.turn.Turn.message_text``). If the next message is not understood either,
it says what it can do and offers a person.
"""

from __future__ import annotations

import json

from dialogue.reply import Reply
from dialogue.turn import Turn

EMPTY_TEXT = (
    "It looks like your message was empty. Tell me what you're looking for — for example "
    "“a women's jacket under $80” — or ask about shipping and returns."
)
NOT_UNDERSTOOD_TEXT = (
    "Sorry, I didn't quite get that. I can find products (“men's hoodies under $60 in black”), "
    "answer questions about them (“is the first one waterproof?”), explain our shipping and "
    "return policies, or connect you with a person."
)
CLARIFY_TEXT = "I'm not sure I understood. Did you mean one of these?"
SUGGESTIONS = [
    {"title": "Find a product", "payload": "I'm looking for something to wear"},
    {"title": "Return policy", "payload": "what's your return policy?"},
    {"title": "Talk to a person", "payload": "/human_handoff"},
]
NONE_OF_THESE = {"title": "Something else", "payload": "/out_of_scope"}
#: What each intent means, in the shopper's words, for the clarifying buttons.
INTENT_LABELS = {
    "search_products": "Find products",
    "refine_search": "Change my search",
    "ask_recommendation": "Get a recommendation",
    "ask_similar": "See similar products",
    "ask_complementary": "See what goes with it",
    "ask_product_question": "Ask about a product",
    "compare_products": "Compare products",
    "ask_policy": "Store policies",
    "ask_shipping": "Shipping and delivery",
    "ask_payment": "Payment options",
    "ask_promotions": "Current promotions",
    "add_to_cart": "Add to my cart",
    "remove_from_cart": "Remove from my cart",
    "view_cart": "See my cart",
    "checkout": "Check out",
    "order_status": "Where is my order?",
    "cancel_order": "Cancel an order",
    "return_or_refund": "Return or refund",
    "complaint": "Make a complaint",
    "human_handoff": "Talk to a person",
}
MIN_CONFIDENCE = 0.05


def likeliest_intents(turn: Turn, count: int = 2) -> list[str]:
    """The NLU's best guesses that have a label, most likely first."""
    return [name for name, confidence in turn.intent_ranking
            if name in INTENT_LABELS and confidence >= MIN_CONFIDENCE][:count]


def _button(intent: str, turn: Turn) -> dict[str, str]:
    entities = {name: value for name, value in turn.entities
                if name and isinstance(value, str | int | float)}
    payload = f"/{intent}{json.dumps(entities)}" if entities else f"/{intent}"
    return {"title": INTENT_LABELS[intent], "payload": payload}


def handle_fallback(turn: Turn) -> Reply:
    """``nlu_fallback``: clarify with the two likeliest intents, then give up gently."""
    text = turn.message_text().strip()
    if not text:
        return Reply().say(turn.noticed(EMPTY_TEXT), buttons=SUGGESTIONS)
    guesses = likeliest_intents(turn)
    if guesses and turn.previous_intent != "nlu_fallback":
        return (Reply().say(turn.noticed(CLARIFY_TEXT),
                            buttons=[*(_button(g, turn) for g in guesses), NONE_OF_THESE])
                .set("clarified_text", text))
    return Reply().say(turn.noticed(NOT_UNDERSTOOD_TEXT), buttons=SUGGESTIONS).set(
        "clarified_text", None)
