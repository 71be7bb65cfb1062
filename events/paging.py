"""The links between the pages of a long list (`events.domain.paging`): the same address with another
`?page=`, every other parameter (the catalogue's filters) kept."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from events.domain.paging import Page, page_of
from events.forms import as_id


def asked_page(request: Request) -> int | None:
    """The page asked for in the query string; None when absent or not a page number."""
    return as_id(request.query_params.get("page"))


def page_url(request: Request, number: int, **changed: str | None) -> str:
    """The address of page `number`, with the parameters in `changed` set to their value (or dropped,
    for None): the selection's "tick every row" link keeps the filters and the page."""
    params = [
        (name, value)
        for name, value in request.query_params.multi_items()
        if name != "page" and name not in changed
    ]
    params += [(name, value) for name, value in changed.items() if value is not None]
    if number > 1:
        params.append(("page", str(number)))
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def pager(request: Request, page: Page) -> dict[str, str | None]:
    """What the `pager` macro of templates/_macros.html needs."""
    return {
        "previous_url": page_url(request, page.number - 1) if page.has_previous else None,
        "next_url": page_url(request, page.number + 1) if page.has_next else None,
    }


__all__ = ["Page", "asked_page", "page_of", "page_url", "pager"]
