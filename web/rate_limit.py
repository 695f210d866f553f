"""Rate limiting in the web app: per sender on the shopper endpoints (sliding one-minute
window), and failed console sign-ins per client and overall (:class:`SignInThrottle`).

One process keeps the counts in memory: with several web app processes each limits its own
share, which bounds abuse without a shared store. Keys are conversation ids and client
addresses; the least recently seen keys are forgotten past ``max_keys``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class RateLimiter:
    """At most ``limit`` requests per key in any ``window`` seconds."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and a positive window")
        self.limit, self.window, self.max_keys, self.clock = limit, window, max_keys, clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Count one request for ``key``: None when allowed, else whole seconds to wait."""
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
        """Take back the latest request counted for ``key`` (one that turned out harmless)."""
        with self._lock:
            times = self._seen.get(key)
            if times:
                times.pop()


class SignInThrottle:
    """At most ``per_client`` sign-in failures from one client address, and ``overall`` from
    everyone together, in any ``window`` seconds.

    Each attempt is counted before its password is checked (so concurrent guesses cannot slip
    past the limit) and taken back when it succeeds; while a limit is reached every attempt is
    refused unchecked, the right password too, so a guesser learns nothing from it.
    """

    EVERYONE = "*"

    def __init__(self, per_client: int = 10, overall: int = 100, window: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.clients = RateLimiter(per_client, window, clock=clock)
        self.everyone = RateLimiter(overall, window, clock=clock)

    def attempt(self, client: str) -> int | None:
        """Count one attempt from ``client``: None to go on, else whole seconds to wait."""
        wait = self.clients.retry_after(client)
        if wait is not None:
            return wait
        wait = self.everyone.retry_after(self.EVERYONE)
        if wait is not None:
            self.clients.forget_last(client)
        return wait

    def succeeded(self, client: str) -> None:
        """The attempt from ``client`` signed in: it is no failure."""
        self.clients.forget_last(client)
        self.everyone.forget_last(self.EVERYONE)
