"""ASGI entry point: `uvicorn main:app`."""

from events.app import create_app

app = create_app()
