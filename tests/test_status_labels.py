"""Each status of a state machine carries its label (`status.label`), in the reader's language: the
exact words the pages, flashes and CSV exports show, one per member, none missing. A jury session's
status agrees with "session" in French (publiée), a challenge's with "défi" (publié)."""

from __future__ import annotations

import pytest

from events import i18n
from events.models import (
    ChallengeStatus,
    DeliveryStatus,
    EntryStatus,
    EventStatus,
    Selection,
    SessionStatus,
    SheetStatus,
    SlotStatus,
)

LABELS = {
    ChallengeStatus: {
        "proposed": ("proposed", "proposé"),
        "draft": ("draft", "brouillon"),
        "published": ("published", "publié"),
        "rejected": ("rejected", "refusé"),
    },
    EventStatus: {
        "draft": ("draft", "brouillon"),
        "published": ("published", "publié"),
        "archived": ("archived", "archivé"),
    },
    EntryStatus: {"draft": ("draft", "brouillon"), "submitted": ("submitted", "déposé")},
    Selection: {
        "pending": ("pending", "en attente"),
        "selected": ("selected", "sélectionné"),
        "waitlisted": ("waitlisted", "en liste d’attente"),
        "rejected": ("not selected", "non retenu"),
    },
    SessionStatus: {
        "scheduled": ("scheduled", "programmée"),
        "open": ("open", "ouverte"),
        "closed": ("closed", "close"),
        "published": ("published", "publiée"),
    },
    SheetStatus: {"draft": ("draft", "brouillon"), "submitted": ("submitted", "déposé")},
    DeliveryStatus: {  # a webhook delivery: "livraison", feminine in French
        "pending": ("pending", "en attente"),
        "failed": ("failed, will retry", "échouée, sera retentée"),
        "delivered": ("delivered", "livrée"),
        "gave_up": ("gave up", "abandonnée"),
    },
    SlotStatus: {
        "pending": ("to come", "à venir"),
        "live": ("pitching now", "en cours"),
        "done": ("pitched", "passé"),
        "locked": ("locked", "verrouillé"),
    },
}


@pytest.mark.parametrize("enum", list(LABELS), ids=lambda enum: enum.__name__)
@pytest.mark.parametrize(("language", "column"), [("en", 0), ("fr", 1)])
def test_every_status_has_its_label_in_the_readers_language(enum, language, column):
    assert len(enum) == len(LABELS[enum])  # a new status needs its label here too
    with i18n.in_language(language):
        shown = {status.value: status.label for status in enum}

    assert shown == {value: words[column] for value, words in LABELS[enum].items()}
