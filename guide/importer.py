"""Takes the accreditation result staff keep as a spreadsheet into conference records.

One row per conference, Chinese column headings as in the call's forms. Each
good row becomes, or updates, one YAML record of the edition, and its English
name goes into the content catalog. A bad row is reported by row and column
and nothing is written for it; the good rows are still imported. Records are
edited in place (see yamlpatch), so re-importing the same file writes nothing
and a changed row touches only the values that changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import os
import re
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from .confidential import CODE as CONFIDENTIAL, rules_matching
from .content import load_project
from .i18n import PROJECT_ID, write_catalog
from .problems import Problems, escaped_controls, with_level
from .records import KIND_WORDS
from .translation import BABEL_LOCALE, po_path, read_catalog
from .validation import CONTROL, INVISIBLE, SLUG, check_url, typed_date, unit_code_meant, validate
from .yamldoc import MarkedMap
from .wording import ntr, said, shown, tr
from .yamlpatch import Month, PatchError, render_mapping, update_mapping

# The keys an import writes, in the order a new record lists them.
RECORD_ORDER = ["id", "series", "name", "kind", "edition_number", "editions_held", "field", "start", "end",
                "city", "venue", "organizers", "hosts", "recommender", "co_recommenders", "website"]


@dataclass(frozen=True)
class Column:
    key: str                # record key, or "name_en" for the English name
    headings: tuple[str, ...]  # the first is the form's heading; the rest are accepted too
    required: bool = False


COLUMNS = (
    Column("name", ("会议名称",), True),
    Column("name_en", ("英文名称", "会议英文名称", "英文会议名称")),
    Column("start", ("开始日期", "开始时间"), True),
    Column("end", ("结束日期", "结束时间")),
    Column("city", ("地点", "城市", "举办城市")),
    Column("venue", ("会议地点", "场馆", "举办场馆")),
    Column("organizers", ("主办单位",), True),
    Column("hosts", ("承办单位",)),
    Column("recommender", ("推荐单位",), True),
    Column("co_recommenders", ("联合推荐单位", "联合推荐机构")),
    Column("field", ("领域", "所属领域"), True),
    Column("kind", ("会议类型",), True),
    Column("edition_number", ("届次",)),
    Column("editions_held", ("已举办届数", "已连续举办届数", "往届届数")),
    Column("website", ("网址", "会议网址", "官网")),
    Column("id", ("编号", "id")),
    Column("series", ("系列",)),
)
LIST_SEPARATORS = re.compile(r"\s*[、；;，,\n]\s*")
# Noise that copy and paste brings along; other invisible characters are reported.
# (the soft hyphen too: text pasted from a web page or Word brings it)
STRIPPED = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
NUMBER = re.compile(r"^第?\s*([0-9]+|[零〇一二两三四五六七八九十百]+)\s*届?$")
CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
# Years and 届 in a name differ between editions of one series; the id's
# year comes from the dates instead.
NAME_NOISE = re.compile(r"(?:(?:19|20)\d{2}\s*(?:[-—–~至]\s*(?:19|20)?\d{2,4})?\s*年?(?:度)?)"
                        r"|(?:第\s*[0-9零〇一二两三四五六七八九十百]+\s*届)")
MAX_ID_STEM = 48


@dataclass(frozen=True)
class RowProblem:
    """A problem in one cell: printed ``FILE:row:column (heading): code: message``."""

    path: str
    row: int
    column: str          # the column's letter, "" for the whole row
    heading: str
    code: str
    message: str
    severity: str = "error"

    def format(self) -> str:
        where = f"{self.column} ({escaped_controls(self.heading)})" if self.column else "-"
        return (f"{escaped_controls(self.path)}:{self.row}:{where}: {self.code}: "
                f"{shown(with_level(self.severity, self.message))}")

    def to_dict(self) -> dict:
        return {**asdict(self), "message": shown(self.message)}


class CellError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Action:
    row: int
    id: str
    path: str
    kind: str                       # created | updated | unchanged
    changed: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    source: str
    edition: str
    problems: list[RowProblem] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    translations: list[str] = field(default_factory=list)  # names whose English was set
    catalog: str = ""
    rows: int = 0
    bad_rows: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def summary(self) -> str:
        count = {k: sum(1 for a in self.actions if a.kind == k) for k in ("created", "updated", "unchanged")}
        counts = tr("%(rows)s, %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
                    "%(bad)s bad (not imported)", rows=ntr("%(n)s row", "%(n)s rows", self.rows),
                    created=count["created"], updated=count["updated"], unchanged=count["unchanged"],
                    bad=self.bad_rows)
        if self.translations:
            text = tr("import: %(counts)s; %(names)s set in %(catalog)s", counts=counts, catalog=self.catalog,
                      names=ntr("%(n)s English name", "%(n)s English names", len(self.translations)))
        else:
            text = tr("import: %(counts)s", counts=counts)
        return shown(tr("%(summary)s (dry run: nothing written)", summary=text) if self.dry_run else text)

    def to_json(self) -> str:
        return json.dumps({"source": self.source, "edition": self.edition,
                           "problems": [p.to_dict() for p in self.problems],
                           "actions": [asdict(a) for a in self.actions],
                           "translations": self.translations, "ok": self.ok},
                          ensure_ascii=False, indent=2)


# -- reading the sheet ---------------------------------------------------------

class SheetError(Exception):
    pass


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def read_rows(path: Path, sheet: str | None = None) -> list[tuple[int, list]]:
    """(row number, cell values) for every row of the file."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xls":
        raise SheetError(tr("old .xls workbooks are not read: save the file as .xlsx (Excel 2007 or later) or .csv"))
    raise SheetError(tr("give a spreadsheet as .xlsx or .csv"))


