"""Incremental builds never publish a stale file.

A build reuses every output whose fingerprint (fingerprint.py) did not
change. Each test here changes one kind of input (a template, a translation,
the interface catalog, edition data, a record, a page, the build date), builds
incrementally, builds the same project from scratch elsewhere, and checks
that the two sites are byte-identical, that exactly the outputs whose bytes
had to change were rewritten, and that unaffected outputs were not rendered.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from guide.changes import REPORT, SNAPSHOT
from guide.pipeline import Build

from conftest import REPO, TODAY, make_project


def tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def clean_build(project, tmp: Path, previous: dict[str, bytes], today=TODAY) -> dict[str, bytes]:
    """The project built from scratch: no cache, no earlier output, the same previous snapshot
    and change report (``previous``: the published files)."""
    root = tmp / "clean"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(project.root, root, ignore=shutil.ignore_patterns("site", ".site.staging", ".site.search", ".cache"))
    fonts = project.root / ".cache" / "fonts"   # trimmed fonts depend on characters only
    if fonts.exists():
        (root / ".cache").mkdir()
        (root / ".cache" / "fonts").symlink_to(fonts.resolve(), target_is_directory=True)
    out = root / "site"
    out.mkdir()
    # The change report compares with the previous build (and is kept when
    # no record changed): give it the same one.
    (out / SNAPSHOT).parent.mkdir(parents=True, exist_ok=True)
    for path in (SNAPSHOT, REPORT):
        (out / path).write_bytes(previous[path])
    result = Build(root, out=out, today=today).run()
    assert result.ok, [p.format() for p in result.problems.errors]
    return tree(out)


@pytest.fixture(scope="module")
def inc(tmp_path_factory):
    """A project with its own templates, built three times: the staging tree
    (one build behind) then holds what the published one does."""
    root = tmp_path_factory.mktemp("inc") / "guide"
    project = make_project(root)
    project.issue_certificates()
    shutil.copytree(REPO / "templates", root / "templates")
    for _ in range(3):
        assert project.build().ok
    return project


def rebuild(project, tmp_path, today=TODAY, paired=True):
    before = tree(project.root / "site")
    result = Build(project.root, today=today).run()
    assert result.ok, [p.format() for p in result.problems.errors]
    after = tree(project.root / "site")
    clean = clean_build(project, tmp_path, before, today)
    assert after == clean, "the incremental build differs from a clean one"
    changed = {p for p in after.keys() | before.keys() if before.get(p) != after.get(p)}
    # Each gzip copy changes with its file, and holds exactly its bytes.
    for path in after:
        if path.endswith(".gz"):
            assert gzip.decompress(after[path]) == after[path.removesuffix(".gz")], path
    if paired:  # (a file tampered with in site/ changes without its copy)
        assert {p for p in changed if p.endswith(".gz")} == {
            p + ".gz" for p in changed if p + ".gz" in after.keys() | before.keys()}
    return result, {p.removesuffix(".gz") for p in changed}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# Made on every build: they depend on the previous build, or cost nothing.
ALWAYS = {"index.html", "404.html", "sitemap.xml", "robots.txt", "staff/records.json", "staff/changes.json",
          "zh/staff/changes/index.html", "en/staff/changes/index.html"}


def test_nothing_changed_renders_only_what_is_made_every_time(inc, tmp_path):
    result, changed = rebuild(inc, tmp_path)
    assert changed == set()
    assert result.rendered <= len(ALWAYS) + 8   # + assets
    assert result.written == 0


def test_a_build_a_minute_later_in_a_new_process_renders_nothing_again(inc, tmp_path, monkeypatch):
    """Babel stamps a catalog read without a POT-Creation-Date (ours are written
    without one) with the time it reads it: no fingerprint may depend on that.
    (At 10,000 conferences a build takes over a minute, so every unchanged
    rebuild rendered every page and certificate again.)"""
    import babel.messages.catalog as babel_catalog
    from guide import recordcache

    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1, minutes=7)

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return later.astimezone(tz) if tz is not None else later.replace(tzinfo=None)

    monkeypatch.setattr(babel_catalog, "datetime", types.SimpleNamespace(**{**vars(dt), "datetime": Clock}))
    # A new process: every catalog is read again (this one remembers them by stat).
    monkeypatch.setattr(recordcache, "_UNCHANGED", {})
    result, changed = rebuild(inc, tmp_path)
    assert changed == set()
    assert result.rendered <= len(ALWAYS) + 8   # + assets
    assert result.pdfs.rendered == 0


def test_builds_in_processes_with_other_hash_seeds_render_nothing_again(inc):
    """Nothing a fingerprint is made of may depend on the process (the order of a
    set of strings changes with the hash seed, as does anything made from it)."""
    for _ in range(2):
        assert inc.build().ok
    before = tree(inc.root / "site")
    for seed in ("1", "2"):
        run = subprocess.run([sys.executable, str(REPO / "build.py"), "--project", str(inc.root),
                              "--today", TODAY.isoformat()], capture_output=True, text=True, cwd=REPO,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        assert run.returncode == 0, run.stderr
        summary = next(line for line in run.stdout.splitlines() if line.startswith("built "))
        # Stopped after the PDF stage: made of what the published build was made of.
        assert "(0 rendered," in summary and not re.search(r"\brender \d", summary), summary
    assert tree(inc.root / "site") == before


def test_a_template_change_rerenders_only_the_pages_using_it(inc, tmp_path):
    edit(inc.root / "templates/conference.html", "{% block main %}", "{% block main %}\n<!-- edited -->")
    result, changed = rebuild(inc, tmp_path)
    conference_pages = {p for p in changed if "/conferences/" in p and p.endswith("/index.html")
                        and not p.endswith("/conferences/index.html")}
    assert changed == conference_pages and len(conference_pages) == 2 * 4
    assert result.rendered <= len(conference_pages) + len(ALWAYS) + 8


def test_a_record_change_changes_its_pages_listings_and_calendars(inc, tmp_path):
    edit(inc.root / "content/editions/2023/conferences/ccs-2023.yaml", "city: 重庆", "city: 厦门")
    result, changed = rebuild(inc, tmp_path)
    for lang in ("zh", "en"):
        assert f"{lang}/2023/conferences/ccs-2023/index.html" in changed
        assert f"{lang}/2023/conferences/ccs-2023/ccs-2023.ics" in changed
        assert f"{lang}/2023/fields/chemistry/index.html" in changed
        assert f"{lang}/2023/conferences/cms-2023/index.html" not in changed
        assert f"{lang}/2022/conferences/cms-2022/index.html" not in changed
    assert any(p.startswith("certificates/") for p in changed)      # the city is printed on it
    assert any(p.startswith("pagefind/") for p in changed)          # the page is searchable
    # Neither the other records' pages nor the other edition were rendered again.
    assert result.rendered < result.reused


def test_a_series_sibling_change_reaches_the_other_editions_page(inc, tmp_path):
    edit(inc.root / "content/editions/2022/conferences/cms-2022.yaml", "start: 2022-11-04", "start: 2022-11-03")
    result, changed = rebuild(inc, tmp_path)
    # The 2023 page lists the 2022 meeting with its dates.
    assert "zh/2023/conferences/cms-2023/index.html" in changed


def test_a_content_translation_change_changes_the_english_side(inc, tmp_path):
    edit(inc.root / "locales/en/LC_MESSAGES/content.po", 'msgstr "33rd CCS Congress"',
         'msgstr "The 33rd CCS Congress"')
    result, changed = rebuild(inc, tmp_path)
    assert "en/2023/conferences/ccs-2023/index.html" in changed
    assert "en/2023/conferences/index.html" in changed              # the name index
    assert "data/guide.json" in changed
    assert "zh/2023/conferences/cms-2023/index.html" not in changed


def test_a_guide_text_translation_change_changes_every_english_page(inc, tmp_path):
    edit(inc.root / "locales/en/LC_MESSAGES/content.po", 'msgstr "Chemical Sciences"',
         'msgstr "Chemistry"')
    result, changed = rebuild(inc, tmp_path)
    assert "en/2023/fields/chemistry/index.html" in changed
    assert "en/2023/conferences/ccs-2023/index.html" in changed


def own_interface_catalog(project) -> Path:
    """The project's own Chinese interface catalog, a copy of the shipped one if it has none yet."""
    catalog = project.root / "locales/zh/LC_MESSAGES/messages.po"
    if not catalog.exists():
        catalog.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "locales/zh/LC_MESSAGES/messages.po", catalog)
    return catalog


