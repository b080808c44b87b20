"""Safe output: records full of XSS payloads publish as text, never as code.

Payloads go into every kind of content text (names, cities, venues,
organizers, units, fields, the guide's title), into record descriptions
(Markdown), URLs, English translations and the About page. The built pages
are checked statically, then opened in real Chromium, with and without the
Content-Security-Policy, watching for dialogs and a console marker.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from browser import chromium, serve
from conftest import EN, Project, make_project

MARK = "XSS-MARKER"
# Each one runs script if it reaches the page unescaped or unsanitized.
PAYLOADS = [
    "<script>alert('xss')</script>",
    f"<script>console.log('{MARK}')</script>",
    "<img src=x onerror=\"alert('xss')\">",
    f"'><img src=x onerror=console.log('{MARK}')>",
    "\"><svg onload=alert('xss')>",
    "<svg><script>alert('xss')</script></svg>",
    "<a href=\"javascript:alert('xss')\">link</a>",
    "<iframe srcdoc=\"<script>parent.alert('xss')</script>\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss')>",
    "<img src=\"x\" onerror=\"alert('xss')\"",       # a broken, unclosed attribute
    "<img/src=x/onerror=alert('xss')//",
    "<details open ontoggle=alert('xss')>",
    "<body onload=alert('xss')>",
    "<object data=\"javascript:alert('xss')\"></object>",
    "<base href=\"javascript:alert('xss')//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('xss')\">",
    "</title><script>alert('xss')</script>",
    "</textarea><script>alert('xss')</script>",
    "{{ 7*7 }}{% raw %}",                             # template injection stays text
]
# Markdown-only tricks, for descriptions and the About page.
MARKDOWN = [
    "[click](javascript:alert('xss'))",
    "[click](JaVaScRiPt:alert('xss'))",
    "[click](  javascript:alert('xss'))",
    "![img](javascript:alert('xss'))",
    "<javascript:alert('xss')>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzJyk8L3NjcmlwdD4=)",
    "<a href=\"jav&#x09;ascript:alert('xss')\">tab</a>",
    "<div onmouseover=\"alert('xss')\">hover</div>",
    "[ok](https://example.test/ \"title\\\" onmouseover=\\\"alert('xss')\")",
    "<style>body{background:url(\"javascript:alert('xss')\")}</style>",
    f"<form action=\"javascript:alert('xss')\"><button>{MARK}</button></form>",
    "[site](https://example.test/ok) and [mail](mailto:office@example.test)",   # these survive
]


def yaml_str(text: str) -> str:
    """A double-quoted YAML scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def po_str(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def hostile_project(root: Path) -> Project:
    p = make_project(root)
    en = dict(EN)
    for i, payload in enumerate(PAYLOADS):
        name = f"会议{i}{payload}"
        description = f"第{i}届。{payload}\n\n" + "\n\n".join(f"{m} {payload}" for m in MARKDOWN)
        p.conference(f"xss-{i}", textwrap.dedent(f"""\
            id: xss-{i}
            name: {yaml_str(name)}
            kind: one-off
            field: life
            start: 2023-07-{i + 1:02d}
            city: {yaml_str("城市" + payload)}
            venue: {yaml_str("场馆" + payload)}
            organizers: [{yaml_str("主办" + payload)}]
            hosts: [{yaml_str("承办" + payload)}]
            co_recommenders: [{yaml_str("合作" + payload)}]
            recommender: L-01
            website: {yaml_str("https://example.test/" + str(i) + "?q=" + payload.replace(" ", "%20"))}
            description: {yaml_str(description)}
            """))
        # English translations are content too: hostile there as well.
        en[name] = f"Conference {i}{payload}"
        if i != 1:  # one description stays untranslated
            en[description] = f"Edition {i}. {payload}\n\n" + "\n\n".join(MARKDOWN)
    en["生命科学"] = "Life <script>alert('xss')</script> Sciences"
    p.translations({po_str(k): po_str(v) for k, v in en.items()})
    p.write("content/pages/about.en.md", "# About <script>alert('xss')</script>\n\n"
            + "\n\n".join(MARKDOWN + PAYLOADS) + "\n")
    units = (p.root / "content/units.yaml").read_text(encoding="utf-8")
    p.write("content/units.yaml", units.replace("name: 中国科协生命科学学会联合体",
                                                 "name: " + yaml_str("联合体<img src=x onerror=alert('xss')>")))
    return p


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Project:
    p = hostile_project(tmp_path_factory.mktemp("xss") / "guide")
    result = p.build()
    assert result.ok, [x.format() for x in result.problems.errors]
    return p


DATA_TYPES = ("application/json", "application/ld+json")


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of <script> elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.in_script = False
        self.in_data = False
        self.script_text = ""
        self.data_blocks: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        self.tags.append((tag, attrs))
        # A JSON data block (the search page's strings, a conference's event
        # data) is not executed; its text must still be valid JSON, checked below.
        self.in_script = tag == "script" and attrs.get("type") not in DATA_TYPES
        self.in_data = tag == "script" and attrs.get("type") in DATA_TYPES

    def handle_endtag(self, tag):
        self.in_script = self.in_data = False

    def handle_data(self, data):
        if self.in_script:
            self.script_text += data
        elif self.in_data:
            self.data_blocks.append(data)


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "srcset", "xlink:href"}


