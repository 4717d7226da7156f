"""Forwarding headers are believed only from the proxies the operator trusts."""

from __future__ import annotations

import pytest

from medrec_app.domain.forwarding import Peer, resolve_peer
from medrec_app.settings import Settings

PROXIES = Settings(trusted_proxies=["10.0.0.5", "172.16.0.0/12"]).trusted_proxy_networks


def test_without_trusted_proxies_the_headers_are_ignored():
    peer = resolve_peer("203.0.113.9", False, "198.51.100.1", "https", ())
    assert peer == Peer("203.0.113.9", https=False)


def test_headers_from_an_untrusted_peer_are_ignored():
    peer = resolve_peer("203.0.113.9", False, "198.51.100.1", "https", PROXIES)
    assert peer == Peer("203.0.113.9", https=False)


def test_a_trusted_proxy_names_the_client_and_its_scheme():
    peer = resolve_peer("10.0.0.5", False, "198.51.100.1", "https", PROXIES)
    assert peer == Peer("198.51.100.1", https=True)


def test_a_client_cannot_forge_its_address_through_the_proxy():
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real address.
    peer = resolve_peer("10.0.0.5", False, "1.2.3.4, 198.51.100.1", "https", PROXIES)
    assert peer.ip == "198.51.100.1"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    peer = resolve_peer("10.0.0.5", False, "198.51.100.1, 172.20.1.1", "https", PROXIES)
    assert peer.ip == "198.51.100.1"


def test_addresses_with_ports_and_ipv6_are_understood():
    assert resolve_peer("10.0.0.5", False, "[2001:db8::1]:5555", None, PROXIES).ip == (
        "2001:db8::1"
    )
    assert resolve_peer("10.0.0.5", False, "198.51.100.1:443", None, PROXIES).ip == ("198.51.100.1")


def test_a_trusted_proxy_without_headers_is_the_client():
    assert resolve_peer("10.0.0.5", True, None, None, PROXIES) == Peer("10.0.0.5", https=True)


def test_garbage_in_the_chain_stops_the_walk():
    peer = resolve_peer("10.0.0.5", False, "198.51.100.1, not-an-ip", "http", PROXIES)
    assert peer == Peer("10.0.0.5", https=False)


@pytest.mark.parametrize("proto,https", [("https", True), ("HTTPS, http", True), ("http", False)])
def test_the_first_proxy_decides_the_scheme(proto: str, https: bool):
    assert resolve_peer("10.0.0.5", False, "198.51.100.1", proto, PROXIES).https is https


def test_a_bad_trusted_proxy_entry_is_named():
    with pytest.raises(ValueError, match=r"MEDREC_TRUSTED_PROXIES: '10\.0\.0\.300'"):
        Settings(trusted_proxies=["10.0.0.300"])
