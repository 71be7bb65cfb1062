"""Fetching JSON from an address someone pasted, without letting it reach the server's own network.

docs/SECURITY.md, "Uploads and fetched URLs" (EvalAI#4970 SSRF). For every hop (the first request and each
redirect, at most `MAX_REDIRECTS`):

- the scheme must be http or https;
- the host is resolved here, and every address it resolves to must be public (`address_is_allowed`);
- the request is sent to that checked address, with the original `Host` header and TLS server name,
  so a second DNS answer (DNS rebinding) cannot send it elsewhere; certificates are still checked
  against the host name;
- time (connect, and a total for all hops) and size (streamed, aborted past `MAX_BYTES`) are bounded;
- the answer must be JSON.

`post` sends a body under the same guard (webhook deliveries): one hop, no redirect followed, the
answer's body read within a bound and dropped.

`allow_private=True` (the FETCH_ALLOW_PRIVATE setting, for the tests' local portal server) permits
loopback addresses only (127.0.0.0/8 and ::1). Link-local addresses, where cloud metadata services
live (169.254.169.254, fe80::/10), private networks, multicast, reserved and unspecified addresses
stay refused whatever the setting.

Every failure raises `FetchError`, whose message is translated for the person who pasted the address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
import ssl
from dataclasses import dataclass
from functools import cache
from typing import Any

import certifi
import httpx

from events.domain.numbers import parse_int
from events.i18n import _, format_megabytes

log = logging.getLogger("hackcity.fetching")

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 10.0
USER_AGENT = "hackcity (open-data challenges; dataset catalogue)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """A fetch that failed. `reason` is a stable code for tests and logs; `message` is for the user."""

    def __init__(self, reason: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status

    @property
    def gone(self) -> bool:
        """The source answered that the document does not exist (any more)."""
        return self.reason == "not_found"


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    data: Any


@cache
def _tls_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle for every fetch costs a noticeable fraction of a second."""
    return ssl.create_default_context(cafile=certifi.where())


def address_is_allowed(address: IPAddress, *, allow_private: bool = False) -> bool:
    """May the server connect to this address? Only public unicast ones, or loopback when allowed."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is not None:
            return address_is_allowed(embedded, allow_private=allow_private)
    if address.is_loopback:
        return allow_private
    return address.is_global and not (
        address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses a host name stands for (an IP literal stands for itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise FetchError("unresolved", _("The server name of this address cannot be found.")) from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError("unresolved", _("The server name of this address cannot be found."))
    return addresses


def parse_url(url: str) -> httpx.URL:
    """An absolute http(s) URL with a host, or FetchError."""
    text = url.strip()
    if any(ch in text for ch in "\r\n\t\x00 "):
        raise FetchError("invalid_url", _("This address is not valid."))
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError("invalid_url", _("This address is not valid.")) from None
    if parsed.scheme not in ("http", "https"):
        if parsed.scheme:
            raise FetchError("bad_scheme", _("Only http:// and https:// addresses can be used."))
        raise FetchError("invalid_url", _("This address is not valid."))
    if not parsed.host:
        raise FetchError("invalid_url", _("This address is not valid."))
    if parsed.userinfo:
        raise FetchError("invalid_url", _("An address with a user name or password cannot be used."))
    return parsed


async def checked_addresses(url: httpx.URL, *, allow_private: bool) -> list[IPAddress]:
    host = url.raw_host.decode("ascii").strip("[]")
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = await resolve(host, port)
    if not all(address_is_allowed(a, allow_private=allow_private) for a in addresses):
        log.warning("refused fetch of %s: %s", _origin(url), ", ".join(map(str, addresses)))
        raise FetchError(
            "forbidden_address",
            _("This address leads to a private or local network, which the server does not fetch."),
        )
    return addresses


async def fetch_json(
    url: str,
    *,
    allow_private: bool = False,
    total_timeout: float | None = None,
    connect_timeout: float | None = None,
    max_bytes: int | None = None,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """GET a JSON document under the rules of this module's docstring."""
    total = TOTAL_TIMEOUT if total_timeout is None else total_timeout
    limits = httpx.Timeout(total, connect=min(total, connect_timeout or CONNECT_TIMEOUT))
    current = parse_url(url)
    try:
        async with (
            asyncio.timeout(total),
            httpx.AsyncClient(
                timeout=limits, trust_env=False, follow_redirects=False, verify=_tls_context()
            ) as client,
        ):
            for _hop in range(max_redirects + 1):
                addresses = await checked_addresses(current, allow_private=allow_private)
                location = await _get(client, current, addresses, max_bytes or MAX_BYTES)
                if isinstance(location, Fetched):
                    return location
                current = location
    except TimeoutError:
        raise FetchError("timeout", _("The portal took too long to answer. Try again later.")) from None
    raise FetchError("too_many_redirects", _("This address redirects too many times."))


async def _get(
    client: httpx.AsyncClient, url: httpx.URL, addresses: list[IPAddress], max_bytes: int
) -> Fetched | httpx.URL:
    """One hop: the document, or where a redirect points (already parsed, not yet checked)."""
    response = await _open(client, "GET", url, addresses, {"Accept": "application/json"})
    try:
        return await _read(response, url, max_bytes)
    except httpx.TimeoutException:
        raise FetchError("timeout", _("The portal took too long to answer. Try again later.")) from None
    except httpx.TransportError:
        raise FetchError("unreachable", _("The portal could not be reached.")) from None
    finally:
        await response.aclose()


