"""Search in a real browser: Debian's Chromium driven by Playwright, against the
demo site (with its real Pagefind index) served on 127.0.0.1."""

import functools
import gzip
import json
import re
import threading
from pathlib import Path
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect, sync_playwright

from browser import serve as serve_folder

CHROMIUM = "/usr/bin/chromium"  # Playwright's own browser download does not work here
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        # The site's 404 page for a missing path, as a web server is set to
        # serve it (nginx error_page, GitHub Pages, Netlify).
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="module")
def server(demo_build):
    _, out = demo_build
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    # CSP violations are reported on the console.
    page.on("console", lambda m: m.type == "error" and "Content Security Policy" in m.text
            and problems.append(m.text))
    page.on("response", lambda r: r.status >= 400
            and problems.append(f"{r.status} {r.url}"))
    yield page
    context.close()
    assert problems == []


def result_links(page) -> list[str]:
    return page.locator("#search-results .conf-name").evaluate_all("els => els.map(a => a.getAttribute('href'))")


def count(page) -> int:
    return int(re.search(r"\d+", page.inner_text("#search-status")).group())


def test_chinese_query_finds_the_computing_conferences(server, page):
    page.goto(server + "/zh/search/?q=计算机")
    results = page.locator("#search-results")
    expect(results).to_contain_text("2023中国计算机大会")
    expect(page.locator("#search-status")).to_contain_text("与“计算机”匹配的结果")
    assert all(h.startswith("/zh/") for h in result_links(page))
    # A result shows the name, the dates and the city.
    cncc = results.locator("li", has_text="2023中国计算机大会")
    expect(cncc.locator(".conf-meta")).to_have_text("2023年10月26日至28日 · 沈阳")
    expect(cncc.locator("time")).to_have_attribute("datetime", "2023-10-26")


@pytest.mark.parametrize("query, name", [("中关村", "2023中关村论坛"), ("药师", "第二十三届中国药师周"),
                                         ("中关村论坛", "2023中关村论坛"), ("2023中关村", "2023中关村论坛")])
def test_a_chinese_query_finds_a_conference_by_any_part_of_its_name(server, page, query, name):
    """Pagefind cuts Chinese into words one way when it indexes (jieba: 中关村)
    and another when it searches (Chromium: 中, 关, 村): 中关村 found nothing."""
    page.goto(server + f"/zh/search/?q={query}")
    results = page.locator("#search-results")
    expect(results).to_contain_text(name)
    # The excerpt quotes the characters indexed one by one as the page writes them.
    excerpt = results.locator("li", has_text=name).locator(".excerpt")
    expect(excerpt).to_contain_text(name)
    # (lone characters joined; the spaces between the page's own words stay)
    assert not re.search(r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff] [\u4e00-\u9fff] ", excerpt.inner_text())


def test_excerpts_begin_at_a_value_and_say_why_a_conference_was_found(server, page):
    """An excerpt is a window of words: it began inside a value ("会 · 中国人工智能学会 ·",
    "of Automation Chinese Association of Automation Guide to ... (2023) computer science")
    and ran the values together, with the field's search terms unexplained."""
    page.goto(server + "/zh/search/?q=计算机")
    expect(page.locator("#search-results")).to_contain_text("2023中国人工智能大会")
    zh = page.locator("#search-results .excerpt").all_inner_texts()
    assert len(zh) >= 5, zh
    for text in zh:
        assert not re.match(r"\S{1,3} · |[·.。，]", text) and not text.rstrip().endswith("·"), zh
    page.goto(server + "/en/search/?q=computer")
    results = page.locator("#search-results")
    expect(results).to_contain_text("China Automation Congress 2023")
    cac = results.locator("li", has_text="China Automation Congress 2023").locator(".excerpt")
    expect(cac).to_contain_text("Information Sciences: computer science")
    en = results.locator(".excerpt").all_inner_texts()
    for text in en:
        assert not re.match(r"[a-z·.,]", text) and "Guide to Important" not in text, en
        # (a last piece cut after the last match goes: "...Chinese Meteorological Society. Earth")
        assert not re.search(r"\. [A-Z][a-z]*$", text), en


