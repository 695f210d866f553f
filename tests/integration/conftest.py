"""Shared fixtures of the integration tests: the real MiniLM, loaded once."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    from knowledge.embedding import load_embedder

    return load_embedder()
