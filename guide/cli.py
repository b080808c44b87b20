"""Command line: ``python build.py [build|check|i18n ...]``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import unicodedata
import sys
from pathlib import Path

from . import i18n
from .pipeline import Build
from .wording import language, ntr, shown, tr


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(shown(tr("'%(value)s' is not a date (YYYY-MM-DD)", value=value)))


DEFAULTS = {"project": Path.cwd, "today": None, "strict": False, "format": "text",
            "quiet": False, "verbose": False, "out": None, "reissued": ()}

REISSUED_HELP = tr("mark these certificates re-issued (record ids or certificate numbers, or 'all'): the change report "
                   "lists each certificate to re-issue until then")


def _columns(text: str) -> int:
    """Its width on a terminal: a Chinese character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# A piece a line may break after: a run of other characters (an ASCII word,
# with the space after it), or one wide character (Chinese breaks between any two).
_PIECES = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
                     r"|[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+\s*"
                     r"|\s+")


class _Formatter(argparse.HelpFormatter):
    def _split_lines(self, text, width):
        # argparse wraps by characters, and breaks inside a word when a line
        # has no space: Chinese help ran past the terminal and cut "compi|le".
        if text.isascii():
            return super()._split_lines(text, width)
        lines, line = [], ""
        pieces, opening = [], ""
        for piece in _PIECES.findall(" ".join(text.split())):
            # (no line ends with an opening mark: it goes with what it opens)
            if piece in "（“「『":
                opening += piece
            else:
                pieces.append(opening + piece)
                opening = ""
        for piece in pieces + ([opening] if opening else []):
            # (no line starts with a closing mark: it stays with the line before)
            if line and _columns(line + piece.rstrip()) > width and piece not in "，。、；：）」』！？”":
                lines.append(line.rstrip())
                line = piece.lstrip()
            else:
                line += piece
        return [*lines, line.rstrip()] if line.strip() else lines

    def _fill_text(self, text, width, indent):
        # (a command's description: wrapped as its options' help is)
        if text.isascii():
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in self._split_lines(text, width - len(indent)))

    def add_usage(self, usage, actions, groups, prefix=None):
        # TRANSLATORS: the start of argparse's usage line, with its space
        return super().add_usage(usage, actions, groups, shown(tr("usage: ")) if prefix is None else prefix)


# What argparse says inside an error line, read back from its English (it has
# no catalog of its own here): each reason as argparse words it, and ours.
# A reason not in this list is shown as argparse gives it.
_ARGPARSE_REASONS = (
    (re.compile(r"unrecognized arguments: (?P<args>.*)", re.S), tr("unrecognized arguments: %(args)s")),
    (re.compile(r"the following arguments are required: (?P<args>.*)", re.S),
     tr("the following arguments are required: %(args)s")),
    (re.compile(r"one of the arguments (?P<args>.*) is required", re.S),
     tr("one of the arguments %(args)s is required")),
    (re.compile(r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)", re.S),
     tr("invalid choice: %(value)s (choose from %(choices)s)")),
    (re.compile(r"expected one argument"), tr("expected one argument")),
    (re.compile(r"expected at least one argument"), tr("expected at least one argument")),
    (re.compile(r"expected at most one argument"), tr("expected at most one argument")),
    (re.compile(r"invalid (?P<type>\S+) value: (?P<value>.*)", re.S), tr("invalid %(type)s value: %(value)s")),
    (re.compile(r"ambiguous option: (?P<option>.*) could match (?P<matches>.*)", re.S),
     tr("ambiguous option: %(option)s could match %(matches)s")),
    (re.compile(r"not allowed with argument (?P<other>.*)", re.S), tr("not allowed with argument %(other)s")),
    (re.compile(r"ignored explicit argument (?P<value>.*)", re.S), tr("ignored explicit argument %(value)s")),
)
_ARGPARSE_ARGUMENT = re.compile(r"argument (?P<argument>\S+): (?P<reason>.*)", re.S)


def _argparse_reason(message: str) -> str:
    """argparse's error ``message`` as a message of ours, where it is one we know
    (shown in the staff's language with the line it is part of)."""
    argument = _ARGPARSE_ARGUMENT.fullmatch(message)
    reason = argument.group("reason") if argument else message
    for pattern, ours in _ARGPARSE_REASONS:
        if found := pattern.fullmatch(reason):
            reason = tr(ours.template, **found.groupdict())
            break
    return tr("argument %(argument)s: %(reason)s", argument=argument.group("argument"), reason=reason) \
        if argument else reason


class _Parser(argparse.ArgumentParser):
    """argparse in the staff's language: its headings, -h, its error line and
    the reasons it gives there (_ARGPARSE_REASONS)."""

    def __init__(self, *args, add_help: bool = True, parents=(), **kwargs):
        super().__init__(*args, add_help=False, formatter_class=_Formatter, **kwargs)
        self._positionals.title = shown(tr("positional arguments"))
        self._optionals.title = shown(tr("options"))
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=shown(tr("show this help message and exit")))
        # (the parents' options after -h, as argparse itself orders them)
        for parent in parents:
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def format_help(self):
        # (argparse puts an ASCII colon after each heading: "选项:" in Chinese)
        text = super().format_help()
        for title in {self._positionals.title, self._optionals.title}:
            text = text.replace(f"\n{title}:\n", "\n" + shown(tr("%(heading)s:", heading=title)) + "\n")
        return text

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, shown(tr("%(prog)s: error: %(message)s", prog=self.prog, message=_argparse_reason(message))) + "\n")


