"""File rules: display names stripped of what could trick a reader, extensions, leading bytes."""

from __future__ import annotations

import pytest

from events.domain.files import ContentCheck, FileRefused, check_extension, display_name


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ("a\x00b\r\nc.txt", "abc.txt"),
        ("  spaced   out .md ", "spaced out .md"),
        ("...", ""),
        ("Données été.csv", "Données été.csv"),
    ],
)
def test_display_name(raw, shown):
    assert display_name(raw) == shown


def test_display_name_keeps_the_extension_of_a_very_long_name():
    name = display_name("x" * 1000 + ".geojson")

    assert len(name) == 200
    assert name.endswith(".geojson")


@pytest.mark.parametrize("name", ["a.exe", "a.svg", "a.html", "a", ".pdf", "a.pdf.exe", "a.PHP"])
def test_extension_outside_the_allowlist_is_refused(name):
    with pytest.raises(FileRefused):
        check_extension(name)


@pytest.mark.parametrize("name", ["a.PDF", "b.tar.zip", "c.GeoJSON", "d.jpeg"])
def test_allowed_extensions_ignore_case(name):
    assert check_extension(name) == name.rsplit(".", 1)[1].lower()


def test_text_split_in_the_middle_of_a_character_is_still_utf8():
    check = ContentCheck("csv")
    data = "é;à\n".encode()
    check.feed(data[:1])
    check.feed(data[1:])

    check.finish(data, len(data))


def test_text_ending_in_a_cut_character_is_not_utf8():
    check = ContentCheck("txt")
    check.feed(b"abc\xc3")

    with pytest.raises(FileRefused):
        check.finish(b"abc\xc3", 4)


def test_text_with_nul_bytes_is_refused():
    check = ContentCheck("json")
    check.feed(b'{"a": "\x00"}')

    with pytest.raises(FileRefused):
        check.finish(b'{"a": "\x00"}', 10)
