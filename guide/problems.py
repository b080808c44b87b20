"""Problems are data: collected during a run, all reported, then the run fails."""

from __future__ import annotations

import json
import operator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .wording import Message, language, ntr, shown, tr

ERROR = "error"
WARNING = "warning"
INFO = "info"  # listed for the record, e.g. an approved exception; never fails a run


# Messages quote content (keys, values): a newline in a quoted key must not
# break the one-line format, nor a bidi control reorder what a terminal shows.
_UNPRINTABLE = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7f, 0xa0)]} | {
    0x09: "\\t", 0x0a: "\\n", 0x0d: "\\r"} | {
    c: f"\\u{c:04x}" for c in [*range(0x200b, 0x2010), *range(0x202a, 0x202f),
                                *range(0x2060, 0x2065), *range(0x2066, 0x206a), 0x2028, 0x2029, 0xfeff]}


def one_line(message: str) -> str:
    """The message with control, line-break and invisible characters escaped
    (in the values a ``Message`` was filled with: its translation escapes alike)."""
    escaped = message.translate(_UNPRINTABLE)
    if isinstance(message, Message) and escaped != message:
        mapped = message.mapped(one_line)
        # (what the values do not explain, the template's own: escaped, in English)
        return mapped if mapped == escaped else escaped
    return message if isinstance(message, Message) else escaped


def escaped_controls(text: str) -> str:
    """A path or a heading escaped as a message's values are (one_line): a file
    named with ESC [ … is printed as its name, not obeyed by the terminal."""
    return text.translate(_UNPRINTABLE)


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    column: int
    code: str
    message: str
    severity: str = ERROR

    def format(self, lang: str | None = None) -> str:
        """The problem on one line, in the staff's language (wording.language), or
        ``lang``. (A message is withheld from confidential rules in the run's own
        language: shown in another, by a test, it is not searched again.)"""
        # The compiler-style prefix lets editors and CI annotate the exact spot.
        # (The code stays as it is: staff search for it, and tests match it.)
        if (lang or language()) == "en":
            # (with_level's English, without making a Message: serve formats
            # thousands of warnings on every save)
            text = self.message if self.severity == ERROR else f"{self.severity}: {self.message}"
        else:
            text = shown(with_level(self.severity, self.message), lang)
        return f"{escaped_controls(self.path)}:{self.line}:{self.column}: {self.code}: {text}"

    def to_dict(self) -> dict:
        return {**asdict(self), "message": shown(self.message)}


def with_level(severity: str, message: str) -> str:
    """The message as printed: a warning or an info says so first (an error does not)."""
    if severity == WARNING:
        return tr("warning: %(message)s", message=message)
    if severity == INFO:
        return tr("info: %(message)s", message=message)
    return message


_FIELDS = operator.attrgetter("path", "line", "column", "code", "message", "severity")

# (root, path) -> how a path is shown; kept for the process (serve builds many times).
_SHOWN: dict[tuple[str, str], str] = {}


@dataclass
class Problems:
    """Collects problems of one run, relative to the project root for display."""

    root: Path | None = None
    items: list[Problem] = field(default_factory=list)
    # Resolving a path costs a system call per component: a project of
    # 10,000 records has tens of thousands of problems over 10,000 paths.
    _root: Path | None = field(default=None, repr=False, compare=False)
    _errors: int = field(default=0, repr=False, compare=False)

    def _display(self, path: str | Path) -> str:
        key = (str(self.root), str(path))
        shown = _SHOWN.get(key)
        if shown is None:
            shown = _SHOWN[key] = self._resolve_display(Path(path))
        return shown

    def _resolve_display(self, p: Path) -> str:
        if not p.is_absolute():
            # Already shown relative to the root (a record's source, a catalog
            # reference), or as the user typed it: resolving it would join it
            # to the working folder, which need not be the root.
            return p.as_posix()
        if self.root is not None and not self.root.is_symlink():
            # Below the root as written: no need to resolve (a system call per component).
            try:
                rel = p.relative_to(self.root)
                if ".." not in rel.parts:
                    return rel.as_posix()
            except ValueError:
                pass
        if self.root is not None:
            if self._root is None:
                self._root = self.root.resolve()
            try:
                return p.resolve().relative_to(self._root).as_posix()
            except ValueError:
                pass
        return p.as_posix()

    def add(self, path, line: int, column: int, code: str, message: str,
            severity: str = ERROR) -> None:
        self.items.append(Problem(self._display(path), int(line), int(column),
                                  code, one_line(message), severity))
        self._errors += severity == ERROR

    def replay(self, items: list[Problem]) -> None:
        """Problems found earlier in an unchanged file (the record cache)."""
        self.items.extend(items)
        self._errors += sum(1 for p in items if p.severity == ERROR)

    def recount(self) -> None:
        """After items were appended directly (problems found in worker processes)."""
        self._errors = sum(1 for p in self.items if p.severity == ERROR)

    @property
    def error_count(self) -> int:
        # Validation asks after every record whether it added errors: counted,
        # not recounted (that was quadratic in the number of records).
        return self._errors

    def error(self, path, where, code: str, message: str) -> None:
        line, column = where
        self.add(path, line, column, code, message, ERROR)

    def warning(self, path, where, code: str, message: str) -> None:
        line, column = where
        self.add(path, line, column, code, message, WARNING)

    def extend(self, other: "Problems") -> None:
        self.items.extend(other.items)
        self._errors += other.error_count

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == WARNING]

    def escalate_warnings(self, codes: set[str] | None = None) -> None:
        """Strict mode: warnings (of the given codes, or all) become errors."""
        self.items = [
            Problem(p.path, p.line, p.column, p.code, p.message, ERROR)
            if p.severity == WARNING and (codes is None or p.code in codes) else p
            for p in self.items
        ]
        self._errors = len(self.errors)

    def sorted(self) -> list[Problem]:
        # Stable, readable order: by file, then position, duplicates dropped.
        # (The fields as a tuple: the dataclass's own order, compared in C, not
        # by its generated __lt__; serve sorts thousands of warnings per save.)
        return sorted(set(self.items), key=_FIELDS)

    @property
    def infos(self) -> list[Problem]:
        return [p for p in self.items if p.severity == INFO]

    def summary(self) -> str:
        e, w, i = len(self.errors), len(self.warnings), len(self.infos)
        errors, warnings = ntr("%(n)s error", "%(n)s errors", e), ntr("%(n)s warning", "%(n)s warnings", w)
        if not i:
            return shown(tr("%(errors)s, %(warnings)s", errors=errors, warnings=warnings))
        return shown(tr("%(errors)s, %(warnings)s, %(exceptions)s listed", errors=errors, warnings=warnings,
                        exceptions=ntr("%(n)s approved exception", "%(n)s approved exceptions", i)))

    def to_dict(self) -> dict:
        return {"problems": [p.to_dict() for p in self.sorted()],
                "errors": len(self.errors), "warnings": len(self.warnings), "infos": len(self.infos)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:  # a Problems object is truthy even when empty
        return True
