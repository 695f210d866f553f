"""Shoppers at chat pace, for Locust: each waits 5-15 s between messages, as a person types.

    locust -f ops/locust_shoppers.py --headless -u 300 -r 5 -t 10m --host http://127.0.0.1:5005

``scripts/chat_pace_load.py`` starts a profile and runs this file for the benchmark. Each
simulated shopper plays the load test's conversation (:data:`ops.load.TURN_PLAN`) over the REST
channel and every reply is checked against its own context by :func:`ops.load.check_reply`: a
lost, misaddressed or contract-breaking reply is a Locust failure, named by the turn's kind.
After one pass through the plan the shopper leaves and a new one arrives under a new sender id.
"""

from __future__ import annotations

import itertools
import uuid

from locust import HttpUser, between, task

from ops.load import SHOPPER_KINDS, TURN_PLAN, Shopper, check_reply, turn_text

REPLY_TIMEOUT_SECONDS = 60
_arrivals = itertools.count()


class ChatShopper(HttpUser):
    """One shopper talking to the REST channel at chat pace."""

    wait_time = between(5, 15)

    def on_start(self) -> None:
        self._arrive()

    def _arrive(self) -> None:
        wants, category = SHOPPER_KINDS[next(_arrivals) % len(SHOPPER_KINDS)]
        self.shopper = Shopper(f"chat-pace-{uuid.uuid4().hex[:12]}", wants, category)
        self.turn = 0

    @task
    def say_the_next_thing(self) -> None:
        kind = TURN_PLAN[self.turn % len(TURN_PLAN)]
        text = turn_text(self.shopper, kind, self.turn)
        with self.client.post("/webhooks/rest/webhook", name=kind, catch_response=True,
                              json={"sender": self.shopper.sender, "message": text},
                              timeout=REPLY_TIMEOUT_SECONDS) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            else:
                try:
                    problem = check_reply(self.shopper, kind, response.json())
                except ValueError as error:
                    problem = f"reply is not JSON: {error}"
                if problem:
                    response.failure(problem)
                else:
                    response.success()
        self.turn += 1
        if self.turn >= len(TURN_PLAN):
            self._arrive()
