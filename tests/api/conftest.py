"""Fixtures for the API tests: the local open-data portal server (dataset imports)."""

from tests.portal_server import portal, portal_server

__all__ = ["portal", "portal_server"]
