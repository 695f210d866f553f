"""Shared fixtures of the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """An HTTP client patient enough for one turn on a busy two-core machine."""
    with httpx.Client(timeout=180) as http:
        yield http