def _read_xlsx(path: Path, sheet: str | None):
    import openpyxl  # imported here: only imports need it
    from openpyxl.utils.exceptions import InvalidFileException
    try:
        # data_only: a formula cell gives the value Excel last computed.
        book = openpyxl.load_workbook(path, data_only=True)
    except zipfile.BadZipFile:
        # (a .csv or an old .xls renamed, or a download cut short: an .xlsx is a zip archive)
        raise SheetError(tr("not an Excel .xlsx workbook (a renamed .csv or .xls, or a file cut short): "
                            "save it again as .xlsx or .csv")) from None
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise SheetError(tr("cannot read the workbook: %(error)s", error=str(exc))) from None
    if sheet is not None:
        if sheet not in book.sheetnames:
            raise SheetError(tr("no sheet '%(sheet)s' (sheets: %(sheets)s)", sheet=sheet,
                                sheets=", ".join(book.sheetnames)))
        ws = book[sheet]
    else:
        ws = book.worksheets[0]
    return [(i, list(values)) for i, values in enumerate(ws.iter_rows(min_row=1, values_only=True), 1)]


def _read_csv(path: Path):
    data = path.read_bytes()
    # Excel saves CSV as UTF-8 with a BOM, or in the system code page
    # (GB18030/GBK on Chinese Windows); try them in that order.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise SheetError(tr("the file is neither UTF-8 nor GB18030 text"))
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise SheetError(tr("line %(line)s: %(error)s", line=reader.line_num, error=str(exc))) from None
    return rows


def normalize_heading(value) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).translate(STRIPPED)
    text = re.sub(r"\s+", "", text).strip("*")
    text = re.sub(r"[(（][^)）]*[)）]$", "", text)  # 开始日期（YYYY-MM-DD）, 地点(城市)
    return text.lower()


HEADING_INDEX = {normalize_heading(h): c for c in COLUMNS for h in c.headings}


def find_header(rows) -> int | None:
    """The index in ``rows`` of the heading row: the first with 会议名称 in it, near the top."""
    for i, (_n, cells) in enumerate(rows[:10]):
        if any(normalize_heading(c) == "会议名称" for c in cells):
            return i
    return None


# -- cell values -----------------------------------------------------------------

