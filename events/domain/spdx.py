"""Code licences that an entry may declare: common SPDX ids, matched without regard to case.

Data licences (Licence Ouverte, ODbL...) live in `events.domain.licences`; this list is for the code
of a prototype, where an open-source licence is what a jury looks for ("openness").
"""

from __future__ import annotations

CODE_LICENCES: dict[str, str] = {
    "MIT": "MIT License",
    "Apache-2.0": "Apache License 2.0",
    "BSD-2-Clause": "BSD 2-Clause License",
    "BSD-3-Clause": "BSD 3-Clause License",
    "0BSD": "BSD Zero Clause License",
    "ISC": "ISC License",
    "MPL-2.0": "Mozilla Public License 2.0",
    "LGPL-2.1-only": "GNU Lesser General Public License v2.1 only",
    "LGPL-2.1-or-later": "GNU Lesser General Public License v2.1 or later",
    "LGPL-3.0-only": "GNU Lesser General Public License v3.0 only",
    "LGPL-3.0-or-later": "GNU Lesser General Public License v3.0 or later",
    "GPL-2.0-only": "GNU General Public License v2.0 only",
    "GPL-2.0-or-later": "GNU General Public License v2.0 or later",
    "GPL-3.0-only": "GNU General Public License v3.0 only",
    "GPL-3.0-or-later": "GNU General Public License v3.0 or later",
    "AGPL-3.0-only": "GNU Affero General Public License v3.0 only",
    "AGPL-3.0-or-later": "GNU Affero General Public License v3.0 or later",
    "EUPL-1.2": "European Union Public Licence 1.2",
    "CECILL-2.1": "CeCILL Free Software License Agreement v2.1",
    "CECILL-B": "CeCILL-B Free Software License Agreement",
    "CECILL-C": "CeCILL-C Free Software License Agreement",
    "Unlicense": "The Unlicense",
    "BSL-1.0": "Boost Software License 1.0",
    "Zlib": "zlib License",
    "CC0-1.0": "Creative Commons Zero v1.0 Universal",
    "CC-BY-4.0": "Creative Commons Attribution 4.0 International",
    "CC-BY-SA-4.0": "Creative Commons Attribution Share Alike 4.0 International",
    "etalab-2.0": "Etalab Open License 2.0",
}
_BY_KEY = {spdx.lower(): spdx for spdx in CODE_LICENCES}


def code_licence(text: str) -> str | None:
    """The SPDX id as SPDX spells it, for an id typed in any case; None when it is not in the list."""
    return _BY_KEY.get(text.strip().lower())
