"""The ``hvtui`` command: the console by default, plus a scriptable face.

    hvtui                               open the console (embedded lab if no inventory)
    hvtui get vms|hosts|disks|replicas|clusters [--host H] [-o table|json]
    hvtui doctor [HOST...] [-o table|json]  what hvtui can and cannot do on each host
    hvtui lab serve [--write-inventory FILE]
    hvtui lab reset                     forget the kept lab (hvtui.lab.kept): start afresh
    hvtui <action> ...                  see ``hvtui --help`` (hvtui.cli_actions)

The contract (also in ``hvtui --help`` and the README): plans, progress and tables go to
stdout; every error is one line on stderr; no input ever produces a traceback; a closed
pipe ends quietly. Exit status:

    0    done (or nothing to do)
    1    partial: some hosts did not answer, a step failed or was interrupted on the host,
         a change could not be recorded in the audit log, or hvtui failed unexpectedly
    2    refused or bad input: nothing was changed
    130  interrupted (Ctrl+C, SIGTERM, SIGHUP): the audit log records the step in flight
         as "interrupted, state unknown" with the command that shows its state
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import sys
from collections.abc import Sequence

from hvtui.cli_io import say_error, silence
from hvtui.errors import HvtuiError, Interrupted

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_REFUSED = 2
EXIT_INTERRUPTED = 130

EXIT_CODES = """exit status:
  0    done (or nothing to do)
  1    partial: some hosts did not answer, a step failed or was interrupted on a host,
       a change could not be recorded in the audit log, or hvtui itself failed
  2    refused or bad input: nothing was changed
  130  interrupted (Ctrl+C, SIGTERM, SIGHUP); the audit log records the step in flight
       as interrupted, state unknown, with the command that shows its state

Plans, progress and tables go to stdout; errors are one line each on stderr."""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors say what to do and exit 2 without a traceback, and a
    negative size such as ``-10G`` is a value, not an unknown option."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # argparse reads "-10G" as an option (only "-10" and "-1.5" count as numbers);
        # hvtui has no option starting with a digit, so anything like "-<digit>" is a value.
        self._negative_number_matcher = re.compile(r"^-\.?\d")

    def error(self, message: str) -> None:  # type: ignore[override]
        say_error(f"{message} (see `{self.prog} --help`)")
        self.exit(EXIT_USAGE)


def lab_speed(text: str) -> float:
    """``--lab-speed``: a number above 0, or ``inf`` (long operations complete at once)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a speed: give a number above 0 (1 = real time, 10 = ten times "
            "faster), or inf")
    return value


_VALUE_OPTIONS = frozenset({"--inventory", "--scenario", "--theme", "--lab-speed"})
"""The global options that take a value (the next word, unless written ``--name=value``)."""

_FLAG_OPTIONS = frozenset({"--read-only"})

_LIGHT_COMMANDS = frozenset({None, "get"})
"""What the parser of the global options and ``get`` alone can parse: the console and
``get`` then start without importing the actions stack (about 100 modules)."""


def command_word(argv: Sequence[str]) -> str | None | bool:
    """The sub-command ``argv`` names (None for the console), or False when that is not
    certain without the whole parser: help, an abbreviated or unknown option."""
    words = iter(argv)
    for word in words:
        if not word.startswith("-") or word == "-":
            return word
        name = word.split("=", 1)[0]
        if name in _VALUE_OPTIONS:
            if "=" not in word and next(words, None) is None:
                return False
        elif name not in _FLAG_OPTIONS or "=" in word:
            return False
    return None


