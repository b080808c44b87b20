"""Records read and checked on every core (recordpool.py) give exactly what one core gives."""

from __future__ import annotations

import os
import textwrap

from conftest import CONFERENCES_2023, TODAY
from guide import pipeline, recordpool
from guide.pipeline import Build
from guide.recordcache import RecordCache

CMS = textwrap.dedent(CONFERENCES_2023["cms-2023"])


def checked(project, monkeypatch, shared: bool, session=None, build: bool = False):
    """Check the project with a cold record cache, on two processes or one; (problems, content, filled).
    ``build``: as a build checks it (keeping the record cache, making pinyin keys)."""
    filled = []
    fill = recordpool.fill_record_cache
    monkeypatch.setattr(recordpool, "usable_cores", lambda: 2)
    monkeypatch.setattr(recordpool, "MIN_RECORDS", 0 if shared else 10**9)
    monkeypatch.setattr(pipeline, "fill_record_cache", lambda *a, **k: filled.append(fill(*a, **k)) or filled[-1])
    run = Build(project.root, today=TODAY, session=session)
    found = run.check(keep_cache=build)
    # (every problem, as often as it was reported)
    return sorted(p.format() for p in run.problems.items), found, filled[0] if filled else 0


def test_records_checked_on_every_core_give_the_problems_one_core_gives(project, monkeypatch):
    guide = project.root / "content/guide.yaml"
    guide.write_text(guide.read_text(encoding="utf-8")
                     + "confidential:\n  - {label: room code, pattern: 'ZZ[0-9]{4}'}\n", encoding="utf-8")
    project.conference("bad-date", CMS.replace("cms-2023", "bad-date").replace("2023-05-30", "2023-02-30"))
    project.conference("secret", CMS.replace("cms-2023", "secret").replace("venue: 厦门大学", "venue: 厦门大学 ZZ1234"))
    project.conference("unknown-key", CMS.replace("cms-2023", "unknown-key") + "colour: red\n")
    project.conference("twice", CMS)                                     # a duplicate id
    project.conference("twice-bad", CMS.replace("cms-2023", "ccs-2023").replace("2023-05-30", "2023-13-30"))
    project.write("content/editions/2023/conferences/broken.yaml", "id: [unclosed\n")
    one, _, none = checked(project, monkeypatch, shared=False)
    many, _, filled = checked(project, monkeypatch, shared=True)
    assert none == 0 and filled == len(list(project.root.glob("content/editions/*/conferences/*.yaml")))
    assert many == one
    # (the duplicate id of a record with another mistake is said too)
    assert any(line.startswith("content/editions/2023/conferences/twice-bad.yaml:1:5: duplicate-id")
               for line in many), many
    for code in ("yaml-value", "confidential", "unknown-key", "duplicate-id", "yaml-syntax"):
        assert any(f": {code}: " in line for line in many), (code, many)


def test_records_checked_on_every_core_give_the_content_one_core_gives(project, monkeypatch):
    one, (content_one, _), _ = checked(project, monkeypatch, shared=False)
    many, (content_many, _), filled = checked(project, monkeypatch, shared=True)
    assert filled > 0 and many == one
    assert [e.conferences for e in content_many.editions] == [e.conferences for e in content_one.editions]
    assert content_many.text_uses == content_one.text_uses


def test_records_checked_on_every_core_are_kept_in_the_record_cache(project, monkeypatch):
    _, _, filled = checked(project, monkeypatch, shared=True)
    assert filled > 0
    Build(project.root, today=TODAY).check(keep_cache=True)
    assert len(RecordCache.load(project.root).entries) == filled
    # Found in the cache now: nothing left to share out.
    assert checked(project, monkeypatch, shared=True)[2] == 0


def test_pinyin_keys_made_on_every_core_are_those_one_core_makes(project, monkeypatch):
    from guide import model
    monkeypatch.setattr(model, "_PINYIN", {})
    monkeypatch.setattr(model, "_PINYIN_ADDED", [0])
    checked(project, monkeypatch, shared=True)
    assert model._PINYIN == {}                                  # a check makes no model: no keys
    (project.root / ".cache/records.pickle").unlink(missing_ok=True)
    _, (content, _), filled = checked(project, monkeypatch, shared=True, build=True)
    made = dict(model._PINYIN)
    texts = {t for e in content.editions for c in e.conferences for t in model.pinyin_texts(c)}
    assert filled > 0 and texts and texts <= made.keys()      # made before the model asks
    assert model._PINYIN_ADDED[0] == len(made)                  # and saved with the others
    monkeypatch.setattr(model, "_PINYIN", {})
    assert {t: model.pinyin_key(t)[0] for t in texts} == {t: made[t] for t in texts}


def test_records_of_an_edition_whose_data_does_not_check_are_left_to_the_load_stage(project, monkeypatch):
    edition = project.root / "content/editions/2022/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").replace("year: 2022", "year: twenty"), encoding="utf-8")
    one, _, _ = checked(project, monkeypatch, shared=False)
    many, _, filled = checked(project, monkeypatch, shared=True)
    assert filled == len(list(project.root.glob("content/editions/2023/conferences/*.yaml")))
    assert many == one and any("editions/2022/edition.yaml" in line for line in many)


def test_a_worker_that_dies_leaves_the_records_to_the_load_stage(project, monkeypatch):
    one, _, _ = checked(project, monkeypatch, shared=False)
    parent, read = os.getpid(), recordpool.read_record

    def dying(*args, **kwargs):
        if os.getpid() != parent:
            os._exit(1)
        return read(*args, **kwargs)

    monkeypatch.setattr(recordpool, "read_record", dying)
    many, _, filled = checked(project, monkeypatch, shared=True)
    assert filled == 0 and many == one


def test_serve_reads_its_first_records_on_every_core_as_a_build_does(project, monkeypatch):
    from guide.pipeline import Session
    one, _, _ = checked(project, monkeypatch, shared=False)
    session = Session(RecordCache({}))
    many, _, filled = checked(project, monkeypatch, shared=True, session=session)
    assert filled > 0 and many == one
    assert len(session.records.entries) == filled
