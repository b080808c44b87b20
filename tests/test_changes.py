"""The change report a build writes against the previous build."""

import datetime as dt
import json

from conftest import CONFERENCES_2023, TODAY


def report(project):
    return json.loads((project.root / "site/staff/changes.json").read_text(encoding="utf-8"))


def edit(project, cid, old, new):
    path = project.root / f"content/editions/2023/conferences/{cid}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# An edit the certificate does not print.
ADD_WEBSITE = ("ccs-2023", "organizers: [中国化学会]", "organizers: [中国化学会]\nwebsite: https://www.chemsoc.org.cn/")


def published_after_edit(project, *change) -> dict:
    """The report of a build after ``edit(project, *change)``, certificates issued."""
    project.issue_certificates()
    assert project.build().ok
    edit(project, *change)
    assert project.build().ok
    return report(project)


def test_first_build_has_nothing_to_compare_with(project):
    assert project.build().ok
    data = report(project)
    assert data["previous_build"] is False
    assert "这是此处的首次构建" in project.page("zh/staff/changes/index.html")


def test_reports_added_removed_changed_and_certificates_to_reissue(project):
    project.issue_certificates()
    assert project.build().ok
    edit(project, "cms-2023", "city: 厦门", "city: 重庆")          # on the certificate
    edit(project, *ADD_WEBSITE)
    (project.root / "content/editions/2023/conferences/wlsc-2023.yaml").unlink()
    project.conference("new-2023", CONFERENCES_2023["cms-2023"].replace("cms-2023", "new-2023")
                       .replace("2023-05-30", "2023-07-01").replace("2023-06-02", "2023-07-02"))
    result = project.build()
    assert result.ok
    data = report(project)
    assert data["previous_build"] is True
    assert data["added"] == ["new-2023"]
    assert data["removed"] == [{"id": "wlsc-2023", "name": "世界生命科学大会", "edition": "2023"}]
    # The city is printed on the certificate: its PDF changed; the website is not.
    assert data["changed"] == {"cms-2023": ["certificate_sha256", "city", "city_en"], "ccs-2023": ["website"]}
    assert data["certificates_to_reissue"] == ["cms-2023"]
    page = project.page("en/staff/changes/index.html")
    assert "wlsc-2023" in page and 'name="robots" content="noindex"' in page
    assert "Made by the build of June 1, 2023." in page
    # (issued on 30 June, after this build's date: nobody holds it yet, nothing to re-issue)
    assert "awaiting re-issue" not in page and "<td>re-issue</td>" not in page


def test_an_unchanged_rebuild_keeps_the_last_report(project):
    # Running the build again must not wipe the certificates to re-issue
    # before staff have read them.
    changed = published_after_edit(project, "cms-2023", "city: 厦门", "city: 重庆")
    assert changed["certificates_to_reissue"] == ["cms-2023"]
    out = project.cli()
    assert out.returncode == 0
    assert ("changes: none since the previous build; the staff report keeps the last changes "
            "(0 added, 0 removed, 1 changed)") in out.stdout
    assert report(project) == changed
    assert "cms-2023" in project.page("zh/staff/changes/index.html")
    # The next change to a record replaces it.
    edit(project, *ADD_WEBSITE)
    assert project.build().ok
    data = report(project)
    assert data["changed"] == {"ccs-2023": ["website"]} and data["certificates_to_reissue"] == []
    # (issued on 30 June, after this build's date: in no one's hands, nothing awaits re-issue)
    assert data["certificates_awaiting_reissue"] == []


def test_an_unreadable_report_is_compared_again(project):
    assert project.build().ok
    assert report(project)["previous_build"] is False
    (project.root / "site/staff/changes.json").write_text('{"added": 3}', encoding="utf-8")
    assert project.build().ok
    data = report(project)
    assert data["previous_build"] and not (data["added"] or data["removed"] or data["changed"])


def test_cli_prints_the_report(project):
    assert project.build().ok
    edit(project, "cms-2023", "venue: 厦门大学", "venue: 厦门大学思明校区")
    out = project.cli()
    assert out.returncode == 0
    assert "changes since the previous build: 0 added, 0 removed, 1 changed" in out.stdout
    assert "~ cms-2023: venue" in out.stdout
    assert "certificates to re-issue" not in out.stdout


