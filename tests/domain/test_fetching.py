"""The JSON fetcher (docs/SECURITY.md, "Uploads and fetched URLs"): schemes, the address guard after DNS,
redirects re-checked at each hop, time and size bounds, JSON only, one clear message per failure.

Everything runs against the local portal server on 127.0.0.1 or against addresses that are refused
before any connection; no test resolves a public host name.
"""

from __future__ import annotations

import ipaddress
import time

import pytest

from events.domain import fetching
from events.domain.fetching import FetchError, address_is_allowed, fetch_json

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "::1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "0.0.0.0",  # noqa: S104 (an address to refuse, not to bind)
        "::",
        "224.0.0.1",
        "ff02::1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",  # documentation range
        "::ffff:127.0.0.1",  # IPv4-mapped IPv6
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
        "2002:a9fe:a9fe::",  # 6to4 around 169.254.169.254
    ],
)
def test_address_guard_refuses_non_public_addresses(address):
    assert address_is_allowed(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "151.101.1.69", "2606:4700::6810:84e5", "::ffff:8.8.8.8"]
)
def test_address_guard_lets_public_addresses_through(address):
    assert address_is_allowed(ipaddress.ip_address(address)) is True


@pytest.mark.parametrize("address", ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"])
def test_allow_private_permits_loopback(address):
    assert address_is_allowed(ipaddress.ip_address(address), allow_private=True) is True


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "fe80::1",
        "10.0.0.1",
        "192.168.0.10",
        "0.0.0.0",  # noqa: S104 (an address to refuse, not to bind)
        "224.0.0.1",
        "::ffff:169.254.169.254",
    ],
)
def test_allow_private_still_refuses_link_local_private_and_odd_addresses(address):
    assert address_is_allowed(ipaddress.ip_address(address), allow_private=True) is False


async def test_fetch_returns_the_json_document(portal):
    fetched = await fetch_json(portal("/plain.json"), allow_private=True)

    assert fetched.data == {"ok": True}
    assert fetched.url == portal("/plain.json")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.1:1/api",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.1/",
        "http://192.168.1.254/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://localhost/",  # a name that resolves to loopback
        "http://2130706433/",  # 127.0.0.1 written as one number
        "http://0x7f.1/",
    ],
)
async def test_fetch_refuses_local_and_private_addresses(url):
    with pytest.raises(FetchError) as caught:
        await fetch_json(url)

    assert caught.value.reason == "forbidden_address"
    assert caught.value.message == (
        "This address leads to a private or local network, which the server does not fetch."
    )


async def test_fetch_refuses_the_local_portal_unless_private_addresses_are_allowed(portal):
    with pytest.raises(FetchError) as caught:
        await fetch_json(portal("/plain.json"))

    assert caught.value.reason == "forbidden_address"
    assert portal.requests == []


async def test_fetch_refuses_a_name_resolving_to_loopback(portal):
    with pytest.raises(FetchError) as caught:
        await fetch_json(f"http://localhost:{portal.port}/plain.json")

    assert caught.value.reason == "forbidden_address"
    assert portal.requests == []


async def test_fetch_reaches_localhost_by_name_when_allowed(portal):
    fetched = await fetch_json(f"http://localhost:{portal.port}/plain.json", allow_private=True)

    assert fetched.data == {"ok": True}


async def test_metadata_address_is_refused_even_when_private_addresses_are_allowed():
    with pytest.raises(FetchError) as caught:
        await fetch_json("http://169.254.169.254/latest/meta-data/", allow_private=True)

    assert caught.value.reason == "forbidden_address"