def own_search_control(tag: str, attrs: dict) -> bool:
    """The forms our templates make: GETs to the site's own pages (search, certificate lookup)."""
    if tag == "form":
        return (attrs.get("class") == "site-search" or attrs.get("id") in ("search-form", "verify-form")) \
            and attrs.get("action", "").startswith("/") and attrs.get("method") == "get"
    if tag == "button":
        return attrs.get("type") in ("submit", "button") and "formaction" not in attrs
    return False


def own_fold(tag: str, attrs: dict) -> bool:
    """The site's own folded lists (an edition's units): closed, no handler, no other attribute."""
    return tag == "details" and set(attrs) <= {"class", "id"} and attrs.get("class") == "more"


def test_payloads_publish_as_text_and_markup_stays_on_the_allowlist(hostile):
    site = hostile.root / "site"
    pages = html_files(site)
    assert len(pages) > 60
    for page in pages:
        html = page.read_text(encoding="utf-8")
        parsed = Elements()
        parsed.feed(html)
        rel = page.relative_to(site).as_posix()
        for tag, attrs in parsed.tags:
            if own_search_control(tag, attrs) or own_fold(tag, attrs):
                continue  # the site's own forms (header, search page, certificate lookup) and folds
            assert tag not in {"iframe", "object", "embed", "svg", "math", "base", "form", "style",
                               "details", "textarea", "button"}, f"{rel}: <{tag}>"
            assert not [a for a in attrs if a.startswith("on")], f"{rel}: <{tag} {attrs}>"
            if tag == "meta":
                assert attrs.get("http-equiv", "").lower() in ("", "content-security-policy"), rel
            for name in URL_ATTRS & set(attrs):
                # Browsers ignore whitespace and control characters inside a scheme.
                url = re.sub(r"[\x00-\x20]", "", attrs[name])
                scheme = SCHEME.match(url)
                assert not scheme or scheme.group(1).lower() in ("http", "https", "mailto"), \
                    f"{rel}: {name}={attrs[name]!r}"
            if tag == "script" and attrs.get("type") not in DATA_TYPES:
                assert attrs.get("src", "").startswith("/assets/"), f"{rel}: inline or foreign script"
        assert not parsed.script_text.strip(), f"{rel}: inline script"
        for block in parsed.data_blocks:
            json.loads(block)  # data, whole: a payload cannot close the element early
    zh = hostile.page("zh/2023/conferences/xss-0/index.html")
    en = hostile.page("en/2023/conferences/xss-0/index.html")
    # Shown, escaped, exactly as written: nothing dropped from plain text.
    assert "会议0&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in zh
    assert "Conference 0&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in en
    template = hostile.page("zh/2023/conferences/xss-18/index.html")
    assert "{{ 7*7 }}{% raw %}" in template and "会议1849" not in template
    # The description is rendered Markdown; only its safe links survive.
    assert '<section class="description prose"' in zh
    assert '<a href="https://example.test/ok" rel="noopener noreferrer">site</a>' in zh
    assert '<a href="mailto:office@example.test" rel="noopener noreferrer">mail</a>' in zh


