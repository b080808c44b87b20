"""The writer: one path once, only changed bytes, the whole site swapped in."""


import shutil

import pytest

from guide.output import Output, OutputCollision, publish, staging_dir


def test_errors_on_output_collision():
    out = Output()
    out.claim("zh/index.html")
    with pytest.raises(OutputCollision):
        out.claim("zh/./index.html")


def test_errors_on_output_collision_with_paths_claimed_together():
    out = Output()
    out.claim("certificates/2023-A.pdf")
    out.claim_distinct({"zh/a/index.html": 1, "zh/b/index.html": 2}.keys())   # a dict's keys
    with pytest.raises(OutputCollision, match="certificates/2023-A.pdf"):
        out.claim_distinct({"certificates/2023-A.pdf": "x", "certificates/2023-B.pdf": "y"}.keys())
    with pytest.raises(OutputCollision):
        out.claim("zh/b/index.html")
    assert len(out) == 3


@pytest.mark.parametrize("path", ["../x.html", "/etc/passwd", "a/../../b"])
def test_refuses_paths_outside_the_site(path):
    with pytest.raises(ValueError):
        Output().claim(path)


def test_publish_writes_only_changed_files_and_removes_stale_ones(tmp_path):
    site = tmp_path / "site"
    assert publish(site, {"a.html": b"1", "d/b.html": b"2", "d/c.html": b"3"}) == (3, 0)
    publish(site, {"a.html": b"1", "d/b.html": b"2", "d/c.html": b"3"})
    # Both trees now hold the same bytes: a third identical build writes nothing.
    assert publish(site, {"a.html": b"1", "d/b.html": b"2", "d/c.html": b"3"}) == (0, 0)
    written, removed = publish(site, {"a.html": b"1", "d/b.html": b"changed"})
    assert (written, removed) == (1, 1)
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == ["a.html", "d/b.html"]
    assert (site / "d/b.html").read_bytes() == b"changed"


def test_unchanged_files_keep_their_inode_and_mtime(tmp_path):
    site = tmp_path / "site"
    files = {"a.html": b"1", "b.html": b"2"}
    publish(site, files)
    publish(site, files)
    before = (site / "a.html").stat()
    publish(site, {"a.html": b"1", "b.html": b"3"})
    after = (site / "a.html").stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_the_old_site_becomes_the_staging_tree(tmp_path):
    site = tmp_path / "site"
    publish(site, {"a.html": b"old"})
    publish(site, {"a.html": b"new"})
    assert (site / "a.html").read_bytes() == b"new"
    assert (staging_dir(site) / "a.html").read_bytes() == b"old"


def test_rebuild_of_unchanged_project_writes_nothing(project):
    # The first build's change report says "first build"; from the second on
    # it says "no changes".
    for _ in range(3):
        assert project.build().ok
    site = project.root / "site"
    before = {p.relative_to(site): p.stat().st_ino for p in site.rglob("*") if p.is_file()}
    result = project.build()
    assert result.ok and result.pages > 0
    after = {p.relative_to(site): p.stat().st_ino for p in site.rglob("*") if p.is_file()}
    rewritten = sorted(p.as_posix() for p in after.keys() | before.keys() if after.get(p) != before.get(p))
    # Pagefind's bundle included: its filter files are put in a stable order
    # (guide/searchindex.py), so not a single file is rewritten; site/ already
    # is this build, so it is not even swapped.
    assert rewritten == []
    assert result.written == 0 and result.removed == 0


def test_failed_build_leaves_previous_site_untouched(project):
    assert project.build().ok
    before = project.site_snapshot()
    project.conference("cms-2023", "id: [broken\n")
    assert not project.build().ok
    assert project.site_snapshot() == before


def test_an_unchanged_rebuild_touches_neither_tree(project):
    def inodes(tree):
        return {p.relative_to(tree): p.stat().st_ino for p in tree.rglob("*")}

    site = project.root / "site"
    staging = staging_dir(site)
    assert project.build().ok
    record = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("venue: 厦门大学", "venue: 厦门大学思明校区"),
                      encoding="utf-8")
    assert project.build().ok and staging.is_dir()  # (both trees now)
    before = inodes(site), inodes(staging)
    result = project.build()
    assert result.ok and result.written == 0
    # Made of what the published build was made of: not even planned.
    assert result.rendered == 0 and "render" not in result.timings
    assert (inodes(site), inodes(staging)) == before
    # The second tree of the swap costs a hard link per file: it is made only
    # by a build that changes something.
    shutil.rmtree(staging)
    assert project.build().ok and not staging.exists()
    # A file published behind the build's back (a stranger here) is noticed:
    # that build is not a no-op, and it publishes the site without it.
    (site / "stranger.html").write_text("not ours", encoding="utf-8")
    result = project.build()
    assert result.ok and result.removed == 1
    assert not (site / "stranger.html").exists() and staging.is_dir()
    assert inodes(site).keys() == before[0].keys()


