"""A bounded load test: N concurrent simulated shoppers talking to the REST channel.

Each shopper looks for its own kind of product (women's jackets, bags, watches...) and mixes
search, refine, question, cart and policy turns. Every reply is checked against that shopper's
own context, so a lost reply (no answer, an HTTP error) or a misaddressed one (cards of another
shopper's product type, an answer citing a product this shopper was not shown, a cart holding
products this shopper never added, a payload that breaks the contract of
``dialogue.payloads``) is counted, never hidden. Latency per turn, turns per second
and the CPU and memory of every server process (psutil) are recorded. It stops by itself after
``max_seconds``; turns not started by then are reported as not run.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np

from dialogue.payloads import (
    AnswerPayload,
    CartPayload,
    Payload,
    PayloadError,
    ProductCard,
    ProductsPayload,
    parse_payload,
)

#: (what the shopper asks for, the category prefix every card must have)
SHOPPER_KINDS: tuple[tuple[str, str], ...] = (
    ("women's jackets", "Women/Tops/Jackets"),
    ("men's hoodies", "Men/Tops/Hoodies"),
    ("women's shorts", "Women/Bottoms/Shorts"),
    ("men's tees", "Men/Tops/Tees"),
    ("bags", "Gear/Bags"),
    ("watches", "Gear/Watches"),
    ("men's pants", "Men/Bottoms/Pants"),
    ("women's tees", "Women/Tops/Tees"),
)
#: One shopper's turns, repeated to the requested length.
TURN_PLAN = ("search", "refine", "question", "add", "cart", "policy", "search_colour", "question",
             "cart", "policy")
PRICE_BOUNDS = (40, 60, 80, 100)


@dataclass
class TurnRecord:
    kind: str
    seconds: float
    ok: bool
    problem: str = ""


@dataclass
class Shopper:
    """One simulated shopper and what it has been shown and has added."""

    sender: str
    wants: str
    category: str
    shown: list[ProductCard] = field(default_factory=list)
    added: set[str] = field(default_factory=set)
    records: list[TurnRecord] = field(default_factory=list)


def parse_reply(messages: list[dict[str, Any]]) -> list[Payload]:
    """The reply's payloads, parsed through the contract (raises :class:`PayloadError`)."""
    return [parse_payload(m["custom"]) for m in messages if m.get("custom")]


def turn_text(shopper: Shopper, kind: str, index: int) -> str:
    """What ``shopper`` types for a turn of ``kind``."""
    first = shopper.shown[0] if shopper.shown else None
    match kind:
        case "search":
            return f"show me {shopper.wants}"
        case "search_colour":
            return f"show me {shopper.wants} in black"
        case "refine":
            return f"under ${PRICE_BOUNDS[index % len(PRICE_BOUNDS)]} instead"
        case "question":
            return "is the first one waterproof?" if first else f"are {shopper.wants} durable?"
        case "add" if first and first.sizes and first.colors:
            return f"add the first one in size {first.sizes[0]} and {first.colors[0].lower()}"
        case "add":
            return "add the first one to my cart"
        case "cart":
            return "show me my cart"
        case _:
            return "what's your return policy?"


def check_reply(shopper: Shopper, kind: str, messages: list[dict[str, Any]]) -> str:
    """Empty when the reply fits this shopper's own context, else what is wrong with it."""
    if not messages:
        return "no reply"
    try:
        payloads = parse_reply(messages)
    except PayloadError as error:
        return str(error)
    for products in (p for p in payloads if isinstance(p, ProductsPayload)):
        wrong = [c.id for c in products.products if not c.category.startswith(shopper.category)]
        if wrong:
            return f"cards {wrong} are not {shopper.category}"
        if kind in ("search", "search_colour", "refine") and products.products:
            shopper.shown = list(products.products)
    shown_ids = {c.id for c in shopper.shown}
    for answer in (p for p in payloads if isinstance(p, AnswerPayload)):
        cited = {c.product_id for c in answer.citations if c.product_id}
        if cited - shown_ids:
            return f"answer cites {sorted(cited - shown_ids)}, not shown to this shopper"
    if kind == "add" and shopper.shown:
        shopper.added.add(shopper.shown[0].id)
    for cart in (p for p in payloads if isinstance(p, CartPayload) and p.type == "cart"):
        in_cart = {line.product_id for line in cart.items}
        if in_cart - shopper.added:
            return f"cart holds {sorted(in_cart - shopper.added)}, never added by this shopper"
    return ""


async def run_shopper(client: httpx.AsyncClient, url: str, shopper: Shopper, turns: int,
                      deadline: float) -> None:
    """Play ``turns`` turns of :data:`TURN_PLAN` for one shopper, stopping at ``deadline``."""
    for index in range(turns):
        if time.monotonic() > deadline:
            return
        kind = TURN_PLAN[index % len(TURN_PLAN)]
        text = turn_text(shopper, kind, index)
        started = time.perf_counter()
        try:
            response = await client.post(f"{url}/webhooks/rest/webhook",
                                         json={"sender": shopper.sender, "message": text})
            problem = (f"HTTP {response.status_code}" if response.status_code != 200
                       else check_reply(shopper, kind, response.json()))
        except (httpx.HTTPError, ValueError) as error:
            problem = f"{type(error).__name__}: {error}"
        shopper.records.append(TurnRecord(kind, time.perf_counter() - started, not problem,
                                          problem))