def test_a_chinese_query_finds_what_the_page_says_besides_the_name(server, page):
    """A field's name (and its search terms), the place, the bodies: as before."""
    page.goto(server + "/zh/search/?q=计算机")
    expect(page.locator("#search-results")).to_contain_text("2023中国人工智能大会")  # (field: 计算机科学)
    page.goto(server + "/zh/search/?q=中国化学会")
    expect(page.locator("#search-results")).to_contain_text("2023年全国光化学学术讨论会")  # (its organizer)


def test_a_name_without_translation_is_marked_chinese_in_english_results(project, browser):
    """As the pages mark it (t()): fonts and screen readers read it as Chinese."""
    from conftest import EN
    project.translations({k: v for k, v in EN.items() if k != "2023年中国数学会学术年会"})
    assert project.build().ok
    with serve_folder(project.root / "site") as base:
        page = browser.new_page()
        page.goto(base + "/en/search/?q=Mathematical")
        link = page.locator("#search-results .conf-name", has_text="2023年中国数学会学术年会")
        expect(link).to_have_attribute("lang", "zh-CN")
        expect(page.locator("#search-results .conf-name", has_text="2022 Annual Meeting")).not_to_have_attribute(
            "lang", "zh-CN")
        page.close()


def test_search_runs_on_the_main_thread_within_the_pages_policy(browser, server):
    """Without Web Workers Pagefind compiles its WebAssembly in the page: the
    search page's CSP must allow exactly that ('wasm-unsafe-eval')."""
    context = browser.new_context()
    context.add_init_script("delete window.Worker;")
    page = context.new_page()
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    page.goto(server + "/en/search/?q=computer")
    expect(page.locator("#search-results")).to_contain_text("China National Computer Congress 2023")
    context.close()
    assert refused == []


def test_header_search_box_leads_to_the_search_page(server, page):
    page.goto(server + "/zh/2023/")
    page.fill("#site-search-q", "计算机")
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"/zh/search/\?q="))
    expect(page.locator("#search-results")).to_contain_text("2023中国计算机大会")


def test_english_query_finds_them_on_the_english_site(server, page):
    page.goto(server + "/en/search/")
    expect(page.locator("#search-status")).to_have_text(
        "Type a name, a place, an organizer or a unit, or choose a filter.")
    page.fill("#search-q", "computer")
    expect(page.locator("#search-results")).to_contain_text("China National Computer Congress 2023")
    assert result_links(page) and all(h.startswith("/en/") for h in result_links(page))
    assert "q=computer" in page.url  # the query stays in the address, to share or reload


def test_switching_language_keeps_the_query(server, page):
    page.goto(server + "/en/search/?q=computer&sort=date")
    expect(page.locator("#search-results")).to_contain_text("China National Computer Congress 2023")
    page.click("header a.lang-switch")
    page.wait_for_url(re.compile(r"/zh/search/\?q=computer&sort=date$"))
    expect(page.locator("#search-q")).to_have_value("computer")
    expect(page.locator("#search-status")).to_contain_text("与“computer”匹配的结果")
    # A query in Chinese characters would find nothing on the English pages: not carried there.
    page.fill("#search-q", "计算机")
    expect(page.locator("#search-status")).to_contain_text("与“计算机”匹配的结果")
    page.click("header a.lang-switch")
    page.wait_for_url(re.compile(r"/en/search/\?sort=date$"))
    expect(page.locator("#search-q")).to_have_value("")


def test_a_query_that_finds_nothing_here_is_offered_to_the_other_languages_pages(server, page):
    """English words carried to the Chinese search find nothing there: the reader is
    told so without a word about filters, and led back with the query (and the
    other way round, for Chinese words typed on the English pages)."""
    page.goto(server + "/en/search/?q=shanghai")
    expect(page.locator("#search-status")).to_contain_text("results for “shanghai”")
    expect(page.locator("#search-elsewhere")).to_be_hidden()
    page.click("header a.lang-switch")
    page.wait_for_url(re.compile(r"/zh/search/\?q=shanghai$"))
    expect(page.locator("#search-status")).to_have_text("没有与“shanghai”匹配的结果。请检查输入或减少关键词。")
    link = page.locator("#search-elsewhere a")
    expect(link).to_have_text("在英文页面中搜索“shanghai”")
    link.click()
    page.wait_for_url(re.compile(r"/en/search/\?q=shanghai$"))
    expect(page.locator("#search-status")).to_contain_text("results for “shanghai”")
    # Chinese words on the English pages: offered to the Chinese ones...
    page.fill("#search-q", "计算机")
    expect(page.locator("#search-status")).to_contain_text("Nothing matches “计算机”")
    expect(page.locator("#search-elsewhere a")).to_have_text("Search the Chinese pages for “计算机”")
    page.click("#search-elsewhere a")
    page.wait_for_url(re.compile(r"/zh/search/\?q="))
    expect(page.locator("#search-status")).to_contain_text("与“计算机”匹配的结果")
    expect(page.locator("#search-elsewhere")).to_be_hidden()
    # ... but not the other way: no English page holds Chinese characters.
    page.fill("#search-q", "龘靐齉")
    expect(page.locator("#search-status")).to_contain_text("没有与")
    expect(page.locator("#search-elsewhere")).to_be_hidden()