def description(page: str) -> str:
    return page.split('<section class="description prose"')[1].split("</section>")[0]


def test_description_markdown_is_translated_sanitized_and_marked_when_untranslated(hostile):
    translated = description(hostile.page("en/2023/conferences/xss-2/index.html"))
    assert "<p>Edition 2. </p>" in translated and 'lang="zh-CN"' not in translated
    untranslated = description(hostile.page("en/2023/conferences/xss-1/index.html"))
    assert '<div lang="zh-CN"><p>第1届。' in untranslated
    for section in (translated, untranslated):
        hrefs = re.findall(r'href="([^"]*)"', section)
        assert "https://example.test/ok" in hrefs and "mailto:office@example.test" in hrefs
        assert all(h.startswith(("https://", "http://", "mailto:")) for h in hrefs), hrefs
        # Markup outside the record allowlist is gone, its text kept as text.
        assert not re.search(r"<(?!/?(?:p|br|ul|ol|li|a|em|strong|code|blockquote|div|h2)\b)", section), section


BROWSER_PAGES = ["zh/index.html", "en/index.html", "en/about/index.html", "zh/about/index.html",
                 "zh/2023/index.html", "en/2023/conferences/index.html", "zh/2023/fields/life/index.html",
                 "en/2023/months/2023-07/index.html", "en/2023/units/l-01/index.html", "index.html"]


def visit(browser, base: str, pages: list[str]) -> tuple[list[str], list[str]]:
    """Open each page; (dialogs opened, console messages)."""
    dialogs, console = [], []
    context = browser.new_context()
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"), d.dismiss()))
    page.on("console", lambda m: console.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"{page.url}: {e}"))
    for rel in pages:
        # "load" waits for images, so a broken image's onerror has run by then.
        page.goto(f"{base}/{rel}", wait_until="load")
    page.wait_for_timeout(100)  # late handlers (ontoggle) of the last page
    context.close()
    return dialogs, console


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def strip_csp(site: Path, dest: Path) -> Path:
    """A copy of the site without the CSP meta: escaping alone must hold."""
    shutil.copytree(site, dest)
    for page in html_files(dest):
        html = page.read_text(encoding="utf-8")
        stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        page.write_text(stripped, encoding="utf-8")
    return dest


@pytest.mark.parametrize("csp", [True, False], ids=["with-csp", "without-csp"])
def test_no_payload_executes_in_chromium(hostile, browser, tmp_path, csp):
    site = hostile.root / "site"
    if not csp:
        site = strip_csp(site, tmp_path / "site")
    pages = BROWSER_PAGES + [f"{lang}/2023/conferences/xss-{i}/index.html"
                             for i in range(len(PAYLOADS)) for lang in ("zh", "en")]
    with serve(site) as base:
        dialogs, console = visit(browser, base, pages)
    assert dialogs == []
    assert not [m for m in console if MARK in m], console
    # The pages load their own assets only: no CSP violation, no error.
    assert not [m for m in console if "Content Security Policy" in m or "Uncaught" in m], console


def test_csp_meta_blocks_inline_script_and_handlers_in_chromium(hostile, browser, tmp_path):
    """The harness sees script that runs; the CSP is what stops it on a real page."""
    site = tmp_path / "site"
    shutil.copytree(hostile.root / "site", site)
    page = site / "en/2023/index.html"
    html = page.read_text(encoding="utf-8")
    injected = (f"<script>console.log('{MARK}-inline')</script>"
                "<img src=/nothing.png onerror=\"alert('handler')\"></body>")
    page.write_text(html.replace("</body>", injected), encoding="utf-8")
    bare = site / "en/2023/bare.html"
    bare.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text(encoding="utf-8")),
                    encoding="utf-8")
    with serve(site) as base:
        dialogs, console = visit(browser, base, ["en/2023/index.html"])
        assert dialogs == [] and not [m for m in console if MARK in m], console
        assert any("Content Security Policy" in m for m in console), console
        dialogs, console = visit(browser, base, ["en/2023/bare.html"])
        assert any("handler" in d for d in dialogs), dialogs
        assert any(f"{MARK}-inline" in m for m in console), console