async def _open(
    client: httpx.AsyncClient,
    method: str,
    url: httpx.URL,
    addresses: list[IPAddress],
    headers: dict[str, str],
    content: bytes | None = None,
) -> httpx.Response:
    """Send one request to the first of the checked addresses that accepts the connection, with the
    URL's own Host header and TLS server name. The answer is streamed: the caller closes it."""
    headers = {"Host": url.netloc.decode("ascii"), "User-Agent": USER_AGENT, **headers}
    extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else {}
    last_error: httpx.TransportError | None = None
    for address in addresses:
        pinned = url.copy_with(host=str(address))
        request = client.build_request(
            method, pinned, headers=headers, extensions=extensions, content=content
        )
        try:
            return await client.send(request, stream=True)
        except httpx.ConnectError as error:
            last_error = error  # try the next address of the host, like a browser does
            continue
        except httpx.TimeoutException:
            raise FetchError("timeout", _("The portal took too long to answer. Try again later.")) from None
        except httpx.TransportError:
            raise FetchError("unreachable", _("The portal could not be reached.")) from None
    log.info("%s of %s failed: %s", method, _origin(url), _loggable(str(last_error)))
    raise FetchError("unreachable", _("The portal could not be reached."))


@dataclass(frozen=True)
class Posted:
    status: int  # the receiver's HTTP status; a redirect is not followed, its 3xx is the answer


async def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    allow_private: bool = False,
    total_timeout: float | None = None,
    connect_timeout: float | None = None,
    max_bytes: int = 64 * 1024,
) -> Posted:
    """POST `body` to an address under the rules of this module's docstring, in one hop: a redirect
    is never followed (its status is returned), and at most `max_bytes` of the answer are read, then
    dropped. Failures raise `FetchError`, whose `reason` says what happened (its message speaks of a
    portal: callers that are not about portals show their own words for the reason)."""
    total = TOTAL_TIMEOUT if total_timeout is None else total_timeout
    limits = httpx.Timeout(total, connect=min(total, connect_timeout or CONNECT_TIMEOUT))
    target = parse_url(url)
    try:
        async with (
            asyncio.timeout(total),
            httpx.AsyncClient(
                timeout=limits, trust_env=False, follow_redirects=False, verify=_tls_context()
            ) as client,
        ):
            addresses = await checked_addresses(target, allow_private=allow_private)
            response = await _open(client, "POST", target, addresses, headers, body)
            try:
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read >= max_bytes:
                        break
            except httpx.TimeoutException:
                raise FetchError(
                    "timeout", _("The portal took too long to answer. Try again later.")
                ) from None
            except httpx.TransportError:
                pass  # the status line and headers arrived: the answer is what counts
            finally:
                await response.aclose()
            return Posted(status=response.status_code)
    except TimeoutError:
        raise FetchError("timeout", _("The portal took too long to answer. Try again later.")) from None


async def _read(response: httpx.Response, url: httpx.URL, max_bytes: int) -> Fetched | httpx.URL:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = response.headers.get("location", "")
        if not location:
            raise FetchError(
                "http_error", _("The portal answered with an error (HTTP %(status)s).", status=status)
            )
        try:
            target = url.join(location)
        except (httpx.InvalidURL, ValueError):
            raise FetchError("invalid_url", _("The portal redirects to an invalid address.")) from None
        return parse_url(str(target))
    if status in (404, 410):
        raise FetchError(
            "not_found",
            _("Nothing was found at this address (HTTP %(status)s).", status=status),
            status=status,
        )
    if status >= 500:
        raise FetchError(
            "server_error",
            _("The portal has a problem of its own (HTTP %(status)s). Try again later.", status=status),
            status=status,
        )
    if status != 200:
        raise FetchError(
            "http_error",
            _("The portal answered with an error (HTTP %(status)s).", status=status),
            status=status,
        )
    declared = response.headers.get("content-length", "")
    if (parse_int(declared) or 0) > max_bytes:
        raise FetchError(
            "too_large",
            _(
                "The portal's answer is too large (over %(size)s).",
                size=format_megabytes(max_bytes / (1024 * 1024)),
            ),
        )
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise FetchError(
                "too_large",
                _(
                    "The portal's answer is too large (over %(size)s).",
                    size=format_megabytes(max_bytes / (1024 * 1024)),
                ),
            )
    content_type = response.headers.get("content-type", "").lower()
    if "html" in content_type or bytes(body[:200]).lstrip().startswith(b"<"):
        raise FetchError(
            "not_json",
            _("This address shows a web page, not the portal's data. Paste the address of a dataset page."),
        )
    try:
        data = json.loads(bytes(body))
    except (ValueError, UnicodeDecodeError):
        raise FetchError("not_json", _("The portal's answer is not JSON.")) from None
    return Fetched(url=str(url), data=data)


def _origin(url: httpx.URL) -> str:
    """Where a request went, for the log: the scheme, host and port only. A path or a query may hold
    a secret (many webhook addresses carry a token)."""
    return _loggable(f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}")


def _loggable(value: object) -> str:
    """User input in a log line: repr() escapes CR/LF and other control characters."""
    return repr(str(value)[:200])