def test_on_a_phone_the_answer_is_shown_when_the_reader_asks(server, browser):
    """The filters fill a phone's screen: Enter brings the count and results into view."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(server + "/en/search/")
    expect(page.locator("#search-status")).to_contain_text("Type a name")
    page.fill("#search-q", "chemistry")
    page.press("#search-q", "Enter")
    expect(page.locator("#search-status")).to_contain_text("results for “chemistry”")
    expect(page.locator("#search-status")).to_be_in_viewport()
    expect(page.locator("#search-results li").first).to_be_in_viewport()
    context.close()


def open_filters(page):
    """The filters are folded until the reader opens them (or the address sets one)."""
    page.click("#search-refine > summary")
    expect(page.locator("#filter-field")).to_be_visible()


def test_a_query_in_the_address_shows_its_first_result_on_a_phones_first_screen(server, browser):
    """As the header's search form leads there: the filters, open, put the
    first result below the screen of a phone (English: at 859 px of 844)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    for url in ("/en/search/?q=computer", "/zh/search/?q=计算机"):
        page.goto(server + url)
        expect(page.locator("#search-results li").first).to_be_in_viewport()
        expect(page.locator("#filter-field")).to_be_hidden()
    # An order alone keeps them folded (the results show it)...
    page.goto(server + "/en/search/?q=computer&sort=date")
    expect(page.locator("#search-results li").first).to_be_in_viewport()
    expect(page.locator("#search-sort")).to_be_hidden()
    # ... a filter set in the address shows the filters, and the fold's label counts it.
    page.goto(server + "/en/search/?q=computer&field=Information+Sciences")
    expect(page.locator("#filter-field")).to_be_visible()
    expect(page.locator("#filter-field")).to_have_value("Information Sciences")
    expect(page.locator("#search-refine > summary")).to_have_text("Filters and order (1)")
    page.select_option("#filter-field", "")
    expect(page.locator("#search-refine > summary")).to_have_text("Filters and order")
    context.close()


def test_a_count_under_filters_says_so(server, page):
    page.goto(server + "/en/search/?q=computer&field=Information+Sciences")
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^\d+ results? for “computer” with these filters\.$"))
    page.select_option("#filter-field", "")
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^\d+ results? for “computer”\.$"))


def test_switching_language_keeps_the_filters_by_their_names_there(server, page):
    """Filter values are names in the page's language; the other page is given its own."""
    page.goto(server + "/zh/search/")
    open_filters(page)
    page.select_option("#filter-field", "信息科学")
    page.select_option("#filter-month", "2023年10月")
    expect(page.locator("#search-status")).to_contain_text("个会议符合筛选条件")
    zh_count = page.locator("#search-status").text_content()
    page.click("header a.lang-switch")
    page.wait_for_url(re.compile(r"/en/search/\?field=Information\+Sciences&month=October\+2023$"))
    expect(page.locator("#filter-field")).to_have_value("Information Sciences")
    expect(page.locator("#filter-month")).to_have_value("October 2023")
    expect(page.locator("#search-status")).to_contain_text(re.compile(r"match(es)? these filters"))
    # the same conferences, counted in each language
    assert re.search(r"\d+", zh_count).group() == re.search(r"\d+", page.locator("#search-status").text_content()).group()
    page.select_option("#filter-kind", "Recurring conference")
    expect(page.locator("#search-status")).to_contain_text(re.compile(r"match(es)? these filters"))
    page.click("header a.lang-switch")
    page.wait_for_url(re.compile(r"/zh/search/\?field=.+&month=.+&kind=.+$"))
    expect(page.locator("#filter-kind")).to_have_value("机制性会议")
    expect(page.locator("#filter-field")).to_have_value("信息科学")


