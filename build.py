#!/usr/bin/env python3
"""The site's one entry point: build, check, serve, new, translate, review and schemas.

Exit status: 0 success, 1 content errors, 2 bad usage."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import difflib
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
COMMANDS = ("build", "check", "serve", "new", "translate", "review", "schemas")


def parser() -> argparse.ArgumentParser:
    from sitegen.kinds import BY_FOLDER, TRANSLATIONS
    from sitegen.options import FORMATS, STATUSES

    main = argparse.ArgumentParser(
        prog="build.py",
        description="Build the spine tumor service-line site from content/ and data/.",
        epilog="With no command, build. Run `build.py COMMAND --help` for a command's options. "
        "Exit status: 0 success, 1 content errors (each listed as path:line: field: message), 2 bad usage.",
    )
    # The options commands share, each given only to the commands that use it.
    shared = {
        "source": lambda c: c.add_argument(
            "--source", type=Path, default=ROOT, metavar="DIR", help="the folder that holds content/ and data/ (default: this repository)"
        ),
        "today": lambda c: c.add_argument(
            "--today",
            type=_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="the date every date rule uses, such as review due dates (default: today's date)",
        ),
        "drafts": lambda c: c.add_argument("--drafts", action="store_true", help="include pages marked draft: true"),
        "production": lambda c: c.add_argument(
            "--production",
            action="store_true",
            help="a build for the public site: drafts are left out and sample data or expired claims are errors",
        ),
        "base-url": lambda c: c.add_argument(
            "--base-url",
            metavar="URL",
            help="the address the site is served from, like https://example.org/spine/ (default: base_url in data/site.yaml)",
        ),
    }
    uses = {
        "build": ("source", "today", "drafts", "production", "base-url"),
        "check": ("source", "today", "drafts", "production", "base-url"),
        "serve": ("source", "today", "drafts", "base-url"),
        "new": ("source",),
        "translate": ("source",),
        "review": ("source", "today", "drafts"),
        "schemas": ("source",),
    }

    def command_parser(name: str, **kwargs) -> argparse.ArgumentParser:
        command = sub.add_parser(name, **kwargs)
        command.set_defaults(today=None, drafts=False, production=False, base_url=None)
        for option in uses[name]:
            shared[option](command)
        return command

    sub = main.add_subparsers(dest="command", metavar="COMMAND")
    for name, text in (
        ("build", "build the site into site/ (the default command)"),
        ("check", "check every page and data file and build nothing"),
        ("serve", "build, serve the site on 127.0.0.1 and rebuild and reload when a file changes"),
    ):
        command = command_parser(name, help=text, description=text)
        if name != "check":
            command.add_argument(
                "--out", type=Path, default=None, metavar="DIR", help="where to write the site (default: site/ in the source folder)"
            )
            command.add_argument("--no-search", dest="search", action="store_false", help="skip building the search index (faster)")
        if name == "check":
            command.add_argument(
                "--format",
                choices=("text", "github"),
                default="text",
                help="text: path:line: field: message (default); github: GitHub Actions annotations, shown on the pull request's lines",
            )
        if name == "build":
            command.add_argument(
                "--jobs", type=_positive, default=None, metavar="N", help="how many processes share the work (default: one per CPU core)"
            )
        if name == "serve":
            command.add_argument("--port", type=int, default=8000, help="the port to serve on (default: 8000)")
    new = command_parser(
        "new",
        help="write a new draft page with every field to fill in",
        description='Write a new draft page, like: python build.py new tumors "Pilocytic astrocytoma". It never overwrites a file.',
    )
    new.add_argument("section", choices=sorted(BY_FOLDER), help="the section the page belongs to")
    new.add_argument("title", help="the page's title, in quotes")
    translate = command_parser(
        "translate",
        help="write a draft translation of a page, to translate",
        description="Write a draft translation of an English page, like: python build.py translate content/tumors/chordoma.md "
        "--to es. It copies the page's own text to be translated, records the English text it was made from "
        "(translated_from), and never overwrites a file.",
    )
    translate.add_argument("page", type=Path, help="the English page, like content/tumors/chordoma.md")
    translate.add_argument("--to", required=True, choices=sorted(TRANSLATIONS), help="the language to translate it into")
    review = command_parser(
        "review",
        help="report the review status of every medical page from git history, or record a review",
        description=(
            "Report every medical page's review from the git history of content/: its status, the first that applies of "
            f"{', '.join(STATUSES)}; its reviewer, next due date, last content change and reading grade. "
            "It reads front matter and data only; run check for the rest."
        ),
        epilog=(
            "Examples: review --fail-on never-reviewed,unverified-review,changed-since-review,overdue (the publishing gate); "
            "review --format html > review.html; review --stamp content/tumors/chordoma.md --by dr-jane-doe --commit"
        ),
    )
    review.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="how to print the report to standard output: table, csv, json, or html (a standalone page that shows what "
        "changed since each review; redirect it to a file) (default: table)",
    )
    review.add_argument(
        "--wide", action="store_true", help="with the table: every column (reviewed date, last change, title), however wide"
    )
    review.add_argument(
        "--fail-on",
        type=_statuses,
        default=frozenset(),
        metavar="STATUS,...",
        help="exit with status 1 when any page has one of these statuses, like overdue,changed-since-review",
    )
    review.add_argument(
        "--stamp",
        type=Path,
        metavar="PATH",
        help="record a review of this page (a path as review lists it, like content/tumors/chordoma.md) instead of "
        "reporting: set its medically_reviewed to today (--today) and its reviewed_by to --by, change nothing else in "
        "the file, and print a commit message with a Reviewed-by trailer (or commit it: --commit)",
    )
    review.add_argument(
        "--retranslated",
        type=Path,
        metavar="PATH",
        help="record that this translation (a page in content/es/) was brought up to date with its English page: set its "
        "translated_from to the English text as it is now, change nothing else, and print a commit message (or commit it: --commit)",
    )
    review.add_argument("--by", metavar="PROVIDER_ID", help="with --stamp: the reviewer's id in data/providers.yaml (an active provider)")
    review.add_argument(
        "--commit",
        action="store_true",
        help="with --stamp: commit the stamped page alone, with the Reviewed-by trailer, and print the commit; "
        "refused for a page with changes not yet committed or with errors. With --retranslated: commit the translation as it is",
    )
    command_parser(
        "schemas",
        help="write the editors' schemas: schemas/, .vscode/settings.json and frontmatter.json",
        description="Write the JSON Schemas of every kind's front matter and every data file (schemas/), the YAML "
        "extension's settings that map data/ to them (.vscode/settings.json) and Front Matter CMS's content types "
        "(frontmatter.json), all from the table of kinds. Run it after changing sitegen/kinds.py or a data file's fields.",
    )
    return main


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0")
    return int(text)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def _statuses(text: str) -> frozenset[str]:
    from sitegen.options import STATUSES

    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"name at least one status: {', '.join(STATUSES)}")
    for name in names:
        if name not in STATUSES:
            close = difflib.get_close_matches(name, STATUSES, n=1)
            hint = f'did you mean "{close[0]}"? ' if close else ""
            raise argparse.ArgumentTypeError(f'"{name}" is not a status; {hint}the statuses are {", ".join(STATUSES)}')
    return frozenset(names)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        close = difflib.get_close_matches(argv[0], COMMANDS, n=1, cutoff=0.6)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        return _usage(f'"{argv[0]}" is not a command; {hint}the commands are {", ".join(COMMANDS)}')
    if not argv or argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        argv.insert(0, "build")
    args = parser().parse_args(argv)
    from sitegen.options import Options, base_url_problem
    from sitegen.workers import default_jobs

    if args.production and args.drafts:
        return _usage("--production leaves drafts out; do not combine it with --drafts")
    if args.base_url and base_url_problem(args.base_url):
        return _usage(f"--base-url: {base_url_problem(args.base_url)}")
    if not (args.source / "content").is_dir() and not (args.source / "data").is_dir():
        return _usage(f"--source: {args.source} has no content/ or data/ folder")
    out = getattr(args, "out", None) or args.source / "site"
    from sitegen.output import OutputRefused, output_problem

    if args.command in ("build", "serve") and output_problem(out, args.source):
        return _usage(output_problem(out, args.source))
    options = Options(
        source=args.source.resolve(),
        out=out.resolve(),
        today=args.today or dt.date.today(),
        base_url=args.base_url,
        drafts=args.drafts,
        production=args.production,
        search=getattr(args, "search", True),
        # serve builds beside its server threads, where forking workers is not safe
        jobs=getattr(args, "jobs", None) or (1 if args.command == "serve" else default_jobs()),
    )
    from sitegen.workers import ChildDied

    if args.command != "serve":
        # A run of one command ends when its work does. What it holds (caches, pages,
        # tokens) hardly ever forms reference cycles, and the collector's repeated passes
        # over it cost a large part of a build (scripts/BENCH-NOTES.md), for no less memory at
        # the end. serve, which runs for hours, keeps it.
        gc.disable()
    try:
        commands = {
            "build": _build,
            "check": _check,
            "serve": _serve,
            "new": _new,
            "translate": _translate,
            "review": _review,
            "schemas": _schemas,
        }
        return commands[args.command](options, args)
    except OutputRefused as err:
        return _usage(str(err))
    except OSError as err:
        print(f"build.py: {err.strerror or err}: {err.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except ChildDied as err:
        print(f"build.py: {err}; nothing was published", file=sys.stderr)
        return 1


def _usage(message: str) -> int:
    print(f"build.py: error: {message}", file=sys.stderr)
    return 2


def _report(result) -> None:
    """The problems and the drafts left out; the count too where there are errors (else the
    command's own last line counts the warnings)."""
    problems = result.problems
    if problems.errors:
        print(problems.report(), file=sys.stderr)
    elif problems.items or problems.drafts:
        print("\n".join(problems.lines()), file=sys.stderr)


def _build(options, args) -> int:
    from sitegen.apart import build_apart

    started = time.perf_counter()
    result = build_apart(options)
    _report(result)
    if result.problems.errors:
        print(f"Nothing was published; {_shown(options.out)} is unchanged.", file=sys.stderr)
        return 1
    warnings = result.problems.warnings_note()
    if result.unchanged:
        print(f"Nothing changed since the last build: {_shown(options.out)} is up to date ({result.written} files){warnings}.")
    else:
        print(f"Built {result.written} files into {_shown(options.out)} in {time.perf_counter() - started:.2f}s{warnings}.")
    return 0


def _check(options, args) -> int:
    from sitegen.pipeline import load_and_check

    result = load_and_check(options)
    if args.format == "github":
        print("\n".join(result.problems.github()))
        return 1 if result.problems.errors else 0
    _report(result)
    if result.problems.errors:
        return 1
    warnings = len(result.problems.warnings)
    counted = f", {warnings} warning{'' if warnings == 1 else 's'}" if warnings else ""
    print(f"Checked {len(result.model.pages)} pages: no errors{counted}.")
    return 0


def _serve(options, args) -> int:
    from sitegen.serve import serve

    return serve(options, args.port)


def _new(options, args) -> int:
    from sitegen.content import new_page_text
    from sitegen.kinds import BY_FOLDER
    from sitegen.markdown import slugify

    slug = slugify(args.title)
    if not slug:
        return _usage("the title needs at least one letter or digit")
    path = options.source / "content" / args.section / f"{slug}.md"
    if path.exists():
        print(f"{_shown(path)}: file: already exists; nothing was written (pick another title or edit that file)", file=sys.stderr)
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(new_page_text(BY_FOLDER[args.section], args.title))
    print(
        f"Wrote {_shown(path)}, a draft: preview it with --drafts, and publish it by removing draft: true once it is "
        "written and, for a medical page, a doctor has reviewed it (review --stamp PATH --by ID --commit)."
    )
    return 0


def _schemas(options, args) -> int:
    from sitegen.schemas import generated, write

    files = generated()
    changed = write(options.source, files)
    written = [rel for rel in changed if rel in files]
    removed = [rel for rel in changed if rel not in files]
    print(f"Wrote {len(written)} of {len(files)} files" + (f": {', '.join(written)}" if written else "; all were up to date") + ".")
    if removed:
        print(f"Removed {len(removed)} no longer made: {', '.join(removed)}.")
    return 0


def _translate(options, args) -> int:
    from sitegen.translate import write_translation

    path = next((p for p in (options.source / args.page, args.page) if p.is_file()), options.source / args.page)
    written = write_translation(options.source, path, args.to)
    if written.problems.items:
        print(written.problems.report(), file=sys.stderr)
    if written.path is None:
        return 1
    print(
        f"Wrote {_shown(written.path)}, a draft: translate its title, summary, other names and body (links stay the English "
        "pages' addresses: the build leads them to the translations), then remove draft: true; a medical page also needs a "
        "review by a doctor who reads the language (review --stamp PATH --by ID --commit)."
    )
    return 0


def _retranslated(options, args) -> int:
    from sitegen.history import commit_file
    from sitegen.translate import retranslated

    if args.stamp or args.by:
        return _usage("--retranslated records a translation brought up to date; a review is recorded on its own with --stamp")
    path = next((p for p in (options.source / args.retranslated, args.retranslated) if p.is_file()), None)
    if path is None:
        return _usage(f"--retranslated: no file {args.retranslated}")
    written = retranslated(options.source, path)
    if written.problems.items:
        print(written.problems.report(), file=sys.stderr)
    if written.problems.errors:
        return 1
    if not written.message:
        return 0
    if not args.commit:
        sys.stdout.write(written.message)
        return 0
    rel = _from_source(options, path)
    done, said = commit_file(options.source, rel, written.message)
    if not done:
        from sitegen.stamp import _replace

        _replace(path, written.original)
        print(f"build.py: git commit failed: {said}; the page is as it was", file=sys.stderr)
        return 1
    print(f"Committed as {said[:12]}: {written.message.splitlines()[0]}")
    return 0


def _review(options, args) -> int:
    if args.retranslated:
        return _retranslated(options, args)
    if args.stamp or args.by:
        return _stamp(options, args)
    from sitegen.report import format_report
    from sitegen.review import STATUSES, failing, review_site

    report = review_site(options.source, options.today, options.drafts, texts=args.format == "html")
    if report.problems.errors:
        _report(report)
        return 1
    sys.stdout.write(format_report(report, args.format, args.wide))
    sys.stdout.flush()
    _report(report)  # notes on unknown statuses, and claims expired or expiring soon
    failed = failing(report, args.fail_on)
    if failed:
        statuses = ", ".join(s for s in STATUSES if any(row.status == s for row in failed))
        print(
            f"{len(failed)} page{'s' if len(failed) != 1 else ''} {'is' if len(failed) == 1 else 'are'} {statuses} (--fail-on)",
            file=sys.stderr,
        )
        return 1
    return 0


def _stamp(options, args) -> int:
    from sitegen.stamp import says_review, stamp_review, undo

    if not args.stamp:
        return _usage(f"{'--commit' if args.commit and not args.by else '--by'} goes with --stamp PATH, the page that was reviewed")
    if not args.by:
        return _usage("--stamp needs --by PROVIDER_ID, the reviewer's id in data/providers.yaml")
    # A path as review lists it (from the source folder), else from the current folder.
    path = next((p for p in (options.source / args.stamp, args.stamp) if p.is_file()), None)
    if path is None:
        return _usage(f"--stamp: no file {args.stamp}")
    # The page already says this review (the doctor reviewed it earlier today): the stamp
    # writes nothing, and the commit that records the new review is the edit it signs.
    signs_edit = args.commit and says_review(path, args.by, options.today)
    if args.commit:
        refused = _not_to_commit(options, path, signs_edit)
        if refused:
            print(refused, file=sys.stderr)
            return 1
    stamped = stamp_review(options.source, path, args.by, options.today)
    if stamped.usage:
        return _usage(stamped.usage)
    if stamped.problems.items:
        print(stamped.problems.report(), file=sys.stderr)
    if stamped.problems.errors:
        return 1
    if not args.commit:
        sys.stdout.write(stamped.message)
        return 0
    from sitegen.history import commit_file, has_changes

    rel = _from_source(options, path)
    if stamped.original is None and not (signs_edit and has_changes(options.source, rel)):
        return 0  # the page already says this review, and its text is committed: nothing to commit
    done, said = commit_file(options.source, rel, stamped.message)
    if not done:
        undo(path, stamped)
        print(f"build.py: git commit failed: {said}; the page is as it was", file=sys.stderr)
        return 1
    print(f"Committed the review as {said[:12]}: {stamped.message.splitlines()[0]}")
    return 0


def _from_source(options, path: Path) -> str:
    return path.resolve().relative_to(options.source.resolve()).as_posix()


def _not_to_commit(options, path: Path, signs_edit: bool = False) -> str:
    """Why the page's review cannot be committed, or "": the commit must hold the stamp alone
    (the text the doctor signed is the committed text), but where the page already says this
    review (signs_edit) and only the edit is left to commit, and the page must pass its
    checks."""
    from sitegen.history import has_changes
    from sitegen.pipeline import load_and_check

    try:
        rel = _from_source(options, path)
    except ValueError:
        return f"build.py: --commit: {path} is not inside the source folder {options.source}"
    if has_changes(options.source, rel) and not signs_edit:
        return (
            f"{rel}:1: file: has changes that are not committed (or was never committed); commit the text the doctor "
            "reviewed first, then stamp the review with --commit"
        )
    checked = load_and_check(dataclasses.replace(options, drafts=True))
    own = [problem for problem in checked.problems.errors if problem.path == rel]
    if own:
        lines = "\n".join(f"{p.path}:{p.line}: {p.field}: {p.message}" for p in own)
        return f"{lines}\nbuild.py: --commit: {rel} has errors; fix them and commit the page, then stamp its review"
    return ""


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
