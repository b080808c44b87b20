"""Inclusion certificates, their verification pages and manifest, read back with real PDF tools."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import textwrap

import pytest

from conftest import TODAY, make_project
from guide.certificates import certificate_doc
from guide.fonts import printable
from guide.validation import derived_certificate_number
from pdftools import drawable_characters, pdffonts, pdftotext, qr_codes, squash

NUMBER = re.compile(r"^\d{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


@pytest.fixture(scope="module")
def certified(tmp_path_factory):
    """The small project with certificates issued for its 2023 edition, built once."""
    p = make_project(tmp_path_factory.mktemp("certified") / "guide")
    p.issue_certificates()
    result = p.build(strict=True)
    assert result.ok, [x.format() for x in result.problems.items]
    p.result = result
    p.manifest = json.loads(p.page("certificates.json"))
    p.numbers = {e["conference"]: e["number"] for e in p.manifest["certificates"]}
    return p


def cert_path(p, cid):
    return p.root / "site" / "certificates" / f"{p.numbers[cid]}.pdf"


def pdfs_of(p) -> dict[str, bytes]:
    return {k: v for k, v in p.site_snapshot().items() if k.endswith(".pdf")}


def test_one_certificate_per_conference_of_an_issuing_edition(certified):
    # 2023 issues certificates (three conferences); 2022 has no certificate settings.
    assert sorted(certified.numbers) == ["ccs-2023", "cms-2023", "wlsc-2023"]
    assert all(NUMBER.match(n) for n in certified.numbers.values())
    assert certified.numbers["cms-2023"] == derived_certificate_number(2023, "2023", "cms-2023")
    assert sorted(p.name for p in (certified.root / "site/certificates").iterdir()) == \
        sorted(f"{n}.pdf" for n in certified.numbers.values())


def test_certificate_says_everything_in_both_languages(certified):
    text = pdftotext(cert_path(certified, "cms-2023"))
    flat = squash(text)
    for zh in ("收录证书", "重要学术会议指南（2023）", "2023年中国数学会学术年会", "机制性会议，第15届",
               "2023年5月30日至6月2日", "厦门", "中国数学会", "中国科学技术协会", "2023年6月30日",
               "颁发单位", "颁发日期", "证书编号", "示例证书"):
        assert zh in flat, zh
    for en in ("CERTIFICATE OF INCLUSION", "Guide to Important Academic Conferences (2023)",
               "2023 Annual Meeting of the Chinese Mathematical Society", "Recurring conference, 15th edition",
               "May 30 – June 2, 2023", "Xiamen", "Chinese Mathematical Society",
               "China Association for Science and Technology", "June 30, 2023", "Issued by", "Sample certificate"):
        assert en in " ".join(text.split()), en
    assert certified.numbers["cms-2023"] in text
    # The recommending unit of cms-2023 is A-01, the Chinese Mathematical Society.
    assert "推荐单位" in flat and "Recommending unit" in text


def test_certificate_leaves_no_chinese_character_alone_on_a_line(certified):
    """"特发此证。" wrapped at its paper's width left "证。" alone (clreq avoids 孤字);
    the English side writes months in full, as beside "July 2023"."""
    for cid in certified.numbers:
        lines = [line.strip() for line in pdftotext(cert_path(certified, cid), "-layout").splitlines()]
        # (the Chinese column's text starts each line of the page's layout)
        alone = [line for line in lines
                 if line and re.fullmatch(r"[\u4e00-\u9fff][，。；：！？）》”]*", re.split(r"\s{2,}", line)[0])]
        assert not alone and any("此证。" in line for line in lines), alone
        assert not re.search(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d", " ".join(lines)), cid


def test_every_font_is_embedded_and_subset(certified):
    for path in (certified.root / "site").rglob("*.pdf"):
        rows = pdffonts(path)
        assert rows, path
        for row in rows:
            assert row["emb"] and row["sub"] and row["uni"], (path.name, row)
            assert re.match(r"^[A-Z]{6}\+NotoSerifSC", row["name"]), row
            assert "Helvetica" not in row["name"]


def test_every_printed_character_has_a_glyph_in_the_embedded_font(certified):
    model = certified.result.model
    for path in (certified.root / "site").rglob("*.pdf"):
        good, bad = drawable_characters(path)
        assert not bad, (path.name, sorted(bad))
        printed = set(squash(pdftotext(path)))
        assert printed <= good, (path.name, sorted(printed - good))
        # Every character the certificate is meant to carry went through the font.
        cert = model.certificates.get(path.stem)
        if cert is not None:
            meant = set(squash("".join(certificate_doc(model, cert).texts())))
            assert meant <= good, (path.name, sorted(meant - good))


def test_qr_code_opens_the_verification_page(certified, tmp_path):
    for cid, number in certified.numbers.items():
        url = f"https://guide.test/zh/verify/{number}/"
        assert qr_codes(cert_path(certified, cid), tmp_path) == [url]
        assert (certified.root / "site/zh/verify" / number / "index.html").is_file()
        assert url in pdftotext(cert_path(certified, cid))


def test_verification_pages_show_status_issue_and_the_hash_of_the_pdf(certified):
    number = certified.numbers["ccs-2023"]
    digest = hashlib.sha256(cert_path(certified, "ccs-2023").read_bytes()).hexdigest()
    zh = certified.page(f"zh/verify/{number}/index.html")
    en = certified.page(f"en/verify/{number}/index.html")
    assert "有效。" in zh and "中国化学会第33届学术年会" in zh and "2023年6月30日" in zh and digest in zh
    assert "Valid." in en and "33rd CCS Congress" in en and "June 30, 2023" in en and digest in en
    assert "China Association for Science and Technology" in en
    assert "sha256sum" in en and 'href="/certificates.json"' in en
    assert "sha256sum" in zh and f'href="/certificates/{number}.pdf"' in zh
    assert '<meta name="robots" content="noindex">' in en


def test_verification_pages_show_everything_the_certificate_prints(certified):
    """A paper copy is checked against the page: each printed line, label and value."""
    import html
    model = certified.result.model
    for cert in model.certificates.values():
        doc = certificate_doc(model, cert)
        for lang, side in (("zh", doc.zh), ("en", doc.en)):
            # (as printed: spaces the font lacks, such as Babel's thin ones, print as plain spaces)
            page = printable(html.unescape(re.sub(r"<[^>]+>", "", certified.page(f"{lang}/verify/{cert.number}/index.html"))))
            for label, value in side.rows:
                assert f"{label}\n  {value}" in page, (lang, label, value)
            for value in (side.name, side.issuer, side.date, cert.number):
                assert value in page, (lang, value)


def test_manifest_lists_every_certificate_with_its_hash(certified):
    m = certified.manifest
    assert m["count"] == 3 and m["algorithm"] == "SHA-256"
    for entry in m["certificates"]:
        data = (certified.root / "site/certificates" / f"{entry['number']}.pdf").read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["status"] == "valid" and entry["issue_date"] == "2023-06-30"
        assert entry["verify"]["en"] == f"https://guide.test/en/verify/{entry['number']}/"
    assert [e["number"] for e in m["certificates"]] == sorted(e["number"] for e in m["certificates"])


def test_conference_pages_link_to_their_certificate_in_both_languages(certified):
    number = certified.numbers["cms-2023"]
    for lang in ("zh", "en"):
        page = certified.page(f"{lang}/2023/conferences/cms-2023/index.html")
        assert f'href="/certificates/{number}.pdf"' in page
        assert f'href="/{lang}/verify/{number}/"' in page
    assert "下载证书" in certified.page("zh/2023/conferences/cms-2023/index.html")
    # The 2022 edition issues none: no link, no page.
    assert "/certificates/" not in certified.page("en/2022/conferences/cms-2022/index.html")


def test_404_page_explains_how_to_verify(certified):
    for page in (certified.page("404.html"), certified.page("en/404.html"), certified.page("zh/404.html")):
        assert 'href="/certificates.json"' in page
    assert '<a href="/en/verify/">the certificate lookup</a>' in certified.page("en/404.html")
    assert "扫描证书上的二维码" in certified.page("zh/404.html")
    assert '<a href="/zh/verify/">证书核验页面</a>' in certified.page("404.html")
    # (what a host serves for any unknown address: titled as such, not as the home page)
    assert "<title>页面不存在 · Page not found · " in certified.page("404.html")
    assert "<title>页面不存在" not in certified.page("index.html")
    assert 'id="verify-form"' in certified.page("zh/verify/index.html")
    assert not (certified.root / "site/zh/verify/2023-0000-0000").exists()


def test_every_page_links_the_lookup_and_each_verification_page_leads_back_to_it(certified):
    """Without a QR scanner, the number is entered on the lookup: reachable from anywhere."""
    for lang, name in (("zh", "核验证书"), ("en", "Verify a certificate")):
        for rel in ("index.html", "about/index.html", "2023/conferences/cms-2023/index.html"):
            footer = certified.page(f"{lang}/{rel}").split('<footer class="site-footer">')[1]
            assert f'<a href="/{lang}/verify/">{name}</a>' in footer
        number = json.loads((certified.root / "site/certificates.json").read_text(encoding="utf-8"))["certificates"][0]["number"]
        crumbs = certified.page(f"{lang}/verify/{number}/index.html").split('<nav class="crumbs"')[1].split("</nav>")[0]
        assert f'<a href="/{lang}/verify/">{name}</a>' in crumbs
        assert f'<span aria-current="page">{number}</span>' in crumbs


def test_summary_names_the_pdfs(certified):
    assert certified.result.pdfs.rendered == 5  # three certificates, two catalogs
    assert "pdf" in certified.result.timings


def test_certificate_bytes_do_not_depend_on_what_the_process_drew_before(certified):
    # Workers draw certificates in any order, with caches (wrapped lines, widths,
    # QR layouts, the font's numbering) warmed by whatever came before: in
    # reverse order, twice, in this process, every PDF equals the build's.
    from guide import fonts
    from guide.certificates import draw_certificate
    from guide.pdfcanvas import register_font
    from guide.pdfs import plan_jobs
    model = certified.result.model
    jobs = plan_jobs(model)
    register_font(fonts.trimmed_font(fonts.needed_characters(t for j in jobs for t in j.doc.texts()),
                                     certified.root / ".cache" / "fonts"))
    certs = [j for j in jobs if j.kind == "certificate"]
    for _ in range(2):
        for job in reversed(certs):
            assert draw_certificate(job.doc) == (certified.root / "site" / job.path).read_bytes(), job.path


def test_pdfs_and_numbers_are_stable_and_unaffected_by_other_conferences(project):
    project.issue_certificates()
    assert project.build().ok
    first = pdfs_of(project)
    numbers = {e["conference"]: e["number"] for e in json.loads(project.page("certificates.json"))["certificates"]}

    # The same content rendered again from scratch: the same bytes, file for file.
    shutil.rmtree(project.root / ".cache" / "pdf")
    assert project.build().ok
    assert pdfs_of(project) == first

    # Remove one conference, add one whose name brings new characters (so the
    # trimmed font changes), and render everything again from scratch.
    (project.root / "content/editions/2023/conferences/ccs-2023.yaml").unlink()
    project.conference("deep-sea-2023", """\
        id: deep-sea-2023
        name: 鳘鱼鳕鱼与鲟鳇深海生态研讨会
        kind: one-off
        field: life
        start: 2023-09-01
        organizers: [中国数学会]
        recommender: A-01
        """)
    shutil.rmtree(project.root / ".cache" / "pdf")
    assert project.build().ok
    after = {e["conference"]: e["number"] for e in json.loads(project.page("certificates.json"))["certificates"]}
    assert after["cms-2023"] == numbers["cms-2023"] and after["wlsc-2023"] == numbers["wlsc-2023"]
    assert "ccs-2023" not in after and NUMBER.match(after["deep-sea-2023"])
    now = pdfs_of(project)
    for cid in ("cms-2023", "wlsc-2023"):
        key = f"certificates/{numbers[cid]}.pdf"
        assert now[key] == first[key], cid
    assert "鳕" in pdftotext(project.root / "site/certificates" / f"{after['deep-sea-2023']}.pdf")


def test_only_certificates_whose_inputs_changed_are_rendered_again(project):
    project.issue_certificates()
    assert project.build().ok
    path = project.root / "content/editions/2023/conferences/ccs-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("city: 重庆", "city: 长沙"), encoding="utf-8")
    result = project.build()
    assert result.ok
    # The changed certificate and the 2023 catalog (which lists the city).
    assert (result.pdfs.rendered, result.pdfs.cached) == (2, 3)
    assert len(result.pdfs.certificate_seconds) == 1 and len(result.pdfs.catalog_seconds) == 1
    assert "长沙" in squash(pdftotext(project.root / "site/certificates" /
                                    f"{derived_certificate_number(2023, '2023', 'ccs-2023')}.pdf"))


def test_withdrawal_makes_the_certificate_invalid(project):
    project.issue_certificates()
    assert project.build().ok
    number = derived_certificate_number(2023, "2023", "ccs-2023")
    before = (project.root / "site/certificates" / f"{number}.pdf").read_bytes()
    path = project.root / "content/editions/2023/conferences/ccs-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "status: withdrawn\nstatus_date: 2023-07-15\n",
                    encoding="utf-8")
    # Withdrawn before certificates were issued: it never had one.
    early = project.root / "content/editions/2023/conferences/wlsc-2023.yaml"
    early.write_text(early.read_text(encoding="utf-8") + "status: cancelled\nstatus_date: 2023-05-02\n",
                     encoding="utf-8")
    # (not strict, which refuses the withdrawal's date: after this build's)
    result = project.build()
    assert result.ok, [p.format() for p in result.problems.items]
    zh = project.page(f"zh/verify/{number}/index.html")
    en = project.page(f"en/verify/{number}/index.html")
    assert "无效。" in zh and "2023年7月15日" in zh and "撤销" in zh
    assert "Invalid." in en and "withdrawn from the Guide on July 15, 2023" in en
    entries = {e["conference"]: e for e in json.loads(project.page("certificates.json"))["certificates"]}
    assert entries["ccs-2023"]["status"] == "invalid"
    assert entries["ccs-2023"]["conference_status"] == "withdrawn"
    assert entries["ccs-2023"]["status_date"] == "2023-07-15"
    assert entries["cms-2023"]["status"] == "valid"
    assert "wlsc-2023" not in entries
    assert not (project.root / "site/zh/verify" / derived_certificate_number(2023, "2023", "wlsc-2023")).exists()
    # The issued PDF is unchanged, so a holder's copy still matches its published hash.
    after = (project.root / "site/certificates" / f"{number}.pdf").read_bytes()
    assert after == before and entries["ccs-2023"]["sha256"] == hashlib.sha256(before).hexdigest()
    assert "no longer valid" in project.page("en/2023/conferences/ccs-2023/index.html")


def test_long_names_wrap_by_the_rules_of_each_language(project, tmp_path):
    project.issue_certificates()
    name = "全国" + "学术会议，青年论坛；专题研讨：前沿！展望？（第二）《纪要》" * 3
    project.conference("long-2023", f"""\
        id: long-2023
        name: {name}
        kind: one-off
        field: life
        start: 2023-09-01
        organizers: [中国数学会]
        recommender: A-01
        """)
    english = ("National Academic Conference and Youth Forum with Thematic Workshops on Frontier "
               "Research and Outlook, Second Session, with Minutes of the Proceedings")
    from conftest import EN
    project.translations({**EN, name: english})
    assert project.build().ok
    pdf = project.root / "site/certificates" / f"{derived_certificate_number(2023, '2023', 'long-2023')}.pdf"
    # The left half of the page is Chinese, the right half English.
    left = pdftotext(pdf, "-r", "72", "-x", "0", "-y", "0", "-W", "420", "-H", "440")
    right = pdftotext(pdf, "-r", "72", "-x", "422", "-y", "0", "-W", "420", "-H", "440")
    zh_lines = [squash(l) for l in left.split("会议名称")[1].split("会议类型")[0].splitlines() if l.strip()]
    assert len(zh_lines) >= 3 and "".join(zh_lines) == name
    for line in zh_lines[1:]:
        assert line[0] not in "，。；：！？）》", zh_lines
    for before in zh_lines[:-1]:
        assert before[-1] not in "（《", zh_lines
    en_lines = [l.strip() for l in right.split("Conference name")[1].split("Type")[0].splitlines() if l.strip()]
    assert len(en_lines) >= 2 and " ".join(en_lines) == english
    assert all(set(line.split()) <= set(english.split()) for line in en_lines)  # whole words only


def test_errors_on_missing_glyph(project):
    project.issue_certificates()
    path = project.root / "content/editions/2023/conferences/wlsc-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: 世界生命科学大会", "name: 世界生命科学大会🧬"),
                    encoding="utf-8")
    result = project.build()
    assert not result.ok
    lines = [p.format() for p in result.problems.sorted()]
    hits = [l for l in lines if ": missing-glyph: " in l]
    assert any(l.startswith("content/editions/2023/conferences/wlsc-2023.yaml:") and "U+1F9EC" in l
               for l in hits), lines
    assert not (project.root / "site").exists()


@pytest.mark.parametrize("cores", [1, 2])
def test_errors_on_a_pdf_that_cannot_be_written(project, monkeypatch, cores):
    """A PDF that cannot be stored (a full disk), drawn in this process or in a
    worker (each writes what it draws): a problem naming it, nothing published,
    and no part-written file left in the cache."""
    import os
    real = os.replace

    def full_disk(src, dst, *args, **kwargs):
        if str(dst).endswith(".pdf"):
            raise OSError(28, "No space left on device")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full_disk)
    from guide import pdfs
    monkeypatch.setattr(pdfs, "usable_cores", lambda: cores)
    project.issue_certificates()
    result = project.build()
    assert not result.ok
    lines = [p.format() for p in result.problems.sorted()]
    assert any(": pdf-render: " in l and "No space left on device" in l and ".pdf" in l for l in lines), lines
    assert not (project.root / "site").exists()
    assert not [p.name for p in (project.root / ".cache/pdf").iterdir() if p.name.endswith(".tmp")]


def test_a_build_removes_what_a_killed_pdf_write_left_and_only_that(project):
    import os
    import subprocess
    project.issue_certificates()
    cache = project.root / ".cache/pdf"
    cache.mkdir(parents=True)
    gone = subprocess.Popen(["true"])
    gone.wait()                                      # a pid no process has now
    left = cache / f"{'0' * 64}.pdf.{gone.pid}.tmp"
    writing = cache / f"{'1' * 64}.pdf.{os.getpid()}.tmp"   # another build, still writing
    left.write_bytes(b"%PDF-1.4 part")
    writing.write_bytes(b"%PDF-1.4 part")
    assert project.build().ok
    assert not left.exists() and writing.exists()


def test_explicit_certificate_number_is_used(project):
    project.issue_certificates()
    path = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "certificate: CMS-2023-0001\n", encoding="utf-8")
    assert project.build().ok
    assert (project.root / "site/certificates/CMS-2023-0001.pdf").is_file()
    assert "CMS-2023-0001" in project.page("en/verify/CMS-2023-0001/index.html")


@pytest.mark.parametrize("line, code", [
    ("certificate: cms/2023\n", "bad-certificate-number"),
    ("certificate: abc-2023\n", "bad-certificate-number"),
])
def test_errors_on_bad_certificate_fields(project, line, code):
    path = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8") + line, encoding="utf-8")
    result = project.build()
    assert not result.ok
    assert any(p.code == code and p.path.endswith("cms-2023.yaml") for p in result.problems.errors)


def test_errors_on_duplicate_certificate_number(project):
    for cid in ("cms-2023", "ccs-2023"):
        path = project.root / f"content/editions/2023/conferences/{cid}.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "certificate: SAME-0001\n", encoding="utf-8")
    result = project.build()
    hits = [p for p in result.problems.errors if p.code == "duplicate-certificate-number"]
    assert len(hits) == 1 and "SAME-0001" in hits[0].message


@pytest.mark.parametrize("explicit, derived", [("ccs-2023", "cms-2023"), ("cms-2023", "ccs-2023")])
def test_errors_on_duplicate_certificate_number_at_the_number_written_out(project, explicit, derived):
    """A number written out that is another record's own (made from its id, and
    perhaps issued) is reported where it is written, whichever file comes first."""
    from guide.validation import derived_certificate_number
    number = derived_certificate_number(2023, "2023", derived)
    path = project.root / f"content/editions/2023/conferences/{explicit}.yaml"
    text = path.read_text(encoding="utf-8") + f"certificate: {number}\n"
    path.write_text(text, encoding="utf-8")
    result = project.build()
    hits = [p for p in result.problems.errors if p.code == "duplicate-certificate-number"]
    line = text.count("\n")
    assert [(h.path, h.line, h.column) for h in hits] == [
        (f"content/editions/2023/conferences/{explicit}.yaml", line, 14)], [h.format() for h in hits]
    assert number in hits[0].message and f"{derived}.yaml" in hits[0].message


def test_errors_on_certificate_settings_without_issue_date(project):
    path = project.root / "content/editions/2023/edition.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "certificates:\n  issuer: 中国科学技术协会\n", encoding="utf-8")
    result = project.build()
    assert any(p.code == "missing-field" and "issue_date" in p.message and p.path.endswith("edition.yaml")
               for p in result.problems.errors)


def test_verification_page_of_an_unknown_number_does_not_exist(certified):
    pages = {p.relative_to(certified.root / "site").as_posix()
             for p in (certified.root / "site").rglob("verify/*/index.html")}
    expected = {f"{lang}/verify/{n}/index.html" for lang in ("zh", "en") for n in certified.numbers.values()}
    assert pages == expected


def test_qr_code_is_the_one_segno_chooses():
    # The fast mask choice scores the eight masks by segno's own penalty rules:
    # the same matrix, mask for mask, across versions 1 to 14 (with and without
    # version information, with and without boosted error correction).
    import random
    import string

    import segno

    from guide.pdfcanvas import qr_matrix
    rng = random.Random(6)
    alphabet = string.ascii_letters + string.digits + "-/._~"
    urls = [f"https://guide.test/zh/verify/{''.join(rng.choice(alphabet) for _ in range(n))}/"
            for n in list(range(1, 40, 3)) + [rng.randint(40, 320) for _ in range(50)]]
    versions, masks = set(), set()
    for url in urls:
        code = segno.make(url, error="m", micro=False)
        assert qr_matrix(url) == ["".join(str(v) for v in row) for row in code.matrix], url
        versions.add(code.version)
        masks.add(code.mask)
    assert min(versions) <= 3 and max(versions) >= 10 and len(masks) == 8


def test_errors_on_an_issued_certificate_left_verifying_nothing(project):
    """Once the edition's issue date has passed, an issued number stays: removing
    the record, or changing its id (which the number is made from), is refused;
    a record that replaces it keeps the number with 'certificate:'."""
    project.issue_certificates(date="2023-05-15")
    assert project.build().ok
    before = project.site_snapshot()
    number = derived_certificate_number(2023, "2023", "ccs-2023")
    path = project.root / "content/editions/2023/conferences/ccs-2023.yaml"
    text = path.read_text(encoding="utf-8")
    path.unlink()
    result = project.build()
    assert [p.format() for p in result.problems.errors] == [
        f"content/editions/2023/conferences:1:1: issued-certificate-number: record 'ccs-2023' "
        f"is gone, but its certificate {number} was issued and would verify nothing: keep the record with "
        f"'status: withdrawn' (its certificate then shows as no longer valid), or give the record of the "
        f"2023 edition that replaces it 'certificate: {number}'"]
    assert project.site_snapshot() == before
    # The id edited in its file: said so, at the id.
    path.write_text(text.replace("id: ccs-2023", "id: ccs-2023x"), encoding="utf-8")
    result = project.build()
    assert [p.format() for p in result.problems.errors] == [
        f"content/editions/2023/conferences/ccs-2023.yaml:1:5: issued-certificate-number: id: 'ccs-2023x' was "
        f"'ccs-2023' when its certificate {number} was issued, and a derived number is made from the id: give "
        f"back 'id: ccs-2023', or keep the number with 'certificate: {number}'"]
    path.unlink()
    renamed = project.root / "content/editions/2023/conferences/ccs-annual-2023.yaml"
    renamed.write_text(text.replace("id: ccs-2023", "id: ccs-annual-2023"), encoding="utf-8")
    result = project.build()   # (another id: the record of that id is gone; said at its folder)
    assert [(p.code, p.path, p.line) for p in result.problems.errors] == [
        ("issued-certificate-number", "content/editions/2023/conferences", 1)]
    renamed.write_text(renamed.read_text(encoding="utf-8") + f"certificate: {number}\n", encoding="utf-8")
    assert project.build().ok
    assert "ccs-annual-2023" in project.page(f"en/verify/{number}/index.html")
    # Another number for a record whose certificate was issued
    renamed.write_text(renamed.read_text(encoding="utf-8").replace(number, "CCS-2023-0001"), encoding="utf-8")
    result = project.build()
    assert [(p.code, p.path, p.line, p.column) for p in result.problems.errors] == [
        ("issued-certificate-number", "content/editions/2023/conferences/ccs-annual-2023.yaml",
         text.count("\n") + 1, 14)]
    assert f"keep it with 'certificate: {number}'" in result.problems.errors[0].message


def test_errors_on_an_issued_certificate_carried_to_another_edition(project):
    """A certificate attests inclusion in its edition: a record moved to the next
    edition's folder (instead of copied) cannot take the number along."""
    project.issue_certificates(date="2022-06-30", edition="2022")
    project.issue_certificates(date="2023-06-30")   # (not issued yet: the build date is 2023-06-01)
    assert project.build().ok
    before = project.site_snapshot()
    number = derived_certificate_number(2022, "2022", "cms-2022")
    old = project.root / "content/editions/2022/conferences/cms-2022.yaml"
    text = old.read_text(encoding="utf-8").replace("2022-11-0", "2023-11-0")
    old.unlink()
    moved = project.root / "content/editions/2023/conferences/cms-2022.yaml"
    moved.write_text(text, encoding="utf-8")
    result = project.build()
    assert [(p.code, p.path, p.line) for p in result.problems.errors] == [
        ("certificate-of-another-edition", "content/editions/2023/conferences/cms-2022.yaml", 1)]
    assert "move the record back to content/editions/2022/" in result.problems.errors[0].message
    # Renamed too, and given the number as the gone record's error once advised: refused, and said why.
    moved.unlink()
    renamed = project.root / "content/editions/2023/conferences/cms-2023b.yaml"
    renamed.write_text(text.replace("id: cms-2022", "id: cms-2023b") + f"certificate: {number}\n", encoding="utf-8")
    result = project.build()
    line = text.count("\n") + 1
    assert [(p.code, p.path, p.line) for p in result.problems.errors] == [
        ("certificate-of-another-edition", "content/editions/2023/conferences/cms-2023b.yaml", line)]
    assert [(p.code, p.line) for p in result.problems.warnings if p.code == "certificate-year"] == [
        ("certificate-year", line)]
    assert f"certificate {number} was issued for 'cms-2022' of the 2022 edition" in result.problems.errors[0].message
    assert project.site_snapshot() == before
    # The gone record's error names the edition the replacing record must be of.
    renamed.unlink()
    message = project.build().problems.errors[0].message
    assert f"give the record of the 2022 edition that replaces it 'certificate: {number}'" in message


