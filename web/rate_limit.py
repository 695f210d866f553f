"""Rate limiting in the web app: per sender on the shopper endpoints (sliding one-minute
window, :class:`aisle.rate_limit.SlidingWindowLimiter`, the Rasa channels' too), and failed
console sign-ins per client and overall (:class:`SignInThrottle`).

One process keeps the counts in memory: with several web app processes each limits its own
share, which bounds abuse without a shared store. Keys are conversation ids and client
addresses; the least recently seen keys are forgotten past ``max_keys``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aisle.rate_limit import SlidingWindowLimiter


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
        self.clients = SlidingWindowLimiter(per_client, window, clock=clock)
        self.everyone = SlidingWindowLimiter(overall, window, clock=clock)

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
