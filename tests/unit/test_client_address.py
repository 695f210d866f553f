import pytest

from aisle.client_address import TrustedProxies


def test_forwarded_addresses_are_ignored_without_trusted_proxies():
    proxies = TrustedProxies.parse("")
    assert proxies.client("203.0.113.5", "198.51.100.7") == "203.0.113.5"


def test_a_trusted_proxy_forwards_the_client_address():
    proxies = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8")
    assert proxies.client("127.0.0.1", "198.51.100.7") == "198.51.100.7"
    assert proxies.client("10.1.2.3", "198.51.100.7, 10.0.0.9") == "198.51.100.7"


def test_an_untrusted_peer_cannot_choose_its_address():
    proxies = TrustedProxies.parse("127.0.0.1")
    assert proxies.client("203.0.113.5", "127.0.0.1") == "203.0.113.5"


def test_addresses_a_client_put_left_of_the_proxy_hop_are_ignored():
    proxies = TrustedProxies.parse("127.0.0.1")
    # The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw.
    assert proxies.client("127.0.0.1", "1.2.3.4, 198.51.100.7") == "198.51.100.7"


def test_garbled_headers_fall_back_to_the_peer():
    proxies = TrustedProxies.parse("127.0.0.1")
    assert proxies.client("127.0.0.1", "not-an-address") == "127.0.0.1"
    assert proxies.client("127.0.0.1", "[2001:db8::1]:443") == "2001:db8::1"


def test_a_bad_proxy_entry_is_refused_with_its_text():
    with pytest.raises(ValueError, match="nonsense"):
        TrustedProxies.parse("127.0.0.1, nonsense")