def test_records_come_and_go_freely_before_the_issue_date(project):
    project.issue_certificates(date="2023-06-30")   # (the build date is 2023-06-01)
    assert project.build().ok
    (project.root / "content/editions/2023/conferences/ccs-2023.yaml").unlink()
    assert project.build().ok


def issued_project(project):
    """Certificates issued (the build date is 2023-06-01) and published."""
    project.issue_certificates(date="2023-05-15")
    assert project.build().ok
    return project


def errors_of(project):
    return [(p.code, p.path, p.line) for p in project.build().problems.errors]


CCS = "content/editions/2023/conferences/ccs-2023.yaml"


def test_errors_on_an_issued_certificate_left_with_no_page(project):
    """The record stays, but would get no certificate: withdrawn with a date
    before the issue date, or the edition's certificate settings removed."""
    issued_project(project)
    path = project.root / CCS
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "status: cancelled\nstatus_date: 2023-05-01\n", encoding="utf-8")
    (error,) = project.build().problems.errors
    assert (error.code, error.path, error.line) == ("issued-certificate-number", CCS, text.count("\n") + 2)
    assert ("issued on 2023-05-15, but 'status: cancelled' is dated before it ('status_date: 2023-05-01')"
            in error.message), error.message   # (what was set, not a withdrawal)
    path.write_text(text + "status: withdrawn\nstatus_date: 2023-05-20\n", encoding="utf-8")
    assert errors_of(project) == []
    path.write_text(text, encoding="utf-8")
    edition = project.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").split("certificates:")[0], encoding="utf-8")
    assert {(code, line) for code, _path, line in errors_of(project)} == {("issued-certificate-number", 1)}


