"""Long lists a page at a time: which page a reader asked for, how many there are, what to skip.

The public pages that list what grows with an event (the catalogue, the gallery, the teams) show
`per_page` rows and links to the previous and next pages (`?page=N`): each page costs the same
queries and the same rendering whatever the event holds. A page number that is not a positive whole
number reads as the first page, one beyond the last as the last.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    pages: int  # at least 1
    total: int  # rows on every page together
    per_page: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_of(*, total: int, per_page: int, asked: int | None) -> Page:
    pages = max(1, math.ceil(total / per_page))
    return Page(number=min(max(asked or 1, 1), pages), pages=pages, total=total, per_page=per_page)