def test_a_fields_search_terms_find_its_conferences_and_the_page_does_not_show_them(server, page, demo_build):
    """化学科学 is "Chemical Sciences" in English; the edition gives "chemistry"
    (化学) as a search term, which no conference page shows."""
    result, _ = demo_build
    chemistry = {f"/en/2023/conferences/{c.id}/" for c in result.model.current.by_field["chemistry"]}
    page.goto(server + "/en/search/?q=chemistry")
    expect(page.locator("#search-status")).to_have_text(f"{len(chemistry)} results for “chemistry”.")
    # (the status comes first, then each result's data: wait for the list)
    expect(page.locator("#search-results li")).to_have_count(len(chemistry))
    assert set(result_links(page)) == chemistry
    page.goto(server + "/en/2023/conferences/ccs-congress-2023/")
    assert "chemistry" not in page.inner_text("main").lower()


def test_field_filter_narrows_the_results(server, page, demo_build):
    result, _ = demo_build
    information = {f"/en/2023/conferences/{c.id}/" for c in result.model.current.by_field["information"]}
    page.goto(server + "/en/search/?q=conference")
    expect(page.locator("#search-status")).to_contain_text("results for")
    everything = count(page)
    open_filters(page)
    page.select_option("#filter-field", "Information Sciences")
    # The status passes through "Searching…": wait for a new count, not just a change.
    expect(page.locator("#search-status")).to_have_text(re.compile(rf"^(?!{everything} )\d+ results? for"))
    narrowed = count(page)
    assert 0 < narrowed < everything
    expect(page.locator("#search-results li")).to_have_count(min(narrowed, 20))
    assert set(result_links(page)) <= information
    assert "field=Information+Sciences" in page.url


def test_show_more_results_keeps_the_keyboard_in_the_list(server, page):
    # The button hides once every result is shown: focus must not fall back to
    # the start of the page, it goes on from the first result added.
    page.goto(server + "/en/search/?q=conference")
    expect(page.locator("#search-results li")).to_have_count(20)
    total = count(page)
    assert total > 20
    while page.locator("#search-more").is_visible():
        shown = page.locator("#search-results li").count()
        page.focus("#search-more")
        page.keyboard.press("Enter")
        expect(page.locator("#search-results li")).to_have_count(min(shown + 20, total))
        focused = page.evaluate("document.activeElement.getAttribute('href')")
        assert focused == result_links(page)[shown]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#search-results') !== null")


def test_filters_have_names_and_counts_in_the_page_language(server, page):
    page.goto(server + "/zh/search/?q=会议")
    expect(page.locator("#search-status")).to_contain_text("会议")
    expect(page.locator("#search-refine > summary")).to_have_text("筛选与排序")
    # (the counts come once the reader turns to the filters: opens them)
    open_filters(page)
    labels = page.locator("#search-options label").all_inner_texts()
    assert labels == ["学科领域", "月份", "会议类型", "推荐单位", "举办城市", "排序"]
    expect(page.locator("#filter-field option").nth(0)).to_have_text("全部")
    expect(page.locator("#filter-field option", has_text="信息科学")).to_have_text(re.compile(r"^信息科学（\d+）$"))
    interface = page.inner_text("#search-form") + page.inner_text("#search-status")
    assert not re.search(r"[A-Za-z]{2,}", interface), interface


