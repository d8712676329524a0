"""What a session knows about itself: cultures, the account, the modules its commands are in.

These are what ``doctor.ps1`` reads; the runtime supplies them through optional members of
the Runtime contract (``ui_culture``, ``culture``, ``windows_identity()``) and the module
fields of each Command.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from pwsh_support import COMMANDS, UnitRuntime, one, out, ps

from hvtui.lab.pwsh import Identity

ACCOUNT = Identity("CONTOSO\\ada", "S-1-5-21-10-20-30-1107",
                   ("S-1-1-0", "S-1-5-32-578", "S-1-5-21-10-20-30-513"), "NTLM")


class Host(UnitRuntime):
    """The unit runtime plus the optional session facts."""

    def __init__(self, version: tuple[int, int] = (5, 1), edition: str = "Desktop",
                 ui_culture: str = "ja-JP", culture: str = "de-DE") -> None:
        super().__init__(version, edition)
        self.ui_culture = ui_culture
        self.culture = culture
        self.commands["get-echo"] = replace(self.commands["get-echo"], module="Widgets",
                                            module_version="2.0.0.0", cache={})
        self.commands["set-thing"] = replace(self.commands["set-thing"], module="Widgets",
                                             module_version="1.0", kind="Function", cache={})

    def windows_identity(self) -> Identity:
        return ACCOUNT


def test_cultures_come_from_the_runtime_and_are_read_only() -> None:
    assert out("$PSUICulture\n$PSCulture", runtime=Host()) == ["ja-JP", "de-DE"]
    outcome = ps("$PSUICulture = 'en-US'\n'next'", runtime=Host())
    assert outcome.output == ["next"]
    assert outcome.errors[0].message == \
        "Cannot overwrite variable PSUICulture because it is read-only or constant."


def test_without_cultures_the_runtime_reads_en_us() -> None:
    assert out("$PSUICulture\n$PSCulture") == ["en-US", "en-US"]
    assert out("$PSCulture", runtime=Host(culture="")) == ["ja-JP"]


def test_the_current_windows_identity_is_the_runtime_account() -> None:
    text = """$id = [Security.Principal.WindowsIdentity]::GetCurrent()
    $id.Name
    $id.User.Value
    [string]$id.User
    @($id.Groups | ForEach-Object { $_.Value }) -contains 'S-1-5-32-578'
    $id.Groups.Value -contains 'S-1-5-32-544'
    $id.AuthenticationType
    $id.IsSystem
    $id.ToString()"""
    assert out(text, runtime=Host()) == [
        "CONTOSO\\ada", "S-1-5-21-10-20-30-1107", "S-1-5-21-10-20-30-1107", True, False,
        "NTLM", False, "System.Security.Principal.WindowsIdentity"]
    full = "[System.Security.Principal.WindowsIdentity]::GetCurrent().Name"
    assert one(full, runtime=Host()) == "CONTOSO\\ada"


def test_a_runtime_without_an_account_is_a_lab_defect() -> None:
    with pytest.raises(LookupError, match="windows_identity"):
        ps("[Security.Principal.WindowsIdentity]::GetCurrent()")


def test_get_command_shows_the_module_and_its_version() -> None:
    text = """$c = Get-Command -Name 'Get-Echo'
    $c.ModuleName
    [string]$c.Module.Version
    $c.Module.Version.Major
    [string]$c.CommandType
    $p = Get-Command -Name 'Set-Thing'
    [string]$p.CommandType
    [string]$p.Module.Version
    $null -eq (Get-Command -Name 'ForEach-Object').Module"""
    assert out(text, runtime=Host()) == ["Widgets", "2.0.0.0", 2, "Cmdlet", "Function", "1.0",
                                         True]
    # A command with no module version (here: the unit runtime's) has no Module.
    assert one("$null -eq (Get-Command -Name 'Get-Echo').Module") is True
    assert COMMANDS  # the shared table is left as it was
    assert all(c.module_version == "" for c in COMMANDS)


@pytest.mark.parametrize(("version", "has"), [((3, 0), False), ((4, 0), False),
                                               ((5, 1), True), ((7, 4), True)])
def test_get_command_lists_the_common_parameters_of_that_powershell(
        version: tuple[int, int], has: bool) -> None:
    text = """$c = Get-Command -Name 'Get-Echo'
    $c.Parameters.ContainsKey('InformationAction')
    $c.Parameters.ContainsKey('ErrorAction')
    $c.Parameters.ContainsKey('PipelineVariable')"""
    edition = "Core" if version[0] >= 6 else "Desktop"
    assert out(text, version=version, edition=edition) == [has, True, version >= (4, 0)]
