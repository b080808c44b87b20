"""Real tools for the gate tests: a static server on 127.0.0.1 and Debian's Chromium.

Outside CI a missing tool skips its tests (and says how to install it); in CI
(the CI variable set, as .ci/run runs) a missing tool fails them, so a gate
can never pass by not running.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import os
import shutil
import threading
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialing out of a
# machine with no network; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CI_TOOLS = REPO / ".ci" / "tools" / "node_modules"
VNU_JAR = CI_TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = CI_TOOLS / "axe-core" / "axe.min.js"


def require(tool: str, available: bool, install: str) -> None:
    """Fail in CI, skip elsewhere, when a gate's tool is not installed."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is not installed ({install}); .ci/run must install it")
    pytest.skip(f"{tool} is not installed ({install}; `bash .ci/run` does it). "
                "Skipped only because CI is unset: in CI this test fails")


def require_chromium() -> None:
    require("Playwright (Python)", importlib.util.find_spec("playwright") is not None,
            "pip install playwright")
    require("Chromium", CHROMIUM.is_file(), "apt-get install chromium")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port) for the duration of the block."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Debian Chromium driven by Playwright."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def which(name: str) -> str | None:
    return shutil.which(name)