def test_a_first_query_loads_no_filter_index_until_the_filters_are_used(server, page):
    """At 10,000 conferences the filter indexes weigh as much as the rest of a
    first search: they are fetched once the reader turns to the filters."""
    fetched = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(server + "/en/search/?q=computer")
    expect(page.locator("#search-results li").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert any(".pf_index" in u for u in fetched)
    assert not any(".pf_filter" in u for u in fetched)
    # Values show no count yet, and none is disabled.
    option = page.locator("#filter-field option", has_text="Information Sciences")
    expect(option).to_have_text("Information Sciences")
    assert page.locator("#filter-field option:disabled").count() == 0
    open_filters(page)
    expect(option).to_have_text(re.compile(r"^Information Sciences \(\d+\)$"))
    assert any(".pf_filter" in u for u in fetched)
    # The counts are this query's: a value it does not reach is disabled.
    counted = page.locator("#filter-field option").all_inner_texts()[1:]
    numbers = [int(re.search(r"\((\d+)\)$", t).group(1)) for t in counted]
    assert sum(numbers) == count(page)
    expect(page.locator("#search-results li")).to_have_count(min(count(page), 20))


def test_a_filter_chosen_in_the_address_brings_the_counts(server, page):
    """Kept from the other language's page: the reader uses the filters already."""
    page.goto(server + "/en/search/?field=Information+Sciences")
    expect(page.locator("#filter-field option", has_text="Information Sciences")).to_have_text(
        re.compile(r"^Information Sciences \(\d+\)$"))
    expect(page.locator("#filter-month option").nth(1)).to_have_text(re.compile(r"\(\d+\)$"))


@pytest.mark.parametrize("query, first", [("物理", "2023年中国物理学会秋季学术会议"),
                                          ("中国化学会", "中国化学会第33届学术年会")])
def test_a_chinese_query_ranks_the_conference_it_names_first(server, page, query, first):
    """Pagefind scores every page holding a phrase alike: the phrase's finds are
    ranked by the words as Pagefind cuts them (the physics meeting was sixth of seven)."""
    page.goto(server + f"/zh/search/?q={query}")
    expect(page.locator("#search-results .conf-name").first).to_have_text(first)


def test_words_asked_together_list_the_pages_holding_them_as_written_first(server, page, demo_build):
    phrase = "China Association for Science and Technology"
    _, out = demo_build
    # (what Pagefind indexed of each page: its fragments)
    indexed = [json.loads(gzip.decompress(f.read_bytes())[len(b"pagefind_dcd"):])
               for f in (out / "pagefind/fragment").glob("en_*.pf_fragment")]
    holding = {r["url"] for r in indexed if phrase in re.sub(r"\s+", " ", r["content"])}
    assert len(holding) >= 3
    page.goto(server + f"/en/search/?q={phrase}")
    expect(page.locator("#search-results .conf-name").nth(len(holding) - 1)).to_be_visible()
    assert set(result_links(page)[:len(holding)]) == holding


@pytest.mark.parametrize("lang, name", [("zh", "2023中国计算机大会"), ("en", "CNCC 2023")])
def test_a_units_search_terms_find_the_conferences_it_recommends(server, page, lang, name):
    """CCF, the China Computer Federation's abbreviation, is written on none of its pages."""
    page.goto(server + f"/{lang}/search/?q=CCF")
    expect(page.locator("#search-results")).to_contain_text(name)


def test_a_query_typed_in_full_width_letters_finds_what_it_spells(server, page):
    page.goto(server + "/en/search/?q=ＣＮＣＣ")
    expect(page.locator("#search-results .conf-name").first).to_contain_text("CNCC")


def test_filters_alone_list_by_date(server, page):
    page.goto(server + "/zh/search/?field=信息科学")
    expect(page.locator("#search-results li").first).to_be_visible()
    dates = page.locator("#search-results time").evaluate_all("els => els.map(t => t.dateTime)")
    assert len(dates) > 3 and dates == sorted(dates)


def test_a_query_finding_only_the_about_page_is_offered_to_the_other_languages_pages(server, page):
    """English words on the Chinese pages find the About page by a word of its own
    (co_recommenders for "computer"): no conference, so the English pages are offered."""
    page.goto(server + "/zh/search/?q=computer")
    expect(page.locator("#search-results li")).not_to_have_count(0)
    expect(page.locator("#search-results time")).to_have_count(0)
    expect(page.locator("#search-elsewhere a")).to_have_text("在英文页面中搜索“computer”")


def test_results_sort_by_date_on_request(server, page):
    page.goto(server + "/zh/search/?q=会议&sort=date")
    expect(page.locator("#search-results li").first).to_be_visible()
    dates = page.locator("#search-results time").evaluate_all("els => els.map(t => t.dateTime)")
    assert len(dates) > 5 and dates == sorted(dates)


@pytest.mark.parametrize("lang, message", [
    ("zh", "没有与“xyzzyqwerty”匹配的结果。"),
    ("en", "Nothing matches “xyzzyqwerty”."),
])
def test_a_query_that_matches_nothing_says_so(server, page, lang, message):
    page.goto(server + f"/{lang}/search/?q=xyzzyqwerty")
    expect(page.locator("#search-status")).to_contain_text(message)
    expect(page.locator("#search-results li")).to_have_count(0)


def test_without_javascript_the_header_form_still_reaches_the_search_page(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/en/2023/")
    page.fill("#site-search-q", "computer")
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"/en/search/\?q=computer"))
    note = page.locator("noscript .note")
    expect(note).to_be_visible()
    assert note.inner_text().startswith("Search needs JavaScript")  # (Playwright's text matchers skip <noscript>)
    expect(page.locator("#search-options")).to_be_hidden()
    context.close()