class ProcessSampler:
    """CPU and memory of named server processes (and their children), sampled once a second."""

    def __init__(self, pids: dict[str, int]) -> None:
        import psutil

        self._processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.cpu: dict[str, list[float]] = {name: [] for name in pids}
        self.rss_mb: dict[str, list[float]] = {name: [] for name in pids}
        for name in pids:
            self._tree(name)  # the first cpu_percent call of each process only primes it

    def _tree(self, name: str) -> tuple[float, float]:
        import psutil

        root = self._processes[name]
        cpu = rss = 0.0
        try:
            for process in [root, *root.children(recursive=True)]:
                cpu += process.cpu_percent(None)
                rss += process.memory_info().rss / 2**20
        except psutil.Error:
            pass
        return cpu, rss

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(1.0)
            for name in self._processes:
                cpu, rss = self._tree(name)
                self.cpu[name].append(cpu)
                self.rss_mb[name].append(rss)

    def summary(self) -> dict[str, dict[str, float]]:
        return {name: {"cpu_mean_pct": statistics.fmean(self.cpu[name] or [0.0]),
                       "cpu_max_pct": max(self.cpu[name] or [0.0]),
                       "rss_max_mb": max(self.rss_mb[name] or [0.0])}
                for name in self._processes}


@dataclass
class LoadReport:
    """What one load run measured."""

    shoppers: int
    turns_planned: int
    turns_run: int
    failures: list[str]
    latencies: list[float]
    seconds: float
    processes: dict[str, dict[str, float]]

    @property
    def lost_or_misaddressed(self) -> int:
        return len(self.failures)

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies, q)) if self.latencies else float("nan")

    @property
    def turns_per_second(self) -> float:
        return self.turns_run / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (f"{self.shoppers} shoppers, {self.turns_run}/{self.turns_planned} turns in "
                f"{self.seconds:.0f}s ({self.turns_per_second:.1f} turns/s); p50 "
                f"{self.percentile(50):.2f}s p95 {self.percentile(95):.2f}s p99 "
                f"{self.percentile(99):.2f}s; {self.lost_or_misaddressed} lost or misaddressed")


async def run_load(url: str, shoppers: int, turns: int, max_seconds: float,
                   pids: dict[str, int] | None = None, timeout: float = 300) -> LoadReport:
    """Run ``shoppers`` concurrent shoppers of ``turns`` turns against the REST channel at ``url``."""
    run_id = uuid.uuid4().hex[:8]
    crowd = [Shopper(f"load-{run_id}-{i}", *SHOPPER_KINDS[i % len(SHOPPER_KINDS)])
             for i in range(shoppers)]
    sampler = ProcessSampler(pids or {})
    stop = asyncio.Event()
    started = time.monotonic()
    deadline = started + max_seconds
    limits = httpx.Limits(max_connections=shoppers, max_keepalive_connections=shoppers)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        sampling = asyncio.create_task(sampler.run(stop))
        await asyncio.gather(*(run_shopper(client, url, s, turns, deadline) for s in crowd))
        stop.set()
        await sampling
    records = [r for s in crowd for r in s.records]
    return LoadReport(
        shoppers=shoppers, turns_planned=shoppers * turns, turns_run=len(records),
        failures=[f"{s.sender} {r.kind}: {r.problem}" for s in crowd for r in s.records if not r.ok],
        latencies=[r.seconds for r in records], seconds=time.monotonic() - started,
        processes=sampler.summary(),
    )


def markdown(reports: Sequence[tuple[str, LoadReport]]) -> str:
    """Two markdown tables: turn latency per profile, then CPU and memory per process."""
    lines = ["| profile | shoppers × turns | turns run | lost/misaddressed | turns/s | p50 s | "
             "p95 s | p99 s |", "|---|---|---|---|---|---|---|---|"]
    for name, r in reports:
        lines.append(f"| {name} | {r.shoppers} × {r.turns_planned // max(r.shoppers, 1)} | "
                     f"{r.turns_run} | {r.lost_or_misaddressed} | {r.turns_per_second:.2f} | "
                     f"{r.percentile(50):.2f} | {r.percentile(95):.2f} | {r.percentile(99):.2f} |")
    lines += ["", "| profile | process | CPU mean % | CPU max % | RSS max MiB |",
              "|---|---|---|---|---|"]
    for name, r in reports:
        for process, m in r.processes.items():
            lines.append(f"| {name} | {process} | {m['cpu_mean_pct']:.0f} | "
                         f"{m['cpu_max_pct']:.0f} | {m['rss_max_mb']:.0f} |")
    return "\n".join(lines)