def test_an_issue_date_moved_later_does_not_free_an_issued_number(project):
    issued_project(project)
    edition = project.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").replace("2023-05-15", "2023-12-01"), encoding="utf-8")
    (project.root / CCS).unlink()
    assert errors_of(project) == [("issued-certificate-number", "content/editions/2023/conferences", 1)]


def test_a_record_with_another_error_is_not_also_reported_gone(project):
    issued_project(project)
    path = project.root / CCS
    path.write_text(path.read_text(encoding="utf-8").replace("start: 2023-06-17", "start: 2023-06-171"),
                    encoding="utf-8")
    assert [code for code, _path, _line in errors_of(project)] == ["bad-date"]
    # ... whatever its file is named (an id is not gone while a record gives it)
    path.rename(path.with_name("CCS copy.YAML"))
    assert [code for code, _path, _line in errors_of(project)] == ["bad-date"]


def test_errors_on_an_issue_date_moved_after_a_withdrawal_it_preceded(project):
    """Withdrawn after its certificate was issued, then the issue date moved past
    the withdrawal: the issue date is what to give back, not the withdrawal's date."""
    issued_project(project)
    path = project.root / CCS
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "status: withdrawn\nstatus_date: 2023-06-01\n", encoding="utf-8")
    assert errors_of(project) == []
    edition = project.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").replace("2023-05-15", "2023-12-01"), encoding="utf-8")
    (error,) = project.build().problems.errors
    assert (error.code, error.path, error.line) == ("issued-certificate-number", CCS, text.count("\n") + 2)
    assert "issue_date now 2023-12-01, after this status_date" in error.message
    assert "give the edition back 'issue_date: 2023-05-15'" in error.message, error.message