def test_an_interface_translation_change_changes_the_chinese_pages(inc, tmp_path):
    catalog = own_interface_catalog(inc)
    # A project that brings its own catalog: same text, so nothing changes yet...
    result, changed = rebuild(inc, tmp_path)
    assert changed == set()
    edit(catalog, 'msgid "Skip to content"\nmsgstr "', 'msgid "Skip to content"\nmsgstr "直接')
    result, changed = rebuild(inc, tmp_path)
    assert "zh/2023/conferences/ccs-2023/index.html" in changed
    assert "en/2023/conferences/ccs-2023/index.html" not in changed


def test_an_interface_plural_rule_change_changes_the_pages_that_count(inc, tmp_path):
    """Of the interface catalog's header only the plural rule shapes a page (the
    rest Babel may stamp with the time it reads the file): the rule is in the fingerprints."""
    catalog = own_interface_catalog(inc)
    rebuild(inc, tmp_path)
    rule, other = '"Plural-Forms: nplurals=1; plural=0;\\n"', '"Plural-Forms: nplurals=1; plural=1;\\n"'
    edit(catalog, rule, other)   # (no form 1: counted phrases fall back to English)
    result, changed = rebuild(inc, tmp_path)
    assert {"zh/index.html", "zh/2023/index.html"} <= changed
    assert not any(p.startswith("en/") for p in changed)
    edit(catalog, other, rule)
    rebuild(inc, tmp_path)


