"""A local open-data portal for tests: a real HTTP server on 127.0.0.1, in a thread.

It answers like udata (data.gouv.fr), CKAN and Opendatasoft (Explore v2.1 and v2.0) with realistic
French metadata, plus broken answers: 404, 410, 500, slow, huge, an HTML page, a redirect to the
cloud metadata address, a redirect loop and redirect chains. Nothing here reaches the internet.

Broken answers live under `/broken/<kind>` and, so that the import form can reach them, under
`/api/1/datasets/broken-<kind>/` (a udata-shaped address). Tests change a document's answer for
one test with `portal.answer(path, status)` or `portal.replace(path, document)`; the `portal`
fixture resets them after each test.

Import the fixtures into a conftest: `from tests.portal_server import portal, portal_server`.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

# Addresses on this portal that an import refuses, and the message the organiser reads (the same
# from the domain and in the page).
REFUSED_IMPORTS = [
    ("/api/1/datasets/broken-404/", "Nothing was found at this address (HTTP 404)."),
    ("/api/1/datasets/broken-500/", "The portal has a problem of its own (HTTP 500). Try again later."),
    (
        "/api/1/datasets/broken-html/",
        "This address shows a web page, not the portal's data. Paste the address of a dataset page.",
    ),
    ("/api/1/datasets/broken-huge/", "The portal's answer is too large (over 5\u00a0MB)."),
    (
        "/api/1/datasets/broken-to-metadata/",
        "This address leads to a private or local network, which the server does not fetch.",
    ),
    ("/api/1/datasets/broken-loop/", "This address redirects too many times."),
    ("/api/1/datasets/broken-not-a-dataset/", "The portal's answer does not describe a dataset."),
    ("/api/3/action/package_show?id=missing", "The portal says this dataset does not exist."),
    (
        "/about/",
        "This address is not a dataset page of a portal we know (udata such as data.gouv.fr, CKAN, "
        "Opendatasoft). Paste the address of the dataset's page.",
    ),
]

SLOW_SECONDS = 1.5  # longer than the short timeouts tests pass to the fetcher
HUGE_BYTES = 6 * 1024 * 1024  # over the fetcher's 5 MB limit

UDATA_ID = "5b7ffc618b4c4169d30727e0"
UDATA_SLUG = "velib-velos-et-bornes-disponibilite-temps-reel"
UDATA_DATASET = {
    "id": UDATA_ID,
    "slug": UDATA_SLUG,
    "title": "Vélib' - Vélos et bornes - Disponibilité temps réel",
    "description": "Disponibilité en temps réel des stations Vélib' métropole.\n\nMise à jour chaque minute.",
    "organization": {"id": "534fff75a3a7292c64a77de4", "name": "Ville de Paris", "slug": "ville-de-paris"},
    "owner": None,
    "license": "lov2",
    "frequency": "continuous",
    "created_at": "2018-08-24T14:49:37.154000+00:00",
    "last_modified": "2024-02-14T09:12:00.000000+00:00",
    "last_update": "2024-02-14T09:12:00.000000+00:00",
    "page": f"https://www.data.gouv.fr/fr/datasets/{UDATA_SLUG}/",
    "uri": f"https://www.data.gouv.fr/api/1/datasets/{UDATA_ID}/",
    "tags": ["velib", "mobilite", "velo"],
    "resources": [
        {
            "id": "c5d7b8a0-6f8d-4b3a-9f43-7d1f1a5c0e11",
            "title": "velib_disponibilite.csv",
            "format": "csv",
            "url": "https://opendata.paris.fr/api/explore/v2.1/catalog/datasets/velib/exports/csv",
            "latest": "https://www.data.gouv.fr/fr/datasets/r/c5d7b8a0-6f8d-4b3a-9f43-7d1f1a5c0e11",
            "filesize": 482133,
        },
        {
            "id": "0f2e1c3d-1111-4b3a-9f43-7d1f1a5c0e12",
            "title": "velib_disponibilite.geojson",
            "format": "GeoJSON",
            "url": "https://opendata.paris.fr/api/explore/v2.1/catalog/datasets/velib/exports/geojson",
            "latest": "https://www.data.gouv.fr/fr/datasets/r/0f2e1c3d-1111-4b3a-9f43-7d1f1a5c0e12",
            "filesize": None,
        },
    ],
}

CKAN_ID = "b6d3f1a2-7c4e-4e0b-9a1d-3f2c5e8d9a10"
CKAN_NAME = "arbres-d-alignement-lyon"
CKAN_PACKAGE = {
    "help": "https://ckan.example/api/3/action/help_show?name=package_show",
    "success": True,
    "result": {
        "id": CKAN_ID,
        "name": CKAN_NAME,
        "title": "Arbres d'alignement de la Métropole de Lyon",
        "notes": "Localisation et caractéristiques des arbres d'alignement gérés par la Métropole.",
        "license_id": "odc-odbl",
        "license_title": "Open Data Commons Open Database License (ODbL)",
        "license_url": "http://www.opendefinition.org/licenses/odc-odbl",
        "metadata_modified": "2023-11-03T08:30:12.345678",
        "organization": {"id": "f1e2", "name": "metropole-de-lyon", "title": "Métropole de Lyon"},
        "extras": [{"key": "frequency", "value": "annuelle"}],
        "resources": [
            {
                "id": "a1b2c3d4-0000-4000-8000-000000000001",
                "name": "Arbres (CSV)",
                "format": "CSV",
                "url": "https://data.grandlyon.com/files/arbres.csv",
                "size": 10485760,
            },
            {
                "id": "a1b2c3d4-0000-4000-8000-000000000002",
                "name": "Arbres (GeoJSON)",
                "format": ".geojson",
                "url": "https://data.grandlyon.com/files/arbres.geojson",
            },
        ],
    },
}

ODS_UID = "da_x7f3k2"
ODS_ID = "que-faire-a-paris-"
ODS_DATASET = {
    "dataset_id": ODS_ID,
    "dataset_uid": ODS_UID,
    "has_records": True,
    "features": ["timeserie", "geo", "analyze"],
    "attachments": [],
    "metas": {
        "default": {
            "title": "Que faire à Paris ?",
            "description": "<p>Les événements à Paris : concerts, <b>expositions</b> &amp; balades.</p>"
            "<script>alert(1)</script>",
            "publisher": "Ville de Paris",
            "license": "Open Database License (ODbL)",
            "license_url": "https://opendatacommons.org/licenses/odbl/",
            "modified": "2024-03-01T06:00:04+00:00",
            "keyword": ["culture", "agenda"],
            "records_count": 2718,
            "theme": ["Culture"],
        },
        "dcat": {"accrualperiodicity": "quotidienne"},
    },
}
ODS_V20_UID = "da_lyon42"
ODS_V20_ID = "stations-velov"
ODS_V20_DATASET = {
    "links": [{"rel": "self", "href": "…"}],
    "dataset": {
        "dataset_id": ODS_V20_ID,
        "dataset_uid": ODS_V20_UID,
        "features": ["analyze"],
        "metas": {
            "default": {
                "title": "Stations Vélo'v de la Métropole de Lyon",
                "description": "<p>Localisation des stations Vélo'v.</p>",
                "publisher": "Métropole de Lyon",
                "license": "Licence Ouverte v2.0 (Etalab)",
                "license_url": "",
                "modified": "2022-06-30T12:00:00+02:00",
            }
        },
    },
}

DOCUMENTS: dict[str, Any] = {
    f"/api/1/datasets/{UDATA_ID}/": UDATA_DATASET,
    f"/api/1/datasets/{UDATA_SLUG}/": UDATA_DATASET,
    f"/api/3/action/package_show?id={CKAN_NAME}": CKAN_PACKAGE,
    f"/api/3/action/package_show?id={CKAN_ID}": CKAN_PACKAGE,
    f"/api/explore/v2.1/catalog/datasets/{ODS_ID}": ODS_DATASET,
    f"/api/explore/v2.0/catalog/datasets/{ODS_V20_ID}": ODS_V20_DATASET,
    "/api/3/action/package_show?id=missing": {"success": False, "error": {"__type": "Not Found Error"}},
    "/broken/not-a-dataset": {"hello": "world"},
    "/plain.json": {"ok": True},
}
BROKEN_KINDS = (
    "404",
    "410",
    "500",
    "403",
    "slow",
    "huge",
    "huge-declared",
    "html",
    "not-json",
    "to-metadata",
    "to-private",
    "loop",
    "not-a-dataset",
)


class PortalHandler(BaseHTTPRequestHandler):
    server: PortalHTTPServer

    def log_message(self, format: str, *args) -> None:  # quiet in the test output
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith("/api/1/datasets/broken-"):
            path = "/broken/" + path.removeprefix("/api/1/datasets/broken-").rstrip("/")
        key = path + (f"?{parts.query}" if parts.query else "")
        state = self.server.state
        with state.lock:
            status = state.statuses.get(key) or state.statuses.get(path)
            document = state.documents.get(key, state.documents.get(path))
            state.requests.append(key)
        try:
            if status is not None:
                return self._json({"message": "error"}, status)
            if document is not None:
                return self._json(document)
            if path.startswith("/broken/"):
                return self._broken(path.removeprefix("/broken/"), parse_qs(parts.query))
            if path.startswith("/redirect/"):  # /redirect/<n>: n hops, then a JSON document
                hops = int(path.rsplit("/", 1)[1])
                target = f"/redirect/{hops - 1}" if hops > 1 else "/plain.json"
                return self._redirect(target)
            return self._json({"message": "Not found"}, 404)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout, size limit): expected

    def _broken(self, kind: str, query: dict) -> None:
        if kind in ("404", "410", "500", "403"):
            return self._json({"message": "error"}, int(kind))
        if kind == "slow":
            time.sleep(float(query.get("seconds", [SLOW_SECONDS])[0]))
            return self._json(UDATA_DATASET)
        if kind == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"data": "')
            chunk = b"x" * 65536
            for _ in range(HUGE_BYTES // len(chunk) + 1):
                self.wfile.write(chunk)
            self.wfile.write(b'"}')
            return None
        if kind == "huge-declared":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(HUGE_BYTES))
            self.end_headers()
            self.wfile.write(b"{")
            return None
        if kind == "html":
            return self._send(
                200, "text/html; charset=utf-8", b"<!doctype html><html><body>Portail</body></html>"
            )
        if kind == "not-json":
            return self._send(200, "application/json", b"{this is not json")
        if kind == "to-metadata":
            return self._redirect("http://169.254.169.254/latest/meta-data/")
        if kind == "to-private":
            return self._redirect("http://10.0.0.1/api/1/datasets/x/")
        if kind == "loop":
            return self._redirect(self.path)
        return self._json({"message": "Not found"}, 404)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _json(self, document: Any, status: int = 200) -> None:
        self._send(status, "application/json; charset=utf-8", json.dumps(document).encode())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PortalState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.documents: dict[str, Any] = {}
        self.statuses: dict[str, int] = {}
        self.requests: list[str] = []
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.documents = copy.deepcopy(DOCUMENTS)
            self.statuses = {}
            self.requests = []


class PortalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    state: PortalState


class Portal:
    """What tests see: the base URL and ways to change answers for one test."""

    def __init__(self, server: PortalHTTPServer) -> None:
        self.server = server
        self.state = server.state
        host, port = server.server_address[:2]
        self.port = port
        self.url = f"http://{host}:{port}"

    def __call__(self, path: str) -> str:
        return self.url + path

    def answer(self, path: str, status: int) -> None:
        with self.state.lock:
            self.state.statuses[path] = status

    def replace(self, path: str, document: Any) -> None:
        with self.state.lock:
            self.state.documents[path] = document

    def document(self, path: str) -> Any:
        with self.state.lock:
            return copy.deepcopy(self.state.documents[path])

    @property
    def requests(self) -> list[str]:
        with self.state.lock:
            return list(self.state.requests)


@pytest.fixture(scope="session")
def portal_server():
    server = PortalHTTPServer(("127.0.0.1", 0), PortalHandler)
    server.state = PortalState()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def portal(portal_server) -> Portal:
    portal_server.state.reset()
    yield Portal(portal_server)
    portal_server.state.reset()
