"""``python -m hvtui.screenshots [DIR]``: regenerate every screenshot."""

from __future__ import annotations

import sys

from hvtui.screenshots import console_access, panes, screens, wizards


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = args[0] if args else "screenshots"
    return (panes.main(["--out", folder]) or wizards.main([folder])
            # VM screen as text (issue 12, thumbs): the wall and one VM's screen
            or screens.main([folder])
            # console access: serial console (issue 12)
            or console_access.main([folder]))


if __name__ == "__main__":
    sys.exit(main())