def build_parser(*, full: bool = True) -> argparse.ArgumentParser:
    """``hvtui``'s parser; ``full=False``: only the global options and ``get``."""
    parser = _Parser(prog="hvtui", description="A terminal console for Hyper-V.",
                     epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inventory", metavar="FILE",
                        help="hosts to manage (default: the user's config dir; else the lab)")
    parser.add_argument("--scenario", metavar="FILE",
                        help="use the embedded lab with this scenario file")
    parser.add_argument("--read-only", action="store_true",
                        help="hide and refuse every action that changes anything")
    parser.add_argument("--theme", help="console theme (dark, light, high-contrast, ansi16)")
    parser.add_argument("--lab-speed", type=lab_speed, metavar="X",
                        default=os.environ.get("HVTUI_LAB_SPEED") or "1",
                        help="the lab's clock runs X times faster than real time (default: "
                             "$HVTUI_LAB_SPEED, else 1; inf: long operations end at once)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    get = sub.add_parser("get", help="print the inventory")
    get.add_argument("what", choices=["hosts", "vms", "disks", "replicas", "clusters", "nics",
                                         "switches"])
    get.add_argument("--host", help="only this host")
    get.add_argument("-o", "--output", default="table", choices=["table", "json"],
                     help="output format (default: table)")
    if not full:
        return parser

    from hvtui import cli_actions, cli_diff, cli_doctor, cli_lab, cli_storage

    cli_diff.register(sub)
    cli_doctor.register(sub)
    cli_lab.register(sub)
    cli_actions.register(sub)
    cli_storage.register(sub)
    # host settings (issue 11, hostcfg)
    from hvtui import cli_host
    cli_host.register(sub)
    # VM screen as text (issue 12, thumbs): screen, keys
    from hvtui import cli_screen

    cli_screen.register(sub)
    # Networking (issue 11)
    from hvtui import cli_network

    cli_network.register(sub)
    # events pane (issue 12)
    from hvtui import cli_events

    cli_events.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``hvtui`` command; returns its exit status (see the module docstring)."""
    try:
        words = sys.argv[1:] if argv is None else list(argv)
        args = build_parser(full=command_word(words) not in _LIGHT_COMMANDS).parse_args(words)
        return _dispatch(args)
    except Interrupted as exc:
        say_error(exc.user_message())
        return EXIT_INTERRUPTED
    except HvtuiError as exc:
        say_error(exc.user_message())
        return EXIT_REFUSED
    except KeyboardInterrupt:
        say_error("interrupted (Ctrl+C)")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`hvtui get vms | head`): end quietly
        silence(sys.stdout)
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - a bug: one line here, the traceback in the log
        from hvtui.ui.crashlog import log_exception, one_line

        path = log_exception(exc, "hvtui " + " ".join(map(str, argv or sys.argv[1:])))
        say_error(f"unexpected error ({one_line(exc)}); this is a bug in hvtui. The details "
                  f"are in {path}")
        return EXIT_PARTIAL


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        return _console(args)
    handler = getattr(args, "handler", None)
    if args.command == "get":
        from hvtui.cli_get import run_get

        return asyncio.run(run_get(args))
    if handler is not None:
        return int(handler(args) or 0)
    raise HvtuiError(f"unknown command {args.command!r}", hint="see `hvtui --help`")


def _console(args: argparse.Namespace) -> int:
    from hvtui.config import on_terminal

    if not (on_terminal(sys.stdin) and on_terminal(sys.stdout)):
        raise HvtuiError("the console needs a terminal (standard input and output)",
                         hint="run it in a terminal, or use `hvtui get vms -o json` in scripts")
    import errno
    import gc

    gc.disable()  # until the first frame (ui.lifecycle): start-up allocates, frees no cycles
    try:
        from hvtui.session_setup import open_pool
        from hvtui.ui.app import make_app

        pool, source = open_pool(args, prompts=False, lab_role="console")  # holds the terminal
        app = make_app(pool, read_only=args.read_only or source.read_only, theme=args.theme,
                       read_only_hosts=source.read_only_hosts)
        try:
            app.run()
        except OSError as error:
            # The console had ended (a return code is set) and only its closing line could not
            # be printed: the terminal has gone (hvtui.ui.terminal). Anything else is a bug.
            if app.return_code is None or error.errno not in (errno.EIO, errno.EPIPE):
                raise
    finally:
        gc.enable()
    return int(app.return_code or 0)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
