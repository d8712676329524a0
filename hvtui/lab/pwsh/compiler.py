"""The AST compiled to Python closures: ``ev(frame) -> value`` and ``run(frame, out)``.

Compiling once per script text leaves only closure calls at run time, no dispatch on node
types. Commands are resolved when a pipeline runs (they depend on the host).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hvtui.lab.pwsh import ast as A
from hvtui.lab.pwsh import types as T
from hvtui.lab.pwsh.convert import to_bool, to_str
from hvtui.lab.pwsh.engine import (
    AUTOMATION_NULL,
    MISSING,
    BreakLoop,
    ContinueLoop,
    Engine,
    Ev,
    Frame,
    Out,
    ReturnFlow,
    Run,
    Scope,
    collect,
    emit,
    unwrap,
)
from hvtui.lab.pwsh.errors import (
    PipelineStopped,
    PSError,
    PSErrorRecord,
    ScriptError,
    StatementError,
    runtime_error,
    thrown,
)
from hvtui.lab.pwsh.members import (
    VOID,
    call_method,
    get_member,
    set_member,
    static_call,
    static_member,
)
from hvtui.lab.pwsh.operators import (
    arithmetic,
    binary_compare,
    convert_to,
    is_type,
    negate,
)
from hvtui.lab.pwsh.values import Lazy, PSHashtable, PSObject, ScriptBlock


class Compiler:
    """Compiles one script's AST; commands are resolved at run time (per host)."""

    def __init__(self) -> None:
        from hvtui.lab.pwsh import commands, functions

        self.commands = commands
        self.functions = functions

    # --- statements ---------------------------------------------------------------------------

    def block(self, stmts: list[A.Stmt]) -> Run:
        compiled = [self.stmt(s) for s in stmts]

        def run(fr: Frame, out: Out) -> None:
            fr.eng.run_statements(compiled, fr, out)

        return run

    def stmt(self, node: A.Stmt) -> Run:
        method = getattr(self, "stmt_" + type(node).__name__)
        run: Run = method(node)
        pos = node.pos

        def positioned(fr: Frame, out: Out) -> None:
            try:
                run(fr, out)
            except PSError as exc:
                if not exc.record.script_position:
                    exc.record = exc.record.at(pos)
                    exc.args = (exc.record.message,)
                raise

        return positioned

    def value_of(self, node: A.Stmt) -> Ev:
        """A statement used as a value (assignment right side, hashtable value, condition)."""
        if isinstance(node, A.Pipeline) and not node.tail and isinstance(node.head, A.Expr):
            return self.expr(node.head)
        if isinstance(node, A.Assign):
            assign = self.assignment(node)
            return assign
        run = self.stmt(node)
        return lambda fr: collect(run, fr)

    def stmt_Pipeline(self, node: A.Pipeline) -> Run:
        if not node.tail and isinstance(node.head, A.Expr):
            head = node.head
            if isinstance(head, A.IncDec):
                incdec = self.expr(head)

                def run_incdec(fr: Frame, out: Out) -> None:
                    incdec(fr)

                return run_incdec
            ev = self.raw_var(head) if isinstance(head, A.Var) else self.expr(head)

            def run_expr(fr: Frame, out: Out) -> None:
                emit(ev(fr), out)

            return run_expr
        return self.commands.compile_pipeline(self, node)

    def stmt_Assign(self, node: A.Assign) -> Run:
        assign = self.assignment(node)

        def run(fr: Frame, out: Out) -> None:
            assign(fr)

        return run

    def assignment(self, node: A.Assign) -> Ev:
        value = self.value_of(node.value)
        source = node.value
        if isinstance(node.target, A.Var) and node.op == "=" and \
                isinstance(source, A.Pipeline) and \
                (source.tail or isinstance(source.head, A.CommandCall)):
            value = self._collect_for_variable(self.stmt(source))
        op = node.op
        target = node.target
        if isinstance(target, A.Cast):
            type_ref = target.type
            inner = target.operand
            assert isinstance(inner, A.Var)
            setter = self.var_setter(inner)
            dialect_cast = self.cast_fn(type_ref)

            def assign_typed(fr: Frame) -> Any:
                result = dialect_cast(fr, value(fr))
                setter(fr, result)
                return result

            return assign_typed
        getter = self.expr(target)
        store = self.store(target)
        if op == "=":
            def assign_plain(fr: Frame) -> Any:
                result = value(fr)
                store(fr, result)
                return result

            return assign_plain
        arith = op[0]

        def assign_op(fr: Frame) -> Any:
            result = arithmetic(arith, getter(fr), value(fr), fr.eng.dialect)
            store(fr, result)
            return result

        return assign_op

    @staticmethod
    def _collect_for_variable(run: Run) -> Ev:
        def value(fr: Frame) -> Any:
            items: list[Any] = []
            run(fr, items.append)
            if not items:
                return AUTOMATION_NULL
            return items[0] if len(items) == 1 else items

        return value

    def raw_var(self, node: A.Var) -> Ev:
        """A variable read where AutomationNull stays itself (a pipeline's input)."""
        name = node.name
        if node.scope or name == "error":
            return self.expr(node)

        def lookup_raw(fr: Frame) -> Any:
            return fr.scope.lookup(name)

        return lookup_raw

    def store(self, target: A.Expr) -> Callable[[Frame, Any], None]:
        if isinstance(target, A.Var):
            return self.var_setter(target)
        if isinstance(target, A.Member):
            obj_ev = self.expr(target.obj)
            name = target.name
            name_ev = self.expr(name) if isinstance(name, A.Expr) else None

            def set_prop(fr: Frame, value: Any) -> None:
                member = to_str(name_ev(fr)) if name_ev is not None else str(name)
                set_member(obj_ev(fr), member, value)

            return set_prop
        if isinstance(target, A.Index):
            obj_ev = self.expr(target.obj)
            index_ev = self.expr(target.index)

            def set_item(fr: Frame, value: Any) -> None:
                obj = obj_ev(fr)
                index = index_ev(fr)
                if isinstance(obj, PSHashtable):
                    obj.put(index, value)
                elif isinstance(obj, list):
                    position = convert_to(index, T.INT32, False, fr.eng.dialect)
                    if not -len(obj) <= position < len(obj):
                        raise StatementError(runtime_error(
                            "Index was outside the bounds of the array.", "IndexOutOfRange"))
                    obj[position] = value
                elif obj is None:
                    raise StatementError(runtime_error("Cannot index into a null array.",
                                                       "NullArray"))
                else:
                    raise StatementError(runtime_error(
                        f"Unable to index into an object of type {type(obj).__name__}.",
                        "CannotIndex"))

            return set_item
        raise AssertionError("parser admits only variables, members and elements")

    def var_setter(self, var: A.Var) -> Callable[[Frame, Any], None]:
        name = var.name
        if var.scope == "script":
            def set_script(fr: Frame, value: Any) -> None:
                fr.eng.script_scope.vars[name] = value

            return set_script
        if var.scope == "global":
            def set_global(fr: Frame, value: Any) -> None:
                fr.eng.global_scope.vars[name] = value

            return set_global

        if name == "null":
            return _discard_value

        def set_local(fr: Frame, value: Any) -> None:
            if name in _READ_ONLY:
                raise StatementError(PSErrorRecord(
                    message=f"Cannot overwrite variable {var.written[1:]} because it is "
                            "read-only or constant.", category="WriteError",
                    fqid="VariableNotWritable", reason="SessionStateUnauthorizedAccessException",
                    exception_type="System.Management.Automation."
                                   "SessionStateUnauthorizedAccessException"))
            fr.scope.vars[name] = value

        return set_local

    def stmt_If(self, node: A.If) -> Run:
        clauses = [(self.value_of(cond), self.block(body)) for cond, body in node.clauses]
        otherwise = self.block(node.otherwise) if node.otherwise is not None else None

        def run(fr: Frame, out: Out) -> None:
            for cond, body in clauses:
                if to_bool(cond(fr)):
                    body(fr, out)
                    return
            if otherwise is not None:
                otherwise(fr, out)

        return run

    def stmt_Foreach(self, node: A.Foreach) -> Run:
        source = self.value_of(node.source)
        body = self.block(node.body)
        setter = self.var_setter(node.var)

        def run(fr: Frame, out: Out) -> None:
            items = source(fr)
            if items is None:
                return
            if not isinstance(items, list):
                items = [items]
            for item in items:
                setter(fr, item)
                try:
                    body(fr, out)
                except BreakLoop:
                    break
                except ContinueLoop:
                    continue

        return run

    def stmt_Loop(self, node: A.Loop) -> Run:
        init = self.stmt(node.init) if node.init is not None else None
        cond = self.value_of(node.cond) if node.cond is not None else None
        step = self.stmt(node.step) if node.step is not None else None
        body = self.block(node.body)
        test_first, until = node.test_first, node.until

        def discard(_: Any) -> None:
            return None

        def run(fr: Frame, out: Out) -> None:
            if init is not None:
                init(fr, discard)
            first = True
            while True:
                fr.eng.check_cancel()
                if (test_first or not first) and cond is not None:
                    truth = to_bool(cond(fr))
                    if truth == until:
                        return
                first = False
                try:
                    body(fr, out)
                except BreakLoop:
                    return
                except ContinueLoop:
                    pass
                if step is not None:
                    step(fr, discard)

        return run

    def stmt_Try(self, node: A.Try) -> Run:
        body = self.block(node.body)
        catches = [(types, self.block(block)) for types, block in node.catches]
        final = self.block(node.final) if node.final is not None else None

        def run(fr: Frame, out: Out) -> None:
            eng = fr.eng
            eng.propagate += 1
            try:
                try:
                    body(fr, out)
                except (StatementError, ScriptError) as exc:
                    handler = _matching_catch(catches, exc.record)
                    if handler is None:
                        raise
                    eng.record_error(exc.record)
                    saved = fr.scope.vars.get("_", MISSING)
                    fr.scope.vars["_"] = exc.record
                    try:
                        handler(fr, out)
                    finally:
                        if saved is MISSING:
                            fr.scope.vars.pop("_", None)
                        else:
                            fr.scope.vars["_"] = saved
            except PipelineStopped:
                eng.propagate -= 1
                if final is not None:
                    # A finally block runs even when the pipeline is being stopped.
                    eng.stopping_finally += 1
                    try:
                        final(fr, out)
                    finally:
                        eng.stopping_finally -= 1
                raise
            except BaseException:
                eng.propagate -= 1
                if final is not None:
                    final(fr, out)
                raise
            eng.propagate -= 1
            if final is not None:
                final(fr, out)

        return run

    def stmt_Flow(self, node: A.Flow) -> Run:
        kind = node.kind
        value = self.value_of(node.value) if node.value is not None else None
        if kind == "throw":
            def run_throw(fr: Frame, out: Out) -> None:
                thrown_value = value(fr) if value is not None else None
                if thrown_value is None and value is None:
                    current = fr.scope.lookup("_")
                    if isinstance(current, PSErrorRecord):
                        raise ScriptError(current, from_throw=True)
                    record = PSErrorRecord(message="ScriptHalted", category="OperationStopped",
                                           fqid="ScriptHalted")
                    raise ScriptError(record, from_throw=True)
                if isinstance(thrown_value, PSErrorRecord):
                    raise ScriptError(thrown_value, from_throw=True)
                text = to_str(thrown_value, fr.eng.dialect)
                raise ScriptError(thrown(thrown_value, text), from_throw=True)

            return run_throw
        if kind == "return":
            def run_return(fr: Frame, out: Out) -> None:
                if value is not None:
                    emit(value(fr), out)
                raise ReturnFlow()

            return run_return
        if kind == "break":
            def run_break(fr: Frame, out: Out) -> None:
                raise BreakLoop()

            return run_break

        def run_continue(fr: Frame, out: Out) -> None:
            raise ContinueLoop()

        return run_continue

    def stmt_FunctionDef(self, node: A.FunctionDef) -> Run:
        function = self.functions.compile_function(self, node)
        key = node.name.lower()

        def run(fr: Frame, out: Out) -> None:
            fr.eng.functions[key] = function

        return run

    # --- expressions --------------------------------------------------------------------------

    def expr(self, node: A.Expr) -> Ev:
        method = getattr(self, "expr_" + type(node).__name__)
        ev: Ev = method(node)
        return ev

    def expr_Const(self, node: A.Const) -> Ev:
        value = node.value
        return lambda fr: value

    def expr_Var(self, node: A.Var) -> Ev:
        name = node.name
        if node.scope == "script":
            return lambda fr: unwrap(fr.eng.script_scope.lookup(name))
        if node.scope == "global":
            return lambda fr: unwrap(fr.eng.global_scope.lookup(name))
        if node.scope == "env":
            return lambda fr: None
        if name == "error":
            return lambda fr: fr.eng.error_list
        if node.scope == "local":
            return lambda fr: unwrap(fr.scope.vars.get(name))

        def lookup(fr: Frame) -> Any:
            scope: Scope | None = fr.scope
            while scope is not None:
                value = scope.vars.get(name, MISSING)
                if value is not MISSING:
                    return None if value is AUTOMATION_NULL else value
                scope = scope.parent
            return None

        return lookup

    def expr_Expand(self, node: A.Expand) -> Ev:
        parts: list[str | Ev] = [p if isinstance(p, str) else self.expr(p) for p in node.parts]

        def expand(fr: Frame) -> str:
            dialect = fr.eng.dialect
            ofs = to_str(fr.scope.lookup("ofs"), dialect) if fr.scope.lookup("ofs") is not None \
                else " "
            out = []
            for part in parts:
                if isinstance(part, str):
                    out.append(part)
                else:
                    value = part(fr)
                    if isinstance(value, PSErrorRecord):
                        out.append(value.message)
                    else:
                        out.append(to_str(value, dialect, ofs))
            return "".join(out)

        return expand

    def expr_Member(self, node: A.Member) -> Ev:
        if node.static:
            assert isinstance(node.obj, A.TypeExpr) and isinstance(node.name, str)
            type_name, member = node.obj.type.name, node.name
            return lambda fr: static_member(type_name, member, fr.eng.runtime)
        obj_ev = self.expr(node.obj)
        name = node.name
        if isinstance(name, str):
            static_name = name
            key = name.lower()

            def read_member(fr: Frame) -> Any:
                obj = obj_ev(fr)
                if type(obj) is PSObject:
                    value = obj._props.get(key, MISSING)
                    if value is not MISSING:
                        return value.getter() if isinstance(value, Lazy) else value
                return get_member(obj, static_name, fr.eng.dialect)

            return read_member
        name_ev = self.expr(name)
        return lambda fr: get_member(obj_ev(fr), to_str(name_ev(fr)), fr.eng.dialect)

    def expr_Invoke(self, node: A.Invoke) -> Ev:
        args = [self.expr(a) for a in node.args]
        name = node.name
        if node.static:
            assert isinstance(node.obj, A.TypeExpr)
            type_name = node.obj.type.name
            return lambda fr: static_call(type_name, name, [a(fr) for a in args],
                                          fr.eng.dialect, fr.eng.runtime)
        obj_ev = self.expr(node.obj)

        def invoke(fr: Frame) -> Any:
            obj = obj_ev(fr)
            values = [a(fr) for a in args]
            if isinstance(obj, ScriptBlock) and name.lower() == "invoke":
                return self.functions.invoke_script_block(fr, obj, values)
            return call_method(obj, name, values, fr.eng.dialect)

        return invoke

    def expr_Index(self, node: A.Index) -> Ev:
        obj_ev = self.expr(node.obj)
        index_ev = self.expr(node.index)

        def index(fr: Frame) -> Any:
            obj = obj_ev(fr)
            key = index_ev(fr)
            return index_value(obj, key, fr.eng)

        return index

    def expr_Unary(self, node: A.Unary) -> Ev:
        operand = self.expr(node.operand)
        op = node.op
        if op in ("-not", "!"):
            return lambda fr: not to_bool(operand(fr))
        if op == "-":
            return lambda fr: negate(operand(fr), fr.eng.dialect)
        if op == "+":
            return lambda fr: arithmetic("+", 0, operand(fr), fr.eng.dialect)
        if op == ",":
            return lambda fr: [operand(fr)]
        if op == "-join":
            return lambda fr: binary_compare("-join", operand(fr), "", fr.eng.dialect)
        if op == "-split":
            def split(fr: Frame) -> Any:
                value = operand(fr)
                items = value if isinstance(value, list) else [value]
                out: list[str] = []
                for item in items:
                    out.extend(to_str(item, fr.eng.dialect).split())
                return out

            return split
        raise AssertionError(op)

    def expr_IncDec(self, node: A.IncDec) -> Ev:
        getter = self.expr(node.target)
        store = self.store(node.target)
        delta, prefix = node.delta, node.prefix

        def incdec(fr: Frame) -> Any:
            old = getter(fr)
            new = arithmetic("+", old if old is not None else 0, delta, fr.eng.dialect)
            store(fr, new)
            return new if prefix else old

        return incdec

    def cast_fn(self, type_ref: A.TypeRef) -> Callable[[Frame, Any], Any]:
        name, array = type_ref.name, type_ref.array
        if name == T.VOID:
            return lambda fr, value: VOID
        if name == T.PSCUSTOMOBJECT and not array:
            def to_custom(fr: Frame, value: Any) -> Any:
                if isinstance(value, PSHashtable):
                    return PSObject(value.entries())
                return value

            return to_custom
        if not array and name == T.STRING:
            def to_string(fr: Frame, value: Any) -> Any:
                return value if type(value) is str else to_str(value, fr.eng.dialect)

            return to_string
        if not array and name in T.INTEGER_RANGES:
            low, high = T.INTEGER_RANGES[name]

            def to_int(fr: Frame, value: Any) -> Any:
                if type(value) is int and low <= value <= high:
                    return value
                return convert_to(value, name, False, fr.eng.dialect)

            return to_int
        if not array and name == T.BOOLEAN:
            return lambda fr, value: to_bool(value)
        return lambda fr, value: convert_to(value, name, array, fr.eng.dialect)

    def expr_Cast(self, node: A.Cast) -> Ev:
        if node.type.name == T.PSCUSTOMOBJECT and not node.type.array and \
                isinstance(node.operand, A.HashLit) and \
                all(isinstance(k, A.Const) and isinstance(k.value, str)
                    for k, _ in node.operand.entries):
            return self.record_literal(node.operand)
        if node.type.name == T.ORDERED:
            assert isinstance(node.operand, A.HashLit)
            return self.hash_literal(node.operand, ordered=True)
        operand = self.expr(node.operand)
        cast = self.cast_fn(node.type)
        return lambda fr: cast(fr, operand(fr))

    def record_literal(self, node: A.HashLit) -> Ev:
        """``[pscustomobject]@{ Name = ...; ... }`` with literal keys: built directly."""
        names = [str(k.value) for k, _ in node.entries if isinstance(k, A.Const)]
        keys = tuple(n.lower() for n in names)
        spelling = dict(zip(keys, names, strict=True))
        values = [self.value_of(v) for _, v in node.entries]

        def build(fr: Frame) -> PSObject:
            return PSObject.record(keys, spelling, [v(fr) for v in values])

        return build

    def expr_TypeExpr(self, node: A.TypeExpr) -> Ev:
        type_ref = node.type
        return lambda fr: type_ref

    def expr_Binary(self, node: A.Binary) -> Ev:
        left = self.expr(node.left)
        right = self.expr(node.right)
        op = node.op
        if op == "-and":
            return lambda fr: to_bool(left(fr)) and to_bool(right(fr))
        if op == "-or":
            return lambda fr: to_bool(left(fr)) or to_bool(right(fr))
        if op == "-xor":
            return lambda fr: to_bool(left(fr)) != to_bool(right(fr))
        if op in ("+", "-", "*", "/", "%"):
            return lambda fr: arithmetic(op, left(fr), right(fr), fr.eng.dialect)
        if op == "..":
            def make_range(fr: Frame) -> list[int]:
                start = convert_to(left(fr), T.INT32, False, fr.eng.dialect)
                end = convert_to(right(fr), T.INT32, False, fr.eng.dialect)
                step = 1 if end >= start else -1
                return list(range(start, end + step, step))

            return make_range
        if op in ("-is", "-isnot"):
            def type_test(fr: Frame) -> bool:
                type_ref = right(fr)
                if isinstance(type_ref, str):
                    resolved = T.resolve(T.split_array(type_ref)[0])
                    type_ref = A.TypeRef(type_ref, resolved or type_ref,
                                         T.split_array(type_ref)[1])
                if not isinstance(type_ref, A.TypeRef):
                    raise StatementError(runtime_error(
                        "The right operand of '-is' must be a type.", "IsOperatorRequiresType"))
                result = is_type(left(fr), type_ref.name, type_ref.array)
                return result if op == "-is" else not result

            return type_test
        if op == "-as":
            def as_type(fr: Frame) -> Any:
                type_ref = right(fr)
                if not isinstance(type_ref, A.TypeRef):
                    return None
                try:
                    return self.cast_fn(type_ref)(fr, left(fr))
                except StatementError:
                    return None

            return as_type
        if op in ("-match", "-imatch", "-cmatch", "-notmatch", "-inotmatch", "-cnotmatch"):
            def match(fr: Frame) -> Any:
                scope = fr.scope

                def set_matches(table: PSHashtable) -> None:
                    scope.vars["matches"] = table

                return binary_compare(op, left(fr), right(fr), fr.eng.dialect, set_matches)

            return match
        return lambda fr: binary_compare(op, left(fr), right(fr), fr.eng.dialect)

    def expr_ArrayLit(self, node: A.ArrayLit) -> Ev:
        items = [self.expr(i) for i in node.items]
        return lambda fr: [i(fr) for i in items]

    def expr_Paren(self, node: A.Paren) -> Ev:
        return self.value_of(node.stmt)

    def expr_SubExpr(self, node: A.SubExpr) -> Ev:
        body = self.block(node.body)
        if node.array:
            def array(fr: Frame) -> list[Any]:
                items: list[Any] = []
                body(fr, items.append)
                return items

            return array
        return lambda fr: collect(body, fr)

    def expr_HashLit(self, node: A.HashLit) -> Ev:
        return self.hash_literal(node, ordered=False)

    def hash_literal(self, node: A.HashLit, *, ordered: bool) -> Ev:
        entries = [(self.expr(k), self.value_of(v)) for k, v in node.entries]

        def build(fr: Frame) -> PSHashtable:
            table = PSHashtable(ordered)
            for key_ev, value_ev in entries:
                key = key_ev(fr)
                if table.contains(key):
                    raise StatementError(PSErrorRecord(
                        message=f"Duplicate keys '{key}' are not allowed in hash literals.",
                        category="InvalidOperation", fqid="DuplicateKeyInHashLiteral",
                        reason="RuntimeException"))
                table.put(key, value_ev(fr))
            return table

        return build

    def expr_ScriptBlockExpr(self, node: A.ScriptBlockExpr) -> Ev:
        body = self.block(node.body)
        params = self.functions.compile_params(self, node.params)
        text = node.text
        return lambda fr: ScriptBlock(text, body, params, fr)