def test_staff_pages_stay_out_of_the_sitemap_and_robots(project):
    assert project.build().ok
    assert "staff" not in (project.root / "site/sitemap.xml").read_text()
    assert "Disallow: /zh/staff/" in (project.root / "site/robots.txt").read_text()
    assert "/staff/changes/" not in project.page("zh/index.html")


def test_a_change_of_the_issuer_reissues_every_certificate(project):
    # No record changed, yet every certificate prints the new issuer: its
    # bytes changed, and the old file no longer verifies.
    project.issue_certificates()
    assert project.build().ok
    before = json.loads((project.root / "site/staff/records.json").read_text(encoding="utf-8"))["records"]
    issued = sorted(cid for cid, r in before.items() if r.get("certificate_sha256"))
    assert issued
    path = project.root / "content/editions/2023/edition.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("issuer: 中国科学技术协会", "issuer: 中国科协"),
                    encoding="utf-8")
    assert project.build().ok
    data = report(project)
    assert data["certificates_to_reissue"] == issued
    assert all(fields == ["certificate_sha256"] for fields in data["changed"].values())
    # A field not printed on the certificate changes no certificate.
    edit(project, "cms-2023", "venue: 厦门大学", "venue: 厦门大学思明校区")
    assert project.build().ok
    assert report(project)["certificates_to_reissue"] == []


def test_a_snapshot_without_certificate_digests_falls_back_to_the_printed_fields():
    from guide.changes import compare

    old = {"a": {"city": "厦门", "venue": "甲"}, "b": {"city": "重庆", "venue": "乙"}}
    new = {"a": {"city": "长沙", "venue": "甲", "certificate_sha256": "1" * 64},
           "b": {"city": "重庆", "venue": "丙", "certificate_sha256": "2" * 64}}
    report = compare({"records": old}, new)
    assert report.changed == {"a": ["city"], "b": ["venue"]}   # the digest is not a change then
    assert report.reissue == ["a"]


def test_a_report_made_by_serve_is_not_kept_by_build(project):
    # serve lets the report lag with the snapshot it is compared with: an
    # edit made and undone in serve leaves the last build.py's report.
    from guide.pipeline import Build, Session
    from guide.recordcache import RecordCache

    published = published_after_edit(project, *ADD_WEBSITE)
    assert published["changed"] == {"ccs-2023": ["website"]}
    session = Session(RecordCache.load(project.root))
    assert Build(project.root, today=TODAY, session=session).run().ok
    session.wait()
    edit(project, "cms-2023", "city: 厦门", "city: 重庆")
    assert Build(project.root, today=TODAY, session=session).run().ok
    edit(project, "cms-2023", "city: 重庆", "city: 厦门")
    assert Build(project.root, today=TODAY, session=session).run().ok
    session.wait()
    session.save_state()
    assert report(project) == published
    assert project.build().ok
    assert report(project) == published
    assert "ccs-2023" in project.page("en/staff/changes/index.html")


def test_resources_added_after_the_conference_are_published_and_reported(project):
    """The unit adds talk videos, the expert-opinion summary and the proceedings
    after the conference (§三.5): the record's page links them in both languages,
    and the change report names the field."""
    assert project.build().ok
    edit(project, "ccs-2023", "organizers: [中国化学会]", "organizers: [中国化学会]\nresources:\n"
         "  videos: [https://v.example.org/1, https://v.example.org/2]\n"
         "  proceedings: https://p.example.org/ccs-2023\n")
    assert project.build().ok
    assert report(project)["changed"] == {"ccs-2023": ["resources"]}
    zh = project.page("zh/2023/conferences/ccs-2023/index.html")
    en = project.page("en/2023/conferences/ccs-2023/index.html")
    assert '<h2 id="resources">会议资源</h2>' in zh and '<h2 id="resources">Conference resources</h2>' in en
    assert '<a href="https://v.example.org/2" rel="noopener noreferrer">学术报告视频2</a>' in zh
    assert '<a href="https://p.example.org/ccs-2023" rel="noopener noreferrer">Proceedings</a>' in en
    assert "Summary of expert opinions" not in en   # (none given)
    records = json.loads((project.root / "site/staff/records.json").read_text(encoding="utf-8"))["records"]
    assert records["ccs-2023"]["resources"]["videos"] == ["https://v.example.org/1", "https://v.example.org/2"]
    assert records["cms-2023"]["resources"] is None


