"""The PDF font: OFL Noto Serif SC, trimmed to what a build prints, as TrueType.

ReportLab embeds only TrueType outlines, and Noto Serif SC ships as CFF
(PostScript) outlines. We convert once per character set with fontTools and
keep the result in the project's ``.cache/fonts/``.

A certificate must keep its bytes (and so its published SHA-256) when another
conference adds a character to the build. ReportLab copies a few whole tables
of the registered font into every PDF's subset (head, hhea, maxp, OS/2, name,
the post header), so every value in them that fontTools would derive from the
character set (bounding box, first/last character, Unicode ranges, maxima) is
pinned to the source font's value or a fixed bound; glyph outlines and
advances depend only on the glyph itself.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .cachefile import write_whole
from .wording import tr

FONT_PACKAGE = "pylopdf_fonts_zh_cn"  # PyPI pylopdf-fonts-zh-cn, pinned in pyproject.toml
# Bump when the conversion changes: cached fonts and PDFs are keyed by it.
CONVERTER_VERSION = "1"
# Fixed maxp bounds, well above any glyph of Noto Serif SC after conversion
# (the largest needs about 1,100 points and 60 contours), so that the table
# does not follow the character set. A glyph past them raises the bound.
MAX_POINTS, MAX_CONTOURS = 4000, 400
# Always present, so that numbers, dates and English never depend on content.
BASE_CHARS = "".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0–—‘’“”·…，。、；：！？（）《》「」【】〔〕％"


class FontError(Exception):
    """The font cannot be found or converted."""


@dataclass(frozen=True)
class SourceFont:
    path: Path
    fingerprint: str  # package version + SHA-256 of the file


@lru_cache(maxsize=1)
def source_font() -> SourceFont:
    try:
        import importlib
        import importlib.metadata
        pkg = importlib.import_module(FONT_PACKAGE)
        version = importlib.metadata.version(FONT_PACKAGE.replace("_", "-"))
    except (ImportError, importlib.metadata.PackageNotFoundError) as exc:
        raise FontError(tr("the PDF font package is not installed (pip install pylopdf-fonts-zh-cn): %(error)s",
                           error=str(exc)))
    path = Path(pkg.serif_path())
    if not path.is_file():
        raise FontError(tr("the PDF font file is missing: %(path)s", path=str(path)))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return SourceFont(path, f"{FONT_PACKAGE}-{version}-{digest[:16]}")


@lru_cache(maxsize=1)
def covered_characters() -> frozenset[str]:
    """Every character the source font has a glyph for."""
    from fontTools.ttLib import TTFont
    font = TTFont(source_font().path, lazy=True)
    return frozenset(chr(c) for c in font.getBestCmap())


def missing_characters(text: str) -> list[str]:
    """Characters of ``text`` the font cannot draw (line breaks aside)."""
    have = covered_characters()
    return sorted({ch for ch in text if ch not in have and ch not in "\n\r\t"})


def printable(text: str) -> str:
    """Spaces the font lacks (Babel's thin U+2009 around an en dash, U+202F) as plain spaces."""
    have = covered_characters()
    return "".join(" " if unicodedata.category(ch) == "Zs" and ch not in have else ch for ch in text)


def needed_characters(texts) -> str:
    chars = set(BASE_CHARS)
    for text in texts:
        chars.update(unicodedata.normalize("NFC", text))
    chars -= set("\n\r\t")
    return "".join(sorted(chars))


def trimmed_font(chars: str, cache: Path) -> Path:
    """A TrueType file holding exactly ``chars`` (plus .notdef); built once, then cached."""
    src = source_font()
    key = hashlib.sha256(f"{CONVERTER_VERSION}\0{src.fingerprint}\0{chars}".encode()).hexdigest()[:20]
    out = cache / f"NotoSerifSC-{key}.ttf"
    if out.is_file():
        return out
    write_whole(out, convert(src.path, chars))
    return out


def prune_fonts(cache: Path, keep: Path, spare: int = 2) -> None:
    """Drop trimmed fonts of earlier character sets, but the ``spare`` last used."""
    os.utime(keep)
    others = sorted((p for p in cache.glob("NotoSerifSC-*.ttf") if p != keep),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[spare:]:
        old.unlink(missing_ok=True)


def convert(source: Path, chars: str) -> bytes:
    """Subset the CFF font to ``chars`` and convert its outlines to TrueType."""
    import io
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    original = TTFont(source, lazy=True)
    pinned_os2 = {name: getattr(original["OS/2"], name) for name in (
        "xAvgCharWidth", "ulUnicodeRange1", "ulUnicodeRange2", "ulUnicodeRange3", "ulUnicodeRange4",
        "ulCodePageRange1", "ulCodePageRange2", "usFirstCharIndex", "usLastCharIndex", "usMaxContext")}
    head = original["head"]
    pinned_bbox = (head.xMin, head.yMin, head.xMax, head.yMax)
    hhea = original["hhea"]
    pinned_hhea = {name: getattr(hhea, name) for name in (
        "advanceWidthMax", "minLeftSideBearing", "minRightSideBearing", "xMaxExtent")}

    options = subset.Options()
    options.layout_features = []          # ReportLab does no shaping: keep the plain cmap
    # Keep the CFF hints: removing them is a third of the subsetting time, and
    # nothing of them survives the pen below, which redraws bare outlines.
    options.hinting = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.glyph_names = False
    options.prune_unicode_ranges = False
    options.prune_codepage_ranges = False
    options.recalc_bounds = False
    options.recalc_timestamp = False
    dropped = ["VORG", "vhea", "vmtx", "GPOS", "GSUB", "GDEF", "BASE", "DSIG", "meta"]
    options.drop_tables += dropped
    font = TTFont(source, lazy=False, recalcBBoxes=False, recalcTimestamp=False)
    for tag in dropped:  # before subsetting, which would read (and then drop) them
        if tag in font:
            del font[tag]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    hmtx = font["hmtx"]
    for name in order:
        pen = TTGlyphPen(None)
        # CFF contours run counter-clockwise, TrueType's clockwise.
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyph = pen.glyph()
        glyph.recalcBounds(glyf)
        glyf.glyphs[name] = glyph
        advance, _lsb = hmtx[name]
        hmtx[name] = (advance, getattr(glyph, "xMin", 0) if glyph.numberOfContours else 0)
    del font["CFF "]
    font.sfntVersion = "\x00\x01\x00\x00"
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 1
    font["head"].xMin, font["head"].yMin, font["head"].xMax, font["head"].yMax = pinned_bbox
    for name, value in pinned_hhea.items():
        setattr(font["hhea"], name, value)
    for name, value in pinned_os2.items():
        setattr(font["OS/2"], name, value)
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    points = max((len(g.coordinates) for g in glyf.glyphs.values() if g.numberOfContours > 0), default=0)
    contours = max((g.numberOfContours for g in glyf.glyphs.values()), default=0)
    for name, value in dict(
            maxZones=1, maxTwilightPoints=0, maxStorage=0, maxFunctionDefs=0, maxInstructionDefs=0,
            maxStackElements=0, maxSizeOfInstructions=0, maxComponentElements=0, maxComponentDepth=0,
            maxCompositePoints=0, maxCompositeContours=0,
            maxPoints=max(points, MAX_POINTS), maxContours=max(contours, MAX_CONTOURS)).items():
        setattr(maxp, name, value)
    post = font["post"]
    post.formatType = 3.0
    post.extraNames, post.mapping = [], {}
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()
