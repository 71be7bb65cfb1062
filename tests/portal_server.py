"""A local open-data portal for tests: a real HTTP server on 127.0.0.1, in a thread.

It answers like udata (data.gouv.fr), CKAN and Opendatasoft (Explore v2.1 and v2.0) with realistic
French metadata, plus broken answers: 404, 410, 500, slow, huge, an HTML page, a redirect to the
cloud metadata address, a redirect loop and redirect chains. Nothing here reaches the internet.

Broken answers live under `/broken/<kind>` and, so that the import form can reach them, under
`/api/1/datasets/broken-<kind>/` (a udata-shaped address). Tests change a document's answer for
one test with `portal.answer(path, status)` or `portal.replace(path, document)`; the `portal`
fixture resets them after each test.

It is also a fake udata for reuses (`POST /api/1/reuses/`, `PUT /api/1/reuses/<id>/`, and
`POST /api/1/reuses/<id>/image/`): it checks the `X-API-KEY` header (`UDATA_API_KEY` is the one valid
key, `OTHER_UDATA_API_KEY` another account's), validates the body as udata does (required fields,
type and topic among udata's values, a URL no other reuse has, datasets this portal serves, tags of 3
to 96 characters), keeps what it received (`portal.received`) and the reuses it holds
(`portal.reuses`), and answers udata's JSON (`id`, `slug`, `page`, `uri`, `datasets` as objects…).
`portal.delay(path, seconds)` makes one address slow, `portal.redirect(path, location)` redirects it,
`portal.answer_page(page)` changes the `page` the fake udata answers.

Import the fixtures into a conftest: `from tests.portal_server import portal, portal_server`.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
import unicodedata
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
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

# The fake udata's API keys: the one valid key, and a valid key of another account (not the owner).
UDATA_API_KEY = "fake-udata-key-0123456789abcdefABCDEF"
OTHER_UDATA_API_KEY = "fake-udata-key-of-someone-else-98765"
UDATA_OWNERS = {
    UDATA_API_KEY: {"id": "5f0c1d2e3a4b5c6d7e8f9a0b", "first_name": "Olga", "last_name": "Organiser"},
    OTHER_UDATA_API_KEY: {"id": "5f0c1d2e3a4b5c6d7e8f9a0c", "first_name": "Oscar", "last_name": "Other"},
}
# udata's reuse types and topics.
UDATA_REUSE_TYPES = [
    "api",
    "application",
    "idea",
    "news_article",
    "paper",
    "post",
    "visualization",
    "hardware",
]
UDATA_REUSE_TOPICS = [
    "health",
    "transport_and_mobility",
    "housing_and_development",
    "food_and_agriculture",
    "culture_and_recreation",
    "economy_and_business",
    "environment_and_energy",
    "work_and_training",
    "politics_and_public_life",
    "safety_and_security",
    "education_and_research",
    "society_and_demography",
    "law_and_justice",
    "open_data_tools",
    "others",
]
UNAUTHORIZED = (
    "The server could not verify that you are authorized to access the URL requested. You either supplied "
    "the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the "
    "credentials required."
)

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

    # --- the fake udata's reuses ---------------------------------------------------------------------

    def do_POST(self) -> None:
        self._write_request("POST")

    def do_PUT(self) -> None:
        self._write_request("PUT")

    def _write_request(self, method: str) -> None:
        path = urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        state = self.server.state
        content_type = self.headers.get("Content-Type", "")
        document = None
        if content_type.startswith("application/json"):
            try:
                document = json.loads(body)
            except ValueError:
                document = None
        with state.lock:
            state.received.append(
                {
                    "method": method,
                    "path": path,
                    "headers": {name.lower(): value for name, value in self.headers.items()},
                    "json": document,
                    "content_type": content_type,
                    "size": len(body),
                }
            )
            status = state.statuses.get(path)
            delay = state.delays.get(path, 0)
            redirect = state.redirects.get(path)
            generation = state.generation
        try:
            if delay:
                time.sleep(delay)
                if state.generation != generation:  # the test that sent it is over: nothing happens
                    return None
            if status is not None:
                return self._json({"message": "error"}, status)
            if redirect is not None:
                return self._redirect(redirect)
            key = self.headers.get("X-API-KEY", "")
            if not key:
                return self._json({"message": UNAUTHORIZED}, 401)
            if key not in UDATA_OWNERS:
                return self._json({"message": "Invalid API token"}, 401)
            image = re.fullmatch(r"/api/1/reuses/([^/]+)/image/", path)
            if method == "POST" and image:
                return self._reuse_image(image[1], key, content_type, body)
            if method == "POST" and path == "/api/1/reuses/":
                return self._create_reuse(key, document)
            update = re.fullmatch(r"/api/1/reuses/([^/]+)/", path)
            if method == "PUT" and update:
                return self._update_reuse(update[1], key, document)
            return self._json({"message": "The method is not allowed for the requested URL."}, 405)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _base(self) -> str:
        return f"http://{self.headers.get('Host', '127.0.0.1')}"

    def _create_reuse(self, key: str, document: Any) -> None:
        if not isinstance(document, dict):
            return self._json({"message": "Request body must be a JSON object"}, 400)
        state = self.server.state
        with state.lock:
            problem = udata_validate(document, state, existing=None)
            if problem:
                return self._json(problem, 400)
            reuse_id = secrets.token_hex(12)
            now = datetime.now(UTC).isoformat()
            stored = {"id": reuse_id, "owner_key": key, "created_at": now, "image": None}
            stored.update(udata_fields(document))
            stored["slug"] = _unique_slug(stored["title"], state)
            stored["last_modified"] = now
            state.reuses[reuse_id] = stored
            answer = _reuse_json(stored, state, self._base())
        return self._json(answer, 201)

    def _update_reuse(self, reuse_id: str, key: str, document: Any) -> None:
        state = self.server.state
        with state.lock:
            stored = state.reuses.get(reuse_id) or next(
                (r for r in state.reuses.values() if r["slug"] == reuse_id), None
            )
            if stored is None:
                return self._json({"message": "Not found"}, 404)
            if stored.get("deleted"):
                return self._json({"message": "This reuse has been deleted"}, 410)
            if stored["owner_key"] != key:
                return self._json({"message": "You do not have the permission to modify that object."}, 403)
            if not isinstance(document, dict):
                return self._json({"message": "Request body must be a JSON object"}, 400)
            problem = udata_validate(document, state, existing=stored)
            if problem:
                return self._json(problem, 400)
            stored.update(udata_fields(document))
            stored["last_modified"] = datetime.now(UTC).isoformat()
            answer = _reuse_json(stored, state, self._base())
        return self._json(answer, 200)

    def _reuse_image(self, reuse_id: str, key: str, content_type: str, body: bytes) -> None:
        state = self.server.state
        with state.lock:
            stored = state.reuses.get(reuse_id)
            if stored is None:
                return self._json({"message": "Not found"}, 404)
            if stored["owner_key"] != key:
                return self._json({"message": "You do not have the permission to modify that object."}, 403)
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        part = (
            next(
                (
                    p
                    for p in message.iter_parts()
                    if p.get_param("name", header="content-disposition") == "file"
                ),
                None,
            )
            if message.is_multipart()
            else None
        )
        if part is None or part.get_content_type() not in ("image/jpeg", "image/png", "image/webp"):
            return self._json({"message": "Unsupported image format"}, 400)
        content = part.get_payload(decode=True) or b""
        url = f"{self._base()}/images/reuses/{reuse_id}-{len(content)}.png"
        with state.lock:
            stored["image"] = url
            stored["image_bytes"] = content
        return self._json({"success": True, "image": url}, 200)

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


def udata_slug(value: str) -> str:
    """A slug as udata makes them (python-slugify): ASCII, lower case, words joined by hyphens."""
    text = unicodedata.normalize("NFKD", value.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _served_dataset_ids(state: PortalState) -> set[str]:
    return {
        document["id"]
        for path, document in state.documents.items()
        if path.startswith("/api/1/datasets/") and isinstance(document, dict) and "id" in document
    }


def _reference(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def udata_validate(document: dict, state: PortalState, *, existing: dict | None) -> dict | None:
    """udata's answer to a body it refuses ({"errors": {field: message}, "message": …}), or None.

    Like udata's `patch()`: a blank string is no value, type and topic must be among udata's choices,
    the URL must not be another reuse's, the datasets must exist here; then, like its save, the
    required fields must have a value."""

    def refused(field: str, message: str) -> dict:
        return {"errors": {field: message}, "message": message}

    values = {}
    for name in ("title", "description", "type", "topic", "url"):
        if name in document:
            value = document[name]
            values[name] = value.strip() if isinstance(value, str) and value.strip() else None
        elif existing is not None:
            values[name] = existing.get(name)
        else:
            values[name] = None
    for name, choices in (("type", UDATA_REUSE_TYPES), ("topic", UDATA_REUSE_TOPICS)):
        if name in document and values[name] is not None and values[name] not in choices:
            return refused(name, f"'{values[name]}' is not a valid choice. Valid choices: {choices}")
    url = values["url"]
    if "url" in document and url is not None:
        if not re.match(r"^https?://[^/\s]+", url):
            return refused("url", f'Invalid URL "{url}"')
        taken = any(
            r["url"] == url for r in state.reuses.values() if existing is None or r["id"] != existing["id"]
        )
        if taken and (existing is None or existing.get("url") != url):
            return refused("url", "This URL is already registered")
    served = _served_dataset_ids(state)
    for value in document.get("datasets") or []:
        reference = _reference(value)
        if reference not in served:
            return refused("datasets", f"Unknown reference '{reference}'")
    for tag in document.get("tags") or []:
        slug = udata_slug(str(tag))
        if not 3 <= len(slug) <= 96:
            message = f'Tag "{slug}" must be between 3 and 96 characters long.'
            return refused("tags", message)
    missing = [name for name in ("title", "description", "type", "url", "topic") if values[name] is None]
    if missing:
        return {
            "errors": dict.fromkeys(missing, "Field is required"),
            "message": f"ValidationError (Reuse:None) (Field is required: {missing})",
        }
    return None


def udata_fields(document: dict) -> dict:
    """What udata keeps of a valid body: its writable fields, tags as sorted slugs."""
    kept = {}
    for name in ("title", "description", "type", "topic", "url", "private"):
        if name in document:
            value = document[name]
            kept[name] = value.strip() if isinstance(value, str) else value
    if "tags" in document:
        kept["tags"] = sorted({udata_slug(str(tag)) for tag in document["tags"] or []})
    if "datasets" in document:
        kept["datasets"] = [_reference(value) for value in document["datasets"] or []]
    return kept


def _unique_slug(title: str, state: PortalState) -> str:
    base = udata_slug(title) or "reuse"
    taken = {r["slug"] for r in state.reuses.values()}
    slug, number = base, 1
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def _reuse_json(stored: dict, state: PortalState, base: str) -> dict:
    """A reuse as udata's API shows it (Reuse.__read_fields__, the fields hackcity may read)."""
    datasets = []
    for dataset_id in stored.get("datasets", []):
        document = state.documents.get(f"/api/1/datasets/{dataset_id}/", {})
        datasets.append(
            {
                "class": "Dataset",
                "id": dataset_id,
                "title": document.get("title", ""),
                "uri": f"{base}/api/1/datasets/{dataset_id}/",
                "page": f"{base}/datasets/{document.get('slug', dataset_id)}",
            }
        )
    return {
        "id": stored["id"],
        "slug": stored["slug"],
        "title": stored.get("title"),
        "description": stored.get("description"),
        "type": stored.get("type"),
        "topic": stored.get("topic"),
        "url": stored.get("url"),
        "tags": stored.get("tags", []),
        "datasets": datasets,
        "dataservices": [],
        "private": bool(stored.get("private", False)),
        "image": stored.get("image"),
        "image_thumbnail": stored.get("image"),
        "featured": False,
        "created_at": stored["created_at"],
        "last_modified": stored["last_modified"],
        "deleted": None,
        "archived": None,
        "owner": UDATA_OWNERS[stored["owner_key"]],
        "organization": None,
        "extras": {},
        "badges": [],
        "metrics": {"datasets": len(datasets), "discussions": 0, "followers": 0, "views": 0},
        "uri": f"{base}/api/1/reuses/{stored['id']}/",
        "page": state.page_override if state.page_override is not None else f"{base}/reuses/{stored['slug']}",
    }