def test_a_staged_file_linked_to_the_published_one_is_replaced_never_written_into(tmp_path):
    from guide.output import TreeWriter

    site = tmp_path / "site"
    publish(site, {"a.html": b"one", "b.html": b"two"})
    writer = TreeWriter(site, {})
    writer.open_staging()   # a copy of site/ made of hard links
    staging = staging_dir(site)
    assert (staging / "a.html").stat().st_ino == (site / "a.html").stat().st_ino
    assert writer.put("a.html", b"ONE")
    assert (site / "a.html").read_bytes() == b"one" and (staging / "a.html").read_bytes() == b"ONE"
    # A new file is written in place (nothing in staging is published before the swap).
    assert writer.put("c/new.html", b"new")
    assert (staging / "c/new.html").read_bytes() == b"new"
    assert not [p for p in staging.rglob("*") if p.name.endswith(".tmp")]
    # A file there that the listing did not know of is replaced, not written into.
    (staging / "d.html").write_bytes(b"stranger")
    assert writer.put("d.html", b"ours") and (staging / "d.html").read_bytes() == b"ours"


def test_a_text_file_staged_again_with_its_published_bytes_keeps_their_gzip_copy(tmp_path, monkeypatch):
    import gzip

    import guide.output as output
    from guide.output import OutputRecord, TreeWriter, digest_bytes, swap

    compressed = []
    real = output.precompressed
    monkeypatch.setattr(output, "precompressed", lambda rel, data: (compressed.append(rel), real(rel, data))[1])
    site = tmp_path / "site"
    first = TreeWriter(site, {})
    digests = first.put_text("a.html", b"<p>one</p>")
    swap(site)
    records = {path: OutputRecord(None, digest) for path, digest in digests.items()}
    again = TreeWriter(site, first.known, None, records)
    assert again.put_text("a.html", b"<p>one</p>") == digests and compressed == ["a.html"]
    assert not again.opened   # (both published: carried into staging later, as any file)
    for path, digest in digests.items():
        again.carry(path, digest)
    assert gzip.decompress((staging_dir(site) / "a.html.gz").read_bytes()) == b"<p>one</p>"
    # Other bytes are compressed.
    assert again.put_text("a.html", b"<p>two</p>")["a.html.gz"] != digests["a.html.gz"]
    assert compressed == ["a.html", "a.html"]
    # A copy that is not the one the records name is not trusted.
    wrong = dict(records, **{"a.html.gz": OutputRecord(None, digest_bytes(b"another copy"))})
    third = TreeWriter(site, again.known, None, wrong)
    assert third.put_text("a.html", b"<p>one</p>") == digests and compressed == ["a.html"] * 3
    assert gzip.decompress((staging_dir(site) / "a.html.gz").read_bytes()) == b"<p>one</p>"


def test_a_file_left_published_while_staging_was_closed_has_no_staged_key(tmp_path):
    # put() leaves a file whose bytes are published alone while staging is not
    # opened yet (carry brings it in later). Once another file opens staging,
    # what staging holds at that path is an older build's file: its key must
    # not be taken for these bytes (a render worker reports keys to the parent,
    # which would then publish the older bytes).
    from guide.output import TreeWriter, swap

    site = tmp_path / "site"
    known = {}
    for data in (b"old", b"one"):
        writer = TreeWriter(site, known)
        writer.put("a.html", data)
        swap(site)
        known = writer.known
    writer = TreeWriter(site, known)
    assert not writer.put("a.html", b"one") and not writer.opened   # published already
    assert writer.put("b.html", b"new") and writer.opened
    assert writer.staged_key("a.html") is None
    assert writer.carry("a.html", known[writer.in_site["a.html"]])
    assert writer.staged_key("a.html") is not None and (staging_dir(site) / "a.html").read_bytes() == b"one"


def test_a_folder_takes_the_place_of_a_file_of_an_older_build_and_back(tmp_path):
    site = tmp_path / "site"
    # Each shape twice: the second build writes into the tree the first one left.
    for files in ({"a": b"file", "b/c/d.html": b"1"},
                  {"a": b"file", "b/c/d.html": b"1"},
                  {"a/b/index.html": b"now a folder", "b/c": b"now a file"},
                  {"a/b/index.html": b"now a folder", "b/c": b"now a file"},
                  {"a": b"a file again", "b/c/d.html": b"2"}):
        publish(site, files)
        assert {p.relative_to(site).as_posix(): p.read_bytes()
                for p in site.rglob("*") if p.is_file()} == files


