"""A few pages compared byte for byte; refresh with ``pytest --update-golden``."""

from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
PAGES = ["zh/2023/conferences/cms-2023/index.html", "en/2023/conferences/cms-2023/index.html",
         "zh/index.html", "en/index.html", "en/2023/months/2023-10/index.html",
         "zh/2023/conferences/index.html", "en/2023/conferences/index.html"]


@pytest.mark.parametrize("rel", PAGES)
def test_golden_page(built, rel, request):
    actual = built.page(rel)
    golden = GOLDEN / rel.replace("/", "__")
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"no golden file for {rel}: run pytest --update-golden"
    assert actual == golden.read_text(encoding="utf-8"), (
        f"{rel} differs from {golden}; if the change is intended, run pytest --update-golden")