def test_a_certificate_number_entered_opens_its_verification_page(server, page, demo_build):
    """As a holder types it (small letters, full-width from a Chinese input method)."""
    import json
    _, out = demo_build
    number = json.loads((out / "certificates.json").read_text(encoding="utf-8"))["certificates"][0]["number"]
    page.goto(server + "/zh/verify/")
    typed = "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in number.lower())
    page.fill("#verify-number", f" {typed} ")
    page.click("#verify-form button")
    page.wait_for_url(server + f"/zh/verify/{number}/")
    expect(page.locator("h1")).to_contain_text(number)
    page.goto(server + f"/en/verify/?number={number}")   # (what the form sends without the script)
    page.wait_for_url(server + f"/en/verify/{number}/")


@pytest.mark.parametrize("retype", [
    lambda n: n.replace("-", " "),          # as read aloud or copied from a line of text
    lambda n: n.replace("-", "\u2013"),     # en dashes, as a PDF viewer or a word processor may give them
    lambda n: " - ".join(n.split("-")),
    lambda n: n.replace("-", ""),           # no separators at all
    lambda n: n[:7] + " " + n[7:],           # a space inside a group
    lambda n: n[:9] + n[10:],                # one hyphen left out
    lambda n: f"“{n}。”",                    # copied from a sentence
    lambda n: f"No. {n}.",                   # copied with its label, as the certificate prints it
    lambda n: f"证书编号：{n}",
    lambda n: f"Ｎｏ．{n}",                   # the label in full-width too
    lambda n: f"Number:{n}",
], ids=["spaces", "en-dashes", "spaced-hyphens", "no-separators", "space-in-a-group", "one-hyphen-missing",
        "in-quotes", "english-label", "chinese-label", "full-width-label", "label-without-space"])
def test_a_number_typed_with_other_separators_opens_its_verification_page(server, browser, demo_build, retype):
    import json
    _, out = demo_build
    number = json.loads((out / "certificates.json").read_text(encoding="utf-8"))["certificates"][0]["number"]
    context = browser.new_context()   # (not the page fixture: a number without hyphens is asked as typed first)
    page = context.new_page()
    page.goto(server + "/en/verify/")
    page.fill("#verify-number", retype(number))
    page.click("#verify-form button")
    page.wait_for_url(server + f"/en/verify/{number}/")
    context.close()


def test_a_derived_number_read_with_o_for_zero_and_l_for_one_opens_its_page(server, browser, demo_build):
    """Derived numbers are in Crockford's base 32, which has no O, I or L."""
    import json
    _, out = demo_build
    number = next(c["number"] for c in json.loads((out / "certificates.json").read_text(encoding="utf-8"))["certificates"]
                  if "0" in c["number"][5:] and "1" in c["number"][5:])
    misread = number[:5] + number[5:].replace("0", "O").replace("1", "l")
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/en/verify/")
    page.fill("#verify-number", misread)
    page.click("#verify-form button")
    page.wait_for_url(server + f"/en/verify/{number}/")
    context.close()


