"""Print the environment the Rasa server and the run scripts derive from :class:`Settings`.

The Rasa server runs in its own Python 3.10 venv without Aisle's packages, so the run script
evaluates ``python -m aisle.runtime_env`` (in the app venv) and exports what it prints; the
values therefore come from the one settings object. ``AISLE_ENDPOINTS`` names the endpoints
file of the profile: ``endpoints.yml`` (SQLite tracker store) or ``endpoints.production.yml``
(PostgreSQL tracker store, Redis lock store), whose ``${...}`` values are printed here.
"""

from __future__ import annotations

import shlex
from urllib.parse import unquote, urlparse

from aisle.settings import Settings, load_settings

ENDPOINTS = {"embedded": "endpoints.yml", "production": "endpoints.production.yml"}


def _database_env(url: str) -> dict[str, str]:
    """Host, port, user, password and database of a ``postgresql://`` URL, for endpoints.yml."""
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgresql") or not parsed.hostname:
        raise ValueError("AISLE_TRACKER_DATABASE_URL must be postgresql://user:password@host:port/db")
    return {
        "AISLE_TRACKER_DB_HOST": parsed.hostname,
        "AISLE_TRACKER_DB_PORT": str(parsed.port or 5432),
        "AISLE_TRACKER_DB_USER": unquote(parsed.username or ""),
        "AISLE_TRACKER_DB_PASSWORD": unquote(parsed.password or ""),
        "AISLE_TRACKER_DB_NAME": parsed.path.lstrip("/") or "rasa",
    }


def _redis_env(url: str) -> dict[str, str]:
    """Host, port, password and database number of a ``redis://`` URL, for endpoints.yml."""
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        raise ValueError("AISLE_REDIS_URL must be redis://[:password@]host:port/db")
    return {
        "AISLE_REDIS_HOST": parsed.hostname,
        "AISLE_REDIS_PORT": str(parsed.port or 6379),
        "AISLE_REDIS_PASSWORD": unquote(parsed.password or ""),
        "AISLE_REDIS_DB": parsed.path.lstrip("/") or "0",
    }


def runtime_env(settings: Settings) -> dict[str, str]:
    """Environment variables for the profile's endpoints file and ``scripts/run.sh``."""
    env = {
        "AISLE_PROFILE": settings.profile,
        "AISLE_ENDPOINTS": ENDPOINTS[settings.profile],
        "AISLE_STATE_DIR": str(settings.state_dir),
        "AISLE_TRACKER_DB": str(settings.tracker_db_path),
        "AISLE_ACTION_URL": settings.action_url
        or f"http://127.0.0.1:{settings.action_port}/webhook",
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
    if settings.profile == "production":
        env.update(_database_env(settings.tracker_url))
        env.update(_redis_env(settings.redis_url or ""))
    if settings.rasa_token:
        env["AISLE_RASA_TOKEN"] = settings.rasa_token
    return env


def main() -> None:
    for key, value in runtime_env(load_settings()).items():
        print(f"export {key}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