def test_an_edition_change_changes_that_editions_pages(inc, tmp_path):
    edit(inc.root / "content/editions/2023/edition.yaml", "title: 重要学术会议指南（2023）",
         "title: 重要学术会议指南（2023年）")
    result, changed = rebuild(inc, tmp_path)
    assert "zh/2023/index.html" in changed and "zh/2023/conferences/ccs-2023/index.html" in changed


def test_added_and_removed_records(inc, tmp_path):
    path = inc.root / "content/editions/2023/conferences/extra-2023.yaml"
    path.write_text((inc.root / "content/editions/2023/conferences/ccs-2023.yaml").read_text(encoding="utf-8")
                    .replace("ccs-2023", "extra-2023").replace("series: ccs", "series: extra")
                    .replace("第33届", "第34届"), encoding="utf-8")
    result, changed = rebuild(inc, tmp_path)
    assert "zh/2023/conferences/extra-2023/index.html" in changed
    path.unlink()
    result, changed = rebuild(inc, tmp_path)
    assert "zh/2023/conferences/extra-2023/index.html" in changed    # removed
    assert not (inc.root / "site/zh/2023/conferences/extra-2023").exists()


def test_an_about_page_change(inc, tmp_path):
    edit(inc.root / "content/pages/about.en.md", "This is", "This was")
    result, changed = rebuild(inc, tmp_path)
    assert "en/about/index.html" in changed and "zh/about/index.html" not in changed


def test_the_build_date_moves_the_home_page(inc, tmp_path):
    result, changed = rebuild(inc, tmp_path, today=dt.date(2023, 6, 18))
    assert "zh/index.html" in changed          # the next conferences


def test_a_file_changed_behind_the_builds_back_is_repaired(inc, tmp_path):
    page = inc.root / "site/zh/2023/conferences/ccs-2023/index.html"
    page.write_text("tampered", encoding="utf-8")
    staged = inc.root / ".site.staging/zh/2023/conferences/cms-2023/index.html"
    staged.write_text("tampered", encoding="utf-8")
    rebuild(inc, tmp_path, paired=False)
    rebuild(inc, tmp_path)