class PortalState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.documents: dict[str, Any] = {}
        self.statuses: dict[str, int] = {}
        self.requests: list[str] = []
        self.received: list[dict] = []  # the POST and PUT requests, with their headers and JSON
        self.reuses: dict[str, dict] = {}  # the fake udata's reuses, by id
        self.delays: dict[str, float] = {}
        self.redirects: dict[str, str] = {}
        self.page_override: str | None = None  # what the fake udata answers as a reuse's `page`
        self.generation = 0  # one per test: a slow request of an earlier test changes nothing
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.documents = copy.deepcopy(DOCUMENTS)
            self.statuses = {}
            self.requests = []
            self.received = []
            self.reuses = {}
            self.delays = {}
            self.redirects = {}
            self.page_override = None
            self.generation += 1


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

    @property
    def received(self) -> list[dict]:
        """The POST and PUT requests the fake udata received: method, path, headers, JSON body."""
        with self.state.lock:
            return copy.deepcopy(self.state.received)

    @property
    def reuses(self) -> dict[str, dict]:
        """The reuses the fake udata holds, by id (with `owner_key`, and `image_bytes` once sent)."""
        with self.state.lock:
            return copy.deepcopy(self.state.reuses)

    def purge_reuse(self, reuse_id: str) -> None:
        """The portal's administrators delete a reuse for good: its id is unknown from now on."""
        with self.state.lock:
            del self.state.reuses[reuse_id]

    def redirect(self, path: str, location: str) -> None:
        """POST and PUT to `path` are answered with a 307 to `location`."""
        with self.state.lock:
            self.state.redirects[path] = location

    def answer_page(self, page: str) -> None:
        """The fake udata answers this as the `page` of the reuses it creates or updates."""
        with self.state.lock:
            self.state.page_override = page

    def delay(self, path: str, seconds: float) -> None:
        with self.state.lock:
            self.state.delays[path] = seconds


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
