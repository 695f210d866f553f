"""What the agent-assist API's server (``assist.routes``) and its client (``web.assist_client``)
agree on, without the Sanic routes."""

from __future__ import annotations

#: The header every agent-assist request carries the internal token in.
TOKEN_HEADER = "X-Aisle-Internal-Token"