def test_reports_a_changed_description_and_sources_but_not_a_snapshot_from_before_they_were_kept(project):
    assert project.build().ok
    edit(project, "ccs-2023", "organizers: [中国化学会]", "organizers: [中国化学会]\ndescription: 年会**议程**见官网。")
    assert project.build().ok
    assert report(project)["changed"] == {"ccs-2023": ["description"]}
    edit(project, "ccs-2023", "议程", "日程")
    edit(project, "cms-2023", "organizers: [中国数学会]", "organizers: [中国数学会]\nsources: [https://s.example.org/]")
    assert project.build().ok
    assert report(project)["changed"] == {"ccs-2023": ["description"], "cms-2023": ["sources"]}
    # A snapshot an older build wrote, without these keys: nothing to say of them.
    path = project.root / "site/staff/records.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data["records"].values():
        for key in ("description", "sources", "resources", "updated"):
            del entry[key]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    edit(project, *ADD_WEBSITE)
    assert project.build().ok
    assert report(project)["changed"] == {"ccs-2023": ["website"]}


def awaiting(project) -> dict[str, dict]:
    return {a.pop("id"): a for a in report(project)["certificates_awaiting_reissue"]}


ISSUED = "2023-05-15"   # (before TODAY: the certificates are in their organizers' hands)


def test_certificates_stay_awaiting_reissue_through_later_builds(project):
    # Two builds, each changing a certificate: the second must not drop the
    # first one's, which staff may not have read in between.
    project.issue_certificates(ISSUED)
    assert project.build().ok
    issued = json.loads((project.root / "site/staff/records.json").read_text(encoding="utf-8"))["records"]
    edit(project, "cms-2023", "city: 厦门", "city: 福州")
    assert project.build(today=TODAY).ok
    edit(project, "ccs-2023", "city: 重庆", "city: 成都")
    later = TODAY + dt.timedelta(days=1)
    out = project.cli("--today", later.isoformat())
    assert out.returncode == 0, out.stderr
    assert report(project)["certificates_to_reissue"] == ["ccs-2023"]
    assert awaiting(project) == {
        "ccs-2023": {"certificate": issued["ccs-2023"]["certificate"], "since": later.isoformat(),
                     "previous_sha256": issued["ccs-2023"]["certificate_sha256"]},
        "cms-2023": {"certificate": issued["cms-2023"]["certificate"], "since": TODAY.isoformat(),
                     "previous_sha256": issued["cms-2023"]["certificate_sha256"]}}
    assert (f"certificates awaiting re-issue (2): ccs-2023 (since {later.isoformat()}), "
            f"cms-2023 (since {TODAY.isoformat()})") in out.stdout
    # (where the new files are: staff send them by number)
    assert (f"  the new files, in the site's folder: certificates/{issued['ccs-2023']['certificate']}.pdf, "
            f"certificates/{issued['cms-2023']['certificate']}.pdf") in out.stdout
    zh, en = project.page("zh/staff/changes/index.html"), project.page("en/staff/changes/index.html")
    assert "待重新颁发的证书" in zh and issued["cms-2023"]["certificate"] in zh
    assert "Certificates awaiting re-issue" in en and f'<time datetime="{TODAY.isoformat()}">' in en
    # Changed again while awaiting: its organizer still holds the first file.
    edit(project, "cms-2023", "city: 福州", "city: 泉州")
    assert project.build(today=later).ok
    assert awaiting(project)["cms-2023"]["since"] == TODAY.isoformat()
    assert awaiting(project)["cms-2023"]["previous_sha256"] == issued["cms-2023"]["certificate_sha256"]