def make_parser() -> argparse.ArgumentParser:
    # SUPPRESS: options may come before or after the command without the
    # subcommand's defaults overwriting what was given before it.
    # (the texts in the staff's language: the parser is made where it is used)
    common = _Parser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--project", type=Path,
                        help=shown(tr("the project folder holding content/ (default: here)")))
    common.add_argument("--today", type=_date,
                        help=shown(tr("the build date (YYYY-MM-DD) for date-dependent checks and pages "
                                      "(default: today)")))
    common.add_argument("--strict", action="store_true",
                        help=shown(tr("publication mode: missing or fuzzy translations, and dates of the past "
                                      "given in the future, are errors")))
    common.add_argument("--format", choices=("text", "json"),
                        help=shown(tr("how to print problems")))
    common.add_argument("-q", "--quiet", action="store_true", help=shown(tr("print errors and warnings only")))
    common.add_argument("-v", "--verbose", action="store_true", help=shown(tr("also print each stage's time")))
    parser = _Parser(
        prog="build.py", parents=[common],
        description=shown(tr("Build the Guide to Important Academic Conferences website.")))
    # (also before no command: build is the default)
    parser.add_argument("--out", type=Path, default=argparse.SUPPRESS,
                        help=shown(tr("output folder of build and serve (default: PROJECT/site)")))
    parser.add_argument("--reissued", nargs="+", metavar="ID", default=argparse.SUPPRESS, help=shown(REISSUED_HELP))
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("build", parents=[common], help=shown(tr("validate, then build the site (default)")))
    b.add_argument("--out", type=Path, default=argparse.SUPPRESS,
                   help=shown(tr("output folder (default: PROJECT/site)")))
    b.add_argument("--reissued", nargs="+", metavar="ID", default=argparse.SUPPRESS, help=shown(REISSUED_HELP))
    sub.add_parser("check", parents=[common], help=shown(tr("validate the content without writing anything")))
    i = sub.add_parser("i18n", parents=[common], help=shown(tr("translation catalogs (wraps Babel)")))
    i.add_argument("action", choices=("extract", "update", "compile", "status"),
                   help=shown(tr("extract: write the .pot templates; update: merge them into each .po "
                                 "(changed sources become fuzzy); compile: write .mo files; status: what is "
                                 "translated, fuzzy or missing, and where it is used")))
    im = sub.add_parser("import", parents=[common],
                        help=shown(tr("write or update conference records from the accreditation spreadsheet")))
    im.add_argument("file", type=Path, help=shown(tr("the spreadsheet (.xlsx or .csv), one row per conference")))
    im.add_argument("--edition", default=None,
                    help=shown(tr("the edition to import into (default: the current edition)")))
    im.add_argument("--sheet", default=None, help=shown(tr("the workbook's sheet (default: the first)")))
    im.add_argument("--dry-run", action="store_true", help=shown(tr("report what would change; write nothing")))
    sv = sub.add_parser("serve", parents=[common],
                        help=shown(tr("build, serve on 127.0.0.1, rebuild and reload the page on every change")))
    sv.add_argument("--port", type=int, default=8000, help=shown(tr("the port (default 8000; 0 picks a free one)")))
    sv.add_argument("--out", type=Path, default=argparse.SUPPRESS,
                    help=shown(tr("output folder (default: PROJECT/site)")))
    # (each command's --help says what it does, as the list of commands does)
    for action in sub._choices_actions:
        sub.choices[action.dest].description = action.help
    parser.commands = tuple(sub.choices)  # (the subcommands' names, for main's checks)
    return parser


