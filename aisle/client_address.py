"""The shopper's or agent's own address, behind proxies only when they are trusted.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only when the
connecting peer is one of the configured proxies (``AISLE_TRUSTED_PROXIES``). The header is
then read from the right: each trusted proxy appended the address it saw, and the first
address that is not a trusted proxy is the client. Anything a client put further left is
ignored, so a client cannot pick the address its rate limits are counted under.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(text: str) -> Network:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as error:
        raise ValueError(f"not an address or network: {text.strip()!r}") from error


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class TrustedProxies:
    """The networks whose forwarded addresses are believed."""

    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str | Iterable[str]) -> TrustedProxies:
        """From ``"127.0.0.1, 10.0.0.0/8"`` (or a list); a bad entry raises ``ValueError``."""
        items = text.split(",") if isinstance(text, str) else list(text)
        return cls(tuple(_network(item) for item in items if item.strip()))

    def trusts(self, address: str | None) -> bool:
        parsed = _address(address or "")
        return parsed is not None and any(parsed in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client's address given the connecting ``peer`` and its ``X-Forwarded-For``."""
        peer = (peer or "").strip() or "unknown"
        if not forwarded_for or not self.trusts(peer):
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",")][-32:]
        for hop in reversed(hops):
            parsed = _address(hop)
            if parsed is None:
                return peer  # a garbled header from a trusted proxy: fall back to the proxy
            if not any(parsed in network for network in self.networks):
                return str(parsed)
        return str(_address(hops[0]) or peer)
