"""The lab estate as JSON-ready data, and back: what the lab keeps between runs.

Every field of the estate's dataclasses (:mod:`hvtui.lab.estate`) is written by name and
read back against its declared type, so a file that does not fit what this hvtui builds
(an older layout, a hand edit, a truncated write) is refused as a whole with the place
that does not fit, never half-read. :data:`SCHEMA` is a digest of those declarations:
when a field is added, renamed or retyped, files written before no longer match, and the
caller starts a fresh lab instead of guessing.

Releases and processor families are constants of hvtui and are written by key. The
estate holds no secret (the lab's password and keys live in their own files).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import types
import typing
from collections.abc import Iterator
from typing import Any

from hvtui.lab.clock import LabClock
from hvtui.lab.estate import (
    VM,
    Cluster,
    Estate,
    Host,
    ReplicationChain,
    Vhd,
    key,
)
from hvtui.lab.releases import PROCESSOR_FAMILIES, RELEASES, ProcessorFamily, Release

FORMAT = 1
"""Bumped when the file's own layout (not the estate's fields) changes."""


class EstateDataError(ValueError):
    """The data is not an estate this hvtui can read; the message says where and why."""


@functools.cache
def _field_types(cls: type) -> tuple[tuple[str, Any], ...]:
    """(name, resolved type) of each field of a dataclass."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _schema() -> str:
    """A digest of every field (name and type) the file holds, nested classes included."""
    seen: list[str] = []
    todo: list[type] = [Host, Cluster, ReplicationChain, Vhd]
    done: set[type] = set()
    while todo:
        cls = todo.pop(0)
        if cls in done:
            continue
        done.add(cls)
        for name, tp in _field_types(cls):
            seen.append(f"{cls.__name__}.{name}: {tp}")
            todo.extend(c for c in _classes_in(tp) if c not in done)
    return hashlib.sha256("\n".join(seen).encode()).hexdigest()[:16]


def _classes_in(tp: Any) -> Iterator[type]:
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp not in (Release,
                                                                             ProcessorFamily):
        yield tp
    for arg in typing.get_args(tp):
        yield from _classes_in(arg)


SCHEMA = _schema()
"""Changes whenever the estate's dataclasses change (see the module docstring)."""


# --- writing ---------------------------------------------------------------------------------


def encode(estate: Estate) -> dict[str, Any]:
    """The estate as JSON-ready data (take ``estate.lock`` around it)."""
    return {
        "seed": estate.seed,
        "domain": estate.domain,
        "ids": estate._ids,  # noqa: SLF001 - the id counter is part of the estate's state
        "clock": {"start": estate.clock.start.isoformat(), "elapsed": estate.clock.elapsed()},
        "hosts": [_value(h) for h in estate.hosts.values()],
        "clusters": [_value(c) for c in estate.clusters.values()],
        "vhds": [{"scope": scope, "key": path, "vhd": _value(vhd)}
                 for (scope, path), vhd in estate.vhds.items()],
        "replications": [_value(chain) for chain in estate.replications.values()],
    }


def _value(value: Any) -> Any:
    if isinstance(value, Release):
        return value.key
    if isinstance(value, ProcessorFamily):
        return value.name
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_value(v) for v in value)
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return value


# --- reading ---------------------------------------------------------------------------------


