"""``hvtui <action>`` commands on the embedded lab: dry runs, refusals, confirmations, audit.

Each command opens a fresh in-process lab estate, so a change is checked within the command
that made it (its output and the audit log), never by a second command.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lab_cli import audit, flat, run_cli

from hvtui.cli import build_parser
from hvtui.cli_actions import run_request

LAB = ["--lab-speed", "inf"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code, out, err = run_cli(capsys, *argv)
    return code, flat(out), err


DRY_RUNS = [
    ["migrate", "LEGACY-SQL", "--to", "HV-DR1", "--include-storage", "--storage-path",
     "E:\\VMs\\LEGACY-SQL"],
    ["resize-vhd", "DC01", "SCSI 0:0", "+20G"],
    ["export", "JUMP01", "E:\\Exports"],
    ["enhanced-session", "HV-DR1", "HV-2019", "on"],
    ["host-migration", "HV-NODE3", "on"],
    ["guest-services", "DR-DC02", "JUMP01", "on"],
    ["copy-file", "JUMP01", "C:\\Tools\\hvtui-agent.msi", "C:\\Install\\agent.msi"],
    ["vm", "start", "BUILD01"],
    ["vm", "stop", "DC01"],
    ["vm", "turn-off", "DC01", "DR-DC02"],
    ["vm", "save", "DC01"],
    ["vm", "pause", "DC01"],
    ["vm", "resume", "RHEL-DB01"],
    ["vm", "restart", "DC01"],
    ["vm", "checkpoint", "DC01", "--name", "before patch"],
    ["vm", "apply-checkpoint", "WIN2019-WEB", "--name", "Baseline"],
    ["vm", "delete-checkpoint", "WIN2019-WEB", "--name", "Test branch"],
    ["replica", "frequency", "EXCH01", "30", "--host", "HV-NODE2"],
    ["replica", "pause", "EXCH01", "--host", "HV-NODE2"],
    ["replica", "resume", "ERP-APP", "--host", "HV-LEGACY"],
    ["cluster", "drain", "HV-NODE2"],
    ["cluster", "resume", "HV-NODE3", "--failback", "Immediate"],
    ["cluster", "drain-on-shutdown", "HVC01", "off"],
    ["cluster", "move", "FS01", "--to", "HV-NODE2", "--host", "HV-NODE1"],
]


@pytest.mark.parametrize("argv", DRY_RUNS, ids=lambda a: " ".join(a[:2]))
def test_every_command_dry_runs_without_changing_anything(
        capsys: pytest.CaptureFixture[str], state_dir: Path, argv: list[str]) -> None:
    code, out, err = run(capsys, *argv, "--dry-run")
    assert code == 0, out + err
    assert "Pre-flight checks:" in out and "PowerShell that will run:" in out
    assert "Dry run: nothing was changed." in out
    assert audit(state_dir) == []


def test_dry_run_shows_the_exact_powershell_with_names_as_data(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "vm", "checkpoint", "O'Brien-APP", "--name", "it’s $(done)",
                       "--dry-run")
    assert code == 0
    assert "Checkpoint-VM -Name 'O''Brien-APP' -SnapshotName 'it’’s $(done)' -Passthru" in out


def test_migrate_runs_2012_to_2012r2_and_audits_it(capsys: pytest.CaptureFixture[str],
                                                   state_dir: Path) -> None:
    code, out, err = run(capsys, "migrate", "LEGACY-SQL", "--to", "HV-DR1", "--include-storage",
                         "--storage-path", "E:\\VMs\\LEGACY-SQL")
    assert code == 0, out + err
    assert "PASS LEGACY-SQL: Configuration version: cross-version live migration" in out
    assert "[job 1 100%]" in out
    assert "Done: 1 of 1 step(s) succeeded." in out
    assert [(e["operation"], e["outcome"]) for e in audit(state_dir)] == [
        ("vm-move", "started"), ("vm-move", "succeeded")]


def test_migrating_back_to_2012_is_refused(capsys: pytest.CaptureFixture[str],
                                           state_dir: Path) -> None:
    code, out, err = run(capsys, "migrate", "DR-DC02", "--to", "HV-LEGACY", "--include-storage",
                         "--storage-path", "D:\\VMs\\DR-DC02")
    assert code == 2
    assert "FAIL DR-DC02: Configuration version" in out
    assert "fix: choose a destination running Windows Server 2012 R2 or later" in out
    assert "Refused, nothing was changed" in out
    assert [(e["operation"], e["outcome"]) for e in audit(state_dir)] == [("migrate", "refused")]


def test_refused_dry_run_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "export", "ERP-APP", "D:\\Exports", "--host", "HV-LEGACY",
                       "--dry-run")
    assert code == 2
    assert "Exporting a running VM needs Windows Server 2012 R2 or later" in out


def test_unparsable_size_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str],
                                                state_dir: Path) -> None:
    code, out, err = run(capsys, "resize-vhd", "DC01", "0", "twenty gigs")
    assert code == 2 and out == ""
    assert err.startswith("hvtui: Size not understood: 'twenty gigs' is not a size")
    assert "120 GiB" in err and len(err.strip().splitlines()) == 1
    assert audit(state_dir)[0]["outcome"] == "refused"


def test_shrink_below_minimum_and_ide_vhd_online_are_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "resize-vhd", "O'Brien-APP", "SCSI 0:0", "30 GiB")
    assert code == 2 and "below the disk's minimum" in out
    code, out, _ = run(capsys, "resize-vhd", "O'Brien-APP", "IDE 0:0", "+10G")
    assert code == 2 and "only VHDX can be resized while the VM runs" in out


def test_copy_file_is_refused_while_guest_services_are_off(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "copy-file", "DR-DC02", "C:\\Tools\\hvtui-agent.msi",
                       "C:\\Install\\agent.msi")
    assert code == 2
    assert "fix: turn it on first: `hvtui guest-services DR-DC02 on`" in out


def test_copy_file_works_where_guest_services_are_on(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "copy-file", "JUMP01", "C:\\Tools\\hvtui-agent.msi",
                         "C:\\Install\\agent.msi")
    assert code == 0, out + err
    assert "Done: 1 of 1 step(s) succeeded." in out


def test_destructive_without_a_terminal_needs_yes(capsys: pytest.CaptureFixture[str],
                                                  state_dir: Path) -> None:
    code, out, err = run(capsys, "vm", "turn-off", "DC01")
    assert code == 2
    assert "there is no terminal to ask on (pass --yes to confirm it in a script)" in err
    assert audit(state_dir)[-1]["outcome"] == "refused"
    code, out, err = run(capsys, "vm", "turn-off", "DC01", "--yes")
    assert code == 0, out + err
    assert [e["outcome"] for e in audit(state_dir)][-2:] == ["started", "succeeded"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _args(*argv: str):  # type: ignore[no-untyped-def]
    return build_parser().parse_args([*LAB, *argv])


def test_terminal_confirmation_names_objects_and_bulk_needs_the_count(state_dir: Path) -> None:
    out = io.StringIO()
    args = _args("vm", "turn-off", "DC01")
    assert run_request(args, args.make_request, stdin=_Terminal("n\n"), out=out) == 2
    assert "Turn off DC01: this is destructive for DC01. Go ahead? [y/N]" in flat(out.getvalue())
    assert "Cancelled: nothing was changed." in flat(out.getvalue())
    assert audit(state_dir)[-1]["outcome"] == "cancelled"

    out = io.StringIO()
    args = _args("vm", "turn-off", "DC01", "DR-DC02")
    assert run_request(args, args.make_request, stdin=_Terminal("y\n"), out=out) == 2
    assert "This changes 2 objects: DC01, DR-DC02. Type 2 to confirm:" in flat(out.getvalue())
    out = io.StringIO()
    assert run_request(args, args.make_request, stdin=_Terminal("2\n"), out=out) == 0
    assert "Done: 2 of 2 step(s) succeeded." in flat(out.getvalue())


def test_read_only_refuses_every_mutating_command(capsys: pytest.CaptureFixture[str],
                                                  state_dir: Path) -> None:
    code, _, err = run(capsys, "--read-only", "vm", "start", "BUILD01")
    assert code == 2 and "hvtui runs read-only" in err
    assert audit(state_dir) == []


def test_ambiguous_name_asks_for_host(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "replica", "frequency", "EXCH01", "30")
    assert code == 2
    assert '"EXCH01" exists on HV-DR1, HV-DR2, HV-NODE2' in err and "--host" in err
    code, out, _ = run(capsys, "replica", "frequency", "EXCH01", "30", "--host", "HV-DR1")
    assert code == 2 and "cannot be modified on the replica virtual machine" in out


def test_unknown_vm_and_bad_values_say_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "vm", "start", "NOPE")
    assert code == 2 and 'no virtual machine called "NOPE"' in err
    code, _, err = run(capsys, "guest-services", "DC01", "maybe")
    assert code == 2 and "neither on nor off" in err
    code, _, err = run(capsys, "replica", "frequency", "EXCH01", "often", "--host", "HV-NODE2")
    assert code == 2 and "not a number of seconds" in err
    code, _, err = run(capsys, "vm", "apply-checkpoint", "DC01")
    assert code == 2 and "--name" in err


def test_nothing_to_do_exits_0(capsys: pytest.CaptureFixture[str], state_dir: Path) -> None:
    code, out, _ = run(capsys, "vm", "start", "DC01")
    assert code == 0 and "Nothing to do" in out
    assert audit(state_dir) == []
