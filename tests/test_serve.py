"""``build.py serve``: a real server process on a free port, edited while it runs."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import REPO, TODAY, make_project

WAIT = 60  # seconds, a deadline (waits end once their condition holds); a rebuild of the fixture takes well under one


class Server:
    def __init__(self, project):
        self.project = project
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "--project", str(project.root), "--today", TODAY.isoformat(),
             "serve", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_line("serving ").split()[1]

    def _read(self):
        for line in self.proc.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_line(self, start: str) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.proc.poll() is None, "".join(self.output)
                continue
            if line.startswith(start):
                return line
        raise AssertionError(f"no line starting {start!r}: {''.join(self.output)}")

    def get(self, path: str, timeout: float = WAIT) -> tuple[int, str, dict]:
        try:
            with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=timeout) as r:
                return r.status, r.read().decode("utf-8"), dict(r.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8"), dict(exc.headers)

    def wait_for(self, path: str, predicate) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                _status, body, _h = self.get(path, timeout=max(0.1, deadline - time.monotonic()))
                if predicate(body):
                    return body
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                pass   # a loaded machine: ask again until the deadline
            time.sleep(0.2)
        raise AssertionError(f"{path} did not change in {WAIT}s; server said: {''.join(self.output)}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise
        return self.proc.returncode


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(make_project(tmp_path_factory.mktemp("serve") / "guide"))
    yield s
    s.stop()


PAGE = "zh/2023/conferences/cms-2023/"


def test_serves_the_built_site_with_the_reload_script_added(server):
    status, body, headers = server.get(PAGE)
    assert status == 200 and "2023年中国数学会学术年会" in body
    assert '<script src="/__serve/reload.js" data-generation="1" defer></script></head>' in body
    assert headers["Cache-Control"] == "no-store"
    status, script, headers = server.get("/__serve/reload.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript") and "location.reload" in script
    # The files on disk are the published site: no preview script in them.
    site = server.project.site_snapshot()
    assert site and not any(b"__serve" in data for data in site.values())
    assert server.get("/zh/2023/conferences/no-such/")[0] == 404
    assert server.get("/zh/../../content/guide.yaml")[0] == 404
    # (a first build has no previous one whose files it could have kept)
    assert not any("download file" in line for line in server.output), server.output


def _raw(server, path: str, host: str | None = None) -> tuple[int, dict]:
    """A request as sent, path unnormalized (urllib would quote or refuse it)."""
    import http.client
    from urllib.parse import urlsplit
    where = urlsplit(server.url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=WAIT)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or where.netloc)
    conn.endheaders()
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}


def test_serve_redirects_a_folder_to_its_own_address_only(server):
    """A folder asked without its slash is sent to the folder found, never to
    what the address spelled: no header from it, no other host."""
    status, headers = _raw(server, "/zh/2023")
    assert status == 301 and headers["location"] == "/zh/2023/"
    status, headers = _raw(server, "/evil%0d%0aX-Injected:%20yes%0d%0aSet-Cookie:%20a=b/%2E%2E/zh")
    assert "x-injected" not in headers and "set-cookie" not in headers
    assert status == 404 or headers["location"] == "/zh/", headers
    status, headers = _raw(server, "/%2Fevil.example/%2E%2E/zh")
    assert status == 404 or headers["location"] == "/zh/", headers


def test_serve_answers_only_to_this_machines_names(server):
    """DNS rebinding: a page on attacker.example whose name now points at
    127.0.0.1 would read the preview as its own origin."""
    assert _raw(server, "/zh/", host="attacker.example:8000")[0] == 403
    assert _raw(server, "/__serve/state", host="attacker.example")[0] == 403
    port = server.url.split(":")[2].split("/")[0]
    assert _raw(server, "/zh/", host=f"localhost:{port}")[0] == 200


def test_an_edit_rebuilds_and_the_page_changes(server):
    before = json.loads(server.get("/__serve/state")[1])["generation"]
    path = server.project.root / "content/editions/2023/conferences/cms-2023.yaml"
    path.write_text(path.read_text("utf-8").replace("city: 厦门", "city: 福州"), encoding="utf-8")
    body = server.wait_for(PAGE, lambda b: "福州" in b)
    assert "guide-serve-problems" not in body
    # site/ is swapped a moment before serve counts the build (Preview.build:
    # state.update after run()): wait for the count too, do not read it once.
    server.wait_for("/__serve/state", lambda b: json.loads(b)["generation"] > before)


def test_a_broken_record_shows_its_problem_while_the_last_good_page_stays(server):
    path = server.project.root / "content/editions/2023/conferences/cms-2023.yaml"
    good = path.read_text("utf-8")
    path.write_text(good.replace("start: 2023-05-30", "start: <b>2023-05-3x</b>"), encoding="utf-8")
    body = server.wait_for(PAGE, lambda b: "guide-serve-problems" in b)
    line = ("content/editions/2023/conferences/cms-2023.yaml:7:8: bad-date: start: "
            "&#x27;&lt;b&gt;2023-05-3x&lt;/b&gt;&#x27; is not a date")
    assert line in body and "<b>2023-05-3x" not in body  # escaped
    assert "2023年中国数学会学术年会" in body and "福州" in body  # the last good page
    assert "2023年5月30日" in server.project.page(PAGE + "index.html")  # and the site on disk is whole
    state = json.loads(server.get("/__serve/state")[1])
    assert state["errors"][0].startswith("content/editions/2023/conferences/cms-2023.yaml:7:8: bad-date:")
    server.wait_line("build failed: 1 error")
    # Fixed: the overlay goes away.
    path.write_text(good, encoding="utf-8")
    server.wait_for(PAGE, lambda b: "guide-serve-problems" not in b)


def test_build_py_runs_beside_serve_and_serve_goes_on_after_it(server):
    """They take turns with the project (one build at a time): build.py does not
    wait for an idle serve, and serve's next save builds on what build.py left."""
    def build_py():
        return subprocess.run([sys.executable, str(REPO / "build.py"), "--project", str(server.project.root),
                               "--today", TODAY.isoformat()], capture_output=True, text=True, timeout=WAIT)
    first = build_py()
    assert first.returncode == 0, first.stderr
    path = server.project.root / "content/editions/2023/conferences/cms-2023.yaml"
    good = path.read_text("utf-8")
    path.write_text(good.replace("city: 福州", "city: 漳州"), encoding="utf-8")
    server.wait_for(PAGE, lambda b: "漳州" in b and "guide-serve-problems" not in b)
    again = build_py()   # (perhaps while serve still brings its staging tree up to date)
    assert again.returncode == 0, again.stderr
    assert "漳州" in server.project.page(PAGE + "index.html") and "福州" not in server.project.page(PAGE + "index.html")
    assert "漳州" in server.get(PAGE)[1]
    path.write_text(good, encoding="utf-8")
    server.wait_for(PAGE, lambda b: "福州" in b and "guide-serve-problems" not in b)