@pytest.mark.parametrize("markdown, href", [
    ("[x](//evil.example/x)", None),                      # another host, without a scheme
    ("[x](../../../staff/records.json)", None),           # relative: no such link in a record
    ('<a href=" //evil.example/sp">x</a>', None),
    ("[x](mailto:a@b.example?bcc=v@evil.example)", None),  # recipients added
    ("[x](mailto:a@b.example?subject=x%0D%0ABcc:y@evil.example)", None),
    ("[x](mailto:a@b.example,c@evil.example)", None),
    ("[x](mailto:a@b.example%2Cc@evil.example)", None),
    ("[x](mailto:a@b.example?%63c=v@evil.example)", None),  # (cc, %-encoded)
    ("[x](mailto:a@b.example?subject=hi)", "mailto:a@b.example?subject=hi"),
    ("[x](mailto:a@b.example?subject=Registration,%202024)", "mailto:a@b.example?subject=Registration,%202024"),
    ("[x](https://ok.example/a)", "https://ok.example/a"),
])
def test_a_description_links_only_to_http_and_mailto_addresses(markdown, href):
    from guide.rendering import RECORD_TAGS, render_markdown
    html = str(render_markdown(markdown, RECORD_TAGS))
    found = re.findall(r'href="([^"]*)"', html)
    assert found == ([href] if href else []), html
    assert ">x</a>" in html   # (the text stays)


def test_a_page_of_the_project_may_link_within_the_site_but_not_to_another_host_without_a_scheme():
    from guide.rendering import render_markdown
    assert 'href="/en/2023/"' in str(render_markdown("[x](/en/2023/)"))
    assert 'href="../search/"' in str(render_markdown("[x](../search/)"))
    assert 'href="#columns"' in str(render_markdown("[x](#columns)"))
    assert "href" not in str(render_markdown("[x](javascript:alert(1))")).replace("noopener", "")
    # (browsers drop tabs and line breaks in an address, and read a backslash as a slash)
    for sneaky in ("/&#09;/evil.example", "/&#x0d;/evil.example", "&#x1;//evil.example", "/\\evil.example"):
        assert "href" not in str(render_markdown(f'<a href="{sneaky}">x</a>')).replace("noopener", ""), sneaky
    assert "href" not in str(render_markdown("[x](//evil.example/)")).replace("noopener", "")


def test_a_page_of_the_project_loads_no_image_and_keeps_no_cite_address():
    """An image of another host would be a request the pages never make (and a
    tracker); ``cite`` is an address no scheme check covers."""
    from guide.rendering import render_markdown
    html = str(render_markdown('<img src="https://evil.example/t.png"> ![t](https://evil.example/t.png) '
                               '<q cite="javascript:alert(1)">q</q> <blockquote cite="javascript:x">b</blockquote> '
                               '<span lang="zh-CN">中文</span>'))
    assert "<img" not in html and "evil.example" not in html and "cite=" not in html and "javascript" not in html
    assert "<q>q</q>" in html and '<span lang="zh-CN">中文</span>' in html


def test_a_page_link_to_the_sites_own_root_is_read_from_its_path():
    from guide.rendering import render_markdown
    for link, href in (("/en/2023/", "/guides/j/en/2023/"), ("/guides/j/zh/", "/guides/j/zh/"),
                       ("/guides/j", "/guides/j"), ("../search/", "../search/")):
        assert f'href="{href}"' in str(render_markdown(f"[x]({link})", base="/guides/j/")), link