def test_a_preview_lags_only_the_whole_guide_downloads_and_the_next_build_catches_up(inc, tmp_path):
    from guide.pipeline import Session
    from guide.recordcache import RecordCache

    site = inc.root / "site"
    published = tree(site)
    session = Session(RecordCache.load(inc.root))
    assert Build(inc.root, today=TODAY, session=session).run().ok  # serve starts
    session.wait()
    edit(inc.root / "content/editions/2023/conferences/ccs-2023.yaml", "city: 厦门", "city: 重庆")
    result = Build(inc.root, today=TODAY, session=session).run()   # a save
    assert result.ok and result.index_stale and result.lagging
    preview = tree(site)
    changed = {p for p in preview.keys() | published.keys() if preview.get(p) != published.get(p)}
    # The edited record's own pages, calendars, certificate and listings show the edit at once...
    for lang in ("zh", "en"):
        assert f"{lang}/2023/conferences/ccs-2023/index.html" in changed
        assert f"{lang}/2023/conferences/ccs-2023/ccs-2023.ics" in changed
        assert f"{lang}/2023/fields/chemistry/index.html" in changed
    assert "重庆" in preview["zh/2023/conferences/ccs-2023/index.html"].decode()
    assert any(p.startswith("certificates/") for p in changed)
    # ...while the whole-guide files stay as the last build made them.
    # (and the change report's page, as the report it shows: site/ never shows
    # a save's report, which the next build.py would not publish)
    for lagging in ("certificates.json", SNAPSHOT, REPORT, "data/guide.csv", "zh/calendars/all.ics", "zh/feed.xml",
                    "zh/staff/changes/index.html", "en/staff/changes/index.html"):
        assert lagging not in changed, lagging
    assert not any(p.startswith("pagefind/") for p in changed)
    session.save_state()
    session.records.save(inc.root)
    # serve, stopping, keeps every record it read and checked for the next build.
    records = list((inc.root / "content/editions").glob("*/conferences/*.yaml"))
    assert len(RecordCache.load(inc.root).entries) == len(records) > 0
    # The next build brings every lagging file up to date: as a clean build.
    result, changed = rebuild(inc, tmp_path)
    assert {"certificates.json", SNAPSHOT, "data/guide.csv", "zh/calendars/all.ics", "zh/staff/changes/index.html"} \
        <= changed
    assert any(p.startswith("pagefind/") for p in changed)


