"""Pipelines and commands: resolution, stages, per-item invocation.

A pipeline runs as PowerShell's does, pushing objects: every command's command-line
arguments are bound before anything runs; then each command's Begin, then each input
object is bound (by value, then by property name) and its command invoked, a command's
``write`` calling the next one at once; then each End in order. ``Select-Object -First``
stops the commands upstream of it (PowerShell 3.0+).

Command resolution: functions defined by the script, then the engine's core cmdlets, then
the host's commands (``Runtime.command``); a name none of them has is a
CommandNotFoundException, statement-terminating.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hvtui.lab.pwsh import ast as A
from hvtui.lab.pwsh import binding as B
from hvtui.lab.pwsh.binding import (
    NO_VALUE,
    bind_arguments,
    bind_pipeline_input,
    choose_set,
    metadata,
)
from hvtui.lab.pwsh.callsite import CallSite
from hvtui.lab.pwsh.contract import Command, Invocation
from hvtui.lab.pwsh.convert import (
    to_str,
)
from hvtui.lab.pwsh.errors import (
    StatementError,
    command_not_found,
)
from hvtui.lab.pwsh.functions import Function
from hvtui.lab.pwsh.values import PSHashtable, ScriptBlock

if TYPE_CHECKING:
    from hvtui.lab.pwsh.compiler import Compiler
    from hvtui.lab.pwsh.engine import Ev, Frame, Out, Run


class StopUpstream(Exception):
    """Raised by a command that needs no more input (Select-Object -First)."""

    def __init__(self, stage: object) -> None:
        super().__init__("stop upstream")
        self.stage = stage


# --- stages ------------------------------------------------------------------------------------


class Stage:
    downstream: Out

    def begin(self) -> None:
        return None

    def process(self, item: Any) -> None:
        raise NotImplementedError

    def run_alone(self) -> None:
        """Called once for the first command of a pipeline (no input)."""
        raise NotImplementedError

    def end(self) -> None:
        return None

    def connect(self, downstream: Out) -> None:
        self.downstream = downstream


class CmdletStage(Stage):
    def __init__(self, fr: Frame, command: Command, arguments: list[tuple[str, Any, Any, str]]
                 ) -> None:
        self.fr = fr
        self.command = command
        self.meta = metadata(command)
        bound = bind_arguments(fr, command, arguments)
        self.args = bound.args
        self.sets = bound.sets
        self.site = CallSite(fr, command, bound.common)

    def connect(self, downstream: Out) -> None:
        self.downstream = downstream
        self.site.downstream = downstream

    def _invocation(self, args: dict[str, Any], set_name: str) -> Invocation:
        return Invocation(self.command, args, set_name, self.site)

    def begin(self) -> None:
        if self.command.begin is not None:
            self.command.begin(self._invocation(dict(self.args), self.sets[0]))

    def run_alone(self) -> None:
        set_name = choose_set(self.command, self.meta, self.sets, self.args)
        self.site.pipeline_bound = ()
        self.command.invoke(self._invocation(dict(self.args), set_name))

    def process(self, item: Any) -> None:
        self.fr.eng.check_cancel()
        result = bind_pipeline_input(self.fr, self.command, self.meta, self.sets, self.args,
                                     item)
        if result is None:
            self.site.write_error(B.binding_record(
                B.INPUT_NOT_BOUND, "InputObjectNotBound", "InvalidArgument",
                self.command.name, self.command.type_name, target=item))
            return
        args, sets, names = result
        set_name = choose_set(self.command, self.meta, sets, args)
        self.site.pipeline_bound = tuple(names)
        self.command.invoke(self._invocation(args, set_name))

    def end(self) -> None:
        if self.command.end is not None:
            self.command.end(self._invocation(dict(self.args), self.sets[0]))


class ScriptStage(Stage):
    """A function or ``& { }``: its body runs once, at the end, with ``$input``."""

    def __init__(self, fr: Frame, function: Function,
                 arguments: list[tuple[str, Any, Any, str]]) -> None:
        self.fr = fr
        self.function = function
        self.arguments = arguments
        self.items: list[Any] = []
        self.has_input = False

    def process(self, item: Any) -> None:
        self.has_input = True
        self.items.append(item)

    def run_alone(self) -> None:
        return None

    def end(self) -> None:
        self.function.call(self.fr, self.arguments, self.downstream, self.items)


# --- compiling pipelines ------------------------------------------------------------------------


def _compile_elements(compiler: Compiler, call: A.CommandCall
                      ) -> list[tuple[str, str, Ev | None, str, bool]]:
    out: list[tuple[str, str, Ev | None, str, bool]] = []
    for element in call.elements:
        if isinstance(element, A.CmdParam):
            out.append(("param", element.name,
                        compiler.expr(element.value) if element.value is not None else None,
                        "", False))
        else:
            out.append(("arg", "", compiler.expr(element.value), element.text, element.splat))
    return out


def _evaluate_arguments(fr: Frame, elements: list[tuple[str, str, Ev | None, str, bool]]
                        ) -> list[tuple[str, Any, Any, str]]:
    arguments: list[tuple[str, Any, Any, str]] = []
    for kind, name, ev, text, splat in elements:
        if kind == "param":
            arguments.append(("param", name, ev(fr) if ev is not None else NO_VALUE, ""))
            continue
        assert ev is not None
        value = ev(fr)
        if splat:
            if isinstance(value, PSHashtable):
                for key, item in value.entries():
                    if item is True:
                        arguments.append(("param", to_str(key), True, ""))
                    else:
                        arguments.append(("param", to_str(key), item, ""))
                continue
            if isinstance(value, list):
                arguments.extend(("arg", "", item, to_str(item)) for item in value)
                continue
        arguments.append(("arg", "", value, text))
    return arguments


def make_stage(fr: Frame, name: str, target: Ev | None, arguments: list[tuple[str, Any, Any,
                                                                              str]]) -> Stage:
    from hvtui.lab.pwsh import core

    eng = fr.eng
    if target is not None:
        block = target(fr)
        if isinstance(block, ScriptBlock):
            return ScriptStage(fr, Function("<ScriptBlock>", block.params, block.body), arguments)
        text = to_str(block, eng.dialect)
        raise StatementError(command_not_found(text, eng.core))
    lowered = name.lower()
    function = eng.functions.get(lowered)
    if function is not None:
        return ScriptStage(fr, function, arguments)
    command = core.command(lowered, eng) or eng.runtime.command(name)
    if command is None:
        raise StatementError(command_not_found(name, eng.core))
    return CmdletStage(fr, command, arguments)


def compile_pipeline(compiler: Compiler, node: A.Pipeline) -> Run:
    head_expr: Ev | None = None
    calls: list[tuple[str, Ev | None, list[tuple[str, str, Ev | None, str, bool]]]] = []
    commands = [node.head, *node.tail] if isinstance(node.head, A.CommandCall) else node.tail
    if isinstance(node.head, A.Expr):
        head_expr = compiler.raw_var(node.head) if isinstance(node.head, A.Var) else \
            compiler.expr(node.head)
    for call in commands:
        assert isinstance(call, A.CommandCall)
        target = compiler.expr(call.target) if call.target is not None else None
        calls.append((call.name, target, _compile_elements(compiler, call)))

    from hvtui.lab.pwsh.engine import AUTOMATION_NULL

    def run(fr: Frame, out: Out) -> None:
        stages = [make_stage(fr, name, target, _evaluate_arguments(fr, elements))
                  for name, target, elements in calls]
        for index, stage in enumerate(stages):
            stage.connect(stages[index + 1].process if index + 1 < len(stages) else out)
        first_end = 0
        try:
            for stage in stages:
                stage.begin()
            if head_expr is not None:
                value = head_expr(fr)
                process = stages[0].process
                if value is AUTOMATION_NULL:
                    pass
                elif isinstance(value, list):
                    for item in value:
                        process(item)
                else:
                    process(value)
            else:
                stages[0].run_alone()
        except StopUpstream as stop:
            if not any(_is(stop, s) for s in stages):
                raise
            first_end = next(i for i, s in enumerate(stages) if _is(stop, s))
        for stage in stages[first_end:]:
            try:
                stage.end()
            except StopUpstream as stop:
                if not any(_is(stop, s) for s in stages):
                    raise

    return run


def _is(stop: StopUpstream, stage: Stage) -> bool:
    return stop.stage is stage or stop.stage is getattr(stage, "site", None)
