"""``hvtui lab serve`` (the lab estate behind real WinRM and SSH endpoints on loopback) and
``hvtui lab reset`` (forget the kept estate: the next run starts a fresh lab)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lab = sub.add_parser("lab", help="the embedded Hyper-V lab")
    lab_sub = lab.add_subparsers(dest="lab_command", required=True)
    serve = lab_sub.add_parser("serve", help="serve the lab over WinRM and SSH on 127.0.0.1")
    serve.add_argument("--write-inventory", metavar="FILE",
                       help="write an inventory file pointing at this lab")
    serve.add_argument("--transport", choices=["psrp", "ssh"], default="psrp",
                       help="transport the written inventory uses (default: psrp)")
    serve.add_argument("--generate", metavar="HOSTSxVMS",
                       help="serve a generated estate instead of the scenario, e.g. 100x50")
    serve.add_argument("--delay", type=float, default=0.0, metavar="SECONDS",
                       help="every host answers each call this much later (a slow estate)")
    serve.add_argument("--winrm-auth", choices=["basic", "ntlm", "negotiate", "credssp"],
                       default="basic",
                       help="WinRM authentication the written inventory uses: basic over HTTPS "
                            "(default), or a domain method over HTTP with message encryption")
    serve.add_argument("--fresh", action="store_true",
                       help="new ports, password and keys (by default a restart keeps them, "
                            "so open consoles reconnect)")
    serve.add_argument("--state-dir", metavar="DIR",
                       help="where the lab keeps its ports and secrets (default: "
                            "$XDG_STATE_HOME/hvtui/lab); one run per folder")
    serve.set_defaults(handler=_serve)
    reset = lab_sub.add_parser("reset", help="forget the kept lab: the next command, console "
                                              "or `lab serve` starts a fresh one")
    reset.add_argument("--state-dir", metavar="DIR",
                       help="the lab state folder to reset (default: $XDG_STATE_HOME/hvtui/lab)")
    reset.set_defaults(handler=_reset)


def _serve(args: argparse.Namespace) -> int:
    import asyncio

    from hvtui.lab.server.run import serve_forever

    return asyncio.run(serve_forever(args))


def _reset(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hvtui.cli_io import Output, say_error
    from hvtui.lab.kept import reset
    from hvtui.lab.state_folder import COMMAND_WAIT, LabFolder
    from hvtui.paths import lab_dir

    folder = LabFolder.take(Path(args.state_dir) if args.state_dir else lab_dir(), "cli",
                            wait=COMMAND_WAIT, waiting=lambda holder: say_error(
                                f"waiting for {holder.describe()} to finish with the lab"))
    try:
        Output().write(reset(folder))
    finally:
        folder.release()
    return 0
