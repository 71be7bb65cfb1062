"""The documentation keeps up with the code (in the manner of Datasette's tests/test_docs.py).

- Every setting that `events/settings.py` reads from the environment is in the README's "Settings"
  table, and every other variable the package reads from the environment is named in the README.
- Every subcommand of the `hackcity` command (`events.cli.build_parser`) is in the README's
  "Commands" section.
- Every documentation file that the code, the tests or the docs cite exists in the repository.
- Every test that docs/SECURITY.md cites exists: its file, and the test function in it.

Settings, commands and citations are read from the code, never from a list kept here, so a new one
is caught the day it is added.
"""

from __future__ import annotations

import argparse
import ast
import re
from functools import cache
from pathlib import Path

import pytest
from starlette.config import Config, undefined

from events import cli
from events import settings as settings_module

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SECURITY = ROOT / "docs" / "SECURITY.md"
# A documentation file: a path, or a bare name, ending in an upper-case name and `.md`
# (docs/ARCHITECTURE.md, CONTRIBUTING.md). Read from where a citation starts: after a space, a
# quote, a bracket or a slash, so that an absolute path outside the repository is caught too.
DOC_CITATION_RE = re.compile(r"(?<![\w.-])((?:[\w.-]+/)*[A-Z][A-Z0-9_]*\.md)\b")
# A pytest node id in docs/SECURITY.md: `tests/…/test_x.py::test_name` (the name is optional).
TEST_CITATION_RE = re.compile(r"\b(tests/[\w/]*test_\w+\.py)(?:::(\w+))?")
CODE_SPAN_RE = re.compile(r"`([^`\n]+)`")
ENVIRONMENT_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _section(markdown: str, title: str) -> str:
    """The text of a `## title` section of a Markdown file, up to the next heading of level 2."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, re.MULTILINE | re.DOTALL)
    assert match, f"no '## {title}' section"
    return match.group(1)


def _code_words(text: str) -> set[str]:
    """Every word (letters, digits, `-`, `_`) inside the `code spans` of a Markdown text."""
    return {word for span in CODE_SPAN_RE.findall(text) for word in re.findall(r"[\w-]+", span)}


def settings_read_by_from_env(monkeypatch) -> list[str]:
    """The names that `Settings.from_env()` asks its Config for, recorded while it runs on an empty
    environment (so whatever is set on this machine cannot change the answer)."""
    asked: list[str] = []

    class RecordingConfig(Config):
        def __init__(self, *_args, **_kwargs) -> None:
            super().__init__(environ={})

        def get(self, key, cast=None, default=undefined):
            asked.append(key)
            return super().get(key, cast, default)

    monkeypatch.setattr(settings_module, "Config", RecordingConfig)
    settings_module.Settings.from_env(env_file=None)
    return asked


def environment_reads(path: Path) -> set[str]:
    """Names read with os.environ.get(...), os.getenv(...), os.environ[...] or config(...) in a file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            func = ast.unparse(node.func)
            # config(...) is settings.py's starlette Config: a read that from_env may skip on an
            # empty environment (behind a condition) is still found here.
            if func in ("os.environ.get", "environ.get", "os.getenv", "getenv", "config"):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("os.environ", "environ"):
            key = node.slice
        if (
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and ENVIRONMENT_NAME_RE.match(key.value)
        ):
            names.add(key.value)
    return names


def cli_commands() -> list[str]:
    parser = cli.build_parser()
    subparsers = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    assert len(subparsers) == 1
    return sorted(subparsers[0].choices)


def documentation_files() -> list[Path]:
    """Where a citation of a doc may be: the code, the tests, the docs and the top-level Markdown."""
    found = [path for folder in ("events", "tests", "docs", "seeds") for path in (ROOT / folder).rglob("*")]
    found += list(ROOT.glob("*.md")) + list((ROOT / "templates").rglob("*.html"))
    return sorted(
        path
        for path in found
        if path.is_file()
        and path.suffix in (".py", ".md", ".html")
        and "migrations" not in path.parts
        and path != Path(__file__).resolve()  # its examples of citations are not citations
    )


# --- settings and commands in the README -------------------------------------------------------


def test_settings_are_read_through_the_recording_config(monkeypatch):
    """The recorder sees what from_env reads (else the README tests would pass on nothing)."""
    asked = settings_read_by_from_env(monkeypatch)
    assert "DATABASE_URL" in asked
    assert "SECRET_KEY" in asked
    assert all(ENVIRONMENT_NAME_RE.match(name) for name in asked), asked


def test_every_setting_is_in_the_readme_settings_table(monkeypatch):
    documented = _code_words(_section(README.read_text(encoding="utf-8"), "Settings"))
    read = set(settings_read_by_from_env(monkeypatch)) | environment_reads(ROOT / "events" / "settings.py")
    assert sorted(read - documented) == []


