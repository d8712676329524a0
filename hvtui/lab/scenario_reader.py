"""Typed, located access to a scenario's TOML tables: every mistake names its place and fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hvtui.errors import ConfigError
from hvtui.lab.estate import ClusterGroup

GB = 1024**3
MB = 1024**2
REQUIRED = object()
"""Default meaning "this key must be present"."""


class Reader:
    """Typed access to one TOML table that reports mistakes with their place and a fix."""

    def __init__(self, data: dict[str, Any], where: str, file: str) -> None:
        self.data = data
        self.where = where
        self.file = file
        self._used: set[str] = set()

    def fail(self, problem: str, hint: str) -> ConfigError:
        place = f" ({self.where})" if self.where else ""
        return ConfigError(f"{self.file}{place}: {problem}", hint=hint)

    def get(
        self,
        name: str,
        kind: type | tuple[type, ...],
        default: Any = REQUIRED,
        *,
        choices: Iterable[object] | None = None,
        minimum: float | None = None,
    ) -> Any:
        self._used.add(name)
        if name not in self.data:
            if default is REQUIRED:
                raise self.fail(f"missing key '{name}'", f"add {name} = ... to this table")
            return default
        value: Any = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            wanted = " or ".join(k.__name__ for k in kinds)
            raise self.fail(
                f"key '{name}' should be {wanted}, not {type(value).__name__} ({value!r})",
                f"write {name} as a TOML {wanted}",
            )
        if choices is not None:
            allowed = list(choices)
            if value not in allowed:
                raise self.fail(
                    f"key '{name}' is {value!r}, not one of {', '.join(map(repr, allowed))}",
                    f"set {name} to one of those values",
                )
        if minimum is not None and isinstance(value, int | float) and value < minimum:
            raise self.fail(
                f"key '{name}' is {value}, below the minimum {minimum:g}",
                f"set {name} to {minimum:g} or more",
            )
        return value

    def strings(self, name: str, default: list[str] | None = None) -> list[str]:
        values = self.get(name, list, [] if default is None else default)
        for value in values:
            if not isinstance(value, str):
                raise self.fail(
                    f"key '{name}' should list strings, but holds {value!r}",
                    f"quote every item of {name}",
                )
        return list(values)

    def table(self, name: str) -> Reader | None:
        value = self.get(name, dict, None)
        return (
            None
            if value is None
            else Reader(value, f"{self.where} > {name}".strip(" >"), self.file)
        )

    def tables(self, name: str, label: str) -> list[Reader]:
        values = self.get(name, list, [])
        readers = []
        for index, value in enumerate(values, 1):
            if not isinstance(value, dict):
                raise self.fail(
                    f"'{name}' item {index} is not a table", f"write it as [[...{name}]] tables"
                )
            title = value.get("name") or value.get("path") or value.get("vm") or index
            where = f"{self.where} > {label} '{title}'" if self.where else f"{label} '{title}'"
            readers.append(Reader(value, where, self.file))
        return readers

    def done(self) -> None:
        unknown = sorted(set(self.data) - self._used)
        if unknown:
            known = ", ".join(sorted(self._used))
            raise self.fail(
                f"unknown key '{unknown[0]}'",
                f"remove it or correct its spelling (keys this table accepts: {known})",
            )


@dataclass
class PendingRole:
    """A clustered role, to be created once every host exists."""

    cluster: str
    group: ClusterGroup
    reader: Reader
