"""The search index: Pagefind run over the staged site, its bundle kept as site files.

Pagefind's command line indexes a folder of HTML. It runs on the staging tree
(the site as it is about to be published), writes its bundle to a temporary
folder, and the bundle comes back as files for the writer, which stores only
those whose bytes changed. A failed index therefore leaves ``site/`` as it was.

The extended build of Pagefind is required: the standard one does not segment
Chinese, and a query such as 计算机 would find nothing. The command line is
used rather than Pagefind's Python API, which waits about 100 ms per page.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

BUNDLE = "pagefind/"
# Pagefind's ready-made interfaces: the site has its own search page
# (templates/search.html, assets/search.js), so these are not published.
UNUSED = re.compile(r"^pagefind-(?:[a-z-]*ui|highlight)\.(?:js|css)$")
INDEXED = re.compile(r"Indexed (\d+) pages?")


class SearchIndexError(Exception):
    """Pagefind could not index the site."""


def index_site(site_dir: Path) -> tuple[dict[str, bytes], int]:
    """Index the HTML below ``site_dir``; returns the bundle's files (site paths) and the page count."""
    with tempfile.TemporaryDirectory(prefix="guide-pagefind-") as tmp:
        command = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-path", tmp]
        try:
            run = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise SearchIndexError(f"could not run Pagefind: {exc}") from exc
        output = run.stdout + run.stderr
        if run.returncode != 0:
            if "No module named pagefind" in output:
                raise SearchIndexError("Pagefind is not installed: pip install 'pagefind[extended]'")
            last = "; ".join(line.strip() for line in output.strip().splitlines()[-3:])
            raise SearchIndexError(f"Pagefind failed (exit {run.returncode}): {last}")
        if "(Extended)" not in output:
            raise SearchIndexError("the standard Pagefind build cannot search Chinese: "
                                   "pip install 'pagefind[extended]'")
        match = INDEXED.search(output)
        pages = int(match.group(1)) if match else 0
        root = Path(tmp)
        files = {BUNDLE + p.relative_to(root).as_posix(): p.read_bytes()
                 for p in sorted(root.rglob("*"))
                 if p.is_file() and not UNUSED.match(p.name)}
    return files, pages
