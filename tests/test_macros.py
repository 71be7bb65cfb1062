"""Form macros render well-formed attributes (Jinja's lstrip/trim options once glued them)."""

from __future__ import annotations

from events.templating import templates


def _render(source: str, **context) -> str:
    return templates.env.from_string(source).render(csrf_token="t", **context)


def test_field_attributes_are_separated():
    html = _render(
        '{% from "_macros.html" import field with context %}'
        '{{ field("email", "Email", {"email": "Wrong"}, {"email": "a@b.org"}, type="email", required=true,'
        ' autocomplete="email", hint="Hint", maxlength=20) }}'
    )
    assert 'value="a@b.org" required autocomplete="email" maxlength="20" aria-invalid="true"' in " ".join(
        html.split()
    )
    assert 'aria-describedby="f-email-hint f-email-error"' in html


def test_checkbox_attributes_are_separated():
    html = _render(
        '{% from "_macros.html" import checkbox with context %}'
        '{{ checkbox("terms", "Terms", {"terms": "on"}, {"terms": "Needed"}) }}'
    )
    assert 'value="on" checked aria-invalid="true" aria-describedby="f-terms-error"' in " ".join(html.split())
