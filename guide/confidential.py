"""What must never be published: declared patterns and fields, checked everywhere.

The guide (content/guide.yaml) and each edition (edition.yaml) may declare
``confidential:`` rules, for example the format of the call's unit invitation
codes or of reviewers' phone numbers::

    confidential:
      - {label: mobile phone number, pattern: '(?<![0-9])1[3-9][0-9]{9}(?![0-9])'}
      - {label: unit invitation code, field: invitation_code}

A pattern is a Python regular expression searched in every text of every
content file, page and translation catalog, and finally in every file the
build would publish (which also covers templates and the interface catalog).
A field is a key that no content mapping may carry. Any hit is an error, so
the build writes nothing. Problems name the rule, never the matched text:
they end up in CI logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .problems import Problems
from .yamldoc import MarkedList, MarkedMap

CODE = "confidential"
# Published files that are text; anything else (images, fonts) is not scanned.
TEXT_SUFFIXES = (".html", ".xml", ".txt", ".json", ".ics", ".js", ".css", ".atom", ".csv", ".svg")


@dataclass(frozen=True)
class Rule:
    label: str
    pattern: re.Pattern | None
    field: str | None
    where: str  # "path:line" of the rule, for messages


def parse_rules(value, path: Path, where, problems: Problems) -> list[Rule]:
    """The ``confidential:`` list of guide.yaml or edition.yaml."""
    if value is None:
        return []
    if not isinstance(value, MarkedList):
        problems.error(path, where, "type", "confidential: expected a list of {label, pattern} or {label, field}")
        return []
    rules = []
    for i, item in enumerate(value):
        at = value.where(i)
        if not isinstance(item, MarkedMap) or not isinstance(item.get("label"), str) or \
                set(item) - {"label", "pattern", "field"} or ("pattern" in item) == ("field" in item):
            problems.error(path, at, "type",
                           "confidential: each rule is {label: text, pattern: regular expression} "
                           "or {label: text, field: key}")
            continue
        label = item["label"].strip()
        ref = f"{problems._display(path)}:{at[0]}"
        if "field" in item:
            if not isinstance(item["field"], str) or not item["field"].strip():
                problems.error(path, item.where("field"), "type", "confidential: field must be a key name")
                continue
            rules.append(Rule(label, None, item["field"].strip(), ref))
            continue
        source = item["pattern"]
        if not isinstance(source, str) or not source:
            problems.error(path, item.where("pattern"), "type", "confidential: pattern must be text")
            continue
        try:
            pattern = re.compile(source)
        except re.error as exc:
            problems.error(path, item.where("pattern"), "bad-pattern",
                           f"confidential: '{source}' is not a regular expression: {exc}")
            continue
        if pattern.search(""):
            problems.error(path, item.where("pattern"), "bad-pattern",
                           f"confidential: '{source}' matches empty text, so it matches everything")
            continue
        rules.append(Rule(label, pattern, None, ref))
    return rules


def _report(problems: Problems, path, where, rule: Rule, what: str) -> None:
    problems.error(path, where, CODE,
                   f"{what} matches the confidential rule '{rule.label}' ({rule.where}); "
                   "it must never be published: remove it from the file")


def _position(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def scan_text(text: str, path, problems: Problems, rules: list[Rule], what: str = "text") -> bool:
    """Report each rule's first match in ``text``; True when clean."""
    clean = True
    for rule in rules:
        if rule.pattern is None:
            continue
        m = rule.pattern.search(text)
        if m:
            _report(problems, path, _position(text, m.start()), rule, what)
            clean = False
    return clean


def scan_document(data, path, problems: Problems, rules: list[Rule], skip_key: str | None = None) -> None:
    """Every key and text value of one YAML document, reported where it is written."""
    patterns = [r for r in rules if r.pattern is not None]
    fields = {r.field: r for r in rules if r.field is not None}
    stack = [(data, None)]
    while stack:
        node, name = stack.pop()
        if isinstance(node, MarkedMap):
            for key, value in node.items():
                if node is data and key == skip_key:
                    continue  # the rules themselves
                if key in fields:
                    _report(problems, path, node.key_where(key), fields[key], f"the key '{key}'")
                    continue
                if isinstance(value, str):
                    _scan_value(value, path, node.where(key), problems, patterns, key)
                else:
                    stack.append((value, key))
        elif isinstance(node, MarkedList):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    _scan_value(value, path, node.where(i), problems, patterns, f"{name}[{i + 1}]")
                else:
                    stack.append((value, name))


def _scan_value(value: str, path, where, problems, patterns, key) -> None:
    for rule in patterns:
        if rule.pattern.search(value):
            _report(problems, path, where, rule, f"'{key}'")


def scan_output(files: dict[str, bytes], out: Path, problems: Problems, rules: list[Rule]) -> None:
    """The last line of defence: every text file the build would publish."""
    for rel, data in files.items():
        if rel.endswith(TEXT_SUFFIXES):
            scan_text(data.decode("utf-8", "replace"), out / rel, problems, rules, "published text")


def scan_sources(raw, rules: list[Rule], catalog_paths, problems: Problems) -> None:
    """Every content file, page and translation catalog of a project."""
    if not rules:
        return
    docs = [(raw.guide, "confidential"), (raw.units, None)]
    for edition in raw.editions:
        docs.append((edition.meta, "confidential"))
        docs.extend((doc, None) for doc in edition.conferences)
    for doc, skip in docs:
        if doc is not None and doc.data is not None:
            start = len(problems.items)
            if isinstance(doc.data, str):
                scan_text(doc.data, doc.path, problems, rules)
            else:
                scan_document(doc.data, doc.path, problems, rules, skip)
            if doc.entry is not None:  # a record cached with what was found in it
                doc.entry.problems.extend(problems.items[start:])
    for path, text in raw.pages.values():
        if text is not None:
            scan_text(text, path, problems, rules)
    for path in sorted(set(catalog_paths)):
        try:
            text = Path(path).read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        scan_text(text, path, problems, rules, "a catalog entry")
