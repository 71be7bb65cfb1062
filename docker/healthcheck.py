#!/usr/bin/env python3
"""The container's health check: GET /healthz on the local port (200: the app answers and its
database too; 503 or no answer: unhealthy). The Host header is BASE_URL's, which the app's
TrustedHostMiddleware accepts in production. Exit code 0 healthy, 1 not."""

import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit


def main() -> int:
    port = os.environ.get("PORT", "8000")
    host = urlsplit(os.environ.get("BASE_URL", "")).netloc or f"127.0.0.1:{port}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 (a fixed http URL)
            healthy = response.status == 200
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
