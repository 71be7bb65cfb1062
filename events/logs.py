"""Log helpers shared by every layer: user input made safe to write in a log line.

It lives below both the web layer (`events/middleware.py`) and the rules (`events/domain/`), so
that a domain module can log what a user typed without importing the web framework.
"""

from __future__ import annotations


def safe_log(value: object, limit: int = 200) -> str:
    """User input in a log line: no CR/LF or other control characters, bounded length."""
    text = str(value)[:limit]
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else "?" for ch in text)
