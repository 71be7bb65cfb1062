"""Open-data licences: from what a portal calls a licence to its SPDX id, title and URL.

Portals name licences in their own way: udata ids (`fr-lo`, `lov2`, `odc-odbl`), CKAN ids (`cc-by`,
`odc-odbl`), Opendatasoft titles ("Licence Ouverte v2.0 (Etalab)", "Open Database License (ODbL)").
`identify()` reads ids and titles alike; an unknown licence gets no SPDX id and keeps the portal's title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    spdx: str
    title: str
    url: str
    share_alike: bool = False


LICENCES: dict[str, Licence] = {
    licence.spdx: licence
    for licence in (
        Licence(
            "etalab-2.0",
            "Licence Ouverte / Open Licence 2.0",
            "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        ),
        Licence(
            "ODbL-1.0",
            "Open Database License (ODbL) 1.0",
            "https://opendatacommons.org/licenses/odbl/1-0/",
            share_alike=True,
        ),
        Licence(
            "ODC-By-1.0",
            "Open Data Commons Attribution License 1.0",
            "https://opendatacommons.org/licenses/by/1-0/",
        ),
        Licence(
            "PDDL-1.0",
            "Open Data Commons Public Domain Dedication and License 1.0",
            "https://opendatacommons.org/licenses/pddl/1-0/",
        ),
        Licence("CC0-1.0", "Creative Commons Zero 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
        Licence(
            "CC-BY-4.0", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"
        ),
        Licence(
            "CC-BY-3.0", "Creative Commons Attribution 3.0", "https://creativecommons.org/licenses/by/3.0/"
        ),
        Licence(
            "CC-BY-2.0", "Creative Commons Attribution 2.0", "https://creativecommons.org/licenses/by/2.0/"
        ),
        Licence(
            "CC-BY-SA-4.0",
            "Creative Commons Attribution-ShareAlike 4.0",
            "https://creativecommons.org/licenses/by-sa/4.0/",
            share_alike=True,
        ),
        Licence(
            "CC-BY-SA-3.0",
            "Creative Commons Attribution-ShareAlike 3.0",
            "https://creativecommons.org/licenses/by-sa/3.0/",
            share_alike=True,
        ),
        Licence(
            "CC-BY-SA-2.0",
            "Creative Commons Attribution-ShareAlike 2.0",
            "https://creativecommons.org/licenses/by-sa/2.0/",
            share_alike=True,
        ),
        Licence(
            "OGL-UK-3.0",
            "Open Government Licence v3.0",
            "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        ),
    )
}

# Ids as portals write them (normalised by `_key`). Licence Ouverte 1.0 (`fr-lo`) has no SPDX id:
# Etalab published 2.0 as its successor with the same attribution rule, so it is shown as etalab-2.0
# (the portal's own title is kept next to it).
ALIASES: dict[str, str] = {
    "etalab-2.0": "etalab-2.0",
    "etalab": "etalab-2.0",
    "fr-lo": "etalab-2.0",
    "lov2": "etalab-2.0",
    "lo-2.0": "etalab-2.0",
    "lo": "etalab-2.0",
    "odbl": "ODbL-1.0",
    "odbl-1.0": "ODbL-1.0",
    "odc-odbl": "ODbL-1.0",
    "odc-odbl-1.0": "ODbL-1.0",
    "odc-by": "ODC-By-1.0",
    "odc-by-1.0": "ODC-By-1.0",
    "odc-pddl": "PDDL-1.0",
    "pddl": "PDDL-1.0",
    "pddl-1.0": "PDDL-1.0",
    "cc0": "CC0-1.0",
    "cc0-1.0": "CC0-1.0",
    "cc-zero": "CC0-1.0",
    "cc-by": "CC-BY-4.0",
    "cc-by-4.0": "CC-BY-4.0",
    "cc-by-3.0": "CC-BY-3.0",
    "cc-by-2.0": "CC-BY-2.0",
    "cc-by-sa": "CC-BY-SA-4.0",
    "cc-by-sa-4.0": "CC-BY-SA-4.0",
    "cc-by-sa-3.0": "CC-BY-SA-3.0",
    "cc-by-sa-2.0": "CC-BY-SA-2.0",
    "uk-ogl": "OGL-UK-3.0",
    "ogl-uk-3.0": "OGL-UK-3.0",
}


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def _version(text: str, default: str) -> str:
    match = re.search(r"\b([1-4])[.,]0\b", text)
    return f"{match.group(1)}.0" if match else default


def _from_title(title: str) -> str:
    """An SPDX id from a licence's title, or ''. Order matters: ODbL titles mention 'Open Data'."""
    text = " " + re.sub(r"[^a-z0-9.,]+", " ", title.lower()) + " "
    if "odbl" in text or "open database licen" in text:
        return "ODbL-1.0"
    if "licence ouverte" in text or "open licence" in text or "etalab" in text:
        return "etalab-2.0"
    if "pddl" in text or "public domain dedication and licen" in text:
        return "PDDL-1.0"
    if "odc by" in text or "open data commons attribution" in text:
        return "ODC-By-1.0"
    if " cc0 " in text or "cc zero" in text or "creative commons zero" in text:
        return "CC0-1.0"
    share_alike = " sa " in text or "sharealike" in text or "share alike" in text
    if " cc by " in text or "creative commons attribution" in text:
        version = _version(text, "4.0")
        spdx = f"CC-BY-SA-{version}" if share_alike else f"CC-BY-{version}"
        return spdx if spdx in LICENCES else ""
    if "open government licen" in text:
        return "OGL-UK-3.0"
    return ""


def identify(portal_id: str = "", portal_title: str = "") -> Licence | None:
    """The known licence behind a portal's id or title, or None."""
    spdx = ALIASES.get(_key(portal_id)) if portal_id else None
    if spdx is None and portal_id.upper() in {s.upper() for s in LICENCES}:
        spdx = next(s for s in LICENCES if s.upper() == portal_id.upper())
    if spdx is None:
        spdx = _from_title(portal_title) or _from_title(portal_id)
    return LICENCES.get(spdx) if spdx else None


def normalise(portal_id: str = "", portal_title: str = "", portal_url: str = "") -> tuple[str, str, str]:
    """(SPDX id, title, URL) to store: the portal's title and URL win when it gives them."""
    licence = identify(portal_id, portal_title)
    if licence is None:
        return "", portal_title.strip() or portal_id.strip(), portal_url.strip()
    return licence.spdx, portal_title.strip() or licence.title, portal_url.strip() or licence.url


def is_share_alike(spdx: str) -> bool:
    licence = LICENCES.get(spdx)
    return bool(licence and licence.share_alike)
