"""serve's patched model (model.patch_model) against a whole one (build_model).

A save patches the last model: the records that changed are taken out and
their new versions put in. Whatever changed in them (dates, names, status,
field, unit, series), the patched model must be the whole model of the new
content, orders included. Random edits of the demo guide and of the small
two-edition project, seeded: the same cases every run.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest

from conftest import REPO, TODAY, make_project
from guide.model import PATCH_LIMIT, build_model, model_basis, model_differences, patch_model
from guide.pipeline import Build
from guide.records import DateSpan, Text
from guide.validation import Content

NAMES = ["2024年全国声学大会", "Ω国际论坛", "3D打印技术大会", "阿尔法会议", "zeta workshop", "中国数学会年会",
         "重庆学术论坛", "长沙青年论坛", "北京国际会议", "English Only Symposium"]


def checked(root: Path):
    content, catalogs = Build(root, today=TODAY).check()
    return content, catalogs


def with_records(content: Content, edition_id: str, records: list) -> Content:
    """``content`` with one edition's records replaced (new Edition and Content objects,
    the other records the very same, as serve's record cache gives them)."""
    editions = [dataclasses.replace(e, conferences=list(records)) if e.id == edition_id
                else dataclasses.replace(e, conferences=list(e.conferences)) for e in content.editions]
    return dataclasses.replace(content, editions=editions)


def edited(rng: random.Random, c, content: Content, serial: int):
    """A new version of ``c`` with one to three of its fields changed."""
    edition = next(e for e in content.editions if e.id == c.edition)
    changes = {}
    for what in rng.sample(["dates", "name", "status", "field", "unit", "series", "city"], rng.randint(1, 3)):
        if what == "dates":
            start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 500))
            changes["dates"] = DateSpan(start, start + dt.timedelta(days=rng.choice([0, 2, 40])))
        elif what == "name":
            changes["name"] = Text(rng.choice(NAMES) + ("" if rng.random() < 0.5 else str(serial)))
        elif what == "status":
            status = rng.choice(["accredited", "postponed", "cancelled", "withdrawn"])
            changes["status"] = status
            changes["status_date"] = (None if status == "accredited"
                                      else dt.date(2023, rng.randint(1, 12), rng.randint(1, 28)))
        elif what == "field":
            changes["field"] = rng.choice(edition.fields).id
        elif what == "unit":
            changes["recommender"] = rng.choice(sorted(content.units))
        elif what == "series":
            others = sorted({x.series for e in content.editions for x in e.conferences if x.series})
            changes["series"] = rng.choice([None, f"new-series-{serial}", *others])
        elif what == "city":
            changes["city"] = rng.choice([None, Text("重庆"), Text("长沙"), Text("厦门")])
    return dataclasses.replace(c, **changes)


def a_save(rng: random.Random, content: Content, serial: int) -> Content:
    """Edit, add or remove a few records of one edition, or move one to another edition."""
    edition = rng.choice(content.editions)
    records = list(edition.conferences)
    if len(content.editions) > 1 and len(records) > 1 and rng.random() < 0.2:
        other = rng.choice([e for e in content.editions if e is not edition])
        moved = records.pop(rng.randrange(len(records)))
        moved = dataclasses.replace(moved, edition=other.id, field=rng.choice(other.fields).id)
        there = list(other.conferences)
        there.insert(rng.randrange(len(there) + 1), moved)
        return with_records(with_records(content, edition.id, records), other.id, there)
    for k in range(rng.randint(1, 3)):
        action = rng.choice(["edit", "edit", "edit", "add", "remove"])
        if action == "remove" and len(records) > 1:
            records.pop(rng.randrange(len(records)))
        elif action == "add":
            new_id = f"added-{serial}-{k}"
            records.insert(rng.randrange(len(records) + 1),
                           edited(rng, dataclasses.replace(rng.choice(records), id=new_id,
                                                           certificate=f"2023-ADD-{serial}-{k}"),
                                  content, serial))
        else:
            i = rng.randrange(len(records))
            records[i] = edited(rng, records[i], content, serial)
    return with_records(content, edition.id, records)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return checked(make_project(tmp_path_factory.mktemp("patch") / "guide").root)


@pytest.fixture(scope="module")
def demo():
    return checked(REPO)


@pytest.mark.parametrize("which", ["small", "demo"])
def test_patched_model_is_the_whole_model_after_every_save(which, request):
    content, catalogs = request.getfixturevalue(which)
    rng = random.Random(2023)
    for run in range(15):
        model = build_model(content, catalogs, TODAY)
        basis, now = model_basis(content, catalogs, model), content
        for save in range(12):  # saves in a row, each patching the last patched model
            now = a_save(rng, now, run * 100 + save)
            patched = patch_model(basis, now, catalogs, TODAY)
            assert patched is not None
            whole = build_model(now, catalogs, TODAY)
            assert model_differences(patched, whole) == [], (run, save)
            basis = model_basis(now, catalogs, patched)