def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).translate(STRIPPED).replace("\u00a0", " ")
    # (a line or paragraph separator is a line break: one_line and text_list part there)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n").strip()
    bad = INVISIBLE.search(text)
    if bad:
        raise CellError("invisible-character", tr("contains the invisible character U+%(code)s; remove it",
                                                  code=f"{ord(bad.group()):04X}"))
    # (a tab is a cell's own: kept; line and paragraph separators are line breaks by now)
    control = CONTROL.search(text.replace("\t", " "))
    if control is not None:
        raise CellError("control-character", tr("contains the control character U+%(code)s; remove it",
                                                code=f"{ord(control.group()):04X}"))
    return text


def one_line(value) -> str:
    return re.sub(r"\s*\n\s*", " ", _clean(value))


def text_list(value) -> list[str]:
    out: list[str] = []
    for part in LIST_SEPARATORS.split(_clean(value)):
        if part and part not in out:
            out.append(part)
    return out


def parse_date(value):
    """A date, or a Month when only the month is given."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date typed into a cell without a date format stays Excel's day number.
        if 20000 <= value <= 80000:
            from openpyxl.utils.datetime import from_excel
            return from_excel(value).date()
        raise CellError("bad-date", tr("'%(value)s' is not a date", value=f"{value}"))
    text = unicodedata.normalize("NFKC", _clean(value))
    try:
        typed = typed_date(text)   # (as the record checks read a date typed so)
    except ValueError:
        raise CellError("bad-date", tr("'%(value)s' is not a date of the calendar", value=text)) from None
    if isinstance(typed, dt.date):
        return typed
    if typed is not None:
        return Month(f"{typed[0]:04d}-{typed[1]:02d}")
    raise CellError("bad-date", tr("'%(value)s' is not a date; write 2023-05-30, 2023/5/30 or 2023年5月30日 "
                                   "(2023-10 or 2023年10月 when only the month is known)", value=text))


def _chinese_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CN_DIGITS[ch]
    return total + current


def parse_number(value, minimum: int = 1) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = unicodedata.normalize("NFKC", _clean(value))
        m = NUMBER.match(text)
        if not m:
            raise CellError("bad-number", tr("'%(value)s' is not an edition number (15, 第15届 or 第十五届)",
                                             value=text))
        number = _chinese_number(m.group(1))
    if number < minimum:
        raise CellError("bad-number", tr("must be at least %(minimum)s", minimum=minimum))
    return number


def month_bounds(value) -> tuple[dt.date, dt.date]:
    if isinstance(value, Month):
        y, m = map(int, value.split("-"))
        last = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
        return dt.date(y, m, 1), last
    return value, value


# -- the project -----------------------------------------------------------------

@dataclass
class ExistingRecord:
    path: Path
    id: str | None
    name: str | None
    data: MarkedMap | None


def _text_of(value) -> str | None:
    if isinstance(value, MarkedMap):
        value = value.get("text")
    return unicodedata.normalize("NFC", value.strip()) if isinstance(value, str) else None


def name_key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", name))


def series_key(name: str) -> str:
    """A name as the editions of one series share it: without years and 届."""
    return name_key(NAME_NOISE.sub("", name))


def derive_id(name: str, year: int) -> str:
    """A readable ASCII id from the Chinese name: pinyin syllables and the year."""
    stem_text = NAME_NOISE.sub(" ", unicodedata.normalize("NFKC", name))
    words = lazy_pinyin(stem_text, style=Style.NORMAL, errors="default", v_to_u=False)
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(words).lower()).strip("-")
    if len(slug) > MAX_ID_STEM:
        slug = slug[:MAX_ID_STEM].rsplit("-", 1)[0]
    return f"{slug or 'conference'}-{year}"


class Importer:
    def __init__(self, root: Path, edition: str | None = None):
        self.root = root
        problems = Problems(root=root)
        raw = load_project(root, problems)
        content = validate(raw, problems)
        # The import needs only units and the edition's fields; the rest of
        # the project may have problems that `check` reports.
        self.units = content.units
        # (a row matching one is not written: the next build would refuse the record)
        self.confidential = [r for r in content.confidential if r.pattern is not None]
        self.unit_names = {name_key(u.name.zh): code for code, u in content.units.items()}
        self.edition_id = edition or (content.guide.current_edition if content.guide else None)
        if not self.edition_id:
            raise SheetError(tr("no edition given and content/guide.yaml names no current_edition"))
        self.edition = next((e for e in content.editions if e.id == self.edition_id), None)
        if self.edition is None:
            where = root / "content" / "editions" / self.edition_id / "edition.yaml"
            if not where.exists():
                raise SheetError(tr("edition '%(edition)s' cannot be imported into: %(path)s does not exist",
                                    edition=self.edition_id, path=f"{where.relative_to(root)}"))
            raise SheetError(tr("edition '%(edition)s' cannot be imported into: %(path)s has problems "
                                "(run `build.py check`)", edition=self.edition_id, path=f"{where.relative_to(root)}"))
        self.fields = {f.id: f.id for f in self.edition.fields} | {name_key(f.name.zh): f.id for f in self.edition.fields}
        self.records: list[ExistingRecord] = []
        self.other_ids: dict[str, Path] = {}
        # Another edition's series by its name without years and 届: a new
        # record of the series gets it, as README's "next edition" asks.
        self.series_by_name: dict[str, set[str]] = {}
        for redition in raw.editions:
            for doc in redition.conferences:
                data = doc.data if isinstance(doc.data, MarkedMap) else None
                rid = data.get("id") if data is not None and isinstance(data.get("id"), str) else None
                if redition.dir.name == self.edition_id:
                    self.records.append(ExistingRecord(doc.path, rid, _text_of(data.get("name")) if data else None, data))
                elif rid:
                    self.other_ids[rid] = doc.path
                    series = data.get("series")
                    name = _text_of(data.get("name"))
                    if isinstance(series, str) and name:
                        self.series_by_name.setdefault(series_key(name), set()).add(series)
        self.conf_dir = root / "content" / "editions" / self.edition_id / "conferences"
        self.rows_seen: dict[tuple[str, object], int] = {}  # (name, start) -> row
        self.row = 0   # (the row parse_row reads)
        self.not_imported: set[int] = set()   # (rows with bad cells, in rows_seen)
        self.by_id = {r.id: r for r in self.records if r.id}
        self.by_name: dict[str, list[ExistingRecord]] = {}
        for r in self.records:
            if r.name:
                self.by_name.setdefault(name_key(r.name), []).append(r)

    # -- one row --------------------------------------------------------------
    def parse_row(self, cells: dict[str, tuple[str, str, object]], report) -> dict | None:
        """Typed values of one row, or None after reporting its bad cells.

        ``cells`` maps column key → (letter, heading, raw value)."""
        values: dict = {}
        bad = False

        def fail(key, code, message):
            nonlocal bad
            bad = True
            letter, heading, _v = cells.get(key, ("", "", None))
            report(letter, heading, code, message)

        for column in COLUMNS:
            if column.key not in cells:
                continue
            letter, heading, raw = cells[column.key]
            try:
                empty = _clean(raw) == "" if not isinstance(raw, (dt.date, int, float)) else False
            except CellError as exc:
                fail(column.key, exc.code, exc.message)
                continue
            if empty:
                if column.required:
                    fail(column.key, "missing-cell", tr("is required"))
                continue
            try:
                values[column.key] = self._value(column.key, raw)
            except CellError as exc:
                fail(column.key, exc.code, exc.message)
                continue
            value = values[column.key]
            for rule in rules_matching(value if isinstance(value, list) else [value], self.confidential):
                del values[column.key]
                fail(column.key, CONFIDENTIAL,
                     tr("matches the confidential rule '%(label)s' (%(where)s); it must never be "
                        "published: the row is not imported", label=rule.label, where=rule.where))
                break
        if "start" in values and "end" in values:
            s, e = values["start"], values["end"]
            if isinstance(s, Month) != isinstance(e, Month):
                fail("end", "bad-date", tr("start and end must both be full dates or both be months"))
            elif month_bounds(e)[1] < month_bounds(s)[0]:
                fail("end", "date-order", tr("ends (%(end)s) before it starts (%(start)s)", end=f"{e}", start=f"{s}"))
        if bad and "name" in values and "start" in values:
            # A row repeated after a bad copy is said so now, not at the next
            # import, once the first is mended (it would then fail as a duplicate).
            same = (name_key(values["name"]), values["start"])
            if same in self.rows_seen:
                fail("name", "duplicate-row", self._duplicate(self.rows_seen[same]))
            else:
                self.rows_seen[same] = self.row
                self.not_imported.add(self.row)
        return None if bad else values

    def _value(self, key: str, raw):
        if key in ("start", "end"):
            return parse_date(raw)
        if key == "edition_number":
            return parse_number(raw)
        if key == "editions_held":
            return parse_number(raw, minimum=0)
        if key in ("organizers", "hosts", "co_recommenders"):
            return text_list(raw)
        text = one_line(raw)
        if key == "kind":
            kind = KIND_WORDS.get(text.lower())
            if kind is None:
                raise CellError("bad-value", tr("'%(value)s' is not a kind of conference: write 机制性会议 or 单次会议",
                                                value=text))
            return kind
        if key == "recommender":
            code = unit_code_meant(text, self.units)   # (as a record's is read: a-6 is A-06)
            if code is not None:
                return code
            if name_key(text) in self.unit_names:
                return self.unit_names[name_key(text)]
            choices = list(self.units) + [u.name.zh for u in self.units.values()]
            hint = difflib.get_close_matches(text, choices, n=1)
            if hint:
                raise CellError("unknown-unit", tr("'%(value)s' is neither a unit code nor a unit name of units.yaml; "
                                                   "did you mean '%(hint)s'?", value=text, hint=hint[0]))
            raise CellError("unknown-unit", tr("'%(value)s' is neither a unit code nor a unit name of units.yaml",
                                               value=text))
        if key == "field":
            fid = self.fields.get(name_key(text)) or self.fields.get(text.lower())
            if fid is None:
                names = [f.name.zh for f in self.edition.fields]
                hint = difflib.get_close_matches(text, names, n=1)
                if hint:
                    raise CellError("unknown-field", tr("'%(value)s' is not a field of edition %(edition)s; "
                                                        "did you mean '%(hint)s'?",
                                                        value=text, edition=self.edition_id, hint=hint[0]))
                raise CellError("unknown-field", tr("'%(value)s' is not a field of edition %(edition)s (%(names)s)",
                                                    value=text, edition=self.edition_id, names="、".join(names)))
            return fid
        if key in ("id", "series"):
            typed, text = text, text.lower()
            if not SLUG.match(text):   # (said as typed: staff look for what the cell holds)
                raise CellError("bad-id", tr("'%(value)s' is not a valid id: use lowercase ASCII letters, digits "
                                             "and single hyphens", value=typed))
            return text
        if key == "website":
            problems = []
            ok = check_url(text, lambda code, msg: problems.append(CellError(code, msg)))
            if ok is None:
                raise problems[0]
            return ok
        return text

    # -- which record -----------------------------------------------------------
    def match(self, values: dict, taken: dict[str, int], row: int) -> tuple[ExistingRecord | None, str]:
        """The existing record a row updates (or None) and the row's id."""
        by_id = self.by_id
        wanted = values.get("id")
        # One name may be recorded twice (held twice in the window): each row
        # takes a record not taken yet, the one with the same start first.
        same_name = [r for r in self.by_name.get(name_key(values["name"]), []) if r.id not in taken]
        same_name.sort(key=lambda r: _current(r.data, "start") != values["start"] if r.data else True)
        if wanted:
            if wanted in by_id:
                record = by_id[wanted]
            elif wanted in self.other_ids:
                raise CellError("id-conflict", tr("id '%(id)s' is already used in another edition (%(path)s); "
                                                  "ids are unique across the guide",
                                                  id=wanted, path=f"{self.other_ids[wanted].relative_to(self.root)}"))
            elif same_name and same_name[0].id and _current(same_name[0].data, "start") == values["start"]:
                raise CellError("id-mismatch", tr("the conference named here is recorded as '%(id)s' (%(path)s), "
                                                  "not '%(wanted)s': correct the ID cell, or the record's id",
                                                  id=same_name[0].id, wanted=wanted,
                                                  path=f"{same_name[0].path.relative_to(self.root)}"))
            else:
                record = None
            rid = wanted
        elif same_name:
            record = same_name[0]
            rid = record.id or self._fresh(values, taken, by_id)
        else:
            record, rid = None, None
        if record is None:
            # (a new record: its series first, which its id follows)
            self._take_series(values)
            rid = rid or self._fresh(values, taken, by_id)
        same = (name_key(values["name"]), values["start"])
        if rid in taken or same in self.rows_seen:
            raise CellError("duplicate-row", self._duplicate(taken.get(rid) or self.rows_seen[same]))
        taken[rid] = row
        self.rows_seen[same] = row
        return record, rid

    def _duplicate(self, first: int) -> str:
        # (a bad row is not imported, but two rows of it would still be one too many)
        if first in self.not_imported:
            return tr("the same conference is in row %(row)s (not imported: see its problems); "
                      "keep one of the two rows", row=first)
        return tr("the same conference is already imported from row %(row)s", row=first)

    def _take_series(self, values: dict) -> None:
        """A new record's series: another edition's record of its name (years and 届
        aside), as README's next edition asks; none when two series have that name."""
        if "series" not in values:
            found = self.series_by_name.get(series_key(values["name"]), set())
            if len(found) == 1:
                values["series"] = next(iter(found))

    def _fresh(self, values: dict, taken, by_id) -> str:
        year = month_bounds(values["start"])[0].year
        # (a series' records are named for it: ccs-congress-2024 after ccs-congress-2023)
        base = f"{values['series']}-{year}" if values.get("series") else derive_id(values["name"], year)
        candidate, n = base, 1
        while (candidate in by_id or candidate in self.other_ids or candidate in taken
               or (self.conf_dir / f"{candidate}.yaml").exists()):
            n += 1
            candidate = f"{base}-{n}"
        return candidate


