"""The console's pure parts: table model, column layout, roles, verdicts, themes, settings,
action registry. No Textual app runs here."""

from __future__ import annotations

from pathlib import Path

import pytest

from hvtui.hyperv.guests import enhanced_session_guest
from hvtui.model import VM, ControllerType, Disk, VhdFormat, VhdType, VMState
from hvtui.model.versions import WS2012, WS2012R2, WS2019
from hvtui.ui import actions
from hvtui.ui.explain import resize_verdict
from hvtui.ui.render import ROLES, fmt_age, fmt_bytes, fmt_duration, vm_state_role
from hvtui.ui.settings import load_settings, save_setting
from hvtui.ui.table import layout_columns
from hvtui.ui.tablemodel import Column, Row, TableModel, compile_filter
from hvtui.ui.themes import ThemeFileError, load_theme_text, load_themes, resolve_theme_name

COLUMNS = (Column("name", "Name", flex=True), Column("cpu", "CPU", align="right"))


def row(name: str, cpu: int, group: str = "h1") -> Row:
    return Row((group, name), (name, f"{cpu}%"), ("", ""), (name.casefold(), cpu), group)


def test_sort_filter_and_inverted_filter() -> None:
    model = TableModel(COLUMNS, sort="cpu")
    model.set_rows([row("web01", 50), row("db01", 10), row("web02", 30)])
    assert [r.cells[0] for r in model.view] == ["db01", "web02", "web01"]
    model.set_sort("cpu", reverse=True)
    assert [r.cells[0] for r in model.view] == ["web01", "web02", "db01"]
    model.set_filter("WEB")
    assert {r.cells[0] for r in model.view} == {"web01", "web02"}
    model.set_filter("!web")
    assert [r.cells[0] for r in model.view] == ["db01"]
    model.set_filter("nothing")
    assert len(model) == 0 and model.total == 3
    assert compile_filter("!Web ") == ("web", True)


def test_group_update_keeps_unchanged_rows_and_reports_changes() -> None:
    model = TableModel(COLUMNS, sort="name")
    first = [row("a", 1), row("b", 2)]
    model.set_rows(first + [row("c", 3, group="h2")])
    kept = model.rows[("h1", "a")]
    changes = model.replace_group("h1", [row("a", 1), row("b", 99)])
    assert changes.changed == {("h1", "b")}
    assert not changes.reordered  # the sort column did not move
    assert model.rows[("h1", "a")] is kept  # unchanged rows keep their identity
    assert model.view[1].cells[1] == "99%"
    changes = model.replace_group("h1", [row("b", 99)])
    assert changes.removed == {("h1", "a")} and changes.reordered
    assert [r.cells[0] for r in model.view] == ["b", "c"]
    model.remove_group("h2")
    assert [r.cells[0] for r in model.view] == ["b"]


def test_columns_collapse_by_priority() -> None:
    cols = (
        Column("name", "Name", min_width=8, max_width=30, priority=1, flex=True),
        Column("state", "State", min_width=5, max_width=10, priority=1),
        Column("notes", "Notes", min_width=10, max_width=40, priority=5),
        Column("host", "Host", min_width=6, max_width=12, priority=2),
    )
    natural = [30, 10, 40, 12]
    wide = layout_columns(cols, natural, 200)
    assert [i for i, _ in wide] == [0, 1, 2, 3]
    narrow = layout_columns(cols, natural, 40)
    assert [i for i, _ in narrow] == [0, 1, 3]  # notes (priority 5) dropped first
    assert sum(w + 1 for _, w in narrow) <= 40
    tiny = layout_columns(cols, natural, 12)
    assert tiny and tiny[0][0] == 0  # at least the first column survives


def test_roles_and_formats() -> None:
    assert vm_state_role(VMState.Running) == "running"
    assert vm_state_role(VMState.RunningCritical) == "critical"
    assert vm_state_role(VMState.Starting) == "busy"
    assert set(("running", "off", "saved", "paused", "critical", "warning")) <= set(ROLES)
    assert fmt_bytes(4 * 1024**3) == "4.0 GiB"
    assert fmt_duration(3 * 86400 + 4 * 3600) == "3d 4h"
    assert fmt_age(0.5) == "now" and fmt_age(125) == "2m" and fmt_age(None) == "never"


def _disk(fmt: VhdFormat, controller: ControllerType, vtype: VhdType = VhdType.Dynamic) -> Disk:
    return Disk("id", "vm", "hv", "C:\\vm.vhdx", fmt, vtype, controller)


class _Host:
    def __init__(self, release: object) -> None:
        self.release = release