def saved_in_serve(project, preview):
    """A new record (a typo in its id, ccs-2032) saved while serve runs; its path."""
    typo = project.root / "content/editions/2023/conferences/ccs-2032.yaml"
    typo.write_text((project.root / CCS).read_text(encoding="utf-8").replace("id: ccs-2023", "id: ccs-2032")
                    .replace("start: 2023-06-17", "start: 2023-07-17").replace("end: 2023-06-20", "end: 2023-07-20"),
                    encoding="utf-8")
    preview.build()
    preview.session.wait()
    assert preview.state.snapshot()[1] == []
    return typo


def test_serve_judges_issued_numbers_by_what_is_published_not_by_its_previews(project):
    """A record added and renamed between two saves was never published: no error."""
    from guide.preview import Preview
    issued_project(project)
    preview = Preview(project.root, None, TODAY, False, True)
    preview.build()
    typo = saved_in_serve(project, preview)
    typo.rename(typo.with_name("ccs-2033.yaml"))
    path = typo.with_name("ccs-2033.yaml")
    path.write_text(path.read_text(encoding="utf-8").replace("id: ccs-2032", "id: ccs-2033"), encoding="utf-8")
    preview.build()
    preview.session.wait()
    assert preview.state.snapshot()[1] == []
    (project.root / CCS).unlink()   # (published: refused in a preview too)
    preview.build()
    preview.session.wait()
    (error,) = preview.state.snapshot()[1]
    assert ": issued-certificate-number: record 'ccs-2023' is gone" in error


def test_a_preview_publishes_no_records_snapshot_build_py_would_take_as_published(project):
    """serve on a site never built: its previews write no records.json, so a record
    added and removed in serve is none of build.py's business."""
    from guide.preview import Preview
    project.issue_certificates(date="2023-05-15")
    preview = Preview(project.root, None, TODAY, False, True)
    typo = saved_in_serve(project, preview)
    assert not (project.root / "site/staff/records.json").exists()
    typo.unlink()
    result = project.build()
    assert result.ok, [p.format() for p in result.problems.items]
    assert (project.root / "site/staff/records.json").exists()


def test_an_edition_that_does_not_read_is_not_also_reported_for_each_certificate(project):
    issued_project(project)
    edition = project.root / "content/editions/2023/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").replace("issue_date: 2023-05-15", "issue_date: 2023-13-15"),
                       encoding="utf-8")
    codes = [code for code, _path, _line in errors_of(project)]
    assert codes and "issued-certificate-number" not in codes, codes