def print_problems(build: Build, fmt: str, quiet: bool = False) -> None:
    if fmt == "json":
        print(build.problems.to_json())
        return
    lang = language()
    for p in build.problems.sorted():
        if not (quiet and p.severity == "info"):
            print(p.format(lang), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = make_parser()
    args = parser.parse_args(argv)
    for name, default in DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default() if callable(default) else default)
    command = args.command or "build"
    root = args.project.resolve()
    progress = sys.stderr.isatty() and not os.environ.get("CI") and not args.quiet
    # (``--reissued ID check``: the option took the command's name as an id)
    if args.reissued and (command != "build" or {*args.reissued} & set(parser.commands)):
        parser.error(tr("--reissued goes with build, and its ids come last: "
                        "build.py build --reissued ID [ID ...]"))
    build = Build(root, out=args.out, today=args.today, strict=args.strict,
                  progress=progress, verbose=args.verbose, reissued=tuple(args.reissued))

    if command == "i18n":
        return run_i18n(build, args.action, args.format)
    if command == "import":
        return run_import(root, args)
    if command == "serve":
        from .preview import serve
        return serve(root, port=args.port, out=args.out, today=args.today, strict=args.strict,
                     quiet=args.quiet)

    try:
        result = build.run(write=command == "build")
    except KeyboardInterrupt:
        # (a build publishes site/ in one step at its end: nothing half-written)
        print(shown(tr("check interrupted") if command == "check" else
                    tr("build interrupted: %(out)s holds the last complete build, if there is one",
                       out=str(build.out))), file=sys.stderr)
        return 130
    print_problems(build, args.format, args.quiet)
    if args.format == "text" and not args.quiet:
        if result.ok and command == "build":
            print(build.summary())
            for line in result.model.changes.lines() + result.model.changes.awaiting_lines():
                print(shown(line))
        else:
            summary = build.problems.summary()
            if command == "check":
                print(shown(tr("check: %(summary)s", summary=summary) if result.ok else
                            tr("check: %(summary)s; nothing was written", summary=summary)))
            else:   # (a build that reaches here failed)
                print(shown(tr("build failed: %(summary)s; nothing was written", summary=summary)))
    return 0 if result.ok else 1


def run_i18n(build: Build, action: str, fmt: str = "text") -> int:
    root = build.root

    def say(data: dict, lines: list[str]) -> None:
        if fmt == "json":
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            for line in lines:
                print(shown(line))

    if action == "compile":
        written = i18n.compile_all(root, build.problems)
        if fmt == "text":
            print_problems(build, "text")
        say({"compiled": written, **build.problems.to_dict()},
            [*(tr("compiled %(path)s", path=w) for w in written),
             ntr("%(n)s catalog compiled", "%(n)s catalogs compiled", len(written))])
        return 1 if build.problems.errors else 0
    checked = build.check(rules=False)
    if checked is None:
        # Extraction needs valid content: say why it cannot run.
        if fmt == "json":
            print_problems(build, "json")
        else:
            print_problems(build, "text")
            print(shown(tr("i18n %(action)s: fix the content first (%(summary)s)",
                           action=action, summary=build.problems.summary())))
        return 1
    content, catalogs = checked
    if action in ("extract", "update"):
        changed = (i18n.extract if action == "extract" else i18n.update)(root, content)
        say({"written": changed}, [*(tr("wrote %(path)s", path=c) for c in changed),
                                   ntr("%(n)s file changed", "%(n)s files changed", len(changed))])
        return 0
    incomplete, lines, catalogs_json = False, [], []
    for st in i18n.status(root, content, catalogs):
        total = st.translated + len(st.fuzzy) + len(st.missing)
        lines.append(tr("%(lang)s %(domain)s: %(translated)s/%(total)s translated, "
                        "%(fuzzy)s fuzzy, %(untranslated)s untranslated",
                        lang=st.lang, domain=st.domain, translated=st.translated, total=total,
                        fuzzy=len(st.fuzzy), untranslated=len(st.missing)))
        entry = {"lang": st.lang, "domain": st.domain, "translated": st.translated}
        for label, items in (("fuzzy", st.fuzzy), ("untranslated", st.missing)):
            entry[label] = [{"msgid": msgid, "context": ctx, "locations": [f"{p}:{l}" for p, l in locations]}
                            for msgid, ctx, locations in items]
            for msgid, ctx, locations in items:
                where = ", ".join(f"{p}:{l}" for p, l in locations[:3])
                more = f" (+{len(locations) - 3})" if len(locations) > 3 else ""
                c = f" [{ctx}]" if ctx else ""
                values = {"msgid": str(msgid), "context": c, "where": where, "more": more}
                lines.append(tr("  fuzzy: %(msgid)s%(context)s  ← %(where)s%(more)s", **values) if label == "fuzzy"
                             else tr("  untranslated: %(msgid)s%(context)s  ← %(where)s%(more)s", **values))
        catalogs_json.append(entry)
        incomplete |= bool(st.fuzzy or st.missing)
    say({"catalogs": catalogs_json}, lines)
    return 1 if (incomplete and build.strict) else 0


def run_import(root: Path, args) -> int:
    from .importer import run_import as import_sheet
    report = import_sheet(root, args.file, edition=args.edition, sheet=args.sheet, dry_run=args.dry_run)
    if args.format == "json":
        print(report.to_json())
        return 0 if report.ok else 1
    for p in report.problems:
        print(p.format(), file=sys.stderr)
    if not args.quiet:
        for a in report.actions:
            if a.kind == "updated":
                values = {"path": a.path, "row": a.row, "fields": ", ".join(a.changed)}
                print(shown(tr("would update %(path)s (row %(row)s): %(fields)s", **values) if args.dry_run else
                            tr("updated %(path)s (row %(row)s): %(fields)s", **values)))
            elif a.kind == "created":
                print(shown(tr("would create %(path)s (row %(row)s)", path=a.path, row=a.row) if args.dry_run else
                            tr("created %(path)s (row %(row)s)", path=a.path, row=a.row)))
        print(shown(report.summary()))
    return 0 if report.ok else 1
