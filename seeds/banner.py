"""Printed by `make run`: where the demo is and how to sign in."""

import os

from seeds.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    print()
    print(f"  hackcity demo: http://{shown}:{port}/")
    print(f"  Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name in DEMO_ACCOUNTS:
        print(f"    {email:<36} {name}")
    print()


if __name__ == "__main__":
    main()