def test_every_other_environment_variable_is_named_in_the_readme():
    documented = _code_words(README.read_text(encoding="utf-8"))
    read = {name for path in sorted((ROOT / "events").rglob("*.py")) for name in environment_reads(path)}
    assert "HACKCITY_ADMIN_PASSWORD" in read  # the reader works (events/cli.py reads it)
    assert sorted(read - documented) == []


def test_every_command_is_in_the_readme_commands_section():
    commands = cli_commands()
    assert {"serve", "migrate", "seed", "createadmin"} <= set(commands)
    documented = _code_words(_section(README.read_text(encoding="utf-8"), "Commands"))
    assert [command for command in commands if command not in documented] == []


# --- cited documents exist ---------------------------------------------------------------------


def cited_documents() -> dict[str, list[tuple[Path, int]]]:
    """Cited document path -> where it is cited (file, line)."""
    citations: dict[str, list[tuple[Path, int]]] = {}
    for path in documentation_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for cited in DOC_CITATION_RE.findall(line):
                citations.setdefault(cited, []).append((path, number))
    return citations


def resolves(cited: str, citing: Path) -> bool:
    """A citation names a file from the top of the repository (`docs/SECURITY.md` in a comment), or,
    in a Markdown file, from the file's own folder (a link from docs/DOMAIN.md to `SECURITY.md`)."""
    if (ROOT / cited).is_file():
        return True
    return citing.suffix == ".md" and (citing.parent / cited).is_file()


def test_the_citation_pattern_finds_what_it_should():
    def found(line: str) -> list[str]:
        return DOC_CITATION_RE.findall(line)

    assert found('(docs/SECURITY.md, "Access control")') == ["docs/SECURITY.md"]
    assert found("see CONTRIBUTING.md.") == ["CONTRIBUTING.md"]
    assert found("[docs/ARCHITECTURE.md](docs/ARCHITECTURE.md)") == ["docs/ARCHITECTURE.md"] * 2
    assert found("the rule (SECURITY.md)") == ["SECURITY.md"]  # bare: resolved from the top
    assert found("/docs/DOMAIN.md") == ["docs/DOMAIN.md"]  # a leading slash is not kept
    assert found("notes.md, spaced out .md") == []  # not a document name


def test_the_project_docs_are_cited():
    citations = cited_documents()
    for document in ("docs/SECURITY.md", "docs/DOMAIN.md", "docs/ARCHITECTURE.md", "CONTRIBUTING.md"):
        assert document in citations, f"nothing cites {document}"


def test_every_cited_document_exists():
    missing = [
        f"{citing.relative_to(ROOT)}:{line} cites {cited}"
        for cited, places in sorted(cited_documents().items())
        for citing, line in places
        if not resolves(cited, citing)
    ]
    assert missing == []


def test_a_citation_resolves_from_the_top_or_from_a_markdown_file_s_folder():
    assert resolves("docs/SECURITY.md", ROOT / "events" / "markdown.py")
    assert resolves("SECURITY.md", ROOT / "docs" / "DOMAIN.md")
    assert not resolves("SECURITY.md", ROOT / "events" / "markdown.py")
    assert not resolves("SECURITY.md", ROOT / "CONTRIBUTING.md")


def test_the_readme_links_the_project_docs():
    readme = README.read_text(encoding="utf-8")
    for document in ("docs/SECURITY.md", "docs/DOMAIN.md", "docs/ARCHITECTURE.md", "CONTRIBUTING.md"):
        assert f"]({document})" in readme, f"the README does not link {document}"


# --- the tests cited by docs/SECURITY.md exist -------------------------------------------------


def security_citations() -> list[tuple[str, str]]:
    """(test file, test name or '') for each test that docs/SECURITY.md cites."""
    return sorted(set(TEST_CITATION_RE.findall(SECURITY.read_text(encoding="utf-8"))))


def test_security_cites_tests_in_every_section():
    text = SECURITY.read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert len(sections) >= 8
    for title in sections:
        if title == "Known gaps":
            continue
        assert TEST_CITATION_RE.search(_section(text, title)), f"'{title}' cites no test"


@cache
def functions_defined_in(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )


@pytest.mark.parametrize(("path", "name"), security_citations(), ids=lambda value: value or "")
def test_test_cited_by_security_exists(path, name):
    source = ROOT / path
    assert source.is_file(), f"docs/SECURITY.md cites {path}, which does not exist"
    if name:
        assert name in functions_defined_in(source), (
            f"docs/SECURITY.md cites {path}::{name}, which is not defined there"
        )
