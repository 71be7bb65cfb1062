"""Markdown rendering: an XSS corpus that must come out harmless, the Markdown that must keep working,
and the `markdown` filter in the real Jinja environment (docs/SECURITY.md, "CSRF and browser safety")."""

from __future__ import annotations

import re
import secrets
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from markupsafe import Markup

from events.markdown import MAX_LENGTH, excerpt, render_markdown, sanitise_html
from events.templating import templates

# Written out again rather than imported: widening the allowlist must be a deliberate change here too.
EXPECTED_TAGS = {
    "p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
EXPECTED_ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "object", "embed", "svg", "math", "style", "img", "form", "input",
    "button", "meta", "base", "link", "details", "body", "marquee", "video", "audio", "source",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
# Browsers drop ASCII control characters and whitespace inside a URL scheme ("java\tscript:").
URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")

XSS_CORPUS = [
    # raw HTML: the parser must leave it as text
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<img src=x onerror=alert(1)",  # unclosed
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '> <iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="&#14;javascript:alert(1)">click</a>',
    '<a href="x" onmouseover="alert(1)"">"nested" \'quotes\'</a>',
    '<div style="width: expression(alert(1))">x</div>',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">click</math>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<input onfocus=alert(1) autofocus>",
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<marquee onstart=alert(1)>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "# <img src=x onerror=alert(1)>",
    "| <script>alert(1)</script> | [x](javascript:alert(1)) |\n|---|---|\n| a | b |",
    "[ok](https://example.org)<img src=x onerror=alert(1)>",
    # Markdown links and autolinks
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '[click](javascript:alert(1) "title")',
    "[click](  javascript:alert(1)  )",
    "[click](\njavascript:alert(1))",
    "[click](<java\tscript:alert(1)>)",
    "[click](java\tscript:alert(1))",
    "[click](java\x00script:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](javascript://%0Aalert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "[click][evil]\n\n[evil]: javascript:alert(1)",
    '[click][evil]\n\n[evil]: <javascript:alert(1)> "title"',
    "[evil]\n\n[evil]: data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    '[x](https://example.org "title\\" onmouseover=\\"alert(1)")',
    '[x](https://example.org"onmouseover="alert(1))',
    "[\u202egnp.exe](javascript:alert(1))",  # right-to-left override in the label
    # images: rendered as links, so their targets face the same scheme check
    "![x](javascript:alert(1))",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x" onerror="alert(1)](https://example.org/y.png)',
    # code keeps the payload as text
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
]


class _Tags(HTMLParser):
    """Every start tag of a fragment, with its attributes (character references decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def start_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_harmless(html: str) -> None:
    assert "<script" not in html.lower()
    for tag, attrs in start_tags(html):
        assert tag not in FORBIDDEN_TAGS
        assert tag in EXPECTED_TAGS
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name != "style", tag
            assert name in EXPECTED_ATTRIBUTES.get(tag, set()), (tag, name)
            if name in URL_ATTRIBUTES:
                url = URL_IGNORED.sub("", value or "").lower()
                assert not url.startswith(DANGEROUS_SCHEMES), (tag, name, value)


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<p onclick="alert(1)">x</p>',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href=" JavaScript:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<p style="color:red">x</p>',
        "<svg></svg>",
        "<math></math>",
    ],
)
def test_assert_harmless_rejects_unsafe_html(html):
    # The corpus test is only as good as its checker.
    with pytest.raises(AssertionError):
        assert_harmless(html)


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_render_markdown_xss_payload_is_harmless(payload):
    assert_harmless(render_markdown(payload))


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_sanitise_html_alone_stops_payload_when_parser_lets_html_through(payload):
    # Defence in depth: were raw HTML ever switched on in the parser, the allowlist still holds.
    permissive = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    assert_harmless(sanitise_html(permissive.render(payload)))
    assert_harmless(sanitise_html(payload))


def test_xss_corpus_size():
    assert len(XSS_CORPUS) >= 40
    assert len(set(XSS_CORPUS)) == len(XSS_CORPUS)


def test_render_markdown_raw_html_stays_visible_text():
    assert render_markdown("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"


def test_render_markdown_javascript_link_stays_text():
    assert render_markdown("[click](javascript:alert(1))") == "<p>[click](javascript:alert(1))</p>\n"


def test_render_markdown_sanitiser_strips_javascript_href():
    assert sanitise_html('<a href="javascript:alert(1)">x</a>') == (
        '<a rel="noopener noreferrer nofollow ugc">x</a>'
    )


def test_render_markdown_none_and_blank_are_empty_markup():
    assert render_markdown(None) == Markup("")
    assert render_markdown("  \n ") == Markup("")
    assert isinstance(render_markdown("*hi*"), Markup)


def test_render_markdown_headings_h1_demoted():
    assert render_markdown("# Title\n\n## Part\n\n###### Small") == (
        "<h2>Title</h2>\n<h2>Part</h2>\n<h6>Small</h6>\n"
    )


def test_render_markdown_setext_h1_demoted():
    assert render_markdown("Title\n=====") == "<h2>Title</h2>\n"


def test_render_markdown_emphasis_and_strikethrough():
    assert render_markdown("**bold** *em* ~~gone~~") == (
        "<p><strong>bold</strong> <em>em</em> <s>gone</s></p>\n"
    )


def test_render_markdown_lists():
    assert render_markdown("- one\n- two\n\n3. three\n4. four") == (
        '<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n'
    )


def test_render_markdown_table_alignment_without_inline_style():
    assert render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |") == (
        "<table>\n<thead>\n<tr>\n"
        '<th align="left">a</th>\n<th align="center">b</th>\n<th align="right">c</th>\n'
        "</tr>\n</thead>\n<tbody>\n<tr>\n"
        '<td align="left">1</td>\n<td align="center">2</td>\n<td align="right">3</td>\n'
        "</tr>\n</tbody>\n</table>\n"
    )


def test_render_markdown_links_get_rel():
    assert render_markdown('[data](https://data.example.org/set "The set") <mailto:team@example.org>') == (
        '<p><a href="https://data.example.org/set" title="The set" rel="noopener noreferrer nofollow ugc">'
        'data</a> <a href="mailto:team@example.org" rel="noopener noreferrer nofollow ugc">'
        "mailto:team@example.org</a></p>\n"
    )


def test_render_markdown_relative_link_kept():
    assert render_markdown("[rules](/events/1/rules)") == (
        '<p><a href="/events/1/rules" rel="noopener noreferrer nofollow ugc">rules</a></p>\n'
    )


def test_render_markdown_code_block_text_escaped():
    assert render_markdown("```python\nif a < b and c > d: print('&')\n```") == (
        "<pre><code>if a &lt; b and c &gt; d: print('&amp;')\n</code></pre>\n"
    )


def test_render_markdown_inline_code_escaped():
    assert render_markdown("Use `<br>` here") == "<p>Use <code>&lt;br&gt;</code> here</p>\n"


def test_render_markdown_blockquote_and_rule():
    assert render_markdown("> quoted\n\n---") == "<blockquote>\n<p>quoted</p>\n</blockquote>\n<hr>\n"


def test_render_markdown_image_becomes_link():
    assert render_markdown("![City map](https://example.org/map.png)") == (
        '<p><a href="https://example.org/map.png" rel="noopener noreferrer nofollow ugc">City map</a></p>\n'
    )


def test_render_markdown_input_bounded():
    assert render_markdown("a" * (MAX_LENGTH + 500)) == f"<p>{'a' * MAX_LENGTH}</p>\n"


def test_excerpt_drops_markup():
    text = (
        "# Air quality\n\nMap **every** sensor in `Lyon`, see [the portal](https://x.org).\n\n- fast\n- open"
    )
    assert excerpt(text) == "Map every sensor in Lyon, see the portal. fast open"


def test_excerpt_skips_headings_instead_of_gluing_them_to_the_paragraph():
    text = "# Le contexte\n\nParis compte 20 arrondissements.\n\n## Les données\n\nDes capteurs partout."
    assert excerpt(text) == "Paris compte 20 arrondissements. Des capteurs partout."


def test_excerpt_setext_and_deep_headings_skipped():
    assert excerpt("Le contexte\n===========\n\nParis compte\n\n#### Détail\ntexte") == "Paris compte texte"


def test_excerpt_blocks_separated_by_a_space():
    text = "First paragraph\n\nSecond one\n\n- item one\n- item two\n\n> quoted\n\n1. numbered"
    assert excerpt(text) == "First paragraph Second one item one item two quoted numbered"


def test_excerpt_only_headings_falls_back_to_their_text():
    assert excerpt("# Air quality\n\n## In Lyon") == "Air quality In Lyon"


def test_excerpt_blank_and_markup_only():
    assert excerpt("   \n\n") == ""
    assert excerpt("---") == ""


def test_excerpt_heading_text_never_leaks_markup_or_html():
    text = "# <script>alert(1)</script>\n\n<b>bold</b> & *y*"
    assert excerpt(text) == "<b>bold</b> & y"
    template = templates.env.from_string("{{ text|excerpt }}")
    assert template.render(text=text) == "&lt;b&gt;bold&lt;/b&gt; &amp; y"


def test_excerpt_cut_at_word():
    assert excerpt("one two three four", 12) == "one two…"
    assert len(excerpt("word " * 100, 50)) <= 50


def test_excerpt_empty():
    assert excerpt(None) == ""
    assert excerpt("") == ""


def test_markdown_filter_in_real_environment_sanitises():
    template = templates.env.from_string("{{ text|markdown }}")
    payload = (
        '<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<a href="javascript:alert(1)">a</a>'
    )
    assert template.render(text=payload) == (
        "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n<p>[x](javascript:alert(1))</p>\n"
        '<p>&lt;a href="javascript:alert(1)"&gt;a&lt;/a&gt;</p>\n'
    )


def test_markdown_filter_in_real_environment_renders_markdown():
    template = templates.env.from_string("{{ text|markdown }}")
    assert template.render(text="## Hello *you*") == "<h2>Hello <em>you</em></h2>\n"


def test_plain_variable_in_real_environment_escaped():
    template = templates.env.from_string("{{ text }}")
    assert template.render(text="<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_excerpt_filter_in_real_environment_escaped():
    template = templates.env.from_string("{{ text|excerpt(40) }}")
    assert template.render(text="<b>x</b> & *y*") == "&lt;b&gt;x&lt;/b&gt; &amp; y"


def test_short_texts_are_rendered_once_and_long_ones_every_time():
    from events import markdown

    text = "A **cached** text " + secrets.token_hex(8)
    long_text = "word " * (markdown.CACHED_LENGTH // 5 + 1)
    before = markdown._render_cached.cache_info()

    first, second = render_markdown(text), render_markdown(text)
    render_markdown(long_text)
    render_markdown(long_text)
    after = markdown._render_cached.cache_info()

    assert first is second and "<strong>cached</strong>" in first
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 1)
    assert excerpt(text) == excerpt(text) == text.replace("**", "")
