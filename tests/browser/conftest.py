"""Real servers (Rasa, actions, web app) and Debian's Chromium driven by Playwright.

Module-scoped: Playwright's sync API keeps an event loop running in the main thread while the
browser is open, which would break ``asyncio.run`` in the tests that run after these (and the
servers' memory is freed for them).
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aisle.settings import REPO_ROOT, load_settings
from ops.servers import RunningAssistant, running_assistant
from web.accounts import AgentAccounts

CHROMIUM = Path("/usr/bin/chromium")
#: Without the networking flags Chromium keeps calling Google's services on a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Git-ignored: running the tests never changes a tracked file. `make screenshots` copies
#: these over docs/screenshots.
SCREENSHOTS = REPO_ROOT / "results" / "screenshots"
AGENT_PASSWORD = f"pw-{uuid.uuid4().hex[:12]}"
#: The agent's own account (``python -m web.users add dana`` does the same).
AGENT_ACCOUNT = "dana"
API_TOKEN = uuid.uuid4().hex
#: A product whose name carries markup: the widget must show it as text.
SCRIPTED_ID = "MH03"
SCRIPTED_NAME = "Bruno <script>window.__aisleXss = 1</script><b>Compete</b> Hoodie"


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shop") / "shop.sqlite"


@pytest.fixture(scope="module")
def catalog_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the catalog where one hoodie's name holds a script tag."""
    source = Path(load_settings().catalog_url.removeprefix("sqlite:///"))
    if not source.exists():
        pytest.skip(f"no catalog at {source}: run `make import` first")
    copy = tmp_path_factory.mktemp("catalog") / "catalog.sqlite"
    shutil.copy(source, copy)
    with sqlite3.connect(copy) as connection:
        connection.execute("UPDATE products SET name = ? WHERE id = ?", (SCRIPTED_NAME, SCRIPTED_ID))
    return copy


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, shop_db: Path,
              catalog_db: Path) -> Iterator[RunningAssistant]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run scripts/install_browser.sh (make test does)")
    AgentAccounts(f"sqlite:///{shop_db}", rounds=4).add(AGENT_ACCOUNT, AGENT_PASSWORD)
    env = {"AISLE_STATE_DATABASE_URL": f"sqlite:///{shop_db}",
           "AISLE_DATABASE_URL": f"sqlite:///{catalog_db}"}
    with running_assistant(tmp_path_factory.mktemp("web"), extra_env=env, token=API_TOKEN,
                           web=True) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
