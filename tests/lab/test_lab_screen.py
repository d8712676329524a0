"""The lab's VM screen and keyboard through WMI (vm-screen, vm-keys): thumbnails drawn from
the guest's state, Ctrl+Alt+Del and typed text the guest reacts to (issue 12)."""

from __future__ import annotations

from collections import Counter

import pytest
from test_lab_support import default_lab, estate_vm, kinds, only_error, run

from hvtui.lab import screen_render
from hvtui.lab.lab import Lab
from hvtui.model.thumbnail import decode_rgb565, rgb

W, H = 96, 72


def _rgb(color: tuple[int, int, int]) -> tuple[int, int, int]:
    """A colour as it comes back through RGB 565."""
    value = ((color[0] >> 3) << 11) | ((color[1] >> 2) << 5) | (color[2] >> 3)
    return rgb(value)


async def _shot(lab: Lab, host: str, name: str) -> dict[str, object]:
    vm = estate_vm(lab, host, name)
    result = await run(lab, host, "vm-screen", VMId=[vm.id], Width=W, Height=H)
    assert result.ok, result.errors
    [record] = kinds(result, "Thumbnail")
    return record


def _background(record: dict[str, object]) -> tuple[int, int, int]:
    data = record["ImageData"]
    assert isinstance(data, bytes)
    pixels = decode_rgb565(data, W, H)
    return rgb(Counter(pixels).most_common(1)[0][0])


@pytest.mark.parametrize(("host", "name"), [("HV-LEGACY", "ERP-APP"), ("HV-NODE1", "SQL01"),
                                             ("HV-2025", "WIN2025-APP01")])
async def test_a_running_windows_guest_shows_its_lock_screen_on_every_release(
        host: str, name: str) -> None:
    # root\virtualization\v2 is there from 2012 on: the same script on 2012 and 2025
    record = await _shot(default_lab(), host, name)
    assert (record["Found"], record["ReturnValue"], record["Width"], record["Height"]) \
        == (True, 0, W, H)
    assert isinstance(record["ImageData"], bytes) and len(record["ImageData"]) == W * H * 2
    assert _background(record) == _rgb(screen_render.LOCK_BLUE)


async def test_an_off_vm_has_no_screen_and_an_unknown_id_is_not_found() -> None:
    lab = default_lab()
    off = await _shot(lab, "HV-NODE2", "PRINT01")
    assert (off["ReturnValue"], off["ImageData"]) == (32775, None)
    result = await run(lab, "HV-NODE2", "vm-screen",
                       VMId=["00000000-0000-0000-0000-000000000001"], Width=W, Height=H)
    [record] = kinds(result, "Thumbnail")
    assert record["Found"] is False


async def test_one_call_answers_for_many_vms_in_the_order_asked() -> None:
    lab = default_lab()
    host = lab.estate.host("HV-NODE2")
    assert host is not None
    ids = [vm.id for vm in host.vms.values()]
    result = await run(lab, "HV-NODE2", "vm-screen", VMId=ids, Width=8, Height=6)
    assert [r["VMId"].lower() for r in kinds(result, "Thumbnail")] == ids


async def test_a_crashed_guest_shows_a_stop_error_until_it_is_restarted() -> None:
    lab = default_lab()
    record = await _shot(lab, "HV-2022", "WIN2022-RDS")  # guest_fault = "BugCheck"
    assert _background(record) == _rgb(screen_render.STOP_BLUE)
    restarted = await run(lab, "HV-2022", "vm-restart", Name="WIN2022-RDS")
    assert restarted.ok, restarted.errors
    after = await _shot(lab, "HV-2022", "WIN2022-RDS")
    assert _background(after) == _rgb(screen_render.BLACK)  # booting again
    assert estate_vm(lab, "HV-2022", "WIN2022-RDS").guest_fault == ""


async def test_ctrl_alt_del_brings_the_sign_in_box_and_typed_text_fills_it() -> None:
    lab = default_lab()
    vm = estate_vm(lab, "HV-NODE1", "SQL01")
    typed = await run(lab, "HV-NODE1", "vm-keys", VMId=vm.id, SecretText="ignored")
    assert typed.ok, typed.errors
    assert vm.typed == ""  # the lock screen takes no text
    sent = await run(lab, "HV-NODE1", "vm-keys", VMId=vm.id, CtrlAltDel=True)
    assert [r["Method"] for r in kinds(sent, "KeysSent")] == ["TypeCtrlAltDel"]
    assert vm.console == "SignIn"
    before = (await _shot(lab, "HV-NODE1", "SQL01"))["ImageData"]
    await run(lab, "HV-NODE1", "vm-keys", VMId=vm.id, SecretText="P@ss w0rd")
    assert vm.typed == "P@ss w0rd"
    assert (await _shot(lab, "HV-NODE1", "SQL01"))["ImageData"] != before  # the dots
    await run(lab, "HV-NODE1", "vm-keys", VMId=vm.id, SecretText="\n")
    assert vm.typed == ""  # Enter submits; the lab knows no password


async def test_a_linux_guest_restarts_on_ctrl_alt_del() -> None:
    lab = default_lab()
    vm = estate_vm(lab, "HV-NODE2", "LNX-WEB01")
    await run(lab, "HV-NODE2", "vm-keys", VMId=vm.id, SecretText="root\n")
    assert vm.typed == "root\n"  # at the login prompt, now asking for the password
    await run(lab, "HV-NODE2", "vm-keys", VMId=vm.id, SecretText="wrong\n")
    assert (vm.typed, vm.console) == ("", "Incorrect")
    await run(lab, "HV-NODE2", "vm-keys", VMId=vm.id, SecretText="root")
    await run(lab, "HV-NODE2", "vm-keys", VMId=vm.id, CtrlAltDel=True)
    assert vm.typed == "" and vm.booted_at is not None
    guest = screen_render.GuestScreen(vm.name, True, vm.guest_os, "", "", "", 0.0, "")
    assert screen_render.screen_kind(guest) == "boot"
    assert vm.state == "Running"  # the guest restarts, the VM keeps running


async def test_keys_to_a_vm_that_is_not_running_are_refused_by_the_script() -> None:
    lab = default_lab()
    vm = estate_vm(lab, "HV-NODE2", "PRINT01")
    result = await run(lab, "HV-NODE2", "vm-keys", VMId=vm.id, CtrlAltDel=True)
    assert "has no keyboard on this host: it is not running here" in only_error(result).message


async def test_text_the_keyboard_cannot_type_is_refused_with_return_value_1() -> None:
    lab = default_lab()
    vm = estate_vm(lab, "HV-NODE2", "LNX-WEB01")
    result = await run(lab, "HV-NODE2", "vm-keys", VMId=vm.id, SecretText="a\x1bb")
    assert "returned 1" in only_error(result).message
    assert vm.typed == ""