def test_a_verification_address_typed_by_hand_opens_the_certificates_page(server, browser, demo_build):
    """The address printed on a certificate, typed in small letters with an O
    for a zero, is no page: the 404 page hands the number to the lookup, which
    opens the certificate's page, not a page saying it does not exist; a
    number never issued ends at the lookup saying so."""
    import json
    _, out = demo_build
    number = next(c["number"] for c in json.loads((out / "certificates.json").read_text(encoding="utf-8"))["certificates"]
                  if "0" in c["number"][5:])
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + f"/en/verify/{number[:5] + number[5:].replace('0', 'O').lower()}/")
    page.wait_for_url(server + f"/en/verify/{number}/")
    expect(page.locator("h1")).to_contain_text(number)
    page.goto(server + "/zh/verify/2023-aaaa-aaaa")
    page.wait_for_url(server + "/zh/verify/?number=2023-aaaa-aaaa&from=404")
    expect(page.locator("#verify-status")).to_have_text("指南未颁发编号为 2023-AAAA-AAAA 的证书。请核对证书上的编号。")
    page.goto(server + "/zh/2023/conferences/no-such/")   # (any other missing page stays the 404 page)
    expect(page.locator("h1").first).to_have_text("页面不存在")
    # Never to another site: a path that reads as an address of another host.
    for path in ("//evil.example/en/verify/2023-AAAA-AAAA/", "/%2Fevil.example/en/verify/2023-AAAA-AAAA/"):
        page.goto(server + path)
        page.wait_for_timeout(300)
        assert page.url.startswith(server + "/"), page.url
        expect(page.locator("h1").first).to_have_text("页面不存在")
    context.close()


def test_a_number_the_guide_never_issued_is_answered_in_place(server, browser):
    context = browser.new_context()
    page = context.new_page()
    missing = []
    page.on("response", lambda r: r.status == 404 and missing.append(r.url))
    page.goto(server + "/zh/verify/")
    page.fill("#verify-number", "2023-AAAA-AAAA")
    page.click("#verify-form button")
    expect(page.locator("#verify-status")).to_have_text("指南未颁发编号为 2023-AAAA-AAAA 的证书。请核对证书上的编号。")
    assert page.url == server + "/zh/verify/"
    assert missing == [server + "/zh/verify/2023-AAAA-AAAA/"]   # (asked, not opened)
    page.fill("#verify-number", "证书")
    page.click("#verify-form button")
    expect(page.locator("#verify-status")).to_contain_text("证书编号由大写字母、数字和连字符组成")
    page.fill("#verify-number", "abc")
    page.click("#verify-form button")
    expect(page.locator("#verify-status")).to_contain_text("证书编号至少有6个字符")
    context.close()


def test_a_printed_conference_page_gives_its_address_not_dead_links(server, browser):
    """On paper, "Add to calendar" and "Download the certificate" are dead:
    they are left out, and the page's own address is printed instead; on a
    screen the address is not shown. Paper is light on a dark screen too."""
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(server + "/en/2023/conferences/cms-annual-2023/")
    shown = "el => getComputedStyle(el).display !== 'none'"
    assert not page.locator(".print-only").evaluate(shown)
    assert page.locator(".calendar-link").evaluate(shown)
    page.emulate_media(media="print")
    assert page.locator(".print-only").evaluate(shown)
    expect(page.locator(".print-only")).to_have_text(re.compile(r"^Printed from https?://\S+/en/2023/conferences/cms-annual-2023/$"))
    assert not page.locator(".calendar-link").evaluate(shown)
    assert not page.locator(".certificate .actions").evaluate(shown)
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(29, 36, 48)"   # (the light ink)
    context.close()


def test_no_page_is_wider_than_a_phone(server, browser, demo_build):
    """At 360 px nothing makes the page scroll sideways (the About page's column table did)."""
    import json
    _, out = demo_build
    number = json.loads((out / "certificates.json").read_text(encoding="utf-8"))["certificates"][0]["number"]
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    wide = {}
    for lang in ("zh", "en"):
        for rel in ("", "about/", "2023/", "2023/conferences/", "2023/conferences/cms-annual-2023/",
                    "2023/fields/information/", "2023/months/2023-10/", "search/", "verify/", f"verify/{number}/",
                    "404.html"):
            assert page.goto(f"{server}/{lang}/{rel}").ok, rel
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                wide[f"/{lang}/{rel}"] = width
    # Text at 200 % (a reader's setting): the header's search field shrinks,
    # not the page scrolling sideways. (The home page's table of counts is
    # data: it may, WCAG 1.4.10's exception.)
    for lang in ("zh", "en"):
        for rel in ("2023/", "2023/conferences/cms-annual-2023/", "verify/"):
            page.goto(f"{server}/{lang}/{rel}")
            page.evaluate("document.documentElement.style.fontSize = '200%'")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                wide[f"/{lang}/{rel} at 200 %"] = width
    context.close()
    assert not wide, wide
