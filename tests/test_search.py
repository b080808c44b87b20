"""The search index as Pagefind builds it: what is indexed, with which filters,
and a failed index leaving the published site alone. (The search page itself
is tested in a real browser in test_browser.py.)"""

import gzip
import json
import re
import shutil

from conftest import TODAY

ZH_FILTERS = {"指南版次", "学科领域", "月份", "会议类型", "推荐单位", "举办城市"}
EN_FILTERS = {"Edition", "Field", "Month", "Type", "Recommending unit", "City"}


def fragments(project) -> dict[str, list[dict]]:
    """Pagefind's per-page records (gzip: 'pagefind_dcd' + JSON), by language."""
    out: dict[str, list[dict]] = {}
    for path in sorted((project.root / "site/pagefind/fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        record = json.loads(data[len(b"pagefind_dcd"):])
        out.setdefault(path.name.split("_")[0], []).append(record)
    return out


def test_one_index_per_language_with_conference_and_about_pages_only(built):
    entry = json.loads((built.root / "site/pagefind/pagefind-entry.json").read_text())
    # 4 conferences (two editions) and the About page, per language; no listings.
    assert {k: v["page_count"] for k, v in entry["languages"].items()} == {"zh-cn": 5, "en": 5}
    urls = {lang: sorted(r["url"] for r in recs) for lang, recs in fragments(built).items()}
    assert urls["zh-cn"] == ["/zh/2022/conferences/cms-2022/", "/zh/2023/conferences/ccs-2023/",
                             "/zh/2023/conferences/cms-2023/", "/zh/2023/conferences/wlsc-2023/",
                             "/zh/about/"]
    assert urls["en"] == [u.replace("/zh/", "/en/") for u in urls["zh-cn"]]


def test_conference_pages_carry_localized_filters_and_result_fields(built):
    recs = {r["url"]: r for recs in fragments(built).values() for r in recs}
    zh = recs["/zh/2023/conferences/cms-2023/"]
    assert set(zh["filters"]) == ZH_FILTERS
    assert zh["filters"]["学科领域"] == ["数理科学"]
    assert zh["filters"]["月份"] == ["2023年5月", "2023年6月"]  # 30 May to 2 June
    assert zh["filters"]["会议类型"] == ["机制性会议"]
    assert zh["filters"]["推荐单位"] == ["中国数学会"]
    assert zh["filters"]["举办城市"] == ["厦门"]
    assert zh["meta"] == {"title": "2023年中国数学会学术年会", "city": "厦门",
                          "dates": "2023年5月30日至6月2日", "datetime": "2023-05-30"}
    assert zh["filters"]["指南版次"] == ["重要学术会议指南（2023）"]
    en = recs["/en/2023/conferences/wlsc-2023/"]
    assert set(en["filters"]) == EN_FILTERS
    # A conference of an edition other than the current one says which in its result.
    old = recs["/en/2022/conferences/cms-2022/"]
    assert old["filters"]["Edition"] == ["Guide to Important Academic Conferences (2022)"]
    assert old["meta"]["edition"] == "2022 edition"
    assert recs["/zh/2022/conferences/cms-2022/"]["meta"]["edition"] == "2022年版"
    assert en["filters"]["Type"] == ["One-off conference"]
    assert en["filters"]["Month"] == ["October 2023"]
    assert en["meta"]["dates"] == "October 2023 (dates to be announced)"
    # The hidden filter values are not page text.
    assert "数理科学 2023年5月 2023年6月" not in zh["content"]


def test_values_are_separate_words_and_labels_are_not_indexed(built):
    """Pagefind glues <dd>Xiamen</dd><dd>Chinese...</dd> into one word without
    whitespace between them; the labels (every page has them) are not indexed,
    or a search for 会议 or 指南 would find every page by its labels, and
    result excerpts would show labels rather than what the record says. Each
    value ends a sentence: an excerpt ran them together ("...of Automation
    Chinese Association of Automation Guide to Important Academic Conferences
    (2023) computer science...")."""
    recs = {r["url"]: r for recs in fragments(built).values() for r in recs}
    en = recs["/en/2023/conferences/cms-2023/"]["content"]
    for before, after in [("2023", "Recurring"), ("edition", "Mathematical"), ("Sciences", "Xiamen"),
                          ("University", "Chinese")]:
        assert f"{before}. {after}" in en, en
    for label in ("Dates", "Field", "Place", "Recommending unit", "Edition of the Guide"):
        assert label not in en, en
    # (nor the edition's title, on every page of it)
    assert "Guide to Important" not in en, en
    # The extended build segments Chinese words with zero-width spaces.
    zh = recs["/zh/2023/conferences/cms-2023/"]["content"].replace("\u200b", "")
    assert "数理科学. 厦门" in zh, zh
    assert "学科领域" not in zh and "所属指南" not in zh and "重要学术会议指南" not in zh, zh


def test_only_the_search_page_allows_webassembly(built):
    site = built.root / "site"
    csp = re.compile(r'http-equiv="Content-Security-Policy" content="([^"]*)"')
    for page in site.rglob("*.html"):
        policy = csp.search(page.read_text(encoding="utf-8")).group(1)
        script_src = next(d for d in policy.split("; ") if d.startswith("script-src"))
        if page.parent.name == "search":
            assert script_src == "script-src 'self' 'wasm-unsafe-eval'", page
        else:
            assert script_src == "script-src 'self'", page


def test_every_page_has_a_search_form_leading_to_its_language(built):
    for lang in ("zh", "en"):
        for rel in ("index.html", "2023/conferences/cms-2023/index.html", "404.html"):
            html = built.page(f"{lang}/{rel}")
            assert f'<form class="site-search" role="search" action="/{lang}/search/" method="get">' in html
            assert 'name="q"' in html
        # The search page has its own form, and only one search landmark.
        search = built.page(f"{lang}/search/index.html")
        assert search.count('role="search"') == 1 and 'name="q"' in search


def test_search_page_interface_is_in_its_language(built):
    zh = built.page("zh/search/index.html")
    config = json.loads(re.search(r'<script type="application/json" id="search-config">(.*?)</script>',
                                  zh, re.S).group(1))
    strings = [s for v in config["strings"].values() for s in (v.values() if isinstance(v, dict) else [v])]
    # (Chinese words, or full-width punctuation around placeholders)
    assert all(re.search(r"[\u4e00-\u9fff\uff00-\uffef]", s) for s in strings), strings
    assert config["lang"] == "zh-CN" and config["bundle"] == "/pagefind/"
    for label in ZH_FILTERS:
        assert f'data-filter="{label}"' in zh
    # Months in the filter are in time order, not in Pagefind's text order.
    # Each option carries its name on the other language's page (kept across a switch).
    months = re.findall(r'<option value="(\d{4}年\d+月)" data-other="([^"]*)">', zh)
    assert months == [("2022年11月", "November 2022"), ("2023年5月", "May 2023"), ("2023年6月", "June 2023"),
                      ("2023年10月", "October 2023")]
    en = built.page("en/search/index.html")
    for label in EN_FILTERS:
        assert f'data-filter="{label}"' in en
    assert '<option value="One-off conference" data-other="单次会议">' in en


def test_search_bundle_ships_without_pagefinds_own_interfaces(built):
    names = {p.name for p in (built.root / "site/pagefind").iterdir()}
    assert {"pagefind.js", "pagefind-entry.json", "wasm.en.pagefind", "wasm.unknown.pagefind"} <= names
    assert not any(n.endswith((".css",)) or "-ui" in n for n in names), names


def test_failed_index_leaves_the_published_site_untouched(project, monkeypatch):
    assert project.build().ok
    before = project.site_snapshot()
    project.conference("cms-2023", project.root.joinpath(
        "content/editions/2023/conferences/cms-2023.yaml").read_text().replace("厦门大学", "集美大学"))
    # Pagefind's own switch to another binary: one that fails.
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/bin/false")
    result = project.build()
    assert not result.ok
    assert [p.code for p in result.problems.errors] == ["search-index"]
    assert project.site_snapshot() == before
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    assert project.build().ok
    assert "集美大学" in project.page("zh/2023/conferences/cms-2023/index.html")


def test_cli_summary_names_the_index_stage(project):
    run = project.cli("build")
    assert run.returncode == 0, run.stderr
    assert "10 searchable" in run.stdout and " index " in run.stdout, run.stdout


def test_search_bundle_is_the_same_bytes_when_nothing_changed(project):
    """Pagefind writes filters in hash-map order (Pagefind#638); the bundle we
    publish is put in a stable order, so identical inputs give identical bytes."""
    bundles = []
    for out in ("site-a", "site-b"):
        from guide.pipeline import Build
        assert Build(project.root, out=project.root / out, today=TODAY).run().ok
        root = project.root / out / "pagefind"
        bundles.append({p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()})
    assert bundles[0] == bundles[1]
    assert any(p.startswith("filter/") for p in bundles[0])


def test_index_is_reused_only_while_no_searchable_page_changed(project, monkeypatch):
    """Pagefind runs only when a searchable page changed; the reused bundle is
    the published one, byte for byte."""
    from guide import pipeline
    from guide.pipeline import Build
    calls = []
    real = pipeline.index_pages
    monkeypatch.setattr(pipeline, "index_pages", lambda *args: calls.append(1) or real(*args))
    assert Build(project.root, today=TODAY).run().ok
    first = {p.relative_to(project.root / "site").as_posix(): p.read_bytes()
             for p in (project.root / "site/pagefind").rglob("*") if p.is_file()}
    assert Build(project.root, today=TODAY).run().ok          # nothing changed
    assert len(calls) == 1
    assert {p.relative_to(project.root / "site").as_posix(): p.read_bytes()
            for p in (project.root / "site/pagefind").rglob("*") if p.is_file()} == first
    about = project.root / "content/pages/about.en.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nMore words.\n", encoding="utf-8")
    assert Build(project.root, today=TODAY).run().ok          # a searchable page changed
    assert len(calls) == 2
    # Another output folder has no bundle of its own yet: it is indexed.
    assert Build(project.root, out=project.root / "other", today=TODAY).run().ok
    assert len(calls) == 3 and (project.root / "other/pagefind/pagefind-entry.json").is_file()
    # Pagefind read exactly the searchable pages, as the very files now published.
    mirror = project.root / ".site.search"
    linked = {p.relative_to(mirror).as_posix() for p in mirror.rglob("*") if p.is_file()}
    assert linked == {p.relative_to(project.root / "site").as_posix()
                      for p in (project.root / "site").rglob("*.html") if b"data-pagefind-body" in p.read_bytes()}
    assert all((mirror / p).stat().st_ino == (project.root / "site" / p).stat().st_ino for p in linked)


def test_the_pages_given_to_pagefind_are_linked_and_brought_up_to_date(tmp_path, monkeypatch):
    import os
    from guide.searchindex import mirror_pages
    site, mirror = tmp_path / "site", tmp_path / "mirror"
    (site / "d").mkdir(parents=True)
    for name in ("a.html", "d/b.html", "d/c.html"):
        (site / name).write_text(name)

    def tree():
        return {p.relative_to(mirror).as_posix(): (p.read_text(), p.stat().st_ino)
                for p in mirror.rglob("*") if p.is_file()}

    mirror_pages(site, ["a.html", "d/b.html"], mirror)
    assert tree() == {"a.html": ("a.html", (site / "a.html").stat().st_ino),
                      "d/b.html": ("d/b.html", (site / "d/b.html").stat().st_ino)}
    # A page written again: a new file, of the same size and time.
    old = (site / "d/b.html").stat()
    (site / "d/b.html").unlink()
    (site / "d/b.html").write_text("D/B.HTML")
    os.utime(site / "d/b.html", ns=(old.st_atime_ns, old.st_mtime_ns))
    links = []
    real = os.link
    monkeypatch.setattr(os, "link", lambda *a, **k: links.append(a[1]) or real(*a, **k))
    mirror_pages(site, ["d/b.html", "d/c.html"], mirror)
    assert tree() == {"d/b.html": ("D/B.HTML", (site / "d/b.html").stat().st_ino),
                      "d/c.html": ("d/c.html", (site / "d/c.html").stat().st_ino)}
    assert len(links) == 2
    mirror_pages(site, ["d/b.html", "d/c.html"], mirror)  # nothing changed: nothing linked
    assert len(links) == 2
    # Not ours, in the way: a folder where a page goes; a file where the folder goes.
    (mirror / "a.html").mkdir()
    mirror_pages(site, ["a.html", "d/b.html"], mirror)
    assert tree() == {"a.html": ("a.html", (site / "a.html").stat().st_ino),
                      "d/b.html": ("D/B.HTML", (site / "d/b.html").stat().st_ino)}
    shutil.rmtree(mirror)
    mirror.write_text("")
    mirror_pages(site, ["a.html"], mirror)
    assert tree() == {"a.html": ("a.html", (site / "a.html").stat().st_ino)}


def test_language_folders_indexed_side_by_side_give_the_bundle_of_one_run(built, tmp_path, monkeypatch):
    from guide import searchindex
    site = tmp_path / "pages"
    shutil.copytree(built.root / ".site.search", site)
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    monkeypatch.setattr(searchindex, "usable_cores", lambda: 2)
    assert searchindex._parts(pages) == ["en", "zh"]
    globs = []
    real = searchindex._start
    monkeypatch.setattr(searchindex, "_start", lambda s, o, glob: globs.append(glob) or real(s, o, glob))
    whole = searchindex.index_site(site)
    assert globs == [None]
    assert searchindex.index_site(site, ["en", "zh"]) == whole
    assert globs == [None, "en/**/*.html", "zh/**/*.html"]
    assert whole[1] == 10
    # A page whose language is not its folder's: the runs' languages overlap,
    # and one run indexes everything, as before.
    page = site / "en/about/index.html"
    page.write_bytes(page.read_bytes().replace(b'<html lang="en"', b'<html lang="zh-CN"', 1))
    whole = searchindex.index_site(site)
    entry = json.loads(whole[0]["pagefind/pagefind-entry.json"])
    assert {k: v["page_count"] for k, v in entry["languages"].items()} == {"zh-cn": 6, "en": 4}
    del globs[:]
    assert searchindex.index_site(site, ["en", "zh"]) == whole
    assert globs == ["en/**/*.html", "zh/**/*.html", None]


def test_pages_outside_language_folders_are_indexed_in_one_run(monkeypatch):
    from guide import searchindex
    monkeypatch.setattr(searchindex, "usable_cores", lambda: 2)
    assert searchindex._parts(["en/a.html", "zh/a.html"]) == ["en", "zh"]
    assert searchindex._parts(["en/a.html", "index.html"]) is None
    assert searchindex._parts(["en/a.html", "z{h,x}/a.html"]) is None
    assert searchindex._parts(["en/a.html"]) == ["en"]
    monkeypatch.setattr(searchindex, "usable_cores", lambda: 1)
    assert searchindex._parts(["en/a.html", "zh/a.html"]) is None


def test_a_failed_language_run_is_named_and_stops_the_other(tmp_path, monkeypatch):
    import subprocess
    import time

    import pytest
    from guide import searchindex

    started = {}

    def start(site_dir, out, glob):
        log = out.with_name(out.name + ".log")
        command = ["sh", "-c", "echo Pagefind broke; exit 3"] if glob.startswith("en/") else ["sleep", "30"]
        with log.open("wb") as messages:
            started[glob] = subprocess.Popen(command, stdout=messages, stderr=subprocess.STDOUT)
        return started[glob], log

    monkeypatch.setattr(searchindex, "_start", start)
    begun = time.monotonic()
    with pytest.raises(searchindex.SearchIndexError, match=r"exit 3\): Pagefind broke \(indexing en/\*\*/\*\.html\)"):
        searchindex.index_site(tmp_path, ["en", "zh"])
    assert time.monotonic() - begun < 10
    assert started["zh/**/*.html"].poll() is not None   # killed, not left running


def test_a_fields_search_terms_are_indexed_escaped_and_in_each_language(project):
    from conftest import EN
    edition = project.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").replace(
        "{id: chemistry, name: 化学科学}", "{id: chemistry, name: 化学科学, search_terms: [化学, <b>化工</b>]}"),
        encoding="utf-8")
    project.translations(EN | {"化学": "chemistry", "<b>化工</b>": "<b>chemical engineering</b>"})
    result = project.build(strict=True)
    assert result.ok, [p.format() for p in result.problems.items]
    # (led by the field's name: an excerpt quoting them says why the conference was found)
    for lang, terms in (("zh", "化学科学：化学、&lt;b&gt;化工&lt;/b&gt;"),
                        ("en", "Chemical Sciences: chemistry, &lt;b&gt;chemical engineering&lt;/b&gt;")):
        html = (project.root / f"site/{lang}/2023/conferences/ccs-2023/index.html").read_text(encoding="utf-8")
        body = html.partition("data-pagefind-body")[2]
        assert f"<p hidden>{terms}</p>" in body, lang
        # only the field's conferences carry them
        other = (project.root / f"site/{lang}/2023/conferences/cms-2023/index.html").read_text(encoding="utf-8")
        assert "<p hidden>" not in other
    recs = {r["url"]: r["content"] for recs in fragments(project).values() for r in recs}
    assert "chemistry" in recs["/en/2023/conferences/ccs-2023/"]
    assert "chemistry" not in recs["/en/2023/conferences/cms-2023/"]