def test_reissued_marks_certificates_and_drops_them_from_the_report(project):
    project.issue_certificates(ISSUED)
    assert project.build().ok
    edit(project, "cms-2023", "city: 厦门", "city: 福州")
    edit(project, "ccs-2023", "city: 重庆", "city: 成都")
    assert project.build().ok
    assert set(awaiting(project)) == {"ccs-2023", "cms-2023"}
    out = project.cli("--reissued", "cms-2023")
    assert out.returncode == 0, out.stderr
    assert "marked re-issued: cms-2023" in out.stdout
    assert set(awaiting(project)) == {"ccs-2023"}
    # A build that marks one and changes another certificate: the new one is listed.
    edit(project, "wlsc-2023", "city: 长沙", "city: 株洲")
    out = project.cli("build", "--reissued", "all")
    assert out.returncode == 0, out.stderr
    assert "marked re-issued: ccs-2023" in out.stdout
    assert set(awaiting(project)) == {"wlsc-2023"}
    assert "待重新颁发的证书" in project.page("zh/staff/changes/index.html")
    assert project.cli("--reissued", "all").returncode == 0
    assert awaiting(project) == {}
    assert "待重新颁发的证书" not in project.page("zh/staff/changes/index.html")


def test_errors_on_reissued_not_awaiting(project):
    project.issue_certificates(ISSUED)
    assert project.build().ok
    edit(project, "cms-2023", "city: 厦门", "city: 福州")
    assert project.build().ok
    before = project.site_snapshot()
    # A typing mistake: the certificate meant would stay listed, unnoticed.
    out = project.cli("--reissued", "cms-2032")
    assert out.returncode == 1
    assert ("site/staff/changes.json:1:1: reissued-not-awaiting: --reissued cms-2032: the last build's "
            "report lists no certificate awaiting re-issue by that record id or certificate number "
            "(marked re-issued already?); did you mean cms-2023?; awaiting: cms-2023") in out.stderr
    assert "nothing was written" in out.stdout
    assert project.site_snapshot() == before
    assert project.cli("check", "--reissued", "cms-2023").returncode == 2   # (build's option)
    # (the option would take the command's name for an id)
    out = project.cli("--reissued", "cms-2023", "check")
    assert out.returncode == 2 and "its ids come last" in out.stderr
    assert project.site_snapshot() == before
    # The number printed on the certificate, which the report shows, does as well as the id.
    number = awaiting(project)["cms-2023"]["certificate"]
    out = project.cli("--reissued", number)
    assert out.returncode == 0, out.stderr
    assert "marked re-issued: cms-2023" in out.stdout and awaiting(project) == {}


def test_a_certificate_changed_back_is_no_longer_awaiting(project):
    # Its organizer's file verifies again: nothing to re-issue.
    project.issue_certificates(ISSUED)
    assert project.build().ok
    edit(project, "cms-2023", "city: 厦门", "city: 福州")
    assert project.build().ok
    assert set(awaiting(project)) == {"cms-2023"}
    edit(project, "cms-2023", "city: 福州", "city: 厦门")
    assert project.build().ok
    assert awaiting(project) == {}


def test_a_report_of_an_older_version_seeds_the_certificates_awaiting():
    from guide.changes import compare

    old = {"previous_build": True, "added": [], "removed": [], "changed": {"a": ["city"]},
           "certificates_to_reissue": ["a"]}
    records = {"a": {"city": "长沙", "certificate_sha256": "1" * 64, "certificate": "2023-AAAA-AAAA"},
               "b": {"city": "重庆", "certificate_sha256": "2" * 64}}
    changed = dict(records, b={**records["b"], "city": "成都", "certificate_sha256": "3" * 64})
    report = compare({"records": records, "report": old}, changed, "2023-06-02")
    assert report.reissue == ["b"]
    assert report.awaiting == {
        "a": {"certificate": "2023-AAAA-AAAA", "since": None, "previous_sha256": None},
        "b": {"certificate": None, "since": "2023-06-02", "previous_sha256": "2" * 64}}
    # A hand-edited entry that is not one: the report is compared again, not trusted.
    bad = dict(old, certificates_awaiting_reissue=[{"id": "a", "since": "June"}])
    assert compare({"records": records, "report": bad}, records).kept is False