_READ_ONLY = {"true", "false", "psversiontable", "error", "psculture", "psuiculture"}


def _discard_value(fr: Frame, value: Any) -> None:
    """``$null = ...`` discards the value."""


def _matching_catch(catches: list[tuple[list[A.TypeRef], Run]],
                    record: PSErrorRecord) -> Run | None:
    chain = [name.lower() for name in record.type_chain()]
    for types, handler in catches:
        if not types:
            return handler
        for type_ref in types:
            wanted = type_ref.written.lower()
            if wanted in chain or "system." + wanted in chain or \
                    (wanted == "exception" and "system.exception" in chain):
                return handler
    return None


def index_value(obj: Any, key: Any, eng: Engine) -> Any:
    if obj is None:
        raise StatementError(runtime_error("Cannot index into a null array.", "NullArray"))
    if isinstance(obj, PSHashtable):
        if isinstance(key, list):
            return [obj.lookup(k) for k in key]
        return obj.lookup(key)
    if isinstance(obj, list | str):
        if isinstance(key, list):
            picked = [index_value(obj, k, eng) for k in key]
            return [p for p in picked if p is not None]
        position = convert_to(key, T.INT32, False, eng.dialect)
        if -len(obj) <= position < len(obj):
            return obj[position]
        return None
    if isinstance(obj, PSObject) and isinstance(key, str) and obj.has(key):
        return None
    # Any scalar indexed with 0 is itself (PowerShell 3.0+), other indexes give $null.
    position = convert_to(key, T.INT32, False, eng.dialect) if not isinstance(key, list) else 1
    return obj if position in (0, -1) else None
