"""``build.py serve``: a live preview for staff editing records.

Builds the site as usual (into ``site/``, with its all-or-nothing writer),
serves it on 127.0.0.1, watches the project's content, templates and
catalogs, rebuilds on every change and makes the open page reload itself.
The reload script and the problem overlay are added to HTML responses by the
server only: the files on disk are exactly what ``build`` publishes.

Watching polls modification times (about 0.3 s): the tree is a few hundred
files, a walk costs milliseconds, and polling works on every file system
(bind mounts, network shares) without a compiled dependency.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import signal
import sys
import threading
import time
import traceback
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from . import wording
from .buildlock import SERVE_WAITING, project_lock
from .i18n import templates_dir
from .pipeline import Build, Session, without_cycle_collection
from .recordcache import RecordCache
from .translation import HTML_LANG
from .wording import ntr, said, tr

POLL_SECONDS = 0.3
PREFIX = "/__serve/"

# Served as files, not inline: the pages' Content-Security-Policy allows
# scripts and styles from the site's own origin only.
RELOAD_JS = """\
// Preview only (build.py serve): reloads the page when the site was rebuilt.
(function () {
  var me = document.currentScript;
  var seen = me ? me.getAttribute("data-generation") : null;
  function poll() {
    fetch("/__serve/state", {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (String(s.generation) !== seen) { location.reload(); return; }
        setTimeout(poll, 300);
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 300);
})();
"""
OVERLAY_CSS = """\
/* Preview only (build.py serve): the problems of the last build. */
#guide-serve-problems { position: fixed; inset: auto 0 0 0; z-index: 2147483647; max-height: 50vh;
  overflow: auto; margin: 0; padding: 1rem 1.5rem; background: #fff4f4; color: #5c0000;
  border-top: 4px solid #c00; font: 14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  box-shadow: 0 -4px 16px rgba(0,0,0,.2); }
#guide-serve-problems h2 { margin: 0 0 .5rem; font-size: 15px; }
#guide-serve-problems ol { margin: 0; padding-left: 1.5rem; }
#guide-serve-problems li { white-space: pre-wrap; overflow-wrap: anywhere; }
"""
_HEAD_END = re.compile(rb"</head\s*>", re.I)
_BODY_START = re.compile(rb"<body\b[^>]*>", re.I)


class PreviewState:
    """What the server shows: the generation of the last build and its problems."""

    def __init__(self, site: Path):
        self.site = site
        self.lock = threading.Lock()
        self.generation = 0
        self.errors: list[str] = []
        self.base_path = "/"

    def update(self, result, errors: list[str]) -> bool:
        """Record a build; True when the open page should reload."""
        with self.lock:
            if result.model is not None:
                base = result.model.guide.base_url
                self.base_path = "/" + base.split("://", 1)[-1].partition("/")[2]
            changed = bool(result.written or result.removed) or errors != self.errors or not self.generation
            if changed:
                self.generation += 1
            self.errors = errors
            return changed

    def snapshot(self) -> tuple[int, list[str], str]:
        with self.lock:
            return self.generation, list(self.errors), self.base_path


def inject(page: bytes, generation: int, errors: list[str], built: bool = True) -> bytes:
    """Add the reload script and, after a failed build, the list of its problems."""
    head = (f'<link rel="stylesheet" href="{PREFIX}serve.css">'
            f'<script src="{PREFIX}reload.js" data-generation="{generation}" defer></script>').encode()
    m = _HEAD_END.search(page)
    page = page[: m.start()] + head + page[m.start():] if m else head + page
    if errors:
        count = ntr("%(n)s problem", "%(n)s problems", len(errors))
        items = "".join(f"<li>{html.escape(e)}</li>" for e in errors)
        heading = (tr("The last change did not build (%(problems)s); this is the previous good page.", problems=count)
                   if built else
                   tr("The last change did not build (%(problems)s); there is no good build yet.", problems=count))
        # (in the staff's language, whichever language the page is in)
        lang = wording.language()
        overlay = (f'<aside id="guide-serve-problems" role="alert" lang="{HTML_LANG[lang]}"><h2>'
                   f'{html.escape(wording.shown(heading, lang))}'
                   f'</h2><ol>{items}</ol></aside>').encode()
        m = _BODY_START.search(page)
        at = m.end() if m else len(page)
        page = page[:at] + overlay + page[at:]
    return page


def placeholder() -> bytes:
    """The page served before any build succeeded."""
    lang = wording.language()
    title = html.escape(wording.shown(tr("No site yet"), lang))
    text = html.escape(wording.shown(tr("The site has not been built yet; fix the problems below and save."), lang))
    return (f'<!DOCTYPE html><html lang="{HTML_LANG[lang]}"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body><p>{text}</p></body></html>").encode()


class PreviewHandler(SimpleHTTPRequestHandler):
    state: PreviewState

    def __init__(self, *args, state: PreviewState, **kwargs):
        self.state = state
        super().__init__(*args, directory=str(state.site), **kwargs)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # the page polls several times a second; the terminal is for build news

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        body = self._head()
        if body is not None:
            try:
                self.copyfile(body, self.wfile)
            finally:
                body.close()

    def do_HEAD(self):
        body = self._head()
        if body is not None:
            body.close()

    def _send(self, status, data: bytes, ctype: str):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return BytesIO(data)

    def _head(self):
        generation, errors, base = self.state.snapshot()
        # Only this machine's names: a page elsewhere that points a name of its
        # own at 127.0.0.1 (DNS rebinding) cannot read the preview through it.
        host = urlsplit("//" + (self.headers.get("Host") or "")).hostname or ""
        if host not in LOCAL_HOSTS:
            return self._send(HTTPStatus.FORBIDDEN, b"serve answers only to 127.0.0.1 and localhost", "text/plain")
        url_path = unquote(urlsplit(self.path).path)
        if url_path.startswith(PREFIX):
            name = url_path[len(PREFIX):]
            if name == "reload.js":
                return self._send(HTTPStatus.OK, RELOAD_JS.encode(), "text/javascript; charset=utf-8")
            if name == "serve.css":
                return self._send(HTTPStatus.OK, OVERLAY_CSS.encode(), "text/css; charset=utf-8")
            if name == "state":
                data = json.dumps({"generation": generation, "errors": errors}, ensure_ascii=False)
                return self._send(HTTPStatus.OK, data.encode(), "application/json; charset=utf-8")
            return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        if not (self.state.site / "index.html").is_file():
            return self._send(HTTPStatus.SERVICE_UNAVAILABLE, inject(placeholder(), generation, errors, built=False),
                              "text/html; charset=utf-8")
        if not url_path.startswith(base):
            if url_path in ("/", base.rstrip("/")):
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", base)
                self.end_headers()
                return None
            return self._not_found(generation, errors)
        rest = "/" + url_path[len(base):]
        path = Path(self.translate_path(rest))  # drops '..' and stays inside the site
        if path.is_dir():
            if not url_path.endswith("/"):
                # (the folder found, not the address asked: that may hold "..",
                # "//host" or a line break, which a header must never carry)
                rel = Path(os.path.relpath(path, self.directory)).as_posix()
                rel = "" if rel == "." else rel
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", quote(base + (rel + "/" if rel else "")))
                self.end_headers()
                return None
            path = path / "index.html"
        if not path.is_file():
            return self._not_found(generation, errors)
        if path.suffix == ".html":
            return self._send(HTTPStatus.OK, inject(path.read_bytes(), generation, errors),
                              "text/html; charset=utf-8")
        return self._send(HTTPStatus.OK, path.read_bytes(), self.guess_type(str(path)))

    def _not_found(self, generation, errors):
        page = self.state.site / "404.html"
        data = page.read_bytes() if page.is_file() else b"<!DOCTYPE html><title>Not found</title><p>Not found</p>"
        return self._send(HTTPStatus.NOT_FOUND, inject(data, generation, errors), "text/html; charset=utf-8")


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", ""})


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Never sys.stderr from a request thread: its lock, held at the moment a
        # build forks workers, stays held in them (a worker that writes hangs).
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            return  # the browser went away (a reload, a closed tab)
        os.write(2, f"serve: request {client_address}:\n{traceback.format_exc()}".encode(errors="replace"))


def watched_dirs(root: Path) -> list[Path]:
    return [root / "content", templates_dir(root), root / "locales"]


def snapshot(dirs: list[Path]) -> dict[str, tuple[int, int]]:
    """Modification time and size of every file that can change the site."""
    out = {}
    for d in dirs:
        for dirpath, dirnames, filenames in os.walk(d):
            dirnames[:] = [n for n in dirnames if not n.startswith(".")]
            for name in filenames:
                # Editors' swap and backup files and compiled catalogs do not change the site.
                if name.startswith((".", "#")) or name.endswith(("~", ".mo", ".tmp", ".swp")):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except FileNotFoundError:
                    continue
                out[path] = (st.st_mtime_ns, st.st_size)
    return out


def describe(before: dict, after: dict, root: Path) -> str:
    changed = sorted(set(before) ^ set(after) | {p for p in before if p in after and before[p] != after[p]})
    names = [os.path.relpath(p, root) for p in changed]
    if len(names) > 3:
        return tr("%(names)s and %(n)s more", names=", ".join(names[:3]), n=len(names) - 3)
    return ", ".join(names)


class Preview:
    def __init__(self, root: Path, out: Path | None, today: dt.date | None, strict: bool, quiet: bool):
        self.root, self.today, self.strict, self.quiet = root, today, strict, quiet
        self.out = (Path(out) if out else root / "site").resolve()
        self.state = PreviewState(self.out)
        self.warned: set[str] = set()
        # Kept between builds: a save reads and checks only the records it changed.
        self.session = Session(RecordCache.load(root))

    def say(self, text: str) -> None:
        if not self.quiet:
            print(wording.shown(text), flush=True)

    @without_cycle_collection
    def build(self) -> None:
        self.session.wait()
        build = Build(self.root, out=self.out, today=self.today, strict=self.strict,
                      session=self.session)
        self.last = build.result
        try:
            result = build.run()
        except Exception as exc:  # a bug must not stop the preview; show it like a problem
            build.problems.error(self.root, (1, 1), "internal-error",
                                 tr("%(type)s: %(error)s", type=type(exc).__name__, error=said(exc)))
            result = build.result
        # Errors every time; a warning once, until it goes away (a rebuild
        # for each save would otherwise repeat every missing translation).
        found = build.problems.sorted()
        lang = wording.language()
        shown = [(p, p.format(lang)) for p in found]
        for p, text in shown:
            if p.severity == "error" or text not in self.warned:
                print(text, file=sys.stderr, flush=True)
        self.warned = {text for p, text in shown if p.severity == "warning"}
        if not result.ok:
            # A failed build may have left files in the staging tree that the
            # kept listing does not know of: the next build looks at the trees.
            self.session.trees = None
        errors = [text for p, text in shown if p.severity == "error"]
        self.state.update(result, errors)
        if result.ok:
            self.say(build.summary())
            for line in result.model.changes.lines():  # what this save changed, for staff
                self.say(line)
        else:
            summary = build.problems.summary()
            self.say(tr("build failed: %(summary)s; the previous site stays served", summary=summary)
                     if (self.out / "index.html").is_file() else
                     tr("build failed: %(summary)s; no site yet", summary=summary))
        self.session.collect_when_idle()

    def run(self, port: int) -> int:
        # Ctrl-C and a terminating parent both end the preview the same clean way.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
        server = None
        try:
            dirs = watched_dirs(self.root)
            # (before the first build: a save made during it, or right after
            # "serving", is built next)
            seen = snapshot(dirs)
            self.build()
            try:
                server = PreviewServer(("127.0.0.1", port), partial(PreviewHandler, state=self.state))
            except OSError as exc:
                print(wording.shown(tr("serve: cannot listen on 127.0.0.1:%(port)s: %(error)s",
                                       port=port, error=str(exc.strerror or exc))), file=sys.stderr)
                return 1
            threading.Thread(target=server.serve_forever, name="preview-server", daemon=True).start()
            _gen, _err, base = self.state.snapshot()
            print(wording.shown(tr("serving http://127.0.0.1:%(port)s%(base)s "
                                   "(watching content/, templates/, locales/; Ctrl-C to stop)",
                                   port=server.server_address[1], base=base)), flush=True)
            self.watch(dirs, seen)
        except KeyboardInterrupt:
            pass
        finally:
            if server is not None:
                server.shutdown()
                server.server_close()
            self.save_state()
        print(wording.shown(tr("serve: stopped")), flush=True)
        return 0

    def save_state(self) -> None:
        """The build state serve kept in memory, for the next build (build.py or serve)."""
        self.session.save_state()
        with project_lock(self.root, SERVE_WAITING):
            self.session.records.save(self.root)

    def watch(self, dirs: list[Path], seen: dict) -> None:
        while True:
            time.sleep(POLL_SECONDS)
            now = snapshot(dirs)
            if now == seen:
                continue
            # Editors save in several steps (write, rename): wait until it settles.
            while True:
                time.sleep(POLL_SECONDS)
                later = snapshot(dirs)
                if later == now:
                    break
                now = later
            self.say(tr("changed: %(files)s; rebuilding", files=describe(seen, now, self.root)))
            seen = now
            self.build()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def serve(root: Path, port: int = 8000, out: Path | None = None, today: dt.date | None = None,
          strict: bool = False, quiet: bool = False) -> int:
    return Preview(root, out, today, strict, quiet).run(port)
