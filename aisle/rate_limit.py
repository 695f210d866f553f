"""A sliding-window rate limiter kept in one process's memory.

Used by the Rasa channels (:mod:`bot.channel_limits`) and the web app (:mod:`web.shop_routes`,
:mod:`web.rate_limit`'s sign-in throttle). Keys are conversation ids and
client addresses; the least recently seen keys are forgotten past ``max_keys``, so a flood of
made-up keys costs bounded memory. With several processes each limits its own share.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """At most ``limit`` requests per key in any ``window`` seconds."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0 or max_keys < 1:
            raise ValueError("a rate limit needs limit >= 1, a positive window and max_keys >= 1")
        self.limit, self.window, self.max_keys, self.clock = limit, window, max_keys, clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Count one request for ``key``: ``None`` when allowed, else whole seconds to wait.

        A refused request is not counted, so a client that keeps knocking waits no longer than
        one that stops.
        """
        now = self.clock()
        with self._lock:
            times = self._seen.pop(key, None) or deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            self._seen[key] = times
            if len(self._seen) > self.max_keys:
                self._seen.popitem(last=False)
            if len(times) >= self.limit:
                return max(1, math.ceil(times[0] + self.window - now))
            times.append(now)
            return None

    def forget_last(self, key: str) -> None:
        """Take back the latest request counted for ``key`` (one refused by another limit)."""
        with self._lock:
            times = self._seen.get(key)
            if times:
                times.pop()
