"""Fixtures for the routes tests: the local open-data portal server."""

from tests.portal_server import portal, portal_server

__all__ = ["portal", "portal_server"]