def test_errors_on_search_terms_that_are_not_texts(project):
    edition = project.root / "content/editions/2023/edition.yaml"
    text = edition.read_text(encoding="utf-8").replace(
        "{id: chemistry, name: 化学科学}", "{id: chemistry, name: 化学科学, search_terms: [化学, {a: 1}]}")
    edition.write_text(text, encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "search_terms" in l)
    result = project.build()
    assert not result.ok
    found = [p.format() for p in result.problems.items]
    assert any(f.startswith(f"content/editions/2023/edition.yaml:{line}:") and "search_terms[2]" in f
               for f in found), found
    assert not (project.root / "site").exists()


def test_chinese_text_is_indexed_one_character_at_a_time_beside_the_page():
    """What search.js asks a Chinese query as (the phrase of its characters)."""
    from guide.rendering import search_characters
    assert search_characters(["2023中关村论坛", None, "北京", "ICML 2023会议（A）"]) == \
        "2023 中 关 村 论 坛 · 北 京 · ICML 2023 会 议 A"
    assert search_characters(["𠀀字"]) == "𠀀 字"   # (beyond the BMP too)
    # (a description's addresses are no words to search)
    assert search_characters(["见[官网](https://x.example/a)或 <https://y.example/> mailto:a@b.example"]) == "见 官 网 或"
    # (an address ends where the Chinese resumes; a < that opens no tag is text)
    assert search_characters(["网站https://conf.cn，由组委会主办", "人数<500人"]) == "网 站 由 组 委 会 主 办 · 人 数 500 人"
