"""The catalog of PowerShell scripts hvtui runs on hosts.

One ``.ps1`` file per operation, shipped as package data under ``scripts/``. Each
script starts with a header::

    # hvtui: <name>
    # Mutates: yes|no

optionally followed by what the script needs of a host, each with the reason a person reads
when hvtui refuses to run it elsewhere::

    # Releases: 2012 R2+ | Windows Server 2012 replicates every 5 minutes, fixed ...
    # Modules: FailoverClusters | it acts on the failover cluster this host is a node of
    # Editions: Desktop | under PowerShell 7 ...

``Releases`` lists releases (``2016``) or a first release and every later one (``2012 R2+``),
comma-separated; ``Modules`` names modules besides Hyper-V; ``Editions`` the PowerShell
editions (``Desktop``: Windows PowerShell, ``Core``: PowerShell 7). A script without them
runs on every supported release (2012 to 2025), under both editions, with only the Hyper-V
module. The client refuses a script on a host outside them before anything runs
(:meth:`Script.refusal`); the catalog lint checks every call of the script against exactly
those releases, modules and editions.

Each script has a ``param()`` block. User values only ever reach a script as named
parameters; no code here builds PowerShell text from data.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from importlib import resources

from hvtui import reference

_PARAM_NAME = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_MUTATES = re.compile(r"^# Mutates: (yes|no)\s*$", re.MULTILINE)
_NEEDS = re.compile(r"^# (Releases|Modules|Editions): ([^|\n]*?)\s*\|\s*(\S[^\n]*?)\s*$",
                    re.MULTILINE)
EDITIONS = ("Desktop", "Core")
"""PowerShell editions as $PSVersionTable.PSEdition names them (Windows PowerShell 3.0 and 4.0
have no PSEdition: they are Desktop)."""
_OPTIONAL_MODULES = tuple(m for m in reference.MODULES if m != "Hyper-V")


@dataclass(frozen=True, slots=True)
class Script:
    """One catalog script."""

    name: str
    """File stem, e.g. ``vm-start``."""
    text: str
    """The exact text sent to the host."""
    parameters: tuple[str, ...]
    """Names declared in the ``param()`` block, in order."""
    mutates: bool
    """True when running it changes the host (audited; hidden in read-only mode)."""
    releases: tuple[str, ...] = reference.RELEASES
    """The releases it runs on (``# Releases:``), as :mod:`hvtui.reference` spells them."""
    releases_reason: str = ""
    """Why it does not run on the others."""
    modules: tuple[str, ...] = ()
    """Modules it needs besides Hyper-V (``# Modules:``), e.g. ``FailoverClusters``."""
    modules_reason: str = ""
    editions: tuple[str, ...] = EDITIONS
    """The PowerShell editions it works under (``# Editions:``)."""
    editions_reason: str = ""

    def refusal(self, host: str, release: str, modules: Collection[str],
                edition: str = "Desktop") -> str | None:
        """Why this script must not run on ``host`` (of ``release``, with ``modules``, under
        PowerShell ``edition``), or None.

        ``release`` is any spelling :func:`hvtui.reference.release_key` reads; a host of an
        unknown release is refused only when the script is restricted to some releases.
        """
        try:
            key = reference.release_key(release)
        except ValueError:
            key = ""
        if key not in self.releases:
            shown = key or release or "an unknown release"
            return (f"{self.name}.ps1 runs on Windows Server {describe_releases(self.releases)} "
                    f"only and {host} runs {shown}: {self.releases_reason}")
        have = {m.lower() for m in modules}
        missing = [m for m in self.modules if m.lower() not in have]
        if missing:
            return (f"{self.name}.ps1 needs the {', '.join(missing)} module, which {host} "
                    f"does not have: {self.modules_reason}")
        shown = edition or "Desktop"
        if shown.lower() not in {e.lower() for e in self.editions}:
            word = "PowerShell 7" if shown.lower() == "core" else f"PowerShell {shown}"
            return f"{self.name}.ps1 does not run on {host} under {word}: {self.editions_reason}"
        return None


def normalize(text: str) -> str:
    """Line endings and trailing whitespace do not change a script's identity."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


def _param_block(text: str) -> str:
    """The text inside the top-level ``param( ... )``, matched by parenthesis depth."""
    start = re.search(r"^param\s*\(", text, re.MULTILINE | re.IGNORECASE)
    if start is None:
        return ""
    depth, i = 1, start.end()
    while i < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    return text[start.end() : i - 1]


def describe_releases(releases: tuple[str, ...]) -> str:
    """``2012 R2 and later`` for a tail of the supported releases, else the list."""
    if releases and releases == reference.releases_from(releases[0]) and \
            releases != reference.RELEASES:
        return f"{releases[0]} and later"
    return ", ".join(releases)


def parse_releases(spec: str) -> tuple[str, ...]:
    """``2012 R2+`` -> 2012 R2 and every later release; ``2012, 2016`` -> those two."""
    found: list[str] = []
    for item in spec.split(","):
        item = item.strip()
        later = item.endswith("+")
        first = reference.release_key(item.rstrip("+"))
        found += reference.releases_from(first) if later else [first]
    return tuple(r for r in reference.RELEASES if r in found)


@dataclass(frozen=True, slots=True)
class Needs:
    """What a script's header says it needs of a host."""

    releases: tuple[str, ...] = reference.RELEASES
    releases_reason: str = ""
    modules: tuple[str, ...] = ()
    modules_reason: str = ""
    editions: tuple[str, ...] = EDITIONS
    editions_reason: str = ""


def needs(name: str, text: str) -> Needs:
    """The ``Releases``/``Modules``/``Editions`` lines of the header (before ``param(``)."""
    releases, releases_reason = reference.RELEASES, ""
    modules: tuple[str, ...] = ()
    modules_reason = ""
    editions, editions_reason = EDITIONS, ""
    header = text.split("param(", 1)[0]
    for key, spec, reason in _NEEDS.findall(header):
        if key == "Releases":
            try:
                releases = parse_releases(spec)
            except ValueError as exc:
                raise ValueError(f"catalog script {name}.ps1: '# Releases: {spec}': {exc}") \
                    from None
            releases_reason = reason
        elif key == "Modules":
            modules = tuple(m.strip() for m in spec.split(","))
            unknown = [m for m in modules if m not in _OPTIONAL_MODULES]
            if unknown:
                raise ValueError(f"catalog script {name}.ps1: unknown module(s) "
                                 f"{', '.join(unknown)} (known: {', '.join(_OPTIONAL_MODULES)})")
            modules_reason = reason
        else:
            editions = tuple(e.strip() for e in spec.split(","))
            unknown = [e for e in editions if e not in EDITIONS]
            if unknown:
                raise ValueError(f"catalog script {name}.ps1: unknown edition(s) "
                                 f"{', '.join(unknown)} (known: {', '.join(EDITIONS)})")
            editions_reason = reason
    return Needs(releases, releases_reason, modules, modules_reason, editions, editions_reason)


def _parse(name: str, text: str) -> Script:
    mutates = _MUTATES.search(text)
    if mutates is None:
        raise ValueError(f"catalog script {name}.ps1 lacks its '# Mutates: yes|no' header")
    block = _param_block(text)
    # Names declared at the top level of the block: `[type]$Name` or `$Name = default`.
    names: list[str] = []
    for declaration in re.split(r",\s*\n", block):
        found = _PARAM_NAME.search(re.sub(r"\[[^\]]*\]", "", declaration))
        if found and found.group(1) not in names:
            names.append(found.group(1))
    header = needs(name, text)
    return Script(name=name, text=text, parameters=tuple(names), mutates=mutates.group(1) == "yes",
                  releases=header.releases, releases_reason=header.releases_reason,
                  modules=header.modules, modules_reason=header.modules_reason,
                  editions=header.editions, editions_reason=header.editions_reason)


@cache
def all_scripts() -> dict[str, Script]:
    """Every catalog script, by name."""
    folder = resources.files("hvtui.ps") / "scripts"
    scripts: dict[str, Script] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".ps1"):
            name = entry.name[: -len(".ps1")]
            scripts[name] = _parse(name, entry.read_text(encoding="utf-8"))
    return scripts


def get(name: str) -> Script:
    """The script called ``name``; KeyError names the known ones."""
    try:
        return all_scripts()[name]
    except KeyError:
        known = ", ".join(all_scripts())
        raise KeyError(f"no catalog script {name!r} (known: {known})") from None


@cache
def _by_text() -> dict[str, Script]:
    return {normalize(s.text): s for s in all_scripts().values()}


def identify(text: str) -> Script | None:
    """The catalog script whose text this is, or None (how the lab recognises a script)."""
    return _by_text().get(normalize(text))