def _current(data: MarkedMap, key: str):
    """A record's value in the form the import compares with."""
    value = data.get(key)
    if isinstance(value, MarkedMap):
        return _text_of(value)
    if isinstance(value, list):
        return [_text_of(v) if isinstance(v, MarkedMap) else v for v in value]
    return value


def _same(current, new) -> bool:
    if isinstance(new, Month):
        return isinstance(current, str) and current.strip() == new
    if isinstance(new, dt.date):
        return type(current) is dt.date and current == new
    if isinstance(new, int):
        return type(current) is int and current == new
    if isinstance(new, list):
        return isinstance(current, list) and all(isinstance(c, str) for c in current) \
            and [unicodedata.normalize("NFC", c.strip()) for c in current] == new
    return isinstance(current, str) and unicodedata.normalize("NFC", current.strip()) == new


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def run_import(root: Path, source: Path, edition: str | None = None, sheet: str | None = None,
               dry_run: bool = False) -> ImportReport:
    display = str(source)
    report = ImportReport(display, edition or "", dry_run=dry_run)

    def whole_file(code: str, message: str) -> ImportReport:
        report.problems.append(RowProblem(display, 1, "", "", code, message))
        return report

    try:
        importer = Importer(root, edition)
    except SheetError as exc:
        return whole_file("no-edition", said(exc))
    report.edition = importer.edition_id
    try:
        rows = read_rows(source, sheet)
    except FileNotFoundError:
        return whole_file("file-missing", tr("no such file"))
    except SheetError as exc:
        return whole_file("file-unreadable", said(exc))
    header_at = find_header(rows)
    if header_at is None:
        return whole_file("missing-column", tr("no heading row with 会议名称 in the first 10 rows"))
    header_row, headings = rows[header_at]
    columns: dict[str, tuple[int, str, str]] = {}  # key -> (index, letter, heading)
    for index, heading in enumerate(headings):
        if heading is None or str(heading).strip() == "":
            continue
        heading_text = str(heading).strip()
        column = HEADING_INDEX.get(normalize_heading(heading))
        letter = column_letter(index)
        if column is None:
            report.problems.append(RowProblem(display, header_row, letter, heading_text, "unknown-column",
                                              tr("this column is not imported"), "warning"))
        elif column.key in columns:
            _i, first_letter, first = columns[column.key]
            report.problems.append(RowProblem(display, header_row, letter, heading_text, "duplicate-column",
                                              tr("the same as column %(letter)s (%(heading)s); keep one",
                                                 letter=first_letter, heading=first)))
        else:
            columns[column.key] = (index, letter, heading_text)
    missing = [c.headings[0] for c in COLUMNS if c.required and c.key not in columns]
    if missing:
        report.problems.append(RowProblem(display, header_row, "", "", "missing-column",
                                          ntr("the sheet needs the column %(columns)s",
                                              "the sheet needs the columns %(columns)s", len(missing),
                                              columns="、".join(missing))))
    if not report.ok:
        return report

    taken: dict[str, int] = {}
    plans: list[tuple[int, dict, ExistingRecord | None, str]] = []
    for number, cells in rows[header_at + 1:]:
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        report.rows += 1
        before = len(report.problems)

        def add(letter, heading, code, message, number=number):
            report.problems.append(RowProblem(display, number, letter, heading, code, message))

        row_cells = {key: (letter, heading, cells[i] if i < len(cells) else None)
                     for key, (i, letter, heading) in columns.items()}
        importer.row = number
        values = importer.parse_row(row_cells, add)
        if values is not None:
            try:
                record, rid = importer.match(values, taken, number)
                plans.append((number, values, record, rid))
            except CellError as exc:
                letter, heading, _ = row_cells.get("id", row_cells["name"])
                add(letter, heading, exc.code, exc.message)
        if len(report.problems) > before:
            report.bad_rows += 1

    english: dict[str, str] = {}
    for number, values, record, rid in plans:
        record_values = {"id": rid} | {k: v for k, v in values.items() if k in RECORD_ORDER and k != "id"}
        record_values = {k: record_values[k] for k in RECORD_ORDER if k in record_values}
        if "name_en" in values:
            english[values["name"]] = values["name_en"]
        try:
            action = _apply(importer, record, rid, record_values, number, dry_run)
        except PatchError as exc:
            letter, heading, _ = columns["name"]
            report.problems.append(RowProblem(display, number, letter, heading, "record-not-updated",
                                              tr("%(path)s cannot be edited safely (%(error)s); fix or edit it by hand",
                                                 path=f"{record.path.relative_to(root)}",
                                                 error=said(exc))))
            report.bad_rows += 1
            continue
        report.actions.append(action)
    report.problems.sort(key=lambda p: (p.row, len(p.column), p.column))
    po = po_path(root, "en", "content")
    report.catalog = po.relative_to(root).as_posix()
    report.translations = _update_catalog(po, english, dry_run)
    return report


