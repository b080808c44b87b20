"""``build.py import``: the accreditation spreadsheet into records and the content catalog."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
import yaml

from guide.importer import derive_id, parse_date, parse_number, run_import
from guide.yamlpatch import Month, update_mapping

HEAD = ["会议名称", "英文名称", "开始日期", "结束日期", "地点", "会议地点", "主办单位", "承办单位",
        "推荐单位", "领域", "会议类型", "届次", "网址"]
# Rows as staff type them: dates in three spellings, units by code or name, fields by name or id.
ROWS = [
    ["第十届全国化学生物学学术会议", "10th National Conference on Chemical Biology", "2023年8月4日", "2023/8/7",
     "天津", "南开大学", "中国化学会、南开大学", "", "中国化学会", "化学科学", "机制性会议", "第十届", ""],
    ["2023年中国数学会学术年会", "2023 Annual Meeting of the Chinese Mathematical Society", "2023-05-30",
     "2023-06-02", "厦门", "厦门大学", "中国数学会", "厦门大学", "A-01", "数理科学", "机制性会议", "15",
     "https://www.cms.org.cn/"],
    ["重庆数学前沿论坛", "Chongqing Forum on Frontiers of Mathematics", "2023年11月", "", "重庆", "",
     "重庆市科协；重庆大学", "", "P-22", "math-physics", "单次会议", "", "https://forum.example.cn/a?b=1#c"],
]
CONF = "content/editions/2023/conferences"


def write_csv(path, rows, head=HEAD, encoding="utf-8"):
    text = "\n".join(",".join(_csv_cell(c) for c in row) for row in [head, *rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def _csv_cell(value) -> str:
    value = "" if value is None else str(value)
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def write_xlsx(path, rows, head=HEAD, title="2023年度重要学术会议认定结果"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "认定结果"
    if title:
        sheet.append([title])  # forms carry a title row above the headings
    sheet.append(head)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def files(project) -> dict[str, tuple[bytes, int]]:
    """Every content and catalog file with its bytes and mtime."""
    out = {}
    for base in ("content", "locales"):
        for p in sorted((project.root / base).rglob("*")):
            if p.is_file():
                out[p.relative_to(project.root).as_posix()] = (p.read_bytes(), p.stat().st_mtime_ns)
    return out


def record(project, cid, edition="2023"):
    return yaml.safe_load((project.root / f"content/editions/{edition}/conferences/{cid}.yaml").read_text("utf-8"))


def test_import_xlsx_creates_records_that_build(project, tmp_path):
    dates_as_cells = [list(r) for r in ROWS]
    dates_as_cells[0][2] = dt.datetime(2023, 8, 4)   # an Excel date cell
    dates_as_cells[0][3] = dt.date(2023, 8, 7)
    dates_as_cells[1][11] = 15                       # a number cell
    sheet = write_xlsx(tmp_path / "结果.xlsx", dates_as_cells)
    run = project.cli("import", str(sheet))
    assert run.returncode == 0, run.stderr
    # cms-2023 is matched by its name and is already as the sheet says.
    assert "3 rows, 2 created, 0 updated, 1 unchanged, 0 bad (not imported); 2 English names set" in run.stdout
    cid = "quan-guo-hua-xue-sheng-wu-xue-xue-shu-hui-yi-2023"
    assert record(project, cid) == {
        "id": cid, "name": "第十届全国化学生物学学术会议", "kind": "recurring", "edition_number": 10,
        "field": "chemistry", "start": dt.date(2023, 8, 4), "end": dt.date(2023, 8, 7), "city": "天津",
        "venue": "南开大学", "organizers": ["中国化学会", "南开大学"], "recommender": "A-06"}
    forum = next((project.root / CONF).glob("chong-qing-shu-xue-qian-yan-lun-tan-2023.yaml")).read_text("utf-8")
    assert 'start: "2023-11"' in forum and "website: \"https://forum.example.cn/a?b=1#c\"" in forum
    assert "organizers: [重庆市科协, 重庆大学]" in forum and "edition_number" not in forum
    po = (project.root / "locales/en/LC_MESSAGES/content.po").read_text("utf-8")
    assert 'msgid "第十届全国化学生物学学术会议"\nmsgstr "10th National Conference on Chemical Biology"' in po

    result = project.build()
    assert result.ok, [p.format() for p in result.problems.errors]
    assert "10th National Conference on Chemical Biology" in project.page(f"en/2023/conferences/{cid}/index.html")
    assert "Chongqing Forum on Frontiers of Mathematics" in project.page("en/2023/conferences/index.html")


def test_reimport_of_the_same_file_writes_nothing(project, tmp_path):
    sheet = write_xlsx(tmp_path / "r.xlsx", ROWS)
    assert run_import(project.root, sheet).ok
    before = files(project)
    report = run_import(project.root, sheet)
    assert report.ok and {a.kind for a in report.actions} == {"unchanged"} and not report.translations
    assert files(project) == before  # same bytes, same mtimes


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_import_csv_in_the_encodings_excel_writes(project, tmp_path, encoding):
    sheet = write_csv(tmp_path / "r.csv", ROWS, encoding=encoding)
    report = run_import(project.root, sheet)
    assert report.ok, [p.format() for p in report.problems]
    assert [a.kind for a in report.actions] == ["created", "unchanged", "created"]
    assert record(project, "chong-qing-shu-xue-qian-yan-lun-tan-2023")["organizers"] == ["重庆市科协", "重庆大学"]


def test_changed_row_updates_only_its_changed_values_and_keeps_hand_edits(project, tmp_path):
    sheet = write_csv(tmp_path / "r.csv", ROWS)
    assert run_import(project.root, sheet).ok
    path = project.root / CONF / "quan-guo-hua-xue-sheng-wu-xue-xue-shu-hui-yi-2023.yaml"
    hand = path.read_text("utf-8").replace("city: 天津\n", "city: 天津   # 以通知为准\n") \
        + "# 资料来源\nsources:\n  - https://www.chemsoc.org.cn/\n"
    hand = "# 人工核对 2023-04-20\n" + hand.replace("kind: recurring\n", "series: ccb\nkind: recurring\n")
    path.write_text(hand, encoding="utf-8")
    rows = [list(r) for r in ROWS]
    rows[0][3], rows[0][4], rows[0][7] = "2023-08-08", "天津市", "天津大学"  # end, city, a new host
    write_csv(sheet, rows)
    report = project.cli("import", str(sheet))
    assert report.returncode == 0, report.stderr
    assert "quan-guo-hua-xue-sheng-wu-xue-xue-shu-hui-yi-2023.yaml (row 2): end, city, hosts" in report.stdout
    expected = hand.replace("end: 2023-08-07", "end: 2023-08-08").replace("city: 天津 ", "city: 天津市 ") \
        .replace("organizers: [中国化学会, 南开大学]\n", "organizers: [中国化学会, 南开大学]\nhosts: [天津大学]\n")
    assert path.read_text("utf-8") == expected


def test_block_lists_and_quoted_values_are_edited_in_their_own_style(project, tmp_path):
    path = project.conference("cms-2023", """\
        id: cms-2023
        series: cms
        name: '2023年中国数学会学术年会'   # quoted by hand
        kind: recurring
        edition_number: 15
        field: math-physics
        start: 2023-05-30
        end: 2023-06-02
        city: 厦门
        organizers:
          - 中国数学会     # 主办
        hosts:
        recommender: A-01
        """)
    rows = [list(ROWS[1])]
    rows[0][6], rows[0][7] = "中国数学会、厦门大学", "厦门大学数学科学学院"
    report = run_import(project.root, write_csv(tmp_path / "r.csv", rows))
    assert report.ok and report.actions[0].changed == ["venue", "organizers", "hosts", "website"]
    text = path.read_text("utf-8")
    assert "name: '2023年中国数学会学术年会'   # quoted by hand\n" in text
    # A block list stays one; a comment after its last item stays on its last line.
    assert "organizers:\n  - 中国数学会\n  - 厦门大学     # 主办\nhosts: [厦门大学数学科学学院]\n" in text
    assert project.build().ok


def test_ids_come_from_the_id_column_and_match_across_reimports(project, tmp_path):
    head = HEAD + ["编号", "系列"]
    rows = [ROWS[0] + ["ccb-2023", "ccb"], ROWS[1] + ["", ""]]
    assert run_import(project.root, write_csv(tmp_path / "r.csv", rows, head)).ok
    assert record(project, "ccb-2023")["series"] == "ccb"
    # The name changes in the sheet: the id keeps it the same record.
    rows[0][0] = "第十届全国化学生物学学术会议（CCB 2023）"
    report = run_import(project.root, write_csv(tmp_path / "r.csv", rows, head))
    assert report.ok and report.actions[0].kind == "updated" and report.actions[0].changed == ["name"]
    assert len(list((project.root / CONF).glob("*.yaml"))) == 4


def test_editions_held_feeds_the_recurring_rule(project, tmp_path):
    head = HEAD + ["已举办届数"]
    rows = [ROWS[0] + ["9"], ROWS[1] + ["1"]]
    report = run_import(project.root, write_csv(tmp_path / "r.csv", rows, head))
    assert report.ok and report.actions[1].changed == ["editions_held"]
    assert record(project, "quan-guo-hua-xue-sheng-wu-xue-xue-shu-hui-yi-2023")["editions_held"] == 9
    result = project.build(write=False)
    assert [p.code for p in result.problems.errors] == ["recurring-too-few"]  # cms: held once


def test_edition_option_imports_into_another_edition(project, tmp_path):
    rows = [list(ROWS[1])]
    rows[0][0], rows[0][2], rows[0][3], rows[0][11] = "2022年中国数学会学术年会", "2022-11-04", "2022-11-07", "14"
    report = run_import(project.root, write_csv(tmp_path / "r.csv", rows), edition="2022")
    assert report.ok and report.actions[0].id == "cms-2022" and report.actions[0].changed[0] == "end"
    assert record(project, "cms-2022", "2022")["end"] == dt.date(2022, 11, 7)


def test_dry_run_writes_nothing_and_json_says_what_it_would_do(project, tmp_path):
    before = files(project)
    run = project.cli("import", "--dry-run", "--format", "json", str(write_csv(tmp_path / "r.csv", ROWS)))
    assert run.returncode == 0
    report = json.loads(run.stdout)
    assert [(a["row"], a["kind"]) for a in report["actions"]] == [(2, "created"), (3, "unchanged"), (4, "created")]
    assert report["ok"] and report["problems"] == []
    assert files(project) == before


BAD = {
    # code: (column index, bad value, expected message part)
    "missing-cell": (6, "", "主办单位): missing-cell: is required"),
    "unknown-unit": (8, "中国数学学会", "推荐单位): unknown-unit: '中国数学学会' is neither a unit code nor a unit name"
                                     " of units.yaml; did you mean '中国数学会'?"),
    "unknown-field": (9, "天文学", "领域): unknown-field: '天文学' is not a field of edition 2023 (数理科学、化学科学、生命科学)"),
    "bad-date": (2, "2023年13月1日", "开始日期): bad-date: '2023年13月1日' is not a date of the calendar"),
    "date-order": (3, "2023/5/1", "结束日期): date-order: ends (2023-05-01) before it starts (2023-05-30)"),
    "bad-value": (10, "培训班", "会议类型): bad-value: '培训班' is not a kind of conference: write 机制性会议 or 单次会议"),
    "bad-number": (11, "第15次", "届次): bad-number: '第15次' is not an edition number (15, 第15届 or 第十五届)"),
    "bad-url": (12, "www.cms.org.cn", "网址): bad-url: 'www.cms.org.cn' must be an absolute http:// or https:// address"),
}
COLUMN_LETTERS = "ABCDEFGHIJKLM"


@pytest.mark.parametrize("code", list(BAD))
def test_errors_on_bad_cells(project, tmp_path, code):
    index, value, message = BAD[code]
    bad = list(ROWS[1])
    bad[index] = value
    sheet = write_csv(tmp_path / "r.csv", [ROWS[0], bad])
    cms = (project.root / CONF / "cms-2023.yaml").read_bytes()
    report = run_import(project.root, sheet)
    assert not report.ok
    line = f"{sheet}:3:{COLUMN_LETTERS[index]} ({HEAD[index]}): "
    assert [p.format() for p in report.problems] == [line + message.split("): ", 1)[1]]
    assert (project.root / CONF / "cms-2023.yaml").read_bytes() == cms    # nothing for the bad row
    assert "1 created, 0 updated, 0 unchanged, 1 bad" in report.summary()  # the good row is imported


@pytest.mark.parametrize("typed", ["a-6", "A-6", "Ａ－０６"])
def test_a_unit_code_typed_otherwise_is_read_as_a_record_check_reads_it(project, tmp_path, typed):
    row = list(ROWS[0])
    row[8] = typed
    report = run_import(project.root, write_csv(tmp_path / "r.csv", [row]))
    assert report.ok, [p.format() for p in report.problems]
    (action,) = report.actions
    assert "recommender: A-06" in (project.root / action.path).read_text(encoding="utf-8")


def test_errors_on_a_row_repeated_after_a_bad_copy_of_it(project, tmp_path):
    """Said in this import, not once the first copy is mended (the next import
    would then refuse the second as a duplicate)."""
    bad = list(ROWS[1])
    bad[12] = "www.cms.org.cn"
    report = run_import(project.root, write_csv(tmp_path / "r.csv", [ROWS[0], bad, ROWS[1]]))
    got = [(p.row, p.code) for p in report.problems]
    assert got == [(3, "bad-url"), (4, "duplicate-row")], got
    assert "the same conference is in row 3 (not imported: see its problems)" in report.problems[1].format()
    assert not report.ok and report.bad_rows == 2 and [a.row for a in report.actions] == [2]


def test_errors_on_ids_but_imports_a_one_off_with_an_edition_number(project, tmp_path):
    # (a first edition, 首届, is a one-off with a number: the call defines one-offs by purpose)
    head = HEAD + ["编号"]
    rows = [ROWS[2][:11] + ["3", ""] + [""], ROWS[0] + ["cms-2022"], ROWS[0] + ["Bad Id"],
            ROWS[1] + [""], ROWS[1] + [""]]
    report = run_import(project.root, write_csv(tmp_path / "r.csv", rows, head))
    got = {(p.row, p.column, p.code) for p in report.problems}
    assert got == {(3, "N", "id-conflict"), (4, "N", "bad-id"), (6, "N", "duplicate-row")}
    assert not report.ok and report.bad_rows == 3 and [a.row for a in report.actions] == [2, 5]
    # (the id as the cell holds it, not as it would be written)
    assert any(p.code == "bad-id" and "'Bad Id' is not a valid id" in p.format() for p in report.problems)


def test_errors_on_missing_columns_write_nothing(project, tmp_path):
    sheet = write_csv(tmp_path / "r.csv", [r[:8] for r in ROWS], HEAD[:8])
    before = files(project)
    run = project.cli("import", str(sheet))
    assert run.returncode == 1
    assert run.stderr == f"{sheet}:1:-: missing-column: the sheet needs the columns 推荐单位、领域、会议类型\n"
    assert files(project) == before


def test_errors_on_a_file_named_xlsx_that_is_no_workbook(project, tmp_path):
    """A .csv renamed, or a download cut short: a clear error, not a traceback."""
    sheet = write_csv(tmp_path / "r.csv", ROWS, HEAD).rename(tmp_path / "r.xlsx")
    before = files(project)
    run = project.cli("import", str(sheet))
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.startswith(f"{sheet}:1:-: ") and "not an Excel .xlsx workbook" in run.stderr
    assert files(project) == before


def test_unknown_columns_are_reported_but_not_errors(project, tmp_path):
    sheet = write_xlsx(tmp_path / "r.xlsx", [r + ["重要"] for r in ROWS], HEAD + ["推荐理由"])
    report = run_import(project.root, sheet)
    assert report.ok
    assert [p.format() for p in report.problems] == [
        f"{sheet}:2:N (推荐理由): unknown-column: warning: this column is not imported"]


@pytest.mark.parametrize("text,expected", [
    ("2023-05-30", dt.date(2023, 5, 30)), ("2023/5/30", dt.date(2023, 5, 30)),
    ("2023年5月30日", dt.date(2023, 5, 30)), ("2023.5.30", dt.date(2023, 5, 30)),
    ("2023-05-30 00:00:00", dt.date(2023, 5, 30)), ("20230530", dt.date(2023, 5, 30)),
    (45076, dt.date(2023, 5, 30)), ("２０２３年５月３０日", dt.date(2023, 5, 30)),
    ("2023年10月", Month("2023-10")), ("2023-10", Month("2023-10")),
])
def test_dates_in_the_forms_staff_type(text, expected):
    value = parse_date(text)
    assert value == expected and type(value) is type(expected)


def test_edition_numbers_and_ids():
    assert [parse_number(x) for x in ("15", 15.0, "第15届", "第十五届", "二十", "第一百零三届", "十五")] == \
        [15, 15, 15, 15, 20, 103, 15]
    assert derive_id("2023年中国数学会学术年会", 2023) == "zhong-guo-shu-xue-hui-xue-shu-nian-hui-2023"
    assert derive_id("中国化学会第33届学术年会", 2023) == "zhong-guo-hua-xue-hui-xue-shu-nian-hui-2023"
    assert derive_id("CNCC 2023 中国计算机大会", 2023) == "cncc-zhong-guo-ji-suan-ji-da-hui-2023"
    assert derive_id("2022-2023全国声学大会", 2023) == "quan-guo-sheng-xue-da-hui-2023"


def test_yaml_patch_quotes_what_yaml_would_misread():
    text = "id: x   # keep\nname: old\n"
    out = update_mapping(text, {"name": "NO", "city": "0101", "start": dt.date(2023, 1, 2),
                                "end": Month("2023-02"), "hosts": ["a, b", "true"]},
                         ["id", "name", "start", "end", "city", "hosts"])
    assert out == ('id: x   # keep\nname: "NO"\nstart: 2023-01-02\nend: "2023-02"\ncity: "0101"\n'
                   'hosts: ["a, b", "true"]\n')


def test_pasted_text_loses_soft_hyphens_and_its_line_separators_part_lists():
    """Cells pasted from a web page or Word: a soft hyphen (refused in records)
    is dropped, and U+2028 is the line break it stands for."""
    from guide.importer import one_line, text_list
    assert one_line("中国化学\u00ad会学术年会") == "中国化学会学术年会"
    assert one_line("第一行\u2028第二行") == "第一行 第二行"
    assert text_list("中国化学会\u2029中国数学会") == ["中国化学会", "中国数学会"]
    assert text_list("中国化学会\r\n中国数学会") == ["中国化学会", "中国数学会"]   # (a CSV cell's lines)


def test_errors_on_confidential_text_in_a_row_and_writes_nothing_for_it(project, tmp_path):
    """A row whose cell matches a confidential rule is not written: the next build
    would refuse the record, and the code would be in the repository meanwhile."""
    guide = project.root / "content/guide.yaml"
    guide.write_text(guide.read_text(encoding="utf-8") + "confidential:\n  - {label: unit invitation code, "
                     "pattern: '(?:邀请码|invitation code)\\s*[:：]?\\s*[A-Za-z0-9]{4,}'}\n", encoding="utf-8")
    bad = list(ROWS[0])
    bad[0] = "测试会议甲（邀请码：ZZ9999）"
    worse = list(ROWS[2])
    worse[7] = "重庆大学（**邀请码**：ZZ9999）"     # (as read, past the Markdown)
    before = files(project)
    run = project.cli("import", str(write_csv(tmp_path / "r.csv", [bad, worse])))
    assert run.returncode == 1, run.stderr
    lines = [l for l in run.stderr.splitlines() if ": confidential: " in l]
    assert [l.split(":")[1] for l in lines] == ["2", "3"], run.stderr
    assert "matches the confidential rule 'unit invitation code'" in lines[0]
    assert "ZZ9999" not in run.stdout + run.stderr
    assert files(project) == before


def test_a_new_record_takes_the_series_of_last_years_record_of_its_name(project, tmp_path):
    """README's next edition: a recurring conference's new record has last year's
    series. Its name differs by its year (and 届) only: the import gives it."""
    (project.root / CONF / "cms-2023.yaml").unlink()
    report = run_import(project.root, write_csv(tmp_path / "r.csv", [ROWS[1], ROWS[0]]))
    assert report.ok, [p.format() for p in report.problems]
    assert record(project, "cms-2023")["series"] == "cms"          # as 2022年中国数学会学术年会
    assert "series" not in record(project, [a.id for a in report.actions if a.row == 3][0])
    assert project.build().ok