def test_online_resize_rule() -> None:
    ok = resize_verdict(_disk(VhdFormat.VHDX, ControllerType.SCSI), None, _Host(WS2019))  # type: ignore[arg-type]
    assert ok.ok and ok.label == "online"
    ide = resize_verdict(_disk(VhdFormat.VHDX, ControllerType.IDE), None, _Host(WS2012R2))  # type: ignore[arg-type]
    assert not ide.ok and "IDE" in ide.label
    vhd = resize_verdict(_disk(VhdFormat.VHD, ControllerType.SCSI), None, _Host(WS2012R2))  # type: ignore[arg-type]
    assert not vhd.ok and any("VHDX" in r for r in vhd.reasons)
    old = resize_verdict(_disk(VhdFormat.VHDX, ControllerType.SCSI), None, _Host(WS2012))  # type: ignore[arg-type]
    assert not old.ok and any("2012 R2" in r for r in old.reasons)
    diff = resize_verdict(_disk(VhdFormat.VHD, ControllerType.SCSI, VhdType.Differencing), None,
                          _Host(WS2012R2))  # type: ignore[arg-type]
    assert not diff.ok and "differencing" in diff.label


@pytest.mark.parametrize(("guest", "supported"), [
    ("Windows Server 2012 R2 Datacenter", True),
    ("Windows Server 2012 Standard", False),
    ("Windows Server 2008 R2 Enterprise", False),
    ("Windows 8.1 Pro", True),
    ("Windows 7 Professional", False),
    ("Windows 10 Enterprise", True),
    ("Windows 10 Home", False),
    ("Ubuntu 22.04 LTS", False),
    ("", False),
])
def test_enhanced_session_guest_rule(guest: str, supported: bool) -> None:
    vm = VM("id", "vm", "host", VMState.Running, guest_os=guest)
    assert (enhanced_session_guest(vm) is None) is supported


def test_packaged_themes_load_and_resolve() -> None:
    loaded = load_themes(user_dir=Path("/nonexistent"))
    names = {t.name for t in loaded.themes}
    assert {"hvtui-dark", "hvtui-light", "hvtui-high-contrast", "hvtui-16"} <= names
    assert loaded.problems == []
    sixteen = next(t for t in loaded.themes if t.name == "hvtui-16")
    assert sixteen.ansi and all(v.startswith("ansi_") for k, v in sixteen.variables.items()
                                if k.startswith("hv-"))
    assert resolve_theme_name("light", names) == "hvtui-light"
    assert resolve_theme_name("nope", names) is None


def test_broken_theme_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('name = "x"\n[colors]\nprimary = "not-a-colour"\n')
    (tmp_path / "syntax.toml").write_text("name = [\n")
    (tmp_path / "mine.toml").write_text('name = "mine"\n[colors]\nprimary = "#123456"\n'
                                        '[roles]\nrunning = "#00ff00"\n')
    loaded = load_themes(user_dir=tmp_path)
    assert "mine" in {t.name for t in loaded.themes}
    assert len(loaded.problems) == 2
    assert any("bad.toml" in p and "not a colour" in p for p in loaded.problems)
    with pytest.raises(ThemeFileError, match="ANSI colour names"):
        load_theme_text('name = "a"\nansi = true\n[colors]\nprimary = "#ff0000"\n')
    with pytest.raises(ThemeFileError, match="unknown role"):
        load_theme_text('name = "a"\n[colors]\nprimary = "red"\n[roles]\nfoo = "red"\n')


def test_settings_round_trip_keeps_other_keys(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('editor = "vi"\n[ssh]\nport = 22\n')
    save_setting("theme", 'we"ird', path)
    data = load_settings(path)
    assert data == {"editor": "vi", "theme": 'we"ird', "ssh": {"port": 22}}


def test_action_registry_rejects_reserved_and_clashing_keys() -> None:
    def handler(app: object, objects: list[object]) -> None:
        return None

    spec = actions.ActionSpec("t-one", "One", "x", {"vms"}, False, handler)
    try:
        actions.register_action(spec)
        assert actions.get_action("t-one") is spec
        assert spec in actions.registered_actions("vms")
        assert spec not in actions.registered_actions("hosts")
        with pytest.raises(ValueError, match="reserved"):
            actions.register_action(actions.ActionSpec("t-two", "Two", "j", {"vms"}, False,
                                                       handler))
        with pytest.raises(ValueError, match="already used"):
            actions.register_action(actions.ActionSpec("t-three", "Three", "x", {"vms"}, False,
                                                       handler))
        with pytest.raises(ValueError, match="unknown pane"):
            actions.register_action(actions.ActionSpec("t-four", "Four", "y", {"pods"}, False,
                                                       handler))
    finally:
        actions.unregister_action("t-one")
    assert actions.get_action("t-one") is None
