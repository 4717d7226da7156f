"""Who is really on the other end of a request that came through reverse proxies.

Behind a TLS-terminating proxy the direct peer is the proxy and the scheme is plain
HTTP. ``X-Forwarded-For`` and ``X-Forwarded-Proto`` say what the proxy saw, but anyone
can send those headers, so they are believed only from the proxies the operator names
(``MEDREC_TRUSTED_PROXIES``, given here as networks). The client is the right-most
address in the chain that is not itself a trusted proxy: every hop appends the address
it received the request from, so entries left of the first untrusted one may be forged.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Peer:
    """The client address and whether the client's own connection was HTTPS."""

    ip: str
    https: bool


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "10.0.0.1:443"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(text: str, trusted: tuple[Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in trusted)


def resolve_peer(
    direct_ip: str,
    direct_https: bool,
    forwarded_for: str | None,
    forwarded_proto: str | None,
    trusted: tuple[Network, ...],
) -> Peer:
    """The real client of a request whose direct peer is ``direct_ip``.

    Forwarding headers from an untrusted peer are ignored entirely.
    """
    if not _is_trusted(direct_ip, trusted):
        return Peer(direct_ip, direct_https)
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    client = direct_ip
    for hop in reversed(hops):
        if _address(hop) is None:
            break
        client = str(_address(hop))
        if not _is_trusted(hop, trusted):
            break
    # Each proxy may append its own value; the left-most is what the first proxy saw.
    protos = [p.strip().lower() for p in (forwarded_proto or "").split(",") if p.strip()]
    https = protos[0] in ("https", "wss") if protos else direct_https
    return Peer(client, https)
