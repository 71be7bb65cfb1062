"""Printed by `make run`: where the demo is and how to sign in."""

import os

from seeds.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

LIVE_JUROR = "jure1@demo.hackcity.fr"  # has scored two entries of the jury open today
LIVE_ORGANISER = "organisatrice@demo.hackcity.fr"
LIVE_EVENT = "datacity-paris-2026"
PUBLISHED_EVENT = "hackathon-mobilite-lyon-2026"


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    print()
    print(f"  hackcity demo: http://{shown}:{port}/")
    print(f"  Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name in DEMO_ACCOUNTS:
        print(f"    {email:<36} {name}")
    print("  Juries:")
    print(f"    live today, as {LIVE_JUROR}:  http://{shown}:{port}/events/{LIVE_EVENT}/jury")
    print(
        f"    its control room, as {LIVE_ORGANISER}:  http://{shown}:{port}/events/{LIVE_EVENT}/manage/juries"
    )
    print(f"    published results:  http://{shown}:{port}/events/{PUBLISHED_EVENT}/results")
    print()


if __name__ == "__main__":
    main()