def test_the_open_page_reloads_by_itself(server):
    playwright = pytest.importorskip("playwright.sync_api")
    expect = playwright.expect
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            refused = []
            page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
            loads = []
            page.on("load", lambda _page: loads.append(1))
            page.goto(server.url + PAGE)
            assert "福州" in page.inner_text("main")
            path = server.project.root / "content/editions/2023/conferences/cms-2023.yaml"
            path.write_text(path.read_text("utf-8").replace("city: 福州", "city: 泉州"), encoding="utf-8")
            # Locator checks run outside the page's script policy (no eval).
            expect(page.locator("main")).to_contain_text("泉州", timeout=WAIT * 1000)
            assert len(loads) >= 2  # the page loaded itself again; the test did not navigate
            path.write_text(path.read_text("utf-8").replace("kind: recurring", "kind: often"), encoding="utf-8")
            page.wait_for_selector("#guide-serve-problems", timeout=WAIT * 1000)
            assert "bad-value: kind: 'often' is not one of" in page.inner_text("#guide-serve-problems")
            assert refused == []  # the script and the overlay's style pass the page's policy
        finally:
            browser.close()


def test_ctrl_c_stops_cleanly(server):
    assert server.stop() == 0
    assert server.output[-1] == "serve: stopped\n"
    with pytest.raises(OSError):
        urllib.request.urlopen(server.url, timeout=2)


def test_serves_catch_up_waits_for_no_build_of_its_own(tmp_path, capfd, monkeypatch):
    """After each build serve brings its staging tree up to date in a thread that
    takes the project's lock: it must start once the build let go of it, not
    wait for its own build and say "waiting for another build" after every save.
    (The thread is given time to run at once, as it may at N = 10,000.)"""
    from guide.preview import Preview

    project = make_project(tmp_path / "guide")
    start = threading.Thread.start

    def start_and_yield(self):
        start(self)
        time.sleep(0.3)
    monkeypatch.setattr(threading.Thread, "start", start_and_yield)
    preview = Preview(project.root, None, TODAY, False, True)
    preview.build()
    path = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    path.write_text(path.read_text("utf-8").replace("city: 厦门", "city: 福州"), encoding="utf-8")
    preview.build()
    preview.session.wait()
    assert preview.state.snapshot()[1] == []
    assert "福州" in project.page(PAGE + "index.html")
    assert "waiting for another build" not in capfd.readouterr().err