def test_a_folder_takes_the_place_of_a_file_in_a_build_rendered_on_every_core(tmp_path, monkeypatch):
    # The render workers are forked: what they clear in their copy of the
    # writer's list of staged files, the parent process never learns.
    from guide import pipeline
    from guide.output import TreeWriter, swap
    from guide.problems import Problems
    from guide.rendering import OutputJob
    monkeypatch.setattr(pipeline, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(pipeline, "CHUNK", 1)
    site = tmp_path / "site"

    def build(files):
        writer = TreeWriter(site, {})
        jobs = [OutputJob(rel, None, lambda data=data: data) for rel, data in files.items()]
        made = pipeline.render_outputs(jobs, writer, site, [], Problems(root=tmp_path), tmp_path, workers=2)
        assert writer.opened   # (made by the workers)
        writer.remove_others({path for _searchable, staged in made for path in staged})
        swap(site)

    for files in ({"a": b"file", "b/c/d": b"1", "e": b"e"},
                  {"a": b"file", "b/c/d": b"1", "e": b"e"},
                  {"a/b/c": b"now a folder", "b/c": b"now a file", "e": b"e"},
                  {"a/b/c": b"now a folder", "b/c": b"now a file", "e": b"e"},
                  {"a": b"a file again", "b/c/d": b"2", "e": b"e"}):
        build(files)
        assert {p.relative_to(site).as_posix(): p.read_bytes()
                for p in site.rglob("*") if p.is_file()} == files


def test_a_build_that_opens_the_staging_tree_changes_its_identity(project):
    """serve trusts its listing of the two trees while their identity (inode and
    change time) holds; a build.py that wrote into staging and then stopped
    before its swap must change it, though it only wrote below the folder."""
    import time
    from guide.output import TreeWriter
    site = project.root / "site"
    assert project.build().ok
    record = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("venue: 厦门大学", "venue: 厦门大学思明校区"),
                      encoding="utf-8")
    assert project.build().ok and staging_dir(site).is_dir()   # (both trees now)
    writer = TreeWriter(site, {})
    before = writer.identity()
    time.sleep(0.01)
    writer.open_staging()
    (staging_dir(site) / "en" / "written-below.txt").write_text("x", encoding="utf-8")
    assert TreeWriter(site, {}).identity() != before


def test_a_project_copied_with_its_hard_links_publishes_no_tmp_file(project, tmp_path):
    """cp -a and rsync -H keep the links between the PDF cache and the staging
    tree; the writer linking a PDF onto a name already linked to it must not
    leave its temporary name behind (a rename between two names of one file
    keeps both)."""
    import subprocess
    project.issue_certificates()
    assert project.build().ok
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(project.root), str(copy)], check=True)
    pdfs = list((copy / "site").rglob("*.pdf"))
    assert pdfs and any(p.stat().st_nlink > 1 for p in pdfs)
    from conftest import Project
    assert Project(copy).build().ok
    assert not [p for p in (copy / "site").rglob("*.tmp")]
    assert not [p for p in (copy / ".site.staging").rglob("*.tmp")]


def test_errors_on_out_not_a_site_and_leaves_the_folders_files(project, tmp_path):
    """--out onto a folder that holds other files (a web server's root): a build
    replaces a folder's contents, so it refuses and touches nothing."""
    victim = tmp_path / "x/www"
    (victim / "sub").mkdir(parents=True)
    (victim / "notes.txt").write_text("precious", encoding="utf-8")
    (victim / "sub/a.txt").write_text("keep", encoding="utf-8")
    run = project.cli("--out", str(victim), "build")
    assert run.returncode == 1
    assert "out-not-a-site" in run.stderr and "notes.txt" in run.stderr, run.stderr
    assert sorted(p.relative_to(tmp_path / "x").as_posix() for p in (tmp_path / "x").rglob("*")) == \
        ["www", "www/notes.txt", "www/sub", "www/sub/a.txt"]
    # an empty folder, or a site a build made, is built into
    empty = tmp_path / "empty"
    empty.mkdir()
    assert project.cli("--out", str(empty), "build").returncode == 0
    assert (empty / "index.html").is_file()
    assert project.cli("--out", str(empty), "build").returncode == 0
