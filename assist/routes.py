"""The action server's internal agent-assist API (Sanic routes on rasa-sdk's app).

Bound to 127.0.0.1 with the action server and closed unless ``AISLE_INTERNAL_TOKEN`` is set;
every request must carry it in the ``X-Aisle-Internal-Token`` header. The web app is its only
client.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assist.protocol import TOKEN_HEADER
from assist.service import AgentAssist, AssistRequest

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 16_384


def register_assist_routes(app: Sanic, token: str | None,
                           assist: Callable[[], AgentAssist]) -> None:
    """Add ``POST /assist/suggestions`` and ``POST /assist/propensity`` to ``app``; ``assist``
    builds the service lazily."""

    def refused(request: Request) -> HTTPResponse | None:
        """The error response for a request without the token or with too large a body."""
        if not token:
            return response.json({"error": "the agent-assist API is disabled"}, status=503)
        given = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "unauthorised"}, status=401)
        if len(request.body or b"") > MAX_BODY_BYTES:
            return response.json({"error": "request too large"}, status=413)
        return None

    async def suggestions(request: Request) -> HTTPResponse:
        if (denied := refused(request)) is not None:
            return denied
        try:
            assist_request = AssistRequest.from_json(request.json)
        except (ValueError, TypeError) as error:
            return response.json({"error": str(error)}, status=400)
        except Exception:  # noqa: BLE001 - Sanic raises its own error type for bad JSON
            return response.json({"error": "the body must be JSON"}, status=400)
        found = await asyncio.get_running_loop().run_in_executor(
            None, assist().suggest, assist_request)
        return response.json(found.to_json())

    async def propensity(request: Request) -> HTTPResponse:
        if (denied := refused(request)) is not None:
            return denied
        try:
            body = request.json
            lists = [_id_list(body, key) for key in ("history", "carted", "product_ids")]
        except (ValueError, TypeError) as error:
            return response.json({"error": str(error)}, status=400)
        except Exception:  # noqa: BLE001 - Sanic raises its own error type for bad JSON
            return response.json({"error": "the body must be JSON"}, status=400)
        scores = await asyncio.get_running_loop().run_in_executor(
            None, assist().propensity, *lists)
        return response.json({"propensity": scores})

    app.add_route(suggestions, "/assist/suggestions", methods=["POST"], name="assist_suggestions")
    app.add_route(propensity, "/assist/propensity", methods=["POST"], name="assist_propensity")


def _id_list(body: object, key: str, limit: int = 200) -> list[str]:
    """``body[key]`` as a list of at most ``limit`` product ids (strings)."""
    if not isinstance(body, dict):
        raise TypeError("the body must be a JSON object")
    values = body.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TypeError(f"{key} must be a list of product ids")
    if len(values) > limit:
        raise ValueError(f"{key} holds more than {limit} ids")
    return values