def test_a_build_py_beside_serve_keeps_its_whole_guide_files_through_serves_saves_and_restarts(tmp_path):
    """serve lets the whole-guide files lag (the open data, the records snapshot,
    the certificate list): a build.py beside it brings them up to date, and
    neither serve's next save nor a serve started after this one may put the
    older ones back (a restarted serve once did: certificates.json then gave
    hashes the PDFs no longer had)."""
    from guide.pipeline import Build
    from guide.preview import Preview

    project = make_project(tmp_path / "guide")
    guide_json = project.root / "site/data/guide.json"
    record = project.root / "content/editions/2023/conferences/cms-2023.yaml"
    serve = Preview(project.root, None, TODAY, False, True)
    serve.build()
    record.write_text(record.read_text("utf-8").replace("city: 厦门", "city: 福州"), encoding="utf-8")
    serve.build()
    serve.session.wait()
    assert "福州" in project.page(PAGE + "index.html") and "福州" not in guide_json.read_text("utf-8")  # (lags)
    assert Build(project.root, today=TODAY).run().ok   # build.py, beside serve
    assert "福州" in guide_json.read_text("utf-8")
    # serve's next save (of another record's page)
    other = project.root / "content/editions/2023/conferences/ccs-2023.yaml"
    other.write_text(other.read_text("utf-8") + "\n", encoding="utf-8")
    serve.build()
    serve.session.wait()
    assert serve.state.snapshot()[1] == []
    assert "福州" in guide_json.read_text("utf-8")
    # serve stopped, then started again
    serve.save_state()
    assert Build(project.root, today=TODAY).run().ok
    again = Preview(project.root, None, TODAY, False, True)
    again.build()
    again.session.wait()
    assert again.state.snapshot()[1] == []
    assert "福州" in guide_json.read_text("utf-8")
    # build.py after serve's last save, then serve stopped and started again
    record.write_text(record.read_text("utf-8").replace("city: 福州", "city: 泉州"), encoding="utf-8")
    again.build()
    again.session.wait()
    assert Build(project.root, today=TODAY).run().ok
    assert "泉州" in guide_json.read_text("utf-8")
    again.save_state()
    third = Preview(project.root, None, TODAY, False, True)
    third.build()
    third.session.wait()
    assert "泉州" in guide_json.read_text("utf-8")


FORKS_WHILE_THREADS_PRINT = r"""
import multiprocessing, os, sys, threading, traceback
sys.path.insert(0, sys.argv[1])
from guide.cores import leave_interrupts_to_the_parent, quiet_at_interrupt

def noisy():   # as socketserver's handle_error does, on a thread per request
    while True:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except Exception:
            traceback.print_exc()

def work(x):
    print("working", x, file=sys.stderr)   # (a worker that writes: it needs the lock)
    return x * 2

for _ in range(3):
    threading.Thread(target=noisy, daemon=True).start()
hung = 0
for i in range(int(sys.argv[2])):
    pool = multiprocessing.get_context("fork").Pool(
        2, initializer=leave_interrupts_to_the_parent if i % 2 else quiet_at_interrupt)
    try:
        pool.map_async(work, range(4)).get(10)
        pool.close()
        joined = threading.Thread(target=pool.join, daemon=True)
        joined.start()
        joined.join(10)
        done = not joined.is_alive()
    except multiprocessing.TimeoutError:
        done = False
    if not done:
        hung += 1
        for p in pool._pool:
            p.kill()
        break
os.write(1, f"hung {hung}\n".encode())
os._exit(0)
"""


def test_workers_forked_while_request_threads_print_do_not_hang():
    """serve forks render and PDF workers while its request threads may be writing
    a traceback to stderr: a worker that inherited stderr's lock held hung at its
    first write, and the pool with it (1 round in 3, measured). Workers have
    their own streams. (Buffered stderr: PYTHONUNBUFFERED leaves it without a lock.)"""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    out = subprocess.run([sys.executable, "-c", FORKS_WHILE_THREADS_PRINT, str(REPO), "20"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120)
    assert out.stdout.strip() == "hung 0"
