"""Page weight (issue 6): a conference page with its CSS ≤ 30 kB transferred
(gzip), no request to another host, nothing failing (no favicon 404); the
search page's first query ≤ 350 kB. Measured as bench/weight.py measures: its
gzip server, Debian's Chromium, DevTools' byte counts beside the server's."""

from __future__ import annotations

import gzip
import http.client
import sys
from pathlib import Path

import pytest

from browser import chromium

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import weight  # noqa: E402 - bench/weight.py


# --- the server, without a browser ------------------------------------------------

def get(server, path: str, gzip_ok: bool = True):
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"} if gzip_ok else {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.fixture
def folder(tmp_path):
    css = b"body { color: #123456; }\n" * 200
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets/a.css").write_bytes(css)
    (tmp_path / "assets/b.css").write_bytes(css)
    (tmp_path / "assets/b.css.gz").write_bytes(gzip.compress(css, 1))  # precompressed, by others
    (tmp_path / "assets/c.css").write_bytes(css)
    (tmp_path / "assets/c.css.gz").write_bytes(gzip.compress(b"old"))  # stale
    (tmp_path / "index.pf").write_bytes(gzip.compress(b"already gzip"))
    (tmp_path / "page").mkdir()
    (tmp_path / "page/index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    return tmp_path, css


def test_server_compresses_text_and_prefers_a_precompressed_sibling(folder):
    root, css = folder
    with weight.serve(root) as server:
        status, headers, body = get(server, "/assets/a.css")
        assert (status, headers["content-encoding"]) == (200, "gzip")
        assert gzip.decompress(body) == css
        assert body == gzip.compress(css, compresslevel=9, mtime=0)   # deterministic
        status, headers, body = get(server, "/assets/b.css")
        assert body == (root / "assets/b.css.gz").read_bytes()        # sent as is
        assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
        status, headers, body = get(server, "/assets/a.css", gzip_ok=False)
        assert body == css and "content-encoding" not in headers
        status, headers, body = get(server, "/index.pf")              # gzip inside: not again
        assert body == (root / "index.pf").read_bytes() and "content-encoding" not in headers
        status, headers, _ = get(server, "/page")
        assert (status, headers["location"]) == (301, "/page/")
        assert get(server, "/page/")[0] == 200
        assert get(server, "/assets/")[0] == 404                      # no directory listings
        assert get(server, "/favicon.ico")[0] == 404
        assert server.precompressed == {"/assets/b.css"} and server.stale == set()
        get(server, "/assets/c.css")
        assert server.idle() and server.stale == {"/assets/c.css"}
        # Every response is logged with the bytes written for it, headers included.
        assert server.idle()
        log = server.since(0)
        assert [s.status for s in log] == [200, 200, 200, 200, 301, 200, 404, 404, 200]
        assert log[0].bytes > len(gzip.compress(css, 9, mtime=0)) and log[2].bytes > len(css)


def test_accept_encoding_is_read_as_http_says():
    assert weight.accepts_gzip("gzip, deflate, br")
    assert weight.accepts_gzip("br;q=1.0, gzip;q=0.8")
    assert weight.accepts_gzip("*")
    assert not weight.accepts_gzip("gzip;q=0")
    assert not weight.accepts_gzip("identity")
    assert not weight.accepts_gzip(None)
    assert weight.accepts_gzip("*;q=0, gzip")          # named beats the wildcard
    assert not weight.accepts_gzip("gzip;q=0, *")


# --- in the browser ------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def measured(browser, demo_build):
    _, site = demo_build
    with weight.serve(site) as server:
        return {m.name: m for m in weight.measure(site, browser, server)}, server


def test_conference_pages_weigh_at_most_30_kb_and_load_only_from_their_host(measured):
    results, server = measured
    for lang in ("zh", "en"):
        m = results[f"conference page ({lang})"]
        assert m.transfers[0].path.startswith(f"/{lang}/") and m.transfers[0].resource == "document"
        assert {t.path for t in m.transfers} >= {"/assets/style.css", "/assets/favicon.svg"}
        assert m.total <= weight.CONFERENCE_BUDGET, weight.details(m)
        assert m.foreign == [] and m.failures == [], weight.details(m)
        # The server's count is what the browser received.
        assert m.disagreements == [] and all(t.reported is not None for t in m.transfers)
        assert all(t.encoding == "gzip" for t in m.transfers), weight.details(m)
    assert server.stale == set()


def test_search_pages_first_query_weighs_at_most_350_kb(measured):
    results, _ = measured
    for lang, query in weight.QUERIES.items():
        m = results[f"search, first query “{query}” ({lang})"]
        paths = [t.path for t in m.transfers]
        # Everything from page load to the first results is counted.
        assert paths[0] == f"/{lang}/search/"
        assert any(p.startswith("/pagefind/wasm.") for p in paths)
        assert any(p.startswith("/pagefind/index/") for p in paths)
        assert any(p.startswith("/pagefind/fragment/") for p in paths)
        assert m.total <= weight.SEARCH_BUDGET, weight.details(m)
        assert m.foreign == [] and m.failures == [] and m.disagreements == [], weight.details(m)


def test_the_measure_catches_an_overweight_page_and_another_host(tmp_path, browser):
    """The gate can fail: a page with 40 kB of stylesheet that does not
    compress, and an image from another host name (the same server as
    'localhost' is another host than 127.0.0.1), and a missing script."""
    import random

    noise = random.Random(6).randbytes(30_000).hex()  # hex digits: gzip halves them, no more
    (tmp_path / "big.css").write_text(f"/* {noise} */\n", encoding="ascii")
    with weight.serve(tmp_path) as server:
        port = server.server_address[1]
        (tmp_path / "index.html").write_text(
            '<!DOCTYPE html><html lang="en"><head><title>heavy</title>'
            '<link rel="icon" href="data:,"><link rel="stylesheet" href="/big.css">'
            f'<script src="/missing.js"></script></head><body><img alt="" src="http://localhost:{port}/big.css">'
            "</body></html>", encoding="utf-8")
        m = weight.record(browser, server, "heavy", "/", weight.CONFERENCE_BUDGET)
    assert m.total > weight.CONFERENCE_BUDGET
    assert m.foreign == [f"http://localhost:{port}/big.css"]
    assert "404 /missing.js" in m.failures
    assert not m.ok
