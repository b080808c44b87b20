"""Quality gates on the demo build: valid HTML, accessible pages, links, catalogs, data.

The tools are real and installed by `bash .ci/run`: the Nu Html Checker
(npm vnu-jar, run with the machine's Java), axe-core (npm) injected into
Debian's Chromium, GNU gettext's msgfmt. Outside CI a missing tool skips its
gate and says so; in CI it fails (see browser.require).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from browser import AXE_JS, VNU_JAR, chromium, require, serve
from conftest import REPO, TODAY
from guide.pipeline import Build
from linkcheck import check_site, target_file


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str]:
    """The demo guide built in publication (strict) mode: (site folder, base URL)."""
    site = tmp_path_factory.mktemp("gates") / "site"
    build = Build(REPO, out=site, today=TODAY, strict=True)
    result = build.run()
    # (Freshness warnings are due on this date; test_demo checks a warning-free build.)
    assert result.ok, [p.format() for p in result.problems.errors]
    return site, result.model.guide.base_url


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# -- HTML ---------------------------------------------------------------------

def test_every_page_is_valid_html_for_the_nu_checker(demo):
    site, _ = demo
    java = shutil.which("java")
    require("Java", java is not None, "apt-get install default-jre-headless")
    require("the Nu Html Checker", VNU_JAR.is_file(), "npm install in .ci/tools")
    out = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--skip-non-html", "--format", "json",
                          str(site)], capture_output=True, text=True, timeout=600)
    messages = json.loads(out.stderr)["messages"]
    errors = [f"{m.get('url', '').split('/site/')[-1]}:{m.get('lastLine', '?')}: {m['message']}"
              for m in messages if m["type"] == "error" or m.get("subType") == "fatal"]
    assert errors == [], "\n".join(errors[:30])
    assert out.returncode == 0
    assert len(html_pages(site)) > 200  # it really looked at the whole demo


# -- accessibility ------------------------------------------------------------

def axe_pages(site: Path) -> list[str]:
    """Home, field, conference, verify (and search, where built) and more, in both languages."""
    pages = []
    for lang in ("zh", "en"):
        edition = sorted(p.name for p in (site / lang).iterdir() if p.is_dir() and p.name.isdigit())[-1]
        field = sorted((site / lang / edition / "fields").iterdir())[0].name
        # The fullest conference page: most of what a record can show.
        conferences = sorted(p / "index.html" for p in (site / lang / edition / "conferences").iterdir()
                             if p.is_dir())
        fullest = max(conferences, key=lambda p: p.stat().st_size)
        described = [p for p in conferences if 'class="description' in p.read_text(encoding="utf-8")][:1]
        pages += [f"{lang}/index.html", f"{lang}/{edition}/index.html", f"{lang}/{edition}/fields/{field}/index.html",
                  f"{lang}/{edition}/conferences/index.html", f"{lang}/about/index.html", f"{lang}/404.html"]
        pages += sorted({p.relative_to(site).as_posix() for p in [fullest, *described]})
        # Search (when built), a certificate's verification page, the staff's change report.
        for pattern in ("search/index.html", "*/search/index.html", "verify/index.html", "verify/*/index.html",
                        "staff/changes/index.html"):
            found = sorted(site.glob(f"{lang}/{pattern}"))
            pages += [found[0].relative_to(site).as_posix()] if found else []
    return pages + ["404.html"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_have_no_axe_violations_in_chromium(demo, scheme):
    """In both colour schemes: a phone set to dark gets the dark palette."""
    site, _ = demo
    require("axe-core", AXE_JS.is_file(), "npm install in .ci/tools")
    pages = axe_pages(site)
    found = {}
    with chromium() as browser, serve(site) as base:
        # bypass_csp: the pages allow only their own scripts; axe is injected.
        context = browser.new_context(bypass_csp=True, color_scheme=scheme)
        page = context.new_page()
        for rel in pages:
            page.goto(f"{base}/{rel}", wait_until="load")
            page.add_script_tag(path=str(AXE_JS))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            for v in result["violations"]:
                targets = [" ".join(n["target"]) for n in v["nodes"]][:3]
                found.setdefault(rel, []).append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
            assert result["passes"], rel  # axe really ran
        context.close()
    assert found == {}, "\n".join(f"{p}: {v}" for p, vs in found.items() for v in vs)


# -- links --------------------------------------------------------------------

def test_every_internal_link_and_language_switch_resolves(demo):
    site, base_url = demo
    assert check_site(site, base_url) == []


# -- catalogs -----------------------------------------------------------------


def test_no_broken_internal_link_under_a_sub_path(tmp_path):
    """A guide published below a path (https://example.org/guides/demo/): every
    link of every page resolves, the About page's "/zh/2023/" included (it is
    read from the site's own root, as the pages' own links are)."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    guide = tmp_path / "content/guide.yaml"
    text = guide.read_text(encoding="utf-8")
    old = re.search(r"^base_url: *(\S+)", text, re.M).group(1)
    guide.write_text(text.replace(old, "https://example.org/guides/demo/", 1), encoding="utf-8")
    result = Build(tmp_path, today=TODAY).run()
    assert result.ok, [p.format() for p in result.problems.errors]
    site = tmp_path / "site"
    assert check_site(site, "https://example.org/guides/demo/") == []
    about = (site / "zh/about/index.html").read_text(encoding="utf-8")
    assert 'href="/guides/demo/zh/2023/"' in about

def test_every_catalog_passes_msgfmt_check():
    msgfmt = shutil.which("msgfmt")
    require("GNU gettext (msgfmt)", msgfmt is not None, "apt-get install gettext")
    catalogs = sorted((REPO / "locales").rglob("*.po"))
    assert catalogs
    for po in catalogs:
        out = subprocess.run([msgfmt, "--check", "--output-file=/dev/null", str(po)],
                             capture_output=True, text=True)
        assert out.returncode == 0, f"{po.relative_to(REPO)}:\n{out.stderr}"


# -- feeds and data -----------------------------------------------------------

def test_sitemap_robots_and_data_files_parse(demo):
    site, base_url = demo
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [u.text for u in ET.parse(site / "sitemap.xml").getroot().findall("s:url/s:loc", ns)]
    assert len(locs) > 200
    for loc in locs:
        assert loc.startswith(base_url) and target_file(site, loc[len(base_url):]), loc
    assert f"Sitemap: {base_url}sitemap.xml" in (site / "robots.txt").read_text(encoding="utf-8")
    for path in sorted(site.rglob("*")):
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix in (".xml", ".atom", ".rss"):
            ET.parse(path)


def test_a_missing_tool_fails_in_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must install it"):
        require("a tool", False, "apt-get install a-tool")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="in CI this test fails"):
        require("a tool", False, "apt-get install a-tool")
    require("a tool", True, "")  # present: nothing happens
