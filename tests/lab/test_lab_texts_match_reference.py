"""The lab's exact error texts are the reference's, not the lab's own idea of them.

Tests across the suite compare what a script met on the lab with the constants of
``hvtui/lab/failures.py`` (``INVALID_STATE``, ``VM_NOT_FOUND``…). That alone would be a
mirror: a wrong constant would make the lab and its tests agree on a wrong text. So every
constant of the "exact texts" section must be found in the reference the project ships
(``tests/support/data/hyperv-rules.md``, a copy of the shared reference: module resources and
Microsoft's documentation, with sources), a ``{0}`` standing for the name it is given.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hvtui.lab import failures

DATA = Path(__file__).parents[1] / "support" / "data"
REFERENCE = (DATA / "hyperv-rules.md").read_text(encoding="utf-8")
SECTION = "# --- exact texts from reference/hyperv-rules.md"


def _flat(text: str) -> str:
    """Markdown wraps, bolds and quotes; the text itself is what must match."""
    return re.sub(r"\s+", " ", text.replace("**", "").replace("`", "")).strip()


def exact_texts() -> dict[str, str]:
    """The constants of failures.py's exact-texts section, by name."""
    source = Path(failures.__file__).read_text(encoding="utf-8")
    start = source.index(SECTION)
    end = source.index("\n# ---", start + len(SECTION))
    texts = {}
    for node in ast.parse(source[start:end]).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            [target] = node.targets
            assert isinstance(target, ast.Name) and isinstance(node.value.value, str)
            texts[target.id] = node.value.value
    return texts


def in_reference(text: str) -> bool:
    """Whether the reference holds ``text``, each ``{n}`` standing for a short value (a
    name, a host: the reference shows an example or a placeholder there)."""
    pattern = re.escape(_flat(text))
    pattern = re.sub(r"\\\{\d+\\\}", r"[^.]{1,60}?", pattern)
    return re.search(pattern, _flat(REFERENCE)) is not None


def test_the_section_holds_the_texts_the_tests_compare() -> None:
    texts = exact_texts()
    assert len(texts) >= 20
    for name in ("VM_NOT_FOUND", "INVALID_STATE", "SNAPSHOT_NOT_FOUND", "NOT_A_VHD"):
        assert texts[name] == getattr(failures, name)


@pytest.mark.parametrize("name", sorted(exact_texts()))
def test_each_exact_text_is_the_reference_text(name: str) -> None:
    assert in_reference(exact_texts()[name]), (
        f"failures.{name} is not in tests/support/data/hyperv-rules.md: fix the lab's text, or the "
        "reference (with its source)")


def test_a_text_the_reference_does_not_hold_is_found_out() -> None:
    assert in_reference(failures.INVALID_STATE)
    assert not in_reference(failures.INVALID_STATE.replace("current", "present"))
    assert not in_reference('Hyper-V could not find a virtual machine named "{0}".')