def test_a_certificate_not_yet_issued_is_not_awaiting_reissue(project):
    # Before the issue date nobody holds the file: a change needs no re-issue.
    project.issue_certificates("2023-06-30")
    assert project.build().ok
    edit(project, "cms-2023", "city: 厦门", "city: 福州")
    assert project.build().ok
    assert report(project)["certificates_to_reissue"] == ["cms-2023"]   # (its PDF changed)
    assert awaiting(project) == {}
    assert "re-issue" not in project.page("en/staff/changes/index.html").split("<h2>Changed</h2>")[1]


def test_a_record_that_keeps_its_certificate_under_a_new_id_stays_awaiting(project):
    project.issue_certificates(ISSUED)
    assert project.build().ok
    edit(project, "cms-2023", "city: 厦门", "city: 福州")
    assert project.build().ok
    entry = awaiting(project)["cms-2023"]
    # Its id changed; it keeps its issued number, as the build asks: its organizer
    # still holds the first file.
    old = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    text = old.read_text(encoding="utf-8").replace("id: cms-2023", "id: cms-annual-2023")
    (old.parent / "cms-annual-2023.yaml").write_text(text + f"certificate: {entry['certificate']}\n", encoding="utf-8")
    old.unlink()
    result = project.build()
    assert result.ok, [p.format() for p in result.problems.items]
    assert awaiting(project) == {"cms-annual-2023": entry}


def test_warns_of_a_change_calendars_and_feeds_would_not_pass_on(project):
    edition = project.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8") + "published: 2023-05-01\n", encoding="utf-8")
    assert project.build().ok
    edit(project, "cms-2023", "city: 厦门", "city: 福州")
    result = project.build()
    assert result.ok
    (warning,) = [p for p in result.problems.items if p.code == "change-not-dated"]
    assert warning.path.endswith("cms-2023.yaml") and warning.severity == "warning"
    assert warning.message.startswith("city, city_en changed since the last build, but the record's 'updated' did not")
    assert "set 'updated: 2023-06-01'" in warning.message
    # Said by every build until it is dated, not by the first only (staff may
    # not have read it): the next day's too, and one that changes another record.
    (again,) = [p for p in project.build(today=TODAY + dt.timedelta(days=1)).problems.items
                if p.code == "change-not-dated"]
    assert again.message.startswith("city, city_en changed in the build of 2023-06-01, but the record's "
                                    "'updated' did not"), again.message
    assert (again.path, again.line) == (warning.path, warning.line) and "set 'updated: 2023-06-01'" in again.message
    edit(project, *ADD_WEBSITE)
    result = project.build(today=TODAY + dt.timedelta(days=2))
    said = {p.path.split("/")[-1]: p.message for p in result.problems.items if p.code == "change-not-dated"}
    assert said["cms-2023.yaml"] == again.message and said.keys() == {"cms-2023.yaml", "ccs-2023.yaml"}, said
    assert [u["id"] for u in json.loads(project.page("staff/changes.json"))["changes_not_dated"]] == \
        ["ccs-2023", "cms-2023"]
    staff = project.page("zh/staff/changes/index.html")
    assert "未注明日期的修改" in staff and "<code>city, city_en</code>" in staff
    # Dated, it is passed on: no warning.
    edit(project, "cms-2023", "city: 福州", "city: 泉州\nupdated: 2023-06-01")
    assert [p.path for p in project.build().problems.items if p.code == "change-not-dated"] == \
        ["content/editions/2023/conferences/ccs-2023.yaml"]
    assert [u["id"] for u in json.loads(project.page("staff/changes.json"))["changes_not_dated"]] == ["ccs-2023"]


def test_warns_when_the_last_report_is_unreadable(project):
    assert project.build().ok
    (project.root / "site/staff/changes.json").write_text("{not json", encoding="utf-8")
    edit(project, *ADD_WEBSITE)
    result = project.build()
    assert result.ok
    assert [p.code for p in result.problems.items if p.code == "change-report-unreadable"] == \
        ["change-report-unreadable"]


def test_warns_when_a_certificate_to_reissue_prints_untranslated_english(project):
    project.issue_certificates(ISSUED)
    assert project.build().ok
    edit(project, "cms-2023", "city: 厦门", "city: 泉州")      # (no English for 泉州 yet)
    result = project.build()
    assert result.ok and "cms-2023" in awaiting(project)
    (warning,) = [p for p in result.problems.items if p.code == "certificate-untranslated"]
    assert warning.path.endswith("cms-2023.yaml") and "prints 泉州 untranslated" in warning.message