def test_patch_model_declines_other_changes(small):
    content, catalogs = small
    basis = model_basis(content, catalogs, build_model(content, catalogs, TODAY))
    same = with_records(content, content.editions[0].id, content.editions[0].conferences)
    assert patch_model(basis, same, catalogs, TODAY) is not None
    # an edition's fields: every listing changes
    fields = [dataclasses.replace(e, fields=e.fields[:-1]) if i == 0 else e for i, e in enumerate(same.editions)]
    assert patch_model(basis, dataclasses.replace(same, editions=fields), catalogs, TODAY) is None
    # a catalog read again: names may sort otherwise
    other = dataclasses.replace(catalogs, translations={k: copy.copy(v) for k, v in catalogs.translations.items()})
    assert patch_model(basis, same, other, TODAY) is None
    # another current edition
    guide = dataclasses.replace(content.guide, current_edition="2022")
    assert patch_model(basis, dataclasses.replace(same, guide=guide), catalogs, TODAY) is None
    # up to PATCH_LIMIT records (old and new versions) a save is patched; one more, a whole model is made
    edition = content.editions[0]

    def added(n):
        return [*edition.conferences, *(dataclasses.replace(edition.conferences[0], id=f"many-{i}",
                                                            certificate=f"2023-MANY-{i}") for i in range(n))]
    assert patch_model(basis, with_records(content, edition.id, added(PATCH_LIMIT)), catalogs, TODAY) is not None
    assert patch_model(basis, with_records(content, edition.id, added(PATCH_LIMIT + 1)), catalogs, TODAY) is None


def test_model_differences_finds_an_order_that_differs(demo):
    """The check serve's tests rely on (GUIDE_CHECK_BLOCKS) can fail."""
    content, catalogs = demo
    a, b = build_model(content, catalogs, TODAY), build_model(content, catalogs, TODAY)
    assert model_differences(a, b) == []
    view = b.editions[0]
    view.by_name["en"] = view.by_name["en"][1:] + view.by_name["en"][:1]
    b.snapshot = dict(reversed(list(b.snapshot.items())))
    assert model_differences(a, b) == ["2023: by_name[en]", "snapshot"]


def test_certificate_digests_in_the_snapshot_follow_the_pdfs(demo):
    """record_certificates keeps the last build's entry when record and digest are the same
    (serve compares snapshots by identity then), and makes another when the PDF changed."""
    from guide.changes import CERTIFICATE_DIGEST

    content, catalogs = demo
    first = build_model(content, catalogs, TODAY)
    sha = {cert.pdf_path: "a" * 64 for cert in first.certificates.values()}
    first.record_certificates(sha)
    cid = next(iter(first.certificates.values())).conference.id
    assert first.snapshot[cid][CERTIFICATE_DIGEST] == "a" * 64
    again = build_model(content, catalogs, TODAY)          # (the same records: the same entries)
    again.record_certificates(dict(sha))
    assert again.snapshot[cid] is first.snapshot[cid]
    changed = build_model(content, catalogs, TODAY)
    changed.record_certificates({**sha, first.certificate_of(first.conference_index[cid]).pdf_path: "b" * 64})
    assert changed.snapshot[cid][CERTIFICATE_DIGEST] == "b" * 64
    assert first.snapshot[cid][CERTIFICATE_DIGEST] == "a" * 64   # (not changed in place)
    # another record's entry: kept again, a build after the one that made it
    other = next(c for c in changed.snapshot if c != cid and CERTIFICATE_DIGEST in changed.snapshot[c])
    assert changed.snapshot[other] is first.snapshot[other]
    changed.previous = {"records": again.snapshot, "report": None}
    changed._changes = None
    assert changed.changes.reissue == [cid]


def test_certified_snapshot_is_patched_while_other_certificates_stand(demo):
    """serve's certified snapshot: the last one with the edited record's entry made
    again; a whole pass once another record's certificate changed (a new PDF
    engine, say). Either way, what a whole pass makes."""
    content, catalogs = demo
    model = build_model(content, catalogs, TODAY)
    basis = model_basis(content, catalogs, model)   # (as the build takes it: before the digests)
    sha = {cert.pdf_path: "a" * 64 for cert in model.certificates.values()}
    model.record_certificates(sha)
    first, second = [cert.conference for cert in list(model.certificates.values())[:2]]

    def renamed(content, suffix):
        edition = next(e for e in content.editions if e.id == first.edition)
        return with_records(content, edition.id, [
            dataclasses.replace(c, name=Text(c.name.zh + suffix)) if c.id == first.id else c
            for c in edition.conferences])

    def whole_snapshot(content, sha):   # (not recorded: the next save patches the last save's)
        return build_model(content, catalogs, TODAY).certified_snapshot(sha, patch=False)[0]

    now = renamed(content, "改")
    patched = patch_model(basis, now, catalogs, TODAY)
    basis = model_basis(now, catalogs, patched)
    sha = {**sha, patched.certificate_of(patched.conference_index[first.id]).pdf_path: "b" * 64}
    patched.record_certificates(sha)   # (the edited record's certificate changed: patched)
    assert patched.certified_patched
    assert list(patched.snapshot.items()) == list(whole_snapshot(now, sha).items())
    now = renamed(now, "再")
    again = patch_model(basis, now, catalogs, TODAY)
    sha = {**sha, again.certificate_of(again.conference_index[second.id]).pdf_path: "c" * 64}
    again.record_certificates(sha)     # (another record's too: a whole pass)
    assert not again.certified_patched
    assert list(again.snapshot.items()) == list(whole_snapshot(now, sha).items())
