"""The argument parser: subcommands, shared options, one-line usage errors."""

from __future__ import annotations

import argparse
from typing import NoReturn

from .errors import USAGE

_EPILOG = """\
locations:
  ./media, /srv/media/*.jpg     plain local paths
  NAME:path                     a named remote (AIOFS_REMOTE_NAME=<url> or ~/.config/aiofs/aiofs.conf)
  memory://store/path           in-process store
  redis://host:6379/0/path      Redis (the first segment is the database)
  azure://container/path        Azure Blob Storage (AZURE_STORAGE_CONNECTION_STRING)
  scheme://root//path           '//' ends the file system's URL explicitly

exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 permission, 5 unreachable,
  6 conflict/busy, 7 extra not installed, 130 interrupted. See docs/cli.md.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        prog = self.prog
        self.exit(USAGE, f"aiofs: {message} (see '{prog} --help')\n")


def _common() -> _Parser:
    # SUPPRESS: options given before the command survive the subparser's defaults.
    common = _Parser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
    )
    common.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no progress bar or summary",
    )
    return common


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {value!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return jobs


def build() -> argparse.ArgumentParser:
    from . import commands

    common = _common()
    parser = _Parser(
        prog="aiofs",
        description="Inspect and move files on any aiofs backend.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    from aiofs import __version__

    parser.add_argument("--version", action="version", version=f"aiofs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def add(name: str, help: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help, description=help, parents=[common])
        cmd.set_defaults(func=commands.COMMANDS[name])
        return cmd

    def transfer_options(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument(
            "-j", "--jobs", type=_jobs, default=8, help="files copied at once (default 8)"
        )
        cmd.add_argument("-v", "--verbose", action="store_true", help="print each file")
        cmd.add_argument("--json", action="store_true", help="print a JSON summary")

    cmd = add("ls", "list files (glob, file or folder; '*' also matches '/')")
    cmd.add_argument("locations", nargs="+", metavar="LOCATION")
    cmd.add_argument("-l", "--long", action="store_true", help="size, modified, etag")
    cmd.add_argument("--human", action="store_true", help="sizes as KiB, MiB, ...")
    cmd.add_argument("--json", action="store_true", help="a JSON array of files")

    cmd = add("stat", "size, modification time and etag of files")
    cmd.add_argument("locations", nargs="+", metavar="LOCATION")
    cmd.add_argument("--json", action="store_true", help="a JSON array")

    cmd = add("cat", "write files to stdout")
    cmd.add_argument("locations", nargs="+", metavar="LOCATION")

    for name, help, hint in (
        ("put", "upload local files ('-' reads stdin)", "LOCAL... DST"),
        ("get", "download files to a local path", "SRC... LOCAL"),
        ("cp", "copy files between any two locations", "SRC... DST"),
        ("mv", "move files between any two locations", "SRC... DST"),
    ):
        cmd = add(name, help)
        cmd.add_argument("paths", nargs="+", metavar=hint.split()[0])
        cmd.add_argument("-r", "--recursive", action="store_true", help="copy a folder's contents")
        transfer_options(cmd)
        cmd.set_defaults(arity=hint)

    cmd = add("rm", "remove files (globs; -r for a folder)")
    cmd.add_argument("locations", nargs="+", metavar="LOCATION")
    cmd.add_argument("-r", "--recursive", action="store_true", help="everything under a folder")
    cmd.add_argument("-f", "--force", action="store_true", help="a missing file is no error")
    cmd.add_argument("-v", "--verbose", action="store_true", help="print how many were removed")
    cmd.add_argument("--json", action="store_true", help="a JSON summary")

    cmd = add("sync", "copy what is missing or changed from SRC to DST")
    cmd.add_argument("src", metavar="SRC")
    cmd.add_argument("dst", metavar="DST")
    cmd.add_argument("--delete", action="store_true", help="remove DST files SRC lacks")
    cmd.add_argument("-n", "--dry-run", action="store_true", help="show, change nothing")
    cmd.add_argument(
        "--modify-window",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="times closer than this count as equal (default 1)",
    )
    transfer_options(cmd)
    return parser


def parse(argv: list[str]) -> argparse.Namespace:
    parser = build()
    args = parser.parse_args(argv)
    arity = getattr(args, "arity", None)
    if arity and len(args.paths) < 2:
        parser.exit(
            USAGE, f"aiofs: {args.command} needs {arity} (see 'aiofs {args.command} --help')\n"
        )
    return args