def _apply(importer: Importer, record: ExistingRecord | None, rid: str, values: dict,
           row: int, dry_run: bool) -> Action:
    root = importer.root
    if record is None:
        path = importer.conf_dir / f"{rid}.yaml"
        if not dry_run:
            _write(path, render_mapping(values).encode("utf-8"))
        return Action(row, rid, path.relative_to(root).as_posix(), "created", list(values))
    rel = record.path.relative_to(root).as_posix()
    if record.data is None:
        raise PatchError(tr("it is not a readable mapping"))
    changes = {k: v for k, v in values.items()
               if k not in record.data or not _same(_current(record.data, k), v)}
    if not changes:
        return Action(row, rid, rel, "unchanged")
    data = record.path.read_bytes()
    text = data.decode("utf-8-sig")
    new = update_mapping(text, changes, RECORD_ORDER)
    encoded = (b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b"") + new.encode("utf-8")
    if not dry_run and encoded != data:
        _write(record.path, encoded)
    return Action(row, rid, rel, "updated", list(changes))


def _update_catalog(po: Path, english: dict[str, str], dry_run: bool) -> list[str]:
    """Set the English of each imported name; returns the names whose entry changed."""
    if not english:
        return []
    from babel.messages.catalog import Catalog
    catalog = read_catalog(po, "en", None) or Catalog(locale=BABEL_LOCALE["en"], project=PROJECT_ID, fuzzy=False)
    changed = []
    for zh, en in english.items():
        message = catalog.get(zh)
        if message is not None and message.string == en and not message.fuzzy:
            continue
        if message is None:
            catalog.add(zh, en)
        else:
            message.string = en
            message.flags.discard("fuzzy")
        changed.append(zh)
    if changed and not dry_run:
        write_catalog(po, catalog)
    return changed