def test_saves_in_a_row_publish_exactly_what_serve_records(inc, tmp_path, monkeypatch):
    # After each save serve brings its staging tree up to the published build,
    # and the next save carries files over from it unchecked. A failed save
    # stages files too: the save after it must check them again (here it
    # asks for the page the failed one replaced in staging).
    import hashlib
    from guide.output import TreeWriter
    from guide.pipeline import Session
    from guide.recordcache import RecordCache

    def digests(folder: Path) -> dict[str, str]:
        return {p: hashlib.sha256(data).hexdigest() for p, data in tree(folder).items()}

    import guide.rendering as rendering

    carried: list[set[str]] = []   # what each plan carried over as record blocks
    plan = rendering.Renderer.plan
    monkeypatch.setattr(rendering.Renderer, "plan",
                        lambda self, fps=None, blocks=frozenset(): (carried.append(set(blocks)), plan(self, fps, blocks))[1])
    session = Session(RecordCache.load(inc.root))
    record = inc.root / "content/editions/2023/conferences/ccs-2023.yaml"
    template = inc.root / "templates/conference.html"
    verify = inc.root / "templates/verify.html"
    sources = {path: path.read_text(encoding="utf-8") for path in (record, template, verify)}
    city = next(line for line in sources[record].splitlines() if line.startswith("city: "))
    saves = [  # (what the save changes, whether it builds)
        (lambda: None, True),
        (lambda: edit(record, city, "city: 成都"), True),
        (lambda: edit(template, "{% block main %}", "{% block main %}\n<!-- saved -->"), True),
        (lambda: (edit(record, "city: 成都", city), edit(verify, "{% block main %}", "{% block main %}{% if %}")),
         False),
        (lambda: (edit(record, city, "city: 成都"), edit(verify, "{% block main %}{% if %}", "{% block main %}")),
         True),
        (lambda: (edit(record, "city: 成都", city),
                  edit(template, "{% block main %}\n<!-- saved -->", "{% block main %}")), True),
        # a record added, then removed: pages, searchable pages and listings come and go
        (lambda: added.write_text(sources[record].replace("id: ccs-2023", "id: ccs-2023b")
                                  .replace("中国化学会", "中国化学会青年"), encoding="utf-8"), True),
        (lambda: added.unlink(), True),
    ]
    added = record.with_name("ccs-2023b.yaml")
    try:
        failed = True
        for k, (save, builds) in enumerate(saves):
            save()
            fast = (session.synced_state is not None and session.synced_state is session.state
                    and TreeWriter(inc.root / "site", session.state.known, session.trees).from_trees)
            assert fast == (k > 0 and not failed), k   # (the fast path is taken after a good save)
            carried.clear()
            result = Build(inc.root, today=TODAY, session=session).run()
            if k == 1:   # a record edited: every other record's own pages are carried as a block
                others = {c.id for view in result.model.editions for c in view.conferences} - {"ccs-2023"}
                assert carried[0] == others and len(others) == 3
                # ...and what is made of every record is the last save's, patched
                # (the check mode, on in the tests, compares each with a whole one)
                assert session.renderer.fps.patched_from is not None
                assert result.model.certified_patched
                assert session.renderer.keys_made == 1   # (ccs-2023 is in no series with another record)
            if k in (6, 7):   # a record added, then removed: the block keys of the record and
                # of its series (ccs-2023's, the copy's) made again
                assert session.renderer.keys_made == {6: 2, 7: 1}[k]
            if result.ok:
                assert result.model.delta is None   # (used up: the last model is not kept alive)
            assert result.ok == builds, (k, [p.format() for p in result.problems.errors])
            failed = not result.ok
            if failed:
                continue   # (serve would also drop its listing of the trees; a bare session need not)
            session.wait()
            recorded = {p: r.digest for p, r in session.state.outputs.items()}
            assert digests(inc.root / "site") == recorded, k
            assert digests(inc.root / ".site.staging") == recorded, k
        assert city[len("city: "):] in tree(inc.root / "site")["zh/2023/conferences/ccs-2023/index.html"].decode()
    finally:
        for path, text in sources.items():
            path.write_text(text, encoding="utf-8")
        added.unlink(missing_ok=True)
        session.save_state()
        session.records.save(inc.root)
    rebuild(inc, tmp_path)   # and the next build.py catches up, as a clean build


def test_a_change_that_changes_no_byte_is_remembered(inc, tmp_path):
    # An interface catalog entry no page prints changes every fingerprint but
    # no file: the build renders everything once, publishes nothing new, and
    # keeps the new fingerprints, so the next build renders nothing again.
    catalog = own_interface_catalog(inc)
    with catalog.open("a", encoding="utf-8") as f:
        f.write('\nmsgid "A message no template uses"\nmsgstr "没有模板使用的消息"\n')
    result, changed = rebuild(inc, tmp_path)
    assert changed <= ALWAYS and result.rendered > len(ALWAYS) + 8   # (the change report may say "none" now)
    result, changed = rebuild(inc, tmp_path)
    assert changed == set() and result.rendered <= len(ALWAYS) + 8


