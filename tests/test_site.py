"""The built site: pages, languages, alternates, listings, editions side by side."""

import html
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from conftest import REPO


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.alternates, self.html_lang, self.switch = [], {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "link" and a.get("rel") == "alternate" and "hreflang" in a:
            self.alternates[a["hreflang"]] = a["href"]
        if tag in ("a", "link", "script", "form") and (a.get("href") or a.get("src") or a.get("action")):
            self.hrefs.append(a.get("href") or a.get("src") or a.get("action"))
        if tag == "a" and "lang-switch" in (a.get("class") or ""):
            self.switch = a["href"]


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def html_pages(project):
    site = project.root / "site"
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_builds_every_kind_of_page_in_both_languages(built):
    pages = set(html_pages(built))
    for lang in ("zh", "en"):
        for rel in ["index.html", "about/index.html", "404.html", "2023/index.html",
                    "2023/conferences/index.html", "2023/fields/math-physics/index.html",
                    "2023/fields/life/index.html", "2023/months/2023-05/index.html",
                    "2023/months/2023-06/index.html", "2023/months/2023-10/index.html",
                    "2023/units/a-01/index.html", "2023/units/l-01/index.html",
                    "2023/units/p-22/index.html", "2023/conferences/cms-2023/index.html",
                    "2022/index.html", "2022/conferences/cms-2022/index.html"]:
            assert f"{lang}/{rel}" in pages
    assert {"index.html", "404.html"} <= pages
    assert (built.root / "site/robots.txt").read_text().startswith("User-agent: *")


def test_html_lang_and_language_switch_point_to_the_same_page(built):
    site = built.root / "site"
    for rel in html_pages(built):
        if not rel.startswith(("zh/", "en/")):
            continue
        links = parse((site / rel).read_text(encoding="utf-8"))
        lang = rel[:2]
        assert links.html_lang == {"zh": "zh-CN", "en": "en"}[lang], rel
        other = "en" if lang == "zh" else "zh"
        expected = "/" + other + "/" + rel[3:].replace("index.html", "")
        assert links.switch == expected, rel
        target = site / links.switch.lstrip("/")
        assert target.is_file() or (target / "index.html").is_file(), rel
        # (x-default, the root page, which lists the two home pages: on them
        # only; an inner page's alternates are its two languages, as each lists the other)
        assert set(links.alternates) == {"zh-CN", "en"} | ({"x-default"} if rel[3:] == "index.html" else set()), rel
        assert links.alternates["zh-CN"] == "https://guide.test/zh/" + rel[3:].replace("index.html", "")


def test_every_internal_link_resolves(built):
    from linkcheck import check_site
    assert check_site(built.root / "site", "https://guide.test/") == []


def test_the_link_checker_finds_broken_links(tmp_path):
    from linkcheck import check_site
    site = tmp_path / "site"
    (site / "zh/a").mkdir(parents=True)
    (site / "en").mkdir(parents=True)
    (site / "zh/a/index.html").write_text(
        '<html><a class="lang-switch" href="/en/a/">English</a><a href="/zh/b/">b</a>'
        '<a href="/zh/a/#nowhere">x</a><link rel="canonical" href="https://guide.test/zh/c/">'
        '<img src="../../assets/x.png"><a href="https://elsewhere.test/">ok</a></html>', encoding="utf-8")
    assert check_site(site, "https://guide.test/") == [
        "zh/a/index.html: <a> /en/a/ does not resolve",
        "zh/a/index.html: <a> /zh/b/ does not resolve",
        "zh/a/index.html: <a> /zh/a/#nowhere: no id 'nowhere' in zh/a/index.html",
        "zh/a/index.html: <link> https://guide.test/zh/c/ does not resolve",
        "zh/a/index.html: <img> ../../assets/x.png does not resolve",
    ]


def test_sitemap_lists_every_page_with_hreflang_alternates(built):
    tree = ET.parse(built.root / "site/sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = tree.getroot().findall("s:url", ns)
    locs = {u.find("s:loc", ns).text for u in urls}
    assert "https://guide.test/zh/2023/conferences/cms-2023/" in locs
    assert "https://guide.test/en/about/" in locs
    assert not any("404" in loc for loc in locs)
    for u in urls:
        alts = {a.get("hreflang"): a.get("href") for a in u.findall("x:link", ns)}
        assert set(alts) == {"zh-CN", "en"}


def test_conference_page_shows_localized_dates_and_facts(built):
    zh = built.page("zh/2023/conferences/cms-2023/index.html")
    en = built.page("en/2023/conferences/cms-2023/index.html")
    assert "2023年5月30日至6月2日" in zh
    assert "May 30\u2009–\u2009June 2, 2023" in en  # CLDR puts thin spaces round the dash
    assert "机制性会议，第15届" in zh and "Recurring conference, 15th edition" in en
    assert "主办单位" in zh and "承办单位" in zh and "厦门大学" in zh
    assert "Organizers" in en and "Hosts" in en and "Xiamen University" in en
    assert 'href="/en/2023/units/a-01/"' in en and "Chinese Mathematical Society" in en
    assert 'href="https://www.cms.org.cn/"' in en
    assert "Mathematical and Physical Sciences" in en


def test_month_precision_says_dates_are_not_announced(built):
    assert "2023年10月（具体日期待定）" in built.page("zh/2023/conferences/wlsc-2023/index.html")
    assert "October 2023 (dates to be announced)" in built.page("en/2023/conferences/wlsc-2023/index.html")
    assert "单次会议" in built.page("zh/2023/conferences/wlsc-2023/index.html")


def test_series_links_editions_both_ways(built):
    new = built.page("en/2023/conferences/cms-2023/index.html")
    old = built.page("en/2022/conferences/cms-2022/index.html")
    assert 'href="/en/2022/conferences/cms-2022/"' in new
    assert 'href="/en/2023/conferences/cms-2023/"' in old
    assert "In other editions" not in built.page("en/2023/conferences/ccs-2023/index.html")


def test_listings_sort_by_date(built):
    page = built.page("zh/2023/index.html")
    order = [page.index(n) for n in ("2023年中国数学会学术年会", "中国化学会第33届学术年会", "世界生命科学大会")]
    assert order == sorted(order)


def test_name_index_sorts_chinese_by_pinyin_and_english_case_insensitively(built):
    zh = built.page("zh/2023/conferences/index.html")
    # shi-jie (S) before zhong-guo-hua (Z) before zhong-guo-shu: a leading year
    # ("2023年中国数学会…") is not what readers look up
    assert zh.index("世界生命科学大会") < zh.index("中国化学会第33届学术年会") < zh.index("2023年中国数学会学术年会")
    assert 'id="letter-S"' in zh and 'id="letter-Z"' in zh and 'id="letter-other"' not in zh
    en = built.page("en/2023/conferences/index.html")
    # "world …" is lowercase in the catalog but still sorts after "Annual" and "CCS";
    # "33rd CCS Congress" is filed under C, as "2023 Annual Meeting" is under A
    assert en.index("2023 Annual Meeting") < en.index("33rd CCS Congress") < en.index("world Life Science")
    assert 'id="letter-other"' not in en and 'id="letter-A"' in en and 'id="letter-C"' in en


def test_pinyin_keys_read_polyphonic_city_names():
    from guide.model import pinyin_key
    names = ["重庆", "长沙", "厦门", "北京"]
    assert sorted(names, key=pinyin_key) == ["北京", "长沙", "重庆", "厦门"]


def test_pinyin_keys_read_word_by_word_as_pypinyin_reads_the_whole_name():
    """The keys are read a word at a time, each word once (model._read_pinyin):
    they must be pypinyin's reading of the whole name."""
    from pypinyin import Style, lazy_pinyin
    from guide import model
    names = ["重庆长沙厦门", "2023（第六届）中国航空科学技术大会", "第二十七届粤港澳大湾区光学工程青年学者论坛",
             "ACM中国图灵大会 2023", "长江经济带发展论坛", "银行行长会议", "重要学术会议指南·重庆",
             "女性绿色发展大会", "音乐会 Music 会长", "〇一二三", "", "  ", "αβγ 中文 ☃ 😀", "重重重重", "中國語言學會年會"]
    for name in names:
        model._PINYIN.pop(name, None)
    # (twice: the second time reads every word from the memo)
    for _ in range(2):
        for name in names:
            model._PINYIN.pop(name, None)
            expected = " ".join(lazy_pinyin(name, style=Style.NORMAL, errors="default")).casefold()
            assert model.pinyin_key(name) == (expected, name), name


def test_name_keys_skip_a_leading_year_ordinal_or_article():
    """Readers look a conference up by its name, not by the year, the edition's
    ordinal or an article before it."""
    from guide.model import index_letter, name_key
    names = ["2023中国计算机大会", "2022-2023全国声学大会", "2023年度恒星光变学术研讨会", "第七届中国系统科学大会",
             "2023（第六届）中国航空科学技术大会"]
    assert sorted(names, key=lambda n: name_key("zh", n)) == [
        "2023年度恒星光变学术研讨会", "2022-2023全国声学大会", "2023（第六届）中国航空科学技术大会",
        "2023中国计算机大会", "第七届中国系统科学大会"]
    assert name_key("en", "2023 China Space Conference")[0] == "china space conference"
    for name in ("The 22nd China Conference", "23rd China Pharmacists Week", "2023 (6th) China Aeronautical"):
        assert index_letter("en", name_key("en", name)) == "C", name
    assert name_key("en", "Theory Days")[0] == "theory days" and name_key("en", "Annual Meeting")[0] == "annual meeting"
    # (one article; a century is no edition)
    assert name_key("en", "The A Team Workshop")[0] == "a team workshop"
    assert name_key("en", "20th Century Studies Conference")[0] == "20th century studies conference"
    # The first edition says so in words: 首届, First (and the other ordinals in words).
    assert index_letter("zh", name_key("zh", "首届国际基础科学大会")) == index_letter("zh", name_key("zh", "国际基础科学大会"))
    for name in ("First International Congress of Basic Science", "The Twenty-Second International Forum",
                 "Thirteenth International Symposium"):
        assert index_letter("en", name_key("en", name)) == "I", name
    # (before a word that starts a conference's name only: these are topics)
    for name in ("Twenty-First Century Forum", "Firstly Speaking", "Third Generation Semiconductor Forum",
                 "First Principles Workshop", "Second Language Acquisition Forum"):
        assert name_key("en", name)[0] == name.casefold(), name
    # A Roman numeral, as many international series write it (capitals, before such a word)
    for name in ("XIV Congress of the International Association for Engineering Geology",
                 "VI International Symposium on Rocks"):
        assert index_letter("en", name_key("en", name)) in ("C", "I"), name
        assert not name_key("en", name)[0].startswith(("xiv", "vi ")), name
    for name in ("CCL 2023 Conference", "LIVE Forum", "XX Century Forum", "Xi Forum"):
        assert name_key("en", name)[0] == name.casefold(), name


def test_home_shows_counts_per_field_and_next_conferences(built):
    zh = built.page("zh/index.html")
    assert "各领域会议数" in zh and "近期会议" in zh
    # build date 2023-06-01: every 2023 conference is still ahead
    assert zh.index("2023年中国数学会学术年会") < zh.index("中国化学会第33届学术年会")
    en = built.page("en/index.html")
    assert "Conferences per field" in en and 'href="/en/2022/"' in en


def test_sample_edition_pages_carry_the_banner_and_others_do_not(built):
    assert "示例数据，非官方名单" in built.page("zh/2023/conferences/cms-2023/index.html")
    assert "Sample data, not the official list" in built.page("en/2023/index.html")
    assert "Sample data" not in built.page("en/2022/conferences/cms-2022/index.html")
    assert "示例数据，非官方名单" in built.page("index.html")


def test_about_page_is_markdown_per_language(built):
    assert "<strong>测试</strong>" in built.page("zh/about/index.html")
    assert "<strong>test</strong>" in built.page("en/about/index.html")


def test_root_page_offers_both_languages(built):
    root = built.page("index.html")
    assert 'href="/zh/"' in root and 'href="/en/"' in root
    assert '<script src="/assets/lang.js"' in root


def test_listing_pages_leave_out_cancelled_conferences_but_keep_their_page(project):
    path = project.root / "content/editions/2023/conferences/ccs-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "status: cancelled\nstatus_date: 2023-05-02\n", encoding="utf-8")
    assert project.build().ok
    assert "中国化学会第33届学术年会" not in project.page("zh/2023/fields/chemistry/index.html")
    # (the date in the sentence, as Chinese says it: not a bracket after it)
    assert "本会议已于2023年5月2日取消，不再列入指南。" in project.page("zh/2023/conferences/ccs-2023/index.html")
    assert "This conference was cancelled on May 2, 2023. It is no longer part of the Guide." in \
        project.page("en/2023/conferences/ccs-2023/index.html")


def test_output_is_escaped(project):
    project.conference("x-2023", """\
        id: x-2023
        name: "<script>alert(1)</script>会议"
        kind: one-off
        field: life
        start: 2023-07-01
        organizers: ["<b>主办</b>"]
        recommender: L-01
        """)
    assert project.build().ok
    page = project.page("zh/2023/conferences/x-2023/index.html")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;会议" in page
    assert "<b>主办</b>" not in page


def test_breadcrumbs_lead_to_the_page_and_mark_it(built):
    """A trail of links ending at the page itself, marked and not linked."""
    page = built.page("zh/2023/conferences/cms-2023/index.html")
    crumbs = page[page.index('<nav class="crumbs"'):page.index("</nav>", page.index('<nav class="crumbs"'))]
    assert re.findall(r'<a href="([^"]+)">', crumbs) == ["/zh/", "/zh/2023/", "/zh/2023/fields/math-physics/"]
    assert crumbs.endswith('<span aria-current="page">2023年中国数学会学术年会</span>')
    page = built.page("en/2023/index.html")
    crumbs = page[page.index('<nav class="crumbs"'):page.index("</nav>", page.index('<nav class="crumbs"'))]
    assert re.findall(r'<a href="([^"]+)">', crumbs) == ["/en/"]
    assert crumbs.endswith('<span aria-current="page">Guide to Important Academic Conferences (2023)</span>')


def test_template_functions_called_directly_make_the_pages_context_calls_make(tmp_path, monkeypatch):
    # rendering.DIRECT_CALLS are compiled as plain calls, not through Jinja's
    # context.call, and output values escaped to plain str (PLAIN_ESCAPE):
    # every page must come out the same as Jinja's own code makes it (the
    # project whose every text holds markup: escaped alike).
    from guide import rendering
    from test_safe_output import hostile_project

    direct, through = hostile_project(tmp_path / "direct"), hostile_project(tmp_path / "through")
    assert direct.build().ok
    monkeypatch.setattr(rendering, "DIRECT_CALLS", frozenset())
    monkeypatch.setattr(rendering, "PLAIN_ESCAPE", False)
    assert through.build().ok
    pages = {p: b for p, b in direct.site_snapshot().items() if p.endswith((".html", ".ics", ".xml"))}
    assert len(pages) > 50 and pages == {p: b for p, b in through.site_snapshot().items() if p in pages}
    # (the templates compiled either way are kept apart: one project's cache
    # never hands the other way's code to a build)
    compiled = [{f.name for f in (p.root / ".cache/jinja").iterdir()} for p in (direct, through)]
    assert all(compiled) and not compiled[0] & compiled[1]
    # (and made another way: those calls compiled without the context, others with it)
    monkeypatch.undo()
    import gettext
    env = rendering.PageEnvironment(autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_null_translations(newstyle=True)
    rendering._install_fast_gettext(env, gettext.NullTranslations())
    code = env.compile("{{ t(c.name) }}{{ url(key) }}{{ field_of(view, 1) }}", raw=True)
    assert "context.call((undefined(name='t')" not in code and "context.call((undefined(name='url')" not in code
    assert "context.call((undefined(name='field_of')" in code
    assert code.count("yield escape_text(") == 3 and "escape(" not in code


@pytest.mark.parametrize("n, en", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
                                   (13, "13th"), (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")])
def test_edition_numbers_are_english_ordinals_and_plain_numbers_in_chinese(n, en):
    from guide.rendering import format_ordinal
    assert format_ordinal(n, "en") == en
    assert format_ordinal(n, "zh") == str(n)


def test_the_site_icon_is_at_the_root_where_browsers_look_and_linked_from_every_page(built):
    from PIL import Image
    with Image.open(built.root / "site/favicon.ico") as icon:
        assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]
    for page in ("index.html", "404.html", "en/index.html", "zh/2023/conferences/cms-2023/index.html"):
        head = (built.root / "site" / page).read_text(encoding="utf-8").partition("</head>")[0]
        assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in head, page


def test_every_indexable_page_has_a_description(built):
    # What search engines and link previews show under the title: a listing
    # names what it lists, in its language.
    import re
    for rel in html_pages(built):
        html = (built.root / "site" / rel).read_text(encoding="utf-8")
        if 'name="robots" content="noindex"' in html or not rel.startswith(("zh/", "en/")):
            continue
        found = re.findall(r'<meta name="description" content="([^"]*)">', html)
        assert len(found) == 1 and found[0].strip(), rel
    assert '<meta name="description" content="Mathematical and Physical Sciences · ' in \
        built.page("en/2023/fields/math-physics/index.html")
    assert "个会议" in re.search(r'<meta name="description" content="([^"]*)">',
                                 built.page("zh/2023/months/2023-10/index.html")).group(1)


BLOCK_TAG = re.compile(r"</?(?:p|div|li|ul|ol|h[1-6]|dt|dd|dl|nav|header|footer|main|section|article|table|thead|tbody"
                       r"|tr|td|th|form|fieldset|legend|label|option|select|title|br|head|html|body|button|figure"
                       r"|figcaption|details|summary|blockquote|pre)\b[^>]*>")
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"


def shown_text_runs(html: str) -> list[str]:
    """The runs of text a browser shows inline (between block boundaries), hidden elements left out."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"<(p|div)\b[^>]*\shidden\b[^>]*>.*?</\1>", "", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "", BLOCK_TAG.sub("\0", html))
    return [" ".join(run.split()) for run in text.split("\0") if run.strip()]


def test_chinese_pages_run_sentences_together_without_a_space(built):
    """Chinese punctuation is full-width: a space between two sentences, or after a
    colon (before a link or an address too), which the template's line breaks
    and joins made, shows on the page."""
    site = built.root / "site"
    found = []
    for rel in [r for r in html_pages(built) if r.startswith("zh/")] + ["404.html", "index.html"]:
        for run in shown_text_runs((site / rel).read_text(encoding="utf-8")):
            found += [(rel, run[max(0, m.start() - 10):m.end() + 10])
                      for m in re.finditer(f"[{CJK}] [{CJK}]|[。，、；：！？] ", run)]
    assert not found, found[:10]
    # (English keeps its spaces)
    en = shown_text_runs((site / "en/index.html").read_text(encoding="utf-8"))
    assert any("(iCalendar): download it" in run for run in en)


def test_a_calendar_is_offered_in_one_sentence_of_each_language(built):
    """Joined from fragments, the Chinese offer had three colons in a row."""
    site = built.root / "site"
    zh = [run for run in shown_text_runs((site / "zh/index.html").read_text(encoding="utf-8")) if "iCalendar" in run]
    assert zh == ["全部会议的日历（iCalendar）可下载（各学科领域的页面上另有该领域的日历），也可在日历应用中订阅以下地址，"
                  "会议的变更会同步到您的日历：https://guide.test/zh/calendars/all.ics"], zh
    field = [run for run in shown_text_runs((site / "zh/2023/fields/life/index.html").read_text(encoding="utf-8"))
             if "iCalendar" in run]
    assert len(field) == 1 and field[0].count("：") == 1 and "可下载，也可在日历应用中订阅" in field[0], field


def test_a_page_of_another_edition_than_the_current_says_so_and_links_it(built):
    """Readers arrive from search engines and old links on the 2022 edition's pages."""
    for rel in ("2022/index.html", "2022/conferences/cms-2022/index.html"):
        zh, en = built.page(f"zh/{rel}"), built.page(f"en/{rel}")
        assert ('您正在浏览《重要学术会议指南（2022）》。<a href="/zh/2023/">当前版为《重要学术会议指南（2023）》。</a>'
                in zh)
        assert ('You are reading Guide to Important Academic Conferences (2022). <a href="/en/2023/">'
                "The current edition is Guide to Important Academic Conferences (2023).</a>") in en
    for rel in ("index.html", "2023/index.html", "2023/conferences/ccs-2023/index.html", "about/index.html"):
        assert "The current edition is" not in built.page(f"en/{rel}")


def test_a_field_calendar_of_several_editions_says_so(built):
    """A field's calendar holds every edition's conferences: with two editions, its page says so."""
    assert "This field's calendar, all editions (iCalendar):" in built.page("en/2023/fields/math-physics/index.html")
    assert "本领域历年各版的会议日历（iCalendar）可" in built.page("zh/2022/fields/math-physics/index.html")


def test_a_field_calendar_of_one_edition_says_nothing_of_editions(tmp_path):
    from conftest import make_project
    project = make_project(tmp_path / "guide", editions=("2023",))
    assert project.build().ok
    page = project.page("en/2023/fields/math-physics/index.html")
    assert "This field's calendar (iCalendar):" in page and "all editions" not in page


def test_the_home_page_lists_a_coming_conference_of_an_edition_no_longer_current(tmp_path):
    """The current edition switched before the last one's window ended: the last
    one's conferences still to come are among the next conferences, each named
    with its own edition's field (a field the current edition does not have)."""
    import datetime as dt
    from conftest import make_project
    project = make_project(tmp_path / "guide")
    edition = project.root / "content/editions/2022/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").replace("{id: math-physics, name: 数理科学}",
                                                                   "{id: mathematics, name: 数学}"), encoding="utf-8")
    record = project.root / "content/editions/2022/conferences/cms-2022.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("field: math-physics", "field: mathematics"),
                      encoding="utf-8")
    result = project.build(today=dt.date(2022, 10, 1))
    assert result.ok, [p.format() for p in result.problems.errors]
    home = project.page("zh/index.html").split('id="next"')[1].split("</section>")[0]
    assert "2022年中国数学会学术年会" in home   # (cms-2022, November 2022)
    assert home.index("2022年中国数学会学术年会") < home.index("中国化学会第33届学术年会")   # (date order)
    item = home.split("2022年中国数学会学术年会")[1].split("</li>")[0]
    assert "<span>数学</span>" in item
    # Once it has taken place, only the current edition's are listed.
    assert project.build(today=dt.date(2023, 1, 15)).ok
    assert "2022年中国数学会学术年会" not in project.page("zh/index.html").split('id="next"')[1]


def test_the_home_page_does_not_list_a_later_edition_being_prepared(tmp_path):
    import datetime as dt
    from conftest import make_project
    project = make_project(tmp_path / "guide")
    guide = project.root / "content/guide.yaml"
    guide.write_text(guide.read_text(encoding="utf-8").replace('current_edition: "2023"', 'current_edition: "2022"'),
                     encoding="utf-8")
    assert project.build(today=dt.date(2022, 10, 1)).ok
    home = project.page("zh/index.html").split('id="next"')[1].split("</section>")[0]
    assert "2022年中国数学会学术年会" in home and "中国化学会第33届学术年会" not in home


def test_recommending_units_are_listed_by_name_in_each_language(demo_build):
    """Ordered by code (A-01, A-06, ...), the English list read as random and the
    Chinese as neither pinyin nor strokes; the search filter likewise."""
    from guide.model import pinyin_key
    _, out = demo_build
    for lang, key in (("zh", pinyin_key), ("en", lambda s: (s.casefold(), s))):
        page = (out / f"{lang}/2023/index.html").read_text(encoding="utf-8")
        section = page[page.index('id="units"'):]
        names = [html.unescape(n) for n in re.findall(r'>([^<>]+) <span class="count"', section.split("</ul>")[0])]
        assert len(names) > 20 and names == sorted(names, key=key), names[:8]
        search = (out / f"{lang}/search/index.html").read_text(encoding="utf-8")
        select = search[search.index('name="unit"'):].split("</select>")[0]
        options = [html.unescape(o) for o in re.findall(r'<option value="([^"]+)"', select)]
        assert len(options) > 20 and options == sorted(options, key=key), options[:8]
