"""Property-based tests (Hypothesis): any record either builds or yields problems.

Random YAML text, random mappings and nearly valid records are fed to the
reader, validation, the model and rendering of the small fixture project.
No input may raise: a traceback is a bug, whatever the input. Every problem
is one line with a known code, a file and a position.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import string
from dataclasses import replace
from pathlib import Path

import jinja2
import pytest
import yaml
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from conftest import TODAY, make_project
from guide import yamldoc
from guide.content import RawDoc, load_project
from guide.i18n import messages_root, templates_dir
from guide.model import build_model
from guide.problems import Problems
from guide.rendering import Renderer
from guide.translation import load_catalogs
from guide.validation import CONFERENCE_KEYS, validate

# CI runs the same examples every time (a red CI must be repeatable); local
# runs explore new ones and remember failures in .hypothesis/.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

RECORD = "content/editions/2023/conferences/random.yaml"
LINE = re.compile(r"^[^\n]+:\d+:\d+: [a-z][a-z0-9-]*: [^\n]*$")


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates shared by the many renderers of these tests."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


class Harness:
    """The small project read once; each example adds one record to it in memory."""

    def __init__(self, root: Path):
        self.root = root
        problems = Problems(root=root)
        self.raw = load_project(root, problems)
        self.catalogs = load_catalogs(root, problems, messages_root(root))
        assert not problems.errors
        self.templates = templates_dir(root)
        self.cache = MemoryBytecodeCache()
        self.rendered = 0

    def run(self, text: str) -> Problems:
        problems = Problems(root=self.root)
        path = self.root / RECORD
        data = yamldoc.load_text(text, path, problems)
        raw = replace(self.raw, editions=[
            replace(e, conferences=e.conferences + [RawDoc(path, data)]) if e.dir.name == "2023" else e
            for e in self.raw.editions])
        content = validate(raw, problems)
        for p in problems.items:
            assert LINE.match(p.format()), p.format()
            assert "Marked" not in p.message, p.format()  # no internal class names
            assert p.path in (RECORD, "content/editions/2023/conferences/cms-2023.yaml"), p.format()
        if problems.errors:
            if currently_in_test_context():  # statistics: pytest --hypothesis-show-statistics
                event("problems: " + ", ".join(sorted({p.code for p in problems.errors})))
            return problems
        if currently_in_test_context():
            event("built and rendered")
        self.render(content)
        return problems

    def render(self, content) -> None:
        model = build_model(content, self.catalogs, TODAY)
        renderer = Renderer(model, self.templates)
        for env in renderer.envs.values():
            env.bytecode_cache = self.cache
        (conf,) = [c for e in content.editions for c in e.conferences if c.source.path == RECORD]
        for spec in renderer.page_specs:
            # The record's own page and every listing it can appear in.
            if spec.edition == conf.edition and "/units/" not in spec.key or conf.recommender.lower() in spec.key:
                for lang in ("zh", "en"):
                    html = renderer.render_page(spec, lang).decode("utf-8")
                    assert html.startswith("<!DOCTYPE html>")
        self.rendered += 1


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Harness:
    return Harness(make_project(tmp_path_factory.mktemp("props") / "guide").root)


# -- strategies ---------------------------------------------------------------

ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
NAMEISH = st.text(st.characters(categories=("Lo", "Nd", "Zs", "Po", "Ps", "Pe", "Ll", "Lu")),
                  min_size=1, max_size=25).filter(str.strip)
TRICKY = st.sampled_from([
    "NO", "yes", "on", "off", "~", "null", "", "0101", "0o17", "0x1F", "1:20", "1_000", "1e400", ".inf", ".nan",
    "2023-05-30", "2023-02-30", "2023-05-30 10:00:00", "2023-5", '"2023-13"', "!!binary aGVsbG8=",
    "!!python/object:os.system x", "!foo bar", "&a x", "*a", "<<: {a: 1}", "[", "]", "{", "}", "- x", "? x", "|",
    ">", "'", '"', "`", "@", "%", "#", "\t", "\u202e", "\u200b", "\ufeff", "\x00", "\x85", "\u2028",
    "<script>alert(1)</script>", "javascript:alert(1)", "https://example.test/", "mailto:a@example.test",
    "[x](javascript:alert(1))", "{{ 7*7 }}", "../../etc/passwd", "a/b", "会议", "A-01", "A-99",
])
SCALARS = st.one_of(ANY_TEXT, NAMEISH, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(),
                    st.dates(), st.datetimes())
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(ANY_TEXT, inner, max_size=3)),
                      max_leaves=8)
KEYS = st.one_of(st.sampled_from(sorted(CONFERENCE_KEYS)), st.sampled_from(["citty", "invitation_code", "<b>"]))
SLUGS = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
DATES = st.dates(dt.date(2022, 6, 1), dt.date(2024, 6, 30))
URLS = st.one_of(st.builds(lambda host, path: f"https://{host}.test/{path}",
                           st.text(string.ascii_lowercase, min_size=1, max_size=8),
                           st.text(string.ascii_letters + string.digits + "/?=&%#<>\"'", max_size=15)),
                 TRICKY)
MARKDOWN = st.lists(st.one_of(NAMEISH, TRICKY, st.sampled_from(
    ["**粗体**", "*斜体*", "[链接](https://example.test/)", "- 列表", "1. 项", "> 引用", "`代码`", "\n\n", "<b>x</b>",
     "<img src=x onerror=alert(1)>", "# 标题", "| a | b |\n|---|---|\n| 1 | 2 |"])), max_size=6).map("".join)


@st.composite
def nearly_valid_records(draw) -> dict:
    """Mostly valid records (so rendering runs), each field sometimes wrong."""
    def wrong() -> bool:  # one time in eight (Hypothesis draws floats near 0 too often)
        return draw(st.sampled_from([False] * 7 + [True]))

    def pick(good, bad=VALUES):
        return draw(bad) if wrong() else draw(good)
    start = draw(DATES)
    by_month = draw(st.booleans())
    record = {
        "id": pick(SLUGS), "name": pick(NAMEISH), "kind": pick(st.sampled_from(["recurring", "one-off"])),
        "field": pick(st.sampled_from(["math-physics", "chemistry", "life"])),
        "start": pick(st.just(start.strftime("%Y-%m") if by_month else start)),
        "organizers": pick(st.lists(NAMEISH, min_size=1, max_size=3)),
        "recommender": pick(st.sampled_from(["A-01", "A-06", "L-01", "P-22"])),
    }
    optional = {
        "series": SLUGS, "edition_number": st.integers(1, 200),
        "end": st.just((start + dt.timedelta(days=draw(st.integers(-3, 40)))).strftime("%Y-%m") if by_month
                       else start + dt.timedelta(days=draw(st.integers(-3, 40)))),
        "city": st.one_of(NAMEISH, st.fixed_dictionaries({"text": NAMEISH, "context": NAMEISH})),
        "venue": NAMEISH, "hosts": st.lists(NAMEISH, max_size=3), "co_recommenders": st.lists(NAMEISH, max_size=2),
        "website": st.one_of(URLS, URLS.filter(lambda u: u.startswith("https://"))), "status": st.sampled_from(["accredited", "postponed", "cancelled", "withdrawn"]),
        "sources": st.lists(URLS, max_size=2), "description": MARKDOWN,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            record[key] = pick(strategy)
    if wrong():
        record[draw(KEYS)] = draw(VALUES)
    if wrong():
        del record[draw(st.sampled_from(sorted(record)))]
    return record


def dump(record: dict) -> str:
    return yaml.safe_dump(record, allow_unicode=True, sort_keys=False)


# -- properties ---------------------------------------------------------------

@settings(max_examples=200)
@given(st.text(st.one_of(st.sampled_from(list(":-[]{}?|>&*!%@`'\",#\n\t \\")), st.characters()), max_size=200))
def test_any_text_is_read_or_reported(harness, text):
    harness.run(text)


@settings(max_examples=150)
@given(st.lists(st.tuples(KEYS, st.one_of(TRICKY, ANY_TEXT)), max_size=12))
def test_any_lines_of_keys_and_tricky_values_are_read_or_reported(harness, lines):
    harness.run("".join(f"{k}: {v}\n" for k, v in lines))


TAGGED = st.sampled_from(["! 12", "!!str 12", "'12'", '"yes"', "! yes", "!!str", "! ''", "<<", "=", "~", ".5",
                          "-", "+1", "!!int x", "!foo x", "|\n  text", "[1, , 2]", "{a: 1}"])


@settings(max_examples=300)
@given(st.lists(st.tuples(st.one_of(KEYS, st.sampled_from(["1", "yes", "~", "2023-05-30"])),
                          st.one_of(TRICKY, TAGGED, ANY_TEXT, NAMEISH)), max_size=12, unique_by=lambda kv: kv[0]),
       st.sampled_from(["map", "list", "root"]))
def test_values_read_are_those_pyyaml_reads(lines, shape):
    """The reader builds values from the parser's events itself, with a short
    cut for text: what it reads without a problem is what PyYAML's safe loader reads."""
    if shape == "root":
        text = f"{lines[0][1]}\n" if lines else ""
    else:
        text = "".join(f"- {v}\n" if shape == "list" else f"{k}: {v}\n" for k, v in lines)
    problems = Problems(root=Path("/x"))
    ours = yamldoc.load_text(text, Path("/x/r.yaml"), problems)
    if problems.errors:
        return
    theirs = yaml.load(text, Loader=yaml.CSafeLoader)
    # (repr: NaN is not equal to itself; types too, as True == 1)
    assert repr(ours) == repr(theirs), text


@settings(max_examples=100)
@given(st.dictionaries(KEYS, VALUES, max_size=10))
def test_any_mapping_is_validated_or_reported(harness, record):
    harness.run(dump(record))


@settings(max_examples=100)
@given(nearly_valid_records())
def test_nearly_valid_records_build_or_are_reported(harness, record):
    problems = harness.run(dump(record))
    if not problems.errors:
        assert harness.rendered > 0


def test_the_record_strategy_reaches_rendering(harness):
    """Guard against a strategy so broken that nothing is ever rendered."""
    before = harness.rendered
    for example in (dict(id="ok-2023", name="会议", kind="one-off", field="life", start=dt.date(2023, 7, 1),
                         organizers=["主办"], recommender="L-01", description="**好**"),):
        assert not harness.run(dump(example)).errors
    assert harness.rendered == before + 1