def test_forked_workers_and_a_staging_tree_made_on_demand(tmp_path, monkeypatch):
    # Rendering forks workers when there are many outputs (here: always); they
    # write into the staging tree, which a build makes only when a file
    # differs, and after a cold build there is none yet. The site must still
    # equal a clean build's.
    import guide.pipeline as pipeline
    from guide.output import staging_dir

    monkeypatch.setattr(pipeline, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(pipeline, "CHUNK", 3)
    project = make_project(tmp_path / "guide")
    shutil.copytree(REPO / "templates", project.root / "templates")
    assert project.build().ok
    assert not staging_dir(project.root / "site").exists()
    edit(project.root / "templates/conference.html", "{% block main %}", "{% block main %}\n<!-- forked -->")
    result, changed = rebuild(project, tmp_path)
    assert result.rendered > 1 and "zh/2023/conferences/ccs-2023/index.html" in changed


def test_a_record_memo_reuses_a_value_only_for_the_very_same_objects():
    from guide.recordcache import RecordMemo

    memo, record, catalog = RecordMemo(), object(), object()
    memo.begin()
    assert memo.get(record, (catalog,), lambda: 1) == 1
    memo.begin()
    assert memo.get(record, (catalog,), lambda: 2) == 1          # the same record and catalog
    memo.begin()
    assert memo.get(record, (object(),), lambda: 3) == 3         # another catalog (held: its id stays its own)
    memo.begin()
    memo.begin()
    assert memo.get(record, (catalog,), lambda: 4) == 4          # not asked for by the last build: dropped


def test_remembered_fingerprints_are_those_of_their_parts_and_only_the_last_builds():
    from guide.fingerprint import DigestMemo, _h

    memo = DigestMemo()
    memo.begin()
    assert memo.digest("a", "b") == _h("a", "b") != memo.digest("a", "c")
    memo.begin()                                   # a build that asks for ("a", "b") only
    assert memo.digest("a", "b") == _h("a", "b")
    memo.begin()
    memo.begin()                                   # (one that stopped before fingerprinting)
    assert memo.last == {("a", "b"): _h("a", "b")} and memo.now == {}


def test_serve_collects_cycles_between_saves_never_during_one(monkeypatch):
    import gc as gc_module
    from guide import pipeline
    from guide.pipeline import Session
    from guide.recordcache import RecordCache

    collected = []
    monkeypatch.setattr(gc_module, "collect", lambda *a: collected.append(1) or 0)
    session = Session(RecordCache({}))
    monkeypatch.setattr(pipeline, "COLLECT_AFTER", 0.01)
    session.collect_when_idle()          # after a save, nobody waiting: it collects
    session.background.join()
    assert collected == [1]
    monkeypatch.setattr(pipeline, "COLLECT_AFTER", 60)
    session.collect_when_idle()
    session.wait()                        # the next save: it does not wait for a collection
    assert collected == [1] and session.background is None


def test_render_chunks_start_with_the_heaviest_whole_guide_files_each_alone():
    from guide.pipeline import CHUNK, _chunks
    from guide.rendering import OutputJob

    jobs = ([OutputJob(f"p{i}", None, bytes) for i in range(CHUNK + 10)]
            + [OutputJob("listing", None, bytes, weight=5000), OutputJob("all.ics", None, bytes, True, 5000),
               OutputJob("sitemap", None, bytes, True, 9000), OutputJob("tiny", None, bytes, True, 3)])
    chunks = _chunks(jobs)
    n = CHUNK + 10
    assert chunks == [(n + 2,), (n + 1,), (n + 3,), tuple(range(CHUNK)), (*range(CHUNK, n), n)]


def test_the_search_page_follows_its_filter_values_not_every_record(inc, tmp_path):
    """The search page offers the records' months, units and cities: a record
    change that leaves them as they were does not make it again; a new city, or
    a city's translation, does, in both languages (and the incremental build
    equals a clean one)."""
    record = inc.root / "content/editions/2023/conferences/wlsc-2023.yaml"
    search = {"zh/search/index.html", "en/search/index.html"}
    edit(record, "name: 世界生命科学大会", "name: 世界生命科学大会（第二届）")
    _result, changed = rebuild(inc, tmp_path)
    assert "zh/2023/conferences/wlsc-2023/index.html" in changed and not changed & search
    edit(record, "city: 长沙", "city: 武汉")
    _result, changed = rebuild(inc, tmp_path)
    assert search <= changed
    assert "武汉" in (inc.root / "site/zh/search/index.html").read_text(encoding="utf-8")
    catalog = inc.root / "locales/en/LC_MESSAGES/content.po"
    catalog.write_text(catalog.read_text(encoding="utf-8") + '\nmsgid "武汉"\nmsgstr "Wuhan"\n', encoding="utf-8")
    _result, changed = rebuild(inc, tmp_path)
    # (both pages: the Chinese one names each value on the English page too)
    assert search <= changed
    assert ">Wuhan<" in (inc.root / "site/en/search/index.html").read_text(encoding="utf-8")
    assert 'data-other="Wuhan"' in (inc.root / "site/zh/search/index.html").read_text(encoding="utf-8")


def recording(monkeypatch) -> dict[str, list[str]]:
    """The outputs the next builds of this process make, scan and compress (a
    small project renders on one process)."""
    import guide.output as output_module
    import guide.pipeline as pipeline

    seen = {"made": [], "scanned": [], "compressed": []}
    render, scan, compress = pipeline.render_outputs, pipeline.scan_output, output_module.precompressed

    def render_outputs(jobs, *args, **kwargs):
        seen["made"].extend(job.path for job in jobs)
        return render(jobs, *args, **kwargs)

    def scan_output(files, *args):
        seen["scanned"].extend(files)
        return scan(files, *args)

    def precompressed(rel, data):
        seen["compressed"].append(rel)
        return compress(rel, data)

    monkeypatch.setattr(pipeline, "render_outputs", render_outputs)
    monkeypatch.setattr(pipeline, "scan_output", scan_output)
    monkeypatch.setattr(output_module, "precompressed", precompressed)
    return seen


def test_a_listing_made_again_with_its_published_bytes_is_neither_scanned_nor_compressed_again(
        inc, tmp_path, monkeypatch):
    record = inc.root / "content/editions/2023/conferences/ccs-2023.yaml"
    source = record.read_text(encoding="utf-8")
    before = tree(inc.root / "site")
    seen = recording(monkeypatch)
    edit(record, "organizers:", "venue: 国家会议中心\norganizers:")   # shown on its own page only
    try:
        assert Build(inc.root, today=TODAY).run().ok
        monkeypatch.undo()
        assert tree(inc.root / "site") == clean_build(inc, tmp_path, before)
        listing, page = "zh/2023/fields/chemistry/index.html", "zh/2023/conferences/ccs-2023/index.html"
        assert listing in seen["made"] and page in seen["made"]   # (both show the record)
        assert listing not in seen["scanned"] and listing not in seen["compressed"]
        assert page in seen["scanned"] and page in seen["compressed"]
    finally:
        record.write_text(source, encoding="utf-8")
    rebuild(inc, tmp_path)


def test_files_a_preview_left_behind_new_confidential_rules_are_scanned_by_the_next_build(
        inc, tmp_path, monkeypatch):
    from guide.output import BuildState
    from guide.pipeline import Session
    from guide.recordcache import RecordCache

    guide = inc.root / "content/guide.yaml"
    source = guide.read_text(encoding="utf-8")
    session = Session(RecordCache.load(inc.root))
    assert Build(inc.root, today=TODAY, session=session).run().ok   # serve starts
    session.wait()
    state = BuildState.path_for(inc.root / ".cache", inc.root / "site")
    try:
        guide.write_text(source + "confidential:\n  - {label: review score, pattern: '评审得分'}\n", encoding="utf-8")
        result = Build(inc.root, today=TODAY, session=session).run()   # a save lets whole-guide files lag
        assert result.ok and result.lagging and session.state.scanned == ""
        session.save_state()
        session.records.save(inc.root)
        seen = recording(monkeypatch)
        assert Build(inc.root, today=TODAY).run().ok
        # Made again with the bytes they were published with, and scanned with the new rules.
        assert "data/guide.csv" in seen["made"] and "data/guide.csv" in seen["scanned"]
        assert set(seen["made"]) <= set(seen["scanned"])
        assert BuildState.load(state).scanned != ""
    finally:
        guide.write_text(source, encoding="utf-8")
        monkeypatch.undo()
    rebuild(inc, tmp_path)


def test_the_sitemaps_fingerprint_names_the_pages_it_lists(inc):
    # (made without every record's page spec: serve's saves carry most over)
    from guide.rendering import plan_pages, sitemap_keys

    model = inc.build().model
    keys = sitemap_keys(model).split("\n")
    assert sorted(keys) == sorted(spec.key for spec in plan_pages(model) if spec.sitemap)
    assert len(set(keys)) == len(keys) and any("/conferences/" in key for key in keys)


def test_a_new_scanner_scans_again_what_it_makes_with_published_bytes(inc, tmp_path, monkeypatch):
    import guide.fingerprint as fingerprint

    code = fingerprint.code_digest()
    seen = recording(monkeypatch)
    monkeypatch.setattr(fingerprint, "code_digest", lambda: code + " with another confidential scanner")
    assert Build(inc.root, today=TODAY).run().ok
    listing = "zh/2023/fields/chemistry/index.html"
    assert listing in seen["made"] and listing in seen["scanned"]
    monkeypatch.undo()
    rebuild(inc, tmp_path)


def test_two_builds_between_saves_make_serve_look_at_the_trees_again(inc, tmp_path):
    # Two build.py runs swap the trees twice: their folders are back where
    # serve last saw them, holding other files. serve's next save must not
    # trust what it listed of them.
    import hashlib
    from guide.pipeline import Session
    from guide.recordcache import RecordCache

    site = inc.root / "site"
    record = inc.root / "content/editions/2023/conferences/ccs-2023.yaml"
    other = inc.root / "content/editions/2023/conferences/wlsc-2023.yaml"
    sources = {path: path.read_text(encoding="utf-8") for path in (record, other)}
    city = next(line for line in sources[record].splitlines() if line.startswith("city: "))
    session = Session(RecordCache.load(inc.root))
    try:
        assert Build(inc.root, today=TODAY, session=session).run().ok   # serve starts
        session.wait()
        edit(record, city, "city: 成都")
        assert Build(inc.root, today=TODAY).run().ok
        record.write_text(sources[record], encoding="utf-8")
        assert Build(inc.root, today=TODAY).run().ok
        edit(other, "name: 世界生命科学大会", "name: 世界生命科学大会（再版）")
        assert Build(inc.root, today=TODAY, session=session).run().ok   # a save
        session.wait()
        recorded = {path: r.digest for path, r in session.state.outputs.items()}
        assert {path: hashlib.sha256(data).hexdigest() for path, data in tree(site).items()} == recorded
        assert city[len("city: "):] in (site / "zh/2023/conferences/ccs-2023/index.html").read_text(encoding="utf-8")
    finally:
        for path, text in sources.items():
            path.write_text(text, encoding="utf-8")
        session.save_state()
        session.records.save(inc.root)
    rebuild(inc, tmp_path)


def test_forked_workers_keep_the_copies_of_bytes_made_again_as_published(tmp_path, monkeypatch):
    # Workers (here: always) keep the published gzip copy of a listing made
    # again with its published bytes, and report to the parent what staging
    # then holds; staging is a build behind. The site must equal a clean build's.
    import guide.pipeline as pipeline

    monkeypatch.setattr(pipeline, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(pipeline, "CHUNK", 3)
    project = make_project(tmp_path / "guide")
    for _ in range(3):
        assert project.build().ok
    record = project.root / "content/editions/2023/conferences/ccs-2023.yaml"
    edit(record, "organizers:", "venue: 国家会议中心\norganizers:")   # shown on its own page only
    result, changed = rebuild(project, tmp_path)
    assert "zh/2023/conferences/ccs-2023/index.html" in changed
    assert "zh/2023/fields/chemistry/index.html" not in changed and result.rendered > 3
    edit(record, "venue: 国家会议中心\n", "")
    _result, changed = rebuild(project, tmp_path)
    assert "zh/2023/conferences/ccs-2023/index.html" in changed


def test_the_pdf_digest_follows_every_change_of_the_pdfs_it_is_made_of():
    from guide.pdfs import pdf_digests

    sha = {"certificates/A.pdf": "1" * 64, "certificates/B.pdf": "2" * 64}
    first = pdf_digests(sha)
    assert pdf_digests(dict(sha)) == first          # the same PDFs, another dict
    sha["certificates/B.pdf"] = "3" * 64             # the same dict, changed in place
    assert pdf_digests(sha) != first
    del sha["certificates/A.pdf"]
    assert pdf_digests(sha) not in (first, pdf_digests({}))
