"""Database errors never carry a shopper's data into the logs (issue 17)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from aisle.db import make_engine


def test_a_failed_statement_does_not_show_its_bound_values(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'shop.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE contacts (email TEXT UNIQUE)"))
        connection.execute(text("INSERT INTO contacts VALUES (:email)"), {"email": "ann@example.com"})
    with caplog.at_level(logging.ERROR), pytest.raises(IntegrityError) as error, engine.begin() as c:
        c.execute(text("INSERT INTO contacts VALUES (:email)"), {"email": "ann@example.com"})
    logging.getLogger("aisle.test").error("write failed: %s", error.value)
    assert "UNIQUE constraint failed" in str(error.value)
    assert "ann@example.com" not in str(error.value)
    assert "ann@example.com" not in caplog.text


def test_a_caller_may_still_ask_for_parameters_in_a_debugging_session(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}", hide_parameters=False)
    assert engine.hide_parameters is False
    assert make_engine(f"sqlite:///{tmp_path / 'y.sqlite'}").hide_parameters is True
