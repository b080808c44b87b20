#!/usr/bin/env python3
"""Page-weight benchmark: bytes a real browser transfers for a conference page
and for the search page's first query, served with gzip.

    python3 bench/weight.py                  # builds the demo into a temporary folder
    python3 bench/weight.py --site site/     # measures a site already built
    python3 bench/weight.py --no-write -v    # every request; bench/WEIGHT.md left alone
    python3 bench/generate.py 10000 /tmp/p10k && python3 build.py --project /tmp/p10k \
      && python3 bench/weight.py --site /tmp/p10k/site --output bench/WEIGHT-10000.md

The site is served on 127.0.0.1 by a small static server of our own that
answers ``Accept-Encoding: gzip`` as a production server would: a
precompressed ``X.gz`` beside ``X`` is sent as is (``gzip_static``), any other
text is compressed on the fly (level 9, no timestamp: the same bytes every
run). Debian's Chromium (headless, driven by Playwright) loads each page in a
fresh context (a first visit: an empty cache). Transferred = the bytes on the
wire for each response, status line and headers included, compressed as
sent: the server counts what it writes, and the Chrome DevTools protocol's
``encodedDataLength`` (the "transferred" column of the browser's network
panel) must agree for every response the page is told of. (Pagefind runs in a
Web Worker, whose fetches DevTools reports to the worker, not the page: the
server's count covers them.)

Measured, in both languages: the heaviest conference page (by its gzipped
HTML) with everything it loads, and the search page from load through the
first results of a typical query typed into its box (Pagefind's script,
WebAssembly, index chunks and result fragments); then, with no budget, the
same query followed by a focus on the filters, which loads their counts
(Pagefind's filter indexes). The budgets are the issue's: a conference page ≤ 30 kB, the search page's first query ≤ 350 kB
(kB = 1,000 bytes), no request to any other host, no failed request. The table
is printed and written to bench/WEIGHT.md. Exit status 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import gzip
import http.server
import io
import os
import platform
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Callable, Iterator

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

CHROMIUM = "/usr/bin/chromium"  # Playwright's own browser download does not work here
# Without the background-networking flags Chromium keeps dialing out of a
# machine with no network; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

KB = 1000
CONFERENCE_BUDGET = 30 * KB
SEARCH_BUDGET = 350 * KB
QUERIES = {"zh": "计算机", "en": "computer"}

# What a production server compresses (nginx's gzip_types, roughly). Pagefind's
# index, fragments and WebAssembly are gzip files already: sent as they are.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml",
                "application/atom+xml", "application/rss+xml", "image/svg+xml",
                "application/manifest+json")


def compressible(content_type: str) -> bool:
    return content_type.startswith(COMPRESSIBLE)


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header admits gzip: named, or "*", with q > 0."""
    weights: dict[str, float] = {}
    for item in (header or "").split(","):
        coding, *params = [part.strip().lower() for part in item.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    pass
        if coding:
            weights[coding] = q
    return weights.get("gzip", weights.get("*", 0.0)) > 0


# --- the server -----------------------------------------------------------------

@dataclasses.dataclass
class Served:
    """One response as the server wrote it to the socket."""
    seq: int                  # the order in which the requests arrived
    path: str                 # URL path and query, as asked
    status: int
    encoding: str             # Content-Encoding sent ("" for none)
    bytes: int                # status line, headers and body: the bytes on the wire
    at: float                 # time.monotonic() when it was sent


class _CountingWriter:
    """The handler's socket writer, counting the bytes that go through it."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def write(self, data) -> int:
        self.count += len(data)
        return self.raw.write(data)

    def __getattr__(self, name):
        return getattr(self.raw, name)


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with gzip: ``X.gz`` beside ``X`` if there is one, else on the fly.

    Directories serve their index.html (a directory without one is 404, never a
    listing). A ``.gz`` sibling whose content differs from its file is served
    all the same, as a real server would, and recorded in ``server.stale``.
    Every response is logged in ``server.log`` with the bytes written for it.
    """

    protocol_version = "HTTP/1.1"  # keep-alive, as browsers and servers use

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def setup(self):
        super().setup()
        self.wfile = _CountingWriter(self.wfile)

    def parse_request(self):
        # A request has arrived: the server is busy until it is logged (the
        # client may read the whole response before that).
        self._seq = self.server.begin()
        self._busy = True
        return super().parse_request()

    def handle_one_request(self):
        before = self.wfile.count
        self._status, self._encoding, self.command, self._busy = 0, "", None, False
        try:
            super().handle_one_request()
            if self.command:
                self.server.note(Served(self._seq, self.path, self._status, self._encoding,
                                        self.wfile.count - before, time.monotonic()))
        finally:
            if self._busy:
                self.server.end()

    def send_response(self, code, message=None):
        self._status = code
        super().send_response(code, message)

    def send_head(self):
        path = Path(self.translate_path(self.path))
        url_path = urllib.parse.urlsplit(self.path).path
        if path.is_dir():
            if not url_path.endswith("/"):
                return super().send_head()  # the base class's 301 to the slash
            path = path / "index.html"
        if not path.is_file() or url_path.endswith("/") and path.name != "index.html":
            self.send_error(404, "File not found")
            return None
        content_type = self.guess_type(str(path))
        data = path.read_bytes()
        sibling = path.with_name(path.name + ".gz")
        if accepts_gzip(self.headers.get("Accept-Encoding")):
            if sibling.is_file():
                body = sibling.read_bytes()
                self._encoding = "gzip"
                with self.server.lock:
                    self.server.precompressed.add(url_path)
                try:
                    fresh = gzip.decompress(body) == data
                except (OSError, EOFError):
                    fresh = False
                if not fresh:
                    with self.server.lock:
                        self.server.stale.add(url_path)
                data = body
            elif compressible(content_type):
                data = gzip.compress(data, compresslevel=9, mtime=0)
                self._encoding = "gzip"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if self._encoding:
            self.send_header("Content-Encoding", self._encoding)
        if sibling.is_file() or compressible(content_type):
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(data)


class GzipServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path):
        self.lock = threading.Lock()
        self.quiet = threading.Condition(self.lock)
        self.active = 0                       # requests arrived and not yet logged
        self.arrived = 0                      # requests arrived so far
        self.log: list[Served] = []
        self.precompressed: set[str] = set()  # URL paths served from a .gz sibling
        self.stale: set[str] = set()          # ... whose .gz differs from the file
        super().__init__(("127.0.0.1", 0), lambda *a: GzipHandler(*a, directory=str(root)))

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def note(self, served: Served) -> None:
        with self.lock:
            self.log.append(served)

    def begin(self) -> int:
        with self.lock:
            self.active += 1
            self.arrived += 1
            return self.arrived - 1

    def end(self) -> None:
        with self.lock:
            self.active -= 1
            if not self.active:
                self.quiet.notify_all()

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until every request that arrived is answered and logged."""
        with self.lock:
            return self.quiet.wait_for(lambda: self.active == 0, timeout)

    def since(self, mark: int) -> list[Served]:
        """The responses logged so far to requests that arrived after ``mark``
        (a count of ``arrived``), in the order they arrived."""
        with self.lock:
            return sorted((s for s in self.log if s.seq >= mark), key=lambda s: s.seq)


@contextlib.contextmanager
def serve(root: Path) -> Iterator[GzipServer]:
    """Serve ``root`` on 127.0.0.1 (a free port) for the duration of the block."""
    server = GzipServer(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- the browser ----------------------------------------------------------------

@dataclasses.dataclass
class Transfer:
    path: str                 # URL path and query
    resource: str             # what the browser loaded it as: document, stylesheet, fetch, ...
    status: int
    encoding: str             # Content-Encoding sent
    bytes: int                # on the wire, headers included (the server's count)
    reported: int | None      # the browser's encodedDataLength (None: not reported to the page)


@dataclasses.dataclass
class Measurement:
    name: str
    url: str
    budget: int | None        # None: measured for the record, no budget
    transfers: list[Transfer]
    foreign: list[str]        # URLs the browser asked of any other host
    failed: list[str]         # requests the browser saw fail

    @property
    def total(self) -> int:
        return sum(t.bytes for t in self.transfers)

    @property
    def failures(self) -> list[str]:
        return self.failed + [f"{t.status} {t.path}" for t in self.transfers
                              if not 200 <= t.status < 400]

    @property
    def disagreements(self) -> list[str]:
        """Responses whose size the browser reported differently from the server's count."""
        return [f"{t.path}: server {t.bytes}, browser {t.reported}" for t in self.transfers
                if t.reported is not None and t.reported != t.bytes]

    @property
    def ok(self) -> bool:
        return ((self.budget is None or self.total <= self.budget) and not self.foreign and not self.failures
                and not self.disagreements)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def settle(page, server: GzipServer, mark: int, quiet: float = 1.0, limit: float = 20.0) -> None:
    """Wait until the server has answered nothing for ``quiet`` seconds: the
    browser asks for the favicon after load, and workers' fetches are not
    the page's network activity."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        log = server.since(mark)
        last = max((s.at for s in log), default=0.0)
        if time.monotonic() - last >= quiet and server.idle(0):
            return
        page.wait_for_timeout(100)  # lets Playwright dispatch the browser's events


def record(browser, server: GzipServer, name: str, path: str, budget: int | None,
           then: Callable[[object], None] | None = None) -> Measurement:
    """Load ``path`` in a fresh context (a first visit: an empty cache), run ``then(page)``,
    and return every response from the first request until the network is quiet.

    The bytes are the server's count of what it wrote for each response; the
    browser's own figure (DevTools' encodedDataLength, the same bytes seen from
    the other end) is kept beside it where the page is told of it (a worker's
    fetches are not), and any disagreement is reported.
    """
    origin = server.origin
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        asked: list[tuple[str, str]] = []  # (URL, resource type), workers' requests included
        failed: list[str] = []
        context.on("request", lambda r: asked.append((r.url, r.resource_type)))
        context.on("requestfailed", lambda r: failed.append(f"{r.failure} {r.url}"))
        # DevTools also sees what the browser itself asks for (the favicon).
        reported: dict[str, list[int]] = {}
        urls: dict[str, str] = {}
        cdp = context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", lambda e: e["requestId"] in urls and reported.setdefault(
            urls[e["requestId"]], []).append(int(e["encodedDataLength"])))
        cdp.on("Network.loadingFailed", lambda e: failed.append(
            f"{e['errorText']} {urls.get(e['requestId'], '?')}"))
        cdp.send("Network.enable")
        mark = server.arrived
        page.goto(origin + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        if then:
            then(page)
        settle(page, server, mark)
        served = server.since(mark)
    finally:
        context.close()
    kinds: dict[str, list[str]] = {}
    for url, kind in asked:
        kinds.setdefault(url.removeprefix(origin), []).append(kind)
    transfers = []
    for s in served:
        sizes = reported.get(origin + s.path) or []
        # A body the page never saw (a worker's script) is reported as headers only.
        size = sizes.pop(0) if sizes else None
        kind = kinds[s.path].pop(0) if kinds.get(s.path) else "other"
        transfers.append(Transfer(s.path, kind, s.status, s.encoding, s.bytes, size))
    everything = {url for url, _ in asked} | set(urls.values())
    foreign = sorted(u for u in everything if not u.startswith((origin + "/", "data:", "blob:")))
    return Measurement(name, path, budget, transfers, foreign, sorted(set(failed)))


def search_for(query: str) -> Callable[[object], None]:
    """Type a query into the search page's box, as a reader would, and wait
    until the first results are on the page (their fragments loaded)."""
    def run(page) -> None:
        page.locator("#search-options").wait_for(state="visible")  # Pagefind is ready
        page.fill("#search-q", query)
        page.locator("#search-results li").first.wait_for(state="visible")
    return run


def search_then_filters(query: str) -> Callable[[object], None]:
    """The first query, then the reader turns to the filters: their counts
    (Pagefind's filter indexes) are loaded only then."""
    def run(page) -> None:
        search_for(query)(page)
        # (as a reader turns to them: the filters are folded, opening them loads the counts)
        page.click("#search-refine > summary")
        page.wait_for_function("() => [...document.querySelectorAll('#filter-field option[data-label]')]"
                               ".some((o) => o.textContent !== o.dataset.label)")
    return run


# --- what is measured -------------------------------------------------------------

def heaviest_conference_page(site: Path, lang: str) -> str:
    """The URL path of the conference page whose HTML is largest gzipped."""
    pages = sorted((site / lang).glob("*/conferences/*/index.html"))
    if not pages:
        raise SystemExit(f"no conference page under {site / lang}")
    def weight(p: Path) -> int:
        return len(gzip.compress(p.read_bytes(), compresslevel=9, mtime=0))
    heaviest = max(pages, key=lambda p: (weight(p), p.as_posix()))
    return "/" + heaviest.parent.relative_to(site).as_posix() + "/"


def measure(site: Path, browser, server: GzipServer) -> list[Measurement]:
    results = []
    for lang in ("zh", "en"):
        results.append(record(browser, server, f"conference page ({lang})",
                              heaviest_conference_page(site, lang), CONFERENCE_BUDGET))
    for lang, query in QUERIES.items():
        results.append(record(browser, server, f"search, first query “{query}” ({lang})",
                              f"/{lang}/search/", SEARCH_BUDGET, search_for(query)))
    for lang, query in QUERIES.items():
        results.append(record(browser, server, f"search, “{query}” and the filters' counts ({lang})",
                              f"/{lang}/search/", None, search_then_filters(query)))
    return results


def build_demo(out: Path) -> None:
    sys.path.insert(0, str(REPO))
    from guide.pipeline import Build

    result = Build(REPO, out=out, today=dt.date(2025, 1, 1), strict=True).run()
    if not result.ok:
        raise SystemExit("the demo did not build: " + "; ".join(p.format() for p in result.problems.sorted()))


# --- the report -------------------------------------------------------------------

def kb(n: int) -> str:
    return f"{n / KB:.1f}"


def table(results: list[Measurement]) -> str:
    lines = ["| page | URL | requests | transferred kB | budget kB | other hosts | failed |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for m in results:
        mark = "—" if m.budget is None else f"{kb(m.budget)} {'✓' if m.total <= m.budget else '✗'}"
        lines.append(f"| {m.name} | `{m.url}` | {len(m.transfers)} | {kb(m.total)} | "
                     f"{mark} | {len(m.foreign) or 'none'} | "
                     f"{'; '.join(m.failures) or 'none'} |")
    return "\n".join(lines)


def details(m: Measurement) -> str:
    lines = [f"{m.name}: `{m.url}`", "",
             "| request | type | status | encoding | bytes | browser's count |",
             "| --- | --- | --- | --- | --- | --- |"]
    for t in sorted(m.transfers, key=lambda t: (-t.bytes, t.path)):
        # Pagefind's cache-busting timestamp would change the report on every run.
        path = re.sub(r"([?&]ts=)[0-9]+", r"\1…", t.path)
        lines.append(f"| `{path}` | {t.resource} | {t.status} | {t.encoding or '—'} | "
                     f"{t.bytes:,} | {'—' if t.reported is None else f'{t.reported:,}'} |")
    lines += [f"| total | | | | {m.total:,} | |"]
    for url in m.foreign:
        lines.append(f"\nRequest to another host: {url}")
    for text in m.failed:
        lines.append(f"\nFailed in the browser: {text}")
    for text in m.disagreements:
        lines.append(f"\nThe browser counted otherwise: {text}")
    return "\n".join(lines)


def report(results: list[Measurement], server: GzipServer, site_label: str) -> str:
    today = dt.date.today().isoformat()
    served = (f"{len(server.precompressed)} of the files served came from a precompressed `.gz` "
              "sibling" if server.precompressed else
              "no `.gz` siblings in this build: text was compressed on the fly (gzip -9)")
    if server.stale:
        served += f"; STALE `.gz` siblings (content differs from the file): {', '.join(sorted(server.stale))}"
    parts = [
        "# Page weight",
        "",
        f"Measured {today} on {os.cpu_count()} cores ({platform.machine()}, Python "
        f"{platform.python_version()}), {site_label}, with Debian's Chromium (headless, "
        "Playwright), a first visit (an empty cache) for each page. Rerun: `python3 bench/weight.py`.",
        "",
        "Transferred = the bytes on the wire for each response, status line and headers "
        "included, compressed as sent: the server's count of what it wrote, equal to Chrome "
        "DevTools' `encodedDataLength` for every response the page is told of (the browser's "
        "count column; Pagefind's fetches happen in a Web Worker, reported to the worker). "
        "kB = 1,000 bytes. The server is `bench/weight.py`'s own: a `.gz` file beside a file is "
        f"sent as is, other text is gzipped on the fly; {served}.",
        "",
        "Budgets (issue 6): a conference page with its CSS ≤ 30 kB and no request to another "
        "host; the search page's first query ≤ 350 kB (page load, Pagefind's script and "
        "WebAssembly, index chunks, the first results' fragments). The conference page "
        "measured is the heaviest of its language (its HTML, gzipped); the query is typed into "
        "the search box. The filters' counts (Pagefind's filter indexes) are loaded when the "
        "reader turns to the filters: the last rows, with no budget, are the same first query "
        "followed by a focus on the first filter.",
        "",
        table(results),
        "",
        "## Every request",
    ]
    for m in results:
        parts += ["", details(m)]
    return "\n".join(parts) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site to measure (default: build the demo)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/WEIGHT.md")
    parser.add_argument("--output", type=Path, default=HERE / "WEIGHT.md",
                        help="where the report goes (default: bench/WEIGHT.md)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every request")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-weight-") as tmp:
        if args.site:
            site, label = args.site.resolve(), f"the site in `{args.site}`"
        else:
            site, label = Path(tmp) / "site", "the demo guide (built in publication mode)"
            print("building the demo ...", file=sys.stderr)
            build_demo(site)
        with serve(site) as server, chromium() as browser:
            results = measure(site, browser, server)
        text = report(results, server, label)
    print(table(results))
    if args.verbose:
        for m in results:
            print("\n" + details(m))
    if server.stale:
        print("stale .gz siblings:", ", ".join(sorted(server.stale)))
    if not args.no_write:
        args.output.write_text(text, encoding="utf-8")
        print(f"written to {args.output}")
    return 0 if all(m.ok for m in results) and not server.stale else 1


if __name__ == "__main__":
    sys.exit(main())
