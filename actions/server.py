"""The action server: rasa-sdk's app in one process that owns the models and the Chroma store.

``python -m actions.server`` builds the services (MiniLM, Chroma, catalog) before it accepts
requests, so the first shopper does not wait for model loading, and serves in a single process
because the embedded Chroma store must have one owner.
"""

from __future__ import annotations

import logging

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor

from actions import services
from aisle.logs import configure_logging
from aisle.settings import load_settings
from assist.routes import register_assist_routes
from assist.service import AgentAssist

logger = logging.getLogger(__name__)


def _agent_assist() -> AgentAssist:
    """The agent-assist service over this process's services (built once they are)."""
    return AgentAssist(services.get_services().answers, services.get_recommender(),
                       services.get_commerce())


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=[])
    token = settings.internal_token.get_secret_value() if settings.internal_token else None
    register_assist_routes(app, token, _agent_assist)

    @app.before_server_start
    async def _load_services(_app, _loop) -> None:  # noqa: ANN001 - Sanic listener signature
        services.init_services(settings)
        logger.info("services ready for store %s", settings.store)

    app.run(
        host="127.0.0.1",
        port=settings.action_port,
        single_process=True,
        access_log=False,
        motd=False,
    )


if __name__ == "__main__":
    main()