@pytest.mark.parametrize(
    ("url", "reason", "message"),
    [
        ("file:///etc/passwd", "bad_scheme", "Only http:// and https:// addresses can be used."),
        ("gopher://127.0.0.1:70/_", "bad_scheme", "Only http:// and https:// addresses can be used."),
        ("ftp://example.org/data.json", "bad_scheme", "Only http:// and https:// addresses can be used."),
        ("javascript:alert(1)", "bad_scheme", "Only http:// and https:// addresses can be used."),
        ("not a url", "invalid_url", "This address is not valid."),
        ("http://", "invalid_url", "This address is not valid."),
        ("/relative/path", "invalid_url", "This address is not valid."),
        ("http://exa mple.org/", "invalid_url", "This address is not valid."),
        (
            "http://user:pass@127.0.0.1/",
            "invalid_url",
            "An address with a user name or password cannot be used.",
        ),
    ],
)
async def test_fetch_refuses_other_schemes_and_invalid_urls(url, reason, message):
    with pytest.raises(FetchError) as caught:
        await fetch_json(url, allow_private=True)

    assert caught.value.reason == reason
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("path", "reason", "message"),
    [
        ("/broken/404", "not_found", "Nothing was found at this address (HTTP 404)."),
        ("/broken/410", "not_found", "Nothing was found at this address (HTTP 410)."),
        ("/broken/500", "server_error", "The portal has a problem of its own (HTTP 500). Try again later."),
        ("/broken/403", "http_error", "The portal answered with an error (HTTP 403)."),
        (
            "/broken/html",
            "not_json",
            "This address shows a web page, not the portal's data. Paste the address of a dataset page.",
        ),
        ("/broken/not-json", "not_json", "The portal's answer is not JSON."),
        ("/broken/huge", "too_large", "The portal's answer is too large (over 5\u00a0MB)."),
        ("/broken/huge-declared", "too_large", "The portal's answer is too large (over 5\u00a0MB)."),
        ("/broken/loop", "too_many_redirects", "This address redirects too many times."),
        ("/redirect/4", "too_many_redirects", "This address redirects too many times."),
    ],
)
async def test_fetch_failure_has_its_own_message(portal, path, reason, message):
    with pytest.raises(FetchError) as caught:
        await fetch_json(portal(path), allow_private=True)

    assert caught.value.reason == reason
    assert caught.value.message == message


async def test_fetch_follows_up_to_three_redirects(portal):
    fetched = await fetch_json(portal("/redirect/3"), allow_private=True)

    assert fetched.data == {"ok": True}
    assert fetched.url == portal("/plain.json")


async def test_redirect_loop_stops_after_the_fourth_request(portal):
    with pytest.raises(FetchError):
        await fetch_json(portal("/broken/loop"), allow_private=True)

    assert portal.requests == ["/broken/loop"] * 4


@pytest.mark.parametrize(
    ("path", "allow_private"), [("/broken/to-metadata", True), ("/broken/to-private", True)]
)
async def test_redirect_to_a_forbidden_address_is_refused_even_with_private_allowed(
    portal, path, allow_private
):
    with pytest.raises(FetchError) as caught:
        await fetch_json(portal(path), allow_private=allow_private)

    assert caught.value.reason == "forbidden_address"


async def test_slow_portal_times_out_with_a_clear_message(portal):
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        await fetch_json(portal("/broken/slow"), allow_private=True, total_timeout=0.3)

    assert caught.value.reason == "timeout"
    assert caught.value.message == "The portal took too long to answer. Try again later."
    assert time.monotonic() - started < 1.2


async def test_size_limit_is_configurable(portal):
    with pytest.raises(FetchError) as caught:
        await fetch_json(portal("/broken/huge"), allow_private=True, max_bytes=1024 * 1024)

    assert caught.value.message == "The portal's answer is too large (over 1\u00a0MB)."


async def test_nothing_listening_is_reported_as_unreachable():
    with pytest.raises(FetchError) as caught:
        await fetch_json("http://127.0.0.1:9/nothing", allow_private=True)

    assert caught.value.reason == "unreachable"
    assert caught.value.message == "The portal could not be reached."


def test_limits_are_the_documented_ones():
    assert fetching.MAX_BYTES == 5 * 1024 * 1024
    assert fetching.MAX_REDIRECTS == 3
    assert fetching.CONNECT_TIMEOUT == 5.0
    assert fetching.TOTAL_TIMEOUT == 10.0
