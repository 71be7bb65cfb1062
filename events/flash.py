"""One-time messages shown on the next page (stored in the signed session cookie)."""

from starlette.requests import Request


def flash(request: Request, message: str, level: str = "info") -> None:
    request.session.setdefault("flash", [])
    request.session["flash"] = [*request.session["flash"], [level, message]][-5:]


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    if "session" not in request.scope or "flash" not in request.session:
        return []
    return [(level, message) for level, message in request.session.pop("flash")]
