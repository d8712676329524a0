"""The ``hvtui`` command: the console by default, plus a scriptable face.

    hvtui                               open the console (embedded lab if no inventory)
    hvtui get vms|hosts|disks|replicas|clusters [--host H] [-o table|json]
    hvtui lab serve [--write-inventory FILE]
    hvtui <action> ...                  see ``hvtui --help`` (hvtui.cli_actions)

Every failure ends as one clear line on stderr and exit code 2; no traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from hvtui.errors import HvtuiError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors say what to do and exit 2 without a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"hvtui: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hvtui", description="A terminal console for Hyper-V.")
    parser.add_argument("--inventory", metavar="FILE",
                        help="hosts to manage (default: the user's config dir; else the lab)")
    parser.add_argument("--scenario", metavar="FILE",
                        help="use the embedded lab with this scenario file")
    parser.add_argument("--read-only", action="store_true",
                        help="hide and refuse every action that changes anything")
    parser.add_argument("--theme", help="console theme (dark, light, high-contrast, ansi16)")
    parser.add_argument("--lab-speed", type=float, default=1.0, metavar="X",
                        help="the lab's clock runs X times faster than real time")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    get = sub.add_parser("get", help="print the inventory")
    get.add_argument("what", choices=["hosts", "vms", "disks", "replicas", "clusters"])
    get.add_argument("--host", help="only this host")
    get.add_argument("-o", "--output", default="table", choices=["table", "json"],
                     help="output format (default: table)")

    from hvtui import cli_actions, cli_lab

    cli_lab.register(sub)
    cli_actions.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return _console(args)
        handler = getattr(args, "handler", None)
        if args.command == "get":
            from hvtui.cli_get import run_get

            return asyncio.run(run_get(args))
        if handler is not None:
            return int(handler(args) or 0)
        raise HvtuiError(f"unknown command {args.command!r}", hint="see `hvtui --help`")
    except HvtuiError as exc:
        print(f"hvtui: {exc.user_message()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("hvtui: interrupted", file=sys.stderr)
        return 130


def _console(args: argparse.Namespace) -> int:
    from hvtui.config import on_terminal
    from hvtui.session_setup import open_pool

    if not (on_terminal(sys.stdin) and on_terminal(sys.stdout)):
        raise HvtuiError("the console needs a terminal (standard input and output)",
                         hint="run it in a terminal, or use `hvtui get vms -o json` in scripts")
    from hvtui.ui.app import make_app

    pool, source = open_pool(args, prompts=False)  # the console holds the terminal
    app = make_app(pool, read_only=args.read_only or source.read_only, theme=args.theme,
                   read_only_hosts=source.read_only_hosts)
    app.run()
    return int(app.return_code or 0)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
