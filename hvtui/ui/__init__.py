"""hvtui's Textual console.

Start here: :func:`hvtui.ui.app.make_app` builds the app (the CLI and the tests do
it the same way); :mod:`hvtui.ui.actions` is how wizards plug in.

Pure parts (no Textual; unit-tested on their own):

- :mod:`~hvtui.ui.render`: model values -> short text and colour *roles*
- :mod:`~hvtui.ui.explain`: "can I do X here, and why not" (online resize, enhanced session)
- :mod:`~hvtui.ui.panes`: the seven panes' columns and row builders
- :mod:`~hvtui.ui.tablemodel`: rows by key, sort, filter, incremental updates
- :mod:`~hvtui.ui.describe`: details views as data
- :mod:`~hvtui.ui.themes`, :mod:`~hvtui.ui.settings`: theme files, remembered settings

The app (:mod:`~hvtui.ui.console`) and its parts, one job each: :mod:`~hvtui.ui.feed`
(host and job updates), :mod:`~hvtui.ui.action_runner`, :mod:`~hvtui.ui.lifecycle`
(start-up, quitting), :mod:`~hvtui.ui.theme_choice`, :mod:`~hvtui.ui.error_report`. It tells
screens what changed by signals and asks the main screen things by messages
(:mod:`~hvtui.ui.navigation`); it never calls a screen's methods.

Textual parts: :mod:`~hvtui.ui.app`, :mod:`~hvtui.ui.main_screen`,
:mod:`~hvtui.ui.table` (the virtual table), :mod:`~hvtui.ui.details`,
:mod:`~hvtui.ui.help`, :mod:`~hvtui.ui.commands` (palette), :mod:`~hvtui.ui.widgets`.
"""
