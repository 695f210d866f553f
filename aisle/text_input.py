"""Text that came from outside, made storable: no control characters, no lone surrogates.

JSON may spell a lone surrogate (``"\\udc00"``); Python keeps it in a ``str``, and every UTF-8
encoder after that (a database driver, an HTTP client, a JSON response) raises. Each entry
point cleans what it is sent with :func:`clean_text` before anything else uses it.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """``text`` without control characters (tab and newlines kept) or lone surrogates."""
    return _CONTROL.sub("", text.encode("utf-8", "ignore").decode("utf-8"))


def clean_value(value: Any) -> Any:
    """:func:`clean_text` for a string; anything else unchanged (for validators)."""
    return clean_text(value) if isinstance(value, str) else value
