"""The screenshots in ``screenshots/``, taken from the console on the embedded lab.

    python -m hvtui.screenshots [DIR]      every picture (panes, themes, wizards)
    python -m hvtui.screenshots.panes ...  the panes, help and themes (--only, --size)
    python -m hvtui.screenshots.wizards .. each wizard's pre-flight and progress pages

A tool that drives the console from outside, like a person at the keyboard: it sits above
``hvtui.ui`` (which never imports it) and starts the lab it photographs. The tests use its
frozen lab too, so their snapshots and the screenshots show the same estate.
"""
