"""The console's remembered settings: ``$XDG_CONFIG_HOME/hvtui/settings.toml``.

``HVTUI_CONFIG_DIR`` overrides the directory. The file is small TOML; hvtui
rewrites only the keys it owns and keeps everything else it finds (flat keys and
one level of tables, which is all hvtui writes).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from hvtui.config import config_dir
from hvtui.errors import ConfigError

SETTINGS_FILE = "settings.toml"


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> dict[str, Any]:
    """The settings, or ``{}`` when there is no file. Raises ConfigError when it is broken."""
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}",
                          hint="check the file's permissions") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}",
                          hint="fix or delete the file; hvtui recreates it") from None


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                   .replace("\r", "\\r").replace("\t", "\\t"))
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to settings")


def _dump(data: dict[str, Any]) -> str:
    lines = ["# hvtui settings (rewritten by hvtui; comments are not kept)"]
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    for key, value in data.items():
        if not isinstance(value, dict):
            lines.append(f"{_key(key)} = {_toml_value(value)}")
    for name, table in tables.items():
        lines.append("")
        lines.append(f"[{_key(name)}]")
        for key, value in table.items():
            if not isinstance(value, dict):
                lines.append(f"{_key(key)} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    bare = key.replace("-", "").replace("_", "")
    return key if bare.isalnum() and bare.isascii() else _toml_value(key)


def save_setting(key: str, value: Any, path: Path | None = None) -> Path:
    """Set one top-level key, keeping the rest of the file's settings."""
    path = path or settings_path()
    try:
        data = load_settings(path)
    except ConfigError:
        data = {}  # a broken file is replaced rather than blocking the choice
    data[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(_dump(data), encoding="utf-8")
    tmp.replace(path)
    return path
