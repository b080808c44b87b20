"""Reading generated PDFs the way a reader's tools do: poppler, zbar, pypdf, fontTools."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from pathlib import Path

from fontTools.ttLib import TTFont
from pypdf import PdfReader

_FONT_ROW = re.compile(r"^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$")


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *args, str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def squash(text: str) -> str:
    """Text without any whitespace: Chinese wraps anywhere, and letter-spaced titles."""
    return "".join(text.split())


def pdffonts(path: Path) -> list[dict]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        m = _FONT_ROW.match(line.strip())
        assert m, f"cannot read pdffonts line: {line!r}"
        rows.append(dict(name=m[1], type=m[2], encoding=m[3], emb=m[4] == "yes", sub=m[5] == "yes",
                         uni=m[6] == "yes"))
    return rows


def qr_codes(path: Path, tmp: Path, dpi: int = 150) -> list[str]:
    """Render page 1 with pdftoppm and decode every QR code on it with zbarimg."""
    stem = tmp / path.stem
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(path), str(stem)], check=True)
    done = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                           str(stem) + ".png"], capture_output=True, text=True)
    return [line for line in done.stdout.splitlines() if line]


def _to_unicode(data: bytes) -> dict[int, str]:
    text = data.decode("latin-1")
    out = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(code, 16)] = bytes.fromhex(uni).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, start in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = ord(bytes.fromhex(start).decode("utf-16-be"))
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = chr(first + i)
    return out


def drawable_characters(path: Path) -> tuple[set[str], set[str]]:
    """(characters with a real glyph, characters mapped to .notdef or an empty glyph)
    over every embedded font of every page, read from the font programs themselves."""
    good, bad = set(), set()
    reader = PdfReader(str(path))
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            desc = font["/FontDescriptor"].get_object()
            program = TTFont(io.BytesIO(desc["/FontFile2"].get_object().get_data()))
            cmap = program["cmap"].tables[0].cmap
            glyf = program["glyf"]
            order = program.getGlyphOrder()
            for code, char in _to_unicode(font["/ToUnicode"].get_object().get_data()).items():
                if unicodedata.category(char) == "Cc":
                    continue  # ReportLab reserves codes 0 and 127 of each subset; never drawn
                name = cmap.get(code)
                empty = name is None or name == order[0] or glyf[name].numberOfContours == 0
                if empty and not char.isspace():
                    bad.add(char)
                else:
                    good.add(char)
    return good, bad