def decode(data: Any, *, speed: float = 1.0, instant: bool = False,
           idle: float = 0.0) -> Estate:
    """An estate from :func:`encode`'s data; raises :class:`EstateDataError`.

    ``idle`` is how many seconds passed since the data was written: the estate lived on
    meanwhile, so its clock resumes that much later (an instant clock does not: it only
    moves when something waits on it).
    """
    top = _object(data, "the estate", {"seed", "domain", "ids", "clock", "hosts", "clusters",
                                       "vhds", "replications"})
    clock_data = _object(top["clock"], "clock", {"start", "elapsed"})
    start = _read(dt.datetime, clock_data["start"], "clock.start")
    elapsed = _read(float, clock_data["elapsed"], "clock.elapsed")
    clock = LabClock(speed, instant=instant, start=start)
    if elapsed < 0:
        raise EstateDataError("clock.elapsed: negative")
    clock.advance(elapsed + (0.0 if clock.instant else max(0.0, idle)))
    estate = Estate(seed=_read(int, top["seed"], "seed"), clock=clock,
                    domain=_read(str, top["domain"], "domain"))
    estate._ids = _read(int, top["ids"], "ids")  # noqa: SLF001 - restoring the counter
    for host in _read(list[Host], top["hosts"], "hosts"):
        estate.add_host(host)
    for cluster in _read(list[Cluster], top["clusters"], "clusters"):
        estate.clusters[key(cluster.name)] = cluster
    for n, item in enumerate(_read(list[Any], top["vhds"], "vhds")):
        entry = _object(item, f"vhds[{n}]", {"scope", "key", "vhd"})
        estate.vhds[(_read(str, entry["scope"], f"vhds[{n}].scope"),
                     _read(str, entry["key"], f"vhds[{n}].key"))] = _read(
            Vhd, entry["vhd"], f"vhds[{n}].vhd")
    for chain in _read(list[ReplicationChain], top["replications"], "replications"):
        estate.replications[chain.vm_id] = chain
    for _, vm in estate.all_vms():
        _idle(vm)
    return estate


def _idle(vm: VM) -> None:
    # A long operation (a move, an export) lives only as long as the lab that ran it: the
    # run that wrote this file has ended, and with it whatever was still in flight.
    vm.busy = ""


def _object(data: Any, where: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise EstateDataError(f"{where}: expected an object, found {_kind(data)}")
    if set(data) != keys:
        missing, extra = sorted(keys - set(data)), sorted(set(data) - keys)
        raise EstateDataError(f"{where}: " + "; ".join(
            part for part in (f"missing {', '.join(missing)}" if missing else "",
                              f"unknown {', '.join(map(str, extra))}" if extra else "")
            if part))
    return data


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            type(None): "null"}.get(type(value), type(value).__name__)


def _read(tp: Any, value: Any, where: str) -> Any:  # noqa: PLR0911, PLR0912 - one case per type
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _read(inner, value, where)
    if tp is Release:
        if not isinstance(value, str) or value not in RELEASES:
            raise EstateDataError(f"{where}: {value!r} is not a release hvtui knows")
        return RELEASES[value]
    if tp is ProcessorFamily:
        if not isinstance(value, str) or value not in PROCESSOR_FAMILIES:
            raise EstateDataError(f"{where}: {value!r} is not a processor family hvtui knows")
        return PROCESSOR_FAMILIES[value]
    if tp is dt.datetime:
        try:
            moment = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise EstateDataError(f"{where}: {value!r} is not a date and time") from None
        return moment
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise EstateDataError(f"{where}: expected a number, found {_kind(value)}")
        return float(value)
    if tp in (int, str, bool):
        if type(value) is not tp:
            raise EstateDataError(f"{where}: expected {tp.__name__}, found {_kind(value)}")
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        fields = dict(_field_types(tp))
        data = _object(value, where, set(fields))
        return tp(**{name: _read(ftp, data[name], f"{where}.{name}")
                     for name, ftp in fields.items()})
    if origin is dict:
        if not isinstance(value, dict):
            raise EstateDataError(f"{where}: expected an object, found {_kind(value)}")
        return {k: _read(args[1], v, f"{where}[{k!r}]") for k, v in value.items()}
    if origin in (list, set, frozenset, tuple):
        if not isinstance(value, list):
            raise EstateDataError(f"{where}: expected a list, found {_kind(value)}")
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                raise EstateDataError(f"{where}: expected {len(args)} items, found {len(value)}")
            return tuple(_read(a, v, f"{where}[{n}]")
                         for n, (a, v) in enumerate(zip(args, value, strict=True)))
        items = [_read(args[0], v, f"{where}[{n}]") for n, v in enumerate(value)]
        return origin(items)
    raise EstateDataError(f"{where}: hvtui cannot read a {tp!r}")  # a new field type
