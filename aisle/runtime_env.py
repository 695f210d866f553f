"""Print the environment the Rasa server and the run scripts derive from :class:`Settings`.

The Rasa server runs in its own Python 3.10 venv without Aisle's packages, so the run script
evaluates ``python -m aisle.runtime_env`` (in the app venv) and exports what it prints; the
values therefore come from the one settings object.
"""

from __future__ import annotations

import shlex

from aisle.settings import Settings, load_settings


def runtime_env(settings: Settings) -> dict[str, str]:
    """Environment variables for ``endpoints.yml`` and ``scripts/run.sh``."""
    env = {
        "AISLE_STATE_DIR": str(settings.state_dir),
        "AISLE_TRACKER_DB": str(settings.tracker_db_path),
        "AISLE_ACTION_URL": f"http://localhost:{settings.action_port}/webhook",
        "AISLE_ACTION_PORT": str(settings.action_port),
        "AISLE_RASA_PORT": str(settings.rasa_port),
        "AISLE_RASA_HOST": settings.rasa_host,
        "AISLE_CATALOG_URL": settings.catalog_url,
        "AISLE_CHROMA_PATH": str(settings.chroma_path),
        "AISLE_CORS_ORIGINS": settings.cors_origins,
        "AISLE_WEB_HOST": settings.web_host,
        "AISLE_WEB_PORT": str(settings.web_port),
    }
    if settings.internal_token:
        env["AISLE_INTERNAL_TOKEN"] = settings.internal_token.get_secret_value()
    if settings.rasa_token:
        env["AISLE_RASA_TOKEN"] = settings.rasa_token
    return env


def main() -> None:
    for key, value in runtime_env(load_settings()).items():
        print(f"export {key}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