def test_a_record_renamed_and_changed_in_one_build_awaits_reissue(project):
    # One record removed and one added, with the same issued number: its
    # organizer holds the first file, which no longer verifies.
    project.issue_certificates(ISSUED)
    assert project.build().ok
    issued = json.loads((project.root / "site/staff/records.json").read_text(encoding="utf-8"))["records"]["cms-2023"]
    old = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    text = old.read_text(encoding="utf-8").replace("id: cms-2023", "id: cms-annual-2023").replace("city: 厦门", "city: 福州")
    (old.parent / "cms-annual-2023.yaml").write_text(text + f"certificate: {issued['certificate']}\n", encoding="utf-8")
    old.unlink()
    result = project.build()
    assert result.ok, [p.format() for p in result.problems.items]
    assert awaiting(project) == {"cms-annual-2023": {"certificate": issued["certificate"], "since": TODAY.isoformat(),
                                                     "previous_sha256": issued["certificate_sha256"]}}


def test_a_record_added_with_its_date_is_not_warned_of(project):
    edition = project.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8") + "published: 2023-05-01\n", encoding="utf-8")
    assert project.build().ok
    from conftest import CONFERENCES_2023
    added = (CONFERENCES_2023["cms-2023"].replace("cms-2023", "new-2023").replace("2023-05-30", "2023-07-01")
             .replace("2023-06-02", "2023-07-02"))
    project.conference("new-2023", added)
    assert [p.code for p in project.build().problems.items if p.code == "change-not-dated"] == ["change-not-dated"]
    path = project.root / "content/editions/2023/conferences/new-2023.yaml"
    (project.root / "site").rename(project.root / "site-before")
    assert project.build().ok   # (a first build here: nothing to compare)
    path.unlink()
    assert project.build().ok
    project.conference("new-2023", added + "updated: 2023-06-01\n")
    assert not [p for p in project.build().problems.items if p.code == "change-not-dated"]


def test_an_edition_first_published_after_its_date_is_not_warned_of(project):
    """The build that first puts an edition on the site publishes its records:
    nobody holds a copy of their events, dated or not."""
    folder = project.root / "content/editions/2022"
    edition = folder / "edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8") + "published: 2022-12-01\n", encoding="utf-8")
    folder.rename(project.root / "edition-2022")
    assert project.build().ok
    (project.root / "edition-2022").rename(folder)
    result = project.build()
    assert result.ok and "cms-2022" in json.loads(project.page("staff/changes.json"))["added"]
    assert not [p for p in result.problems.items if p.code == "change-not-dated"]
    # Once on the site, a record added to it after its publication is warned of.
    from conftest import CONFERENCES_2022
    added = "\n".join(line for line in CONFERENCES_2022["cms-2022"].replace("cms-2022", "new-2022").splitlines()
                      if not line.strip().startswith(("series:", "edition_number:")))
    project.conference("new-2022", added.replace("recurring", "one-off").replace("2022-11-0", "2022-12-0") + "\n", "2022")
    result = project.build()
    assert result.ok, [p.format() for p in result.problems.errors]
    assert [p.path for p in result.problems.items if p.code == "change-not-dated"] == [
        "content/editions/2022/conferences/new-2022.yaml"]


def test_errors_on_reissued_when_the_last_report_is_unreadable(project):
    assert project.build().ok
    (project.root / "site/staff/changes.json").write_text("{not json", encoding="utf-8")
    out = project.cli("--reissued", "cms-2023")
    assert out.returncode == 1
    assert "the last build's change report cannot be read" in out.stderr


def test_a_withdrawn_conferences_certificate_does_not_await_reissue(project):
    # Its verification page says it no longer attests anything: nothing to send.
    project.issue_certificates(ISSUED)
    assert project.build().ok
    edit(project, "cms-2023", "city: 厦门", "city: 福州")
    assert project.build().ok
    assert "cms-2023" in awaiting(project)
    edit(project, "cms-2023", "city: 福州", "city: 福州\nstatus: withdrawn\nstatus_date: 2023-05-20")
    assert project.build().ok
    assert awaiting(project) == {}
