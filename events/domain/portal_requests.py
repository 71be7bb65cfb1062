"""Sending a body to a portal's API (publishing a reuse), under the rules of the dataset fetcher.

docs/SECURITY.md, "Reuses on open-data portals". The address an organiser typed is checked like a
pasted dataset address (`events.domain.fetching`): http or https, no user name, the host resolved here
and every address it resolves to public (loopback only with FETCH_ALLOW_PRIVATE, for the tests' local
portal), the request sent to that checked address with the original Host header and TLS server name.
Redirects are not followed: a redirected POST would lose its body or reach another host, so a
redirect is answered as an error that names where the portal points. Time (connect, and a total) and
the size of the answer are bounded.

The answer comes back whatever its status (`PortalAnswer`): what a status means is for the caller.
Network failures raise `FetchError`, with a message for the organiser. Nothing here logs a header:
the API key travels in one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from events.domain.fetching import FetchError, IPAddress, _tls_context, checked_addresses, parse_url
from events.i18n import _

log = logging.getLogger("hackcity.portals")

MAX_ANSWER_BYTES = 1024 * 1024
CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 20.0
USER_AGENT = "hackcity (open-data challenges; reuse publication)"


@dataclass(frozen=True)
class PortalAnswer:
    status: int
    data: Any  # the JSON answer, or None when there was none or it was not JSON
    location: str = ""  # where a redirect points


@dataclass(frozen=True)
class Upload:
    """One file of a multipart body."""

    field: str
    filename: str
    content: bytes
    content_type: str


async def send(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    json_body: Any = None,
    upload: Upload | None = None,
    allow_private: bool = False,
    total_timeout: float | None = None,
) -> PortalAnswer:
    """Send `json_body` (or `upload`, as multipart/form-data) to `url`; the portal's answer."""
    target = parse_url(url)
    total_timeout = TOTAL_TIMEOUT if total_timeout is None else total_timeout
    limits = httpx.Timeout(total_timeout, connect=min(total_timeout, CONNECT_TIMEOUT))
    try:
        async with (
            asyncio.timeout(total_timeout),
            httpx.AsyncClient(
                timeout=limits, trust_env=False, follow_redirects=False, verify=_tls_context()
            ) as client,
        ):
            addresses = await checked_addresses(target, allow_private=allow_private)
            return await _send(client, method, target, addresses, headers, json_body, upload)
    except TimeoutError:
        raise _timeout() from None


def _timeout() -> FetchError:
    return FetchError("timeout", _("The portal took too long to answer. Try again later."))


def _unreachable() -> FetchError:
    return FetchError("unreachable", _("The portal could not be reached."))


async def _send(
    client: httpx.AsyncClient,
    method: str,
    url: httpx.URL,
    addresses: list[IPAddress],
    headers: dict[str, str],
    json_body: Any,
    upload: Upload | None,
) -> PortalAnswer:
    sent_headers = {
        **headers,
        "Host": url.netloc.decode("ascii"),
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }
    extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else {}
    body: dict[str, Any] = {}
    if upload is not None:
        body["files"] = {upload.field: (upload.filename, upload.content, upload.content_type)}
    elif json_body is not None:
        body["json"] = json_body
    for address in addresses:
        pinned = url.copy_with(host=str(address))
        request = client.build_request(method, pinned, headers=sent_headers, extensions=extensions, **body)
        try:
            response = await client.send(request, stream=True)
        except httpx.ConnectError:
            continue  # the next address of the host, like a browser does
        except httpx.TimeoutException:
            raise _timeout() from None
        except httpx.TransportError:
            raise _unreachable() from None
        try:
            answer = await _read(response)
        except httpx.TimeoutException:
            raise _timeout() from None
        except httpx.TransportError:
            raise _unreachable() from None
        finally:
            await response.aclose()
        log.info("%s %s: HTTP %s", method, _loggable(str(url)), answer.status)
        return answer
    log.info("%s %s: no address of the portal answered", method, _loggable(str(url)))
    raise _unreachable()


async def _read(response: httpx.Response) -> PortalAnswer:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise _too_large()
    content = bytearray()
    async for chunk in response.aiter_bytes():
        content.extend(chunk)
        if len(content) > MAX_ANSWER_BYTES:
            raise _too_large()
    data = None
    if content.strip():
        try:
            data = json.loads(bytes(content))
        except (ValueError, UnicodeDecodeError):
            data = None
    return PortalAnswer(response.status_code, data, response.headers.get("location", ""))


def _too_large() -> FetchError:
    return FetchError("too_large", _("The portal's answer is too large."))


def _loggable(value: str) -> str:
    return repr(value[:200])
