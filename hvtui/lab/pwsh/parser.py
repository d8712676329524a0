"""tree-sitter-powershell's tree -> the engine's AST, refusing what is outside the subset.

:func:`parse` returns the :class:`~hvtui.lab.pwsh.ast.Script` and the list of problems
("12:5: switch statement", "3:1: syntax error near 'x'"). A script with problems is never
run. The grammar's known gaps are refused rather than guessed at: it does not know the
Unicode quote characters PowerShell's tokenizer treats as quotes (see
``hvtui/ps/quoting.py``), so a string holding a lone one is refused, since PowerShell would
end the string there.
"""

from __future__ import annotations

import re
from typing import Any

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

from hvtui.lab.pwsh import ast as A
from hvtui.lab.pwsh import types as T
from hvtui.lab.pwsh.core import NOT_IMPLEMENTED

_LANGUAGE = Language(tree_sitter_powershell.language())

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = '"\u201c\u201d\u201e'

_PASS_THROUGH = {
    "logical_expression", "bitwise_expression", "comparison_expression",
    "additive_expression", "multiplicative_expression", "format_expression",
    "range_expression", "logical_argument_expression", "bitwise_argument_expression",
    "comparison_argument_expression", "additive_argument_expression",
    "multiplicative_argument_expression", "format_argument_expression",
    "range_argument_expression", "unary_expression", "argument_expression",
    "left_assignment_expression", "key_expression", "while_condition", "for_initializer",
    "for_condition", "for_iterator",
}

_REFUSED_STATEMENTS = {
    "switch_statement": "switch statement",
    "class_statement": "class definition",
    "enum_statement": "enum definition",
    "trap_statement": "trap statement",
    "data_statement": "data section",
    "inlinescript_statement": "inlinescript (workflow)",
    "parallel_statement": "parallel (workflow)",
    "sequence_statement": "sequence (workflow)",
}

_BACKTICK = {"0": "\0", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
             "v": "\v"}
_MULTIPLIERS = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}
_ASSIGN_OPS = {"=", "+=", "-=", "*=", "/=", "%="}
_COMPARISON = re.compile(
    r"-(?:[ci]?(?:eq|ne|gt|ge|lt|le|like|notlike|match|notmatch|contains|notcontains|in|"
    r"notin|replace|split)|join|is|isnot|as|f|and|or|xor|band|bor|bxor|shl|shr)$"
)


class _Refusal(Exception):
    pass


class Converter:
    """One script's conversion; collects every problem instead of stopping at the first."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.source = text.encode("utf-8")
        self.problems: list[str] = []
        self._line_starts = [0]
        for i, byte in enumerate(self.source):
            if byte == 0x0A:
                self._line_starts.append(i + 1)

    # --- helpers -------------------------------------------------------------------------

    def pos(self, node: Node) -> str:
        row, byte_col = node.start_point
        start = self._line_starts[row] if row < len(self._line_starts) else 0
        col = len(self.source[start:start + byte_col].decode("utf-8", errors="replace")) + 1
        return f"{row + 1}:{col}"

    def src(self, node: Node) -> str:
        return self.source[node.start_byte:node.end_byte].decode("utf-8")

    def refuse(self, node: Node, what: str) -> A.Const:
        self.problems.append(f"{self.pos(node)}: {what}")
        return A.Const(self.pos(node), None)

    @staticmethod
    def named(node: Node) -> list[Node]:
        return [c for c in node.children if c.is_named and c.type != "comment"]

    # --- syntax errors ---------------------------------------------------------------------

    def syntax_errors(self, root: Node) -> None:
        stack = [root]
        while stack:
            node = stack.pop()
            if node.is_error:
                snippet = self.src(node)[:40]
                self.problems.append(f"{self.pos(node)}: syntax error near {snippet!r}")
                continue
            if node.is_missing:
                self.problems.append(f"{self.pos(node)}: syntax error: missing {node.type!r}")
                continue
            if node.has_error:
                stack.extend(reversed(node.children))

    # --- script ----------------------------------------------------------------------------

    def script(self, root: Node) -> A.Script:
        params: list[A.ParamDecl] = []
        body: list[A.Stmt] = []
        for child in self.named(root):
            if child.type == "param_block":
                params = self.param_block(child)
            elif child.type == "statement_list":
                body = self.statements(child)
        return A.Script(params, body)

    def param_block(self, node: Node) -> list[A.ParamDecl]:
        decls: list[A.ParamDecl] = []
        advanced = False
        for child in self.named(node):
            if child.type == "attribute_list":
                for attribute in self.named(child):
                    if self.src(attribute).lower().replace(" ", "").startswith(
                            "[cmdletbinding("):
                        advanced = True
                    else:
                        self.refuse(attribute, f"attribute {self.src(attribute)} on param()")
            elif child.type == "parameter_list":
                decls.extend(self.parameter(p) for p in self.named(child)
                             if p.type == "script_parameter")
        if advanced or any(d.advanced for d in decls):
            for decl in decls:
                decl.advanced = True
            if not decls:
                # An empty [CmdletBinding()] param(): a nameless marker carries the flag.
                decls.append(A.ParamDecl(self.pos(node), "", advanced=True))
        return decls

    def parameter(self, node: Node) -> A.ParamDecl:
        decl = A.ParamDecl(self.pos(node), "")
        for child in self.named(node):
            if child.type == "variable":
                decl.name = self.src(child)[1:]
            elif child.type == "script_parameter_default":
                decl.default = self.expr(self.named(child)[0])
            elif child.type == "attribute_list":
                for attribute in self.named(child):
                    self.attribute(attribute, decl)
        return decl

    def attribute(self, node: Node, decl: A.ParamDecl) -> None:
        kids = self.named(node)
        if kids and kids[0].type == "type_literal":
            decl.type = self.type_ref(kids[0], for_param=True)
            return
        name = self.src(kids[0]).lower() if kids else ""
        args = [a for k in kids[1:] if k.type == "attribute_arguments"
                for a in self.named(k) if a.type == "attribute_argument"]
        if name in ("parameter", "system.management.automation.parameter"):
            decl.advanced = True
            for arg in args:
                parts = self.named(arg)
                key = self.src(parts[0]).lower() if parts else ""
                value: Any = True
                if len(parts) > 1:
                    value = self.literal_value(parts[1])
                if key == "mandatory":
                    decl.mandatory = bool(value)
                elif key == "position":
                    decl.position = int(value) if isinstance(value, int) else None
                elif key == "valuefrompipeline":
                    decl.from_pipeline = bool(value)
                elif key in ("helpmessage", "parametersetname"):
                    if key == "parametersetname":
                        self.refuse(arg, "parameter sets in a script's param()")
                else:
                    self.refuse(arg, f"Parameter attribute argument {self.src(arg)}")
        elif name == "validateset":
            values = []
            for arg in args:
                value = self.literal_value(self.named(arg)[0])
                if not isinstance(value, str):
                    self.refuse(arg, "ValidateSet value that is not a string literal")
                else:
                    values.append(value)
            decl.validate_set = tuple(values)
        else:
            self.refuse(node, f"attribute [{self.src(kids[0]) if kids else '?'}()]")

    def literal_value(self, node: Node) -> Any:
        """The value of a constant expression in an attribute ($true, 1, 'x')."""
        expr = self.expr(node)
        if isinstance(expr, A.Const):
            return expr.value
        if isinstance(expr, A.Var) and expr.name in ("true", "false"):
            return expr.name == "true"
        self.refuse(node, "attribute argument that is not a constant")
        return None

    def type_ref(self, node: Node, *, for_param: bool = False) -> A.TypeRef:
        """A type_literal (``[int]``) or type_spec node."""
        spec = node
        if node.type == "type_literal":
            spec = self.named(node)[0]
        written = self.src(spec).replace(" ", "")
        element, array = T.split_array(written)
        name = T.resolve(element)
        if name is None:
            self.refuse(node, f"type [{written}]")
            name = T.OBJECT
        if array and name in (T.ORDERED, T.PSCUSTOMOBJECT, T.VOID, T.XML):
            self.refuse(node, f"type [{written}]")
        return A.TypeRef(written, name, array)

    # --- statements --------------------------------------------------------------------------

    def statements(self, node: Node | None) -> list[A.Stmt]:
        if node is None:
            return []
        out: list[A.Stmt] = []
        for child in self.named(node):
            stmt = self.statement(child)
            if stmt is not None:
                out.append(stmt)
        return out

    def block(self, node: Node) -> list[A.Stmt]:
        """A statement_block ``{ ... }``."""
        lists = [c for c in self.named(node) if c.type == "statement_list"]
        return self.statements(lists[0]) if lists else []

    def statement(self, node: Node) -> A.Stmt | None:
        kind = node.type
        pos = self.pos(node)
        if kind == "empty_statement":
            return None
        if kind == "pipeline":
            return self.pipeline(node)
        if kind == "if_statement":
            return self.if_statement(node)
        if kind == "foreach_statement":
            kids = self.named(node)
            if kids[0].type == "foreach_parameter":
                self.refuse(kids[0], "foreach -parallel")
                kids = kids[1:]
            var = self.expr(kids[0])
            if not isinstance(var, A.Var):
                self.refuse(kids[0], "foreach over something that is not a variable")
                var = A.Var(pos, "_")
            return A.Foreach(pos, var, self.pipeline(kids[1]), self.block(kids[2]))
        if kind == "for_statement":
            parts: dict[str, A.Stmt | None] = {"for_initializer": None, "for_condition": None,
                                              "for_iterator": None}
            body: list[A.Stmt] = []
            for child in self.named(node):
                if child.type in parts:
                    parts[child.type] = self.pipeline(self.named(child)[0])
                elif child.type == "statement_block":
                    body = self.block(child)
            return A.Loop(pos, parts["for_initializer"], parts["for_condition"],
                          parts["for_iterator"], body)
        if kind == "while_statement":
            kids = self.named(node)
            return A.Loop(pos, None, self.pipeline(self.named(kids[0])[0]), None,
                          self.block(kids[1]))
        if kind == "do_statement":
            kids = self.named(node)
            until = any(not c.is_named and c.type == "until" for c in node.children)
            return A.Loop(pos, None, self.pipeline(self.named(kids[1])[0]), None,
                          self.block(kids[0]), test_first=False, until=until)
        if kind == "try_statement":
            return self.try_statement(node)
        if kind == "flow_control_statement":
            keyword = node.children[0].type.lower()
            rest = self.named(node)
            if keyword in ("break", "continue") and rest:
                self.refuse(rest[0], f"{keyword} with a label")
            if keyword == "exit":
                self.refuse(node, "exit statement")
            value = self.pipeline(rest[0]) if rest and rest[0].type == "pipeline" else None
            return A.Flow(pos, keyword, value)
        if kind == "function_statement":
            return self.function(node)
        if kind == "label":
            self.refuse(node, "loop label")
            return None
        if kind in _REFUSED_STATEMENTS:
            self.refuse(node, _REFUSED_STATEMENTS[kind])
            return None
        self.refuse(node, f"statement {kind}")
        return None

    def if_statement(self, node: Node) -> A.If:
        clauses: list[tuple[A.Stmt, list[A.Stmt]]] = []
        otherwise: list[A.Stmt] | None = None
        kids = self.named(node)
        clauses.append((self.pipeline(kids[0]), self.block(kids[1])))
        for child in kids[2:]:
            if child.type == "elseif_clauses":
                for clause in self.named(child):
                    parts = self.named(clause)
                    clauses.append((self.pipeline(parts[0]), self.block(parts[1])))
            elif child.type == "else_clause":
                otherwise = self.block(self.named(child)[0])
        return A.If(self.pos(node), clauses, otherwise)

    def try_statement(self, node: Node) -> A.Try:
        kids = self.named(node)
        body = self.block(kids[0])
        catches: list[tuple[list[A.TypeRef], list[A.Stmt]]] = []
        final: list[A.Stmt] | None = None
        for child in kids[1:]:
            if child.type == "catch_clauses":
                for clause in self.named(child):
                    types: list[A.TypeRef] = []
                    block: list[A.Stmt] = []
                    for part in self.named(clause):
                        if part.type == "catch_type_list":
                            for literal in self.named(part):
                                spec = self.src(self.named(literal)[0]).replace(" ", "")
                                # Exception types are matched by name against the error's
                                # type chain, so any name is accepted here.
                                types.append(A.TypeRef(spec, spec, False))
                        elif part.type == "statement_block":
                            block = self.block(part)
                    catches.append((types, block))
            elif child.type == "finally_clause":
                final = self.block(self.named(child)[0])
        return A.Try(self.pos(node), body, catches, final)

    def function(self, node: Node) -> A.FunctionDef | None:
        keyword = node.children[0].type.lower()
        if keyword != "function":
            self.refuse(node, f"{keyword} definition")
            return None
        name = ""
        params: list[A.ParamDecl] = []
        body: list[A.Stmt] = []
        for child in self.named(node):
            if child.type == "function_name":
                name = self.src(child)
            elif child.type == "function_parameter_declaration":
                for plist in self.named(child):
                    params.extend(self.parameter(p) for p in self.named(plist))
            elif child.type == "script_block":
                block_params, body = self.script_block(child)
                params = params or block_params
        return A.FunctionDef(self.pos(node), name, params, body)

    def script_block(self, node: Node) -> tuple[list[A.ParamDecl], list[A.Stmt]]:
        params: list[A.ParamDecl] = []
        body: list[A.Stmt] = []
        for child in self.named(node):
            if child.type == "param_block":
                params = self.param_block(child)
            elif child.type == "script_block_body":
                inner = self.named(child)[0]
                if inner.type == "named_block_list":
                    self.refuse(inner, "begin/process/end blocks")
                else:
                    body = self.statements(inner)
        return params, body

    # --- pipelines -------------------------------------------------------------------------

    def pipeline(self, node: Node) -> A.Stmt:
        pos = self.pos(node)
        kids = self.named(node)
        if node.type != "pipeline":
            return self.pipeline_from_expression(node)
        if kids and kids[0].type == "assignment_expression":
            return self.assignment(kids[0])
        if len(kids) != 1 or kids[0].type != "pipeline_chain":
            self.refuse(node, "pipeline chain operator && or ||")
            return A.Pipeline(pos, A.Const(pos, None))
        chain = kids[0]
        elements = self.named(chain)
        head: A.Expr | A.CommandCall
        tail: list[A.CommandCall] = []
        for element in elements:
            if element.type == "command":
                call = self.command(element)
                if not tail and elements[0] is element:
                    head = call
                else:
                    tail.append(call)
            elif element.type in ("redirections", "redirection"):
                self.refuse(element, "redirection")
            elif element.type == "verbatim_command_argument":
                self.refuse(element, "--% verbatim arguments")
            elif element is elements[0]:
                head = self.expr(element)
            else:
                self.refuse(element, f"pipeline element {element.type}")
        return A.Pipeline(pos, head, tail)

    def pipeline_from_expression(self, node: Node) -> A.Stmt:
        return A.Pipeline(self.pos(node), self.expr(node))

    def assignment(self, node: Node) -> A.Assign:
        kids = self.named(node)
        target = self.expr(kids[0])
        written = self.src(kids[0]).strip()
        if isinstance(target, A.Const) and written.lower() in ("$null", "$true", "$false"):
            target = A.Var(target.pos, written[1:].lower(), "", written)
        op = self.src(kids[1]).strip()
        if op not in _ASSIGN_OPS:
            self.refuse(kids[1], f"assignment operator {op}")
        if not isinstance(target, A.Var | A.Member | A.Index | A.Cast):
            self.refuse(kids[0], "assignment to something that is not a variable, property "
                        "or element (such as $a, $b = 1, 2)")
        if isinstance(target, A.Cast) and not isinstance(target.operand, A.Var):
            self.refuse(kids[0], "assignment to a cast that is not a typed variable")
        value_node = kids[2]
        value = self.statement(value_node) if value_node.type != "pipeline" else \
            self.pipeline(value_node)
        if value is None:
            value = A.Pipeline(self.pos(value_node), A.Const(self.pos(value_node), None))
        return A.Assign(self.pos(node), target, op, value)

    def command(self, node: Node) -> A.CommandCall:
        pos = self.pos(node)
        name = ""
        target: A.Expr | None = None
        elements: list[A.CmdParam | A.CmdArg] = []
        for child in self.named(node):
            if child.type == "command_name":
                name = self.src(child)
                if name[:1] in SINGLE_QUOTES + DOUBLE_QUOTES:
                    self.refuse(child, f"string opening with the quote character "
                                f"U+{ord(name[0]):04X}: PowerShell reads it as a quote, "
                                "tree-sitter-powershell does not; open it with ' or \"")
                elif name[:1].isdigit() or name[:1] == ".":
                    self.refuse(child, f"{name!r}: tree-sitter-powershell reads an expression "
                                "that starts with a number (such as a range 1..$n) as a "
                                "command name; start it with a variable or a cast")
                elif name.lower() in NOT_IMPLEMENTED:
                    self.refuse(child, f"command {name} (a core cmdlet the lab's engine does "
                                "not implement)")
                elif any(ch in name for ch in "$`\"'\u2018\u2019\u201a\u201b\u201c\u201d\u201e"):
                    self.refuse(child, f"command name {name!r} with quotes, $ or backticks")
            elif child.type == "command_invokation_operator":
                if self.src(child) == ".":
                    self.refuse(child, "dot-sourcing (.)")
            elif child.type == "command_name_expr":
                inner = self.named(child)[0]
                if inner.type == "command_name":
                    name = self.src(inner)
                elif inner.type in ("script_block_expression", "variable"):
                    target = self.expr(inner)
                else:
                    self.refuse(inner, "& with a computed command name")
            elif child.type == "command_elements":
                elements = self.command_elements(child)
        return A.CommandCall(pos, name, elements, target)

    def command_elements(self, node: Node) -> list[A.CmdParam | A.CmdArg]:
        out: list[A.CmdParam | A.CmdArg] = []
        parts = self.named(node)
        i = 0
        glued = False  # the previous separator was empty: ",x" continues the last argument
        while i < len(parts):
            part = parts[i]
            i += 1
            kind = part.type
            if kind == "command_argument_sep":
                text = self.src(part)
                if text == ":" and out and isinstance(out[-1], A.CmdParam) and \
                        out[-1].value is None and i < len(parts):
                    value_node = parts[i]
                    i += 1
                    out[-1].value = self.argument_value(value_node)
                glued = text == ""
                continue
            if kind == "command_parameter":
                text = self.src(part)
                if text == "--":
                    self.refuse(part, "-- (end of parameters)")
                    continue
                name = text.lstrip("-\u2013\u2014\u2015")
                if "`" in name:
                    self.refuse(part, "backtick in a parameter name")
                out.append(A.CmdParam(self.pos(part), name))
                glued = False
                continue
            if kind in ("redirection",):
                self.refuse(part, "redirection")
                continue
            if kind == "stop_parsing":
                self.refuse(part, "--% verbatim arguments")
                continue
            if kind == "argument_list":
                self.refuse(part, "method-call syntax in a command argument")
                continue
            continues = glued and self.src(part).startswith(",") and out and \
                isinstance(out[-1], A.CmdArg)
            value = self.argument_value(part)
            if continues:
                previous = out[-1]
                assert isinstance(previous, A.CmdArg)
                tail = value.items if isinstance(value, A.ArrayLit) else \
                    [value.operand] if isinstance(value, A.Unary) and value.op == "," else [value]
                head = previous.value.items if isinstance(previous.value, A.ArrayLit) else \
                    [previous.value]
                previous.value = A.ArrayLit(previous.pos, [*head, *tail])
                previous.text += self.src(part)
            else:
                splat = kind == "array_literal_expression" and self.src(part).startswith("@") \
                    and self.named(self.named(part)[0])[0].type == "variable"
                out.append(A.CmdArg(self.pos(part), value, splat, self.src(part)))
            glued = False
        return out

    def argument_value(self, node: Node) -> A.Expr:
        if node.type == "generic_token":
            text = self.src(node)
            if text.startswith(","):
                word = text[1:]
                return A.Unary(self.pos(node), ",", self.bare_word(node, word))
            return self.bare_word(node, text)
        if node.type == "array_literal_expression" and self.src(node).startswith("@") and \
                len(self.named(node)) == 1:
            unary = self.named(node)[0]
            inner = self.named(unary)[0] if self.named(unary) else None
            if inner is not None and inner.type == "variable":
                return A.Var(self.pos(inner), self.src(inner)[1:].lower(), "",
                             self.src(inner))
        return self.expr(node)

    def bare_word(self, node: Node, word: str) -> A.Expr:
        if any(ch in word for ch in "$`" + SINGLE_QUOTES + DOUBLE_QUOTES):
            return self.refuse(node, f"bare word {word!r} with quotes, $ or backticks: quote "
                               "it")
        return A.Const(self.pos(node), word)

    # --- expressions -------------------------------------------------------------------------

    def expr(self, node: Node) -> A.Expr:
        kind = node.type
        pos = self.pos(node)
        kids = self.named(node)
        if kind in _PASS_THROUGH:
            if len(node.children) == 1 or (len(kids) == 1 and len(node.children) == 1):
                return self.expr(kids[0])
            if len(node.children) == 3:
                op = self.src(node.children[1]).lower()
                if kind.startswith("range"):
                    op = ".."
                if op not in ("+", "-", "*", "/", "%", "..") and not _COMPARISON.match(op):
                    return self.refuse(node.children[1], f"operator {op}")
                if op in ("-band", "-bor", "-bxor", "-shl", "-shr"):
                    return self.refuse(node.children[1], f"operator {op}")
                return A.Binary(pos, op, self.expr(node.children[0]),
                                self.expr(node.children[2]))
            if len(kids) == 1:
                return self.expr(kids[0])
            return self.refuse(node, f"expression {kind}")
        if kind == "array_literal_expression":
            items = [self.expr(k) for k in kids]
            return items[0] if len(items) == 1 else A.ArrayLit(pos, items)
        if kind == "expression_with_unary_operator":
            first = node.children[0]
            if first.is_named:
                return self.expr(first)
            op = first.type.lower()
            if op in ("-bnot",):
                return self.refuse(first, f"operator {op}")
            return A.Unary(pos, op, self.expr(kids[-1]))
        if kind == "cast_expression":
            type_ref = self.type_ref(kids[0])
            operand = self.expr(kids[1])
            if type_ref.name == T.ORDERED and not isinstance(operand, A.HashLit):
                self.refuse(node, "[ordered] on something that is not a hashtable literal")
            return A.Cast(pos, type_ref, operand)
        if kind in ("pre_increment_expression", "pre_decrement_expression"):
            return A.IncDec(pos, self.assignable(kids[0]), 1 if "incr" in kind else -1, True)
        if kind in ("post_increment_expression", "post_decrement_expression"):
            return A.IncDec(pos, self.assignable(kids[0]), 1 if "incr" in kind else -1, False)
        if kind == "parenthesized_expression":
            return A.Paren(pos, self.pipeline(kids[0]))
        if kind == "sub_expression":
            lists = [k for k in kids if k.type == "statement_list"]
            return A.SubExpr(pos, self.statements(lists[0]) if lists else [])
        if kind == "array_expression":
            lists = [k for k in kids if k.type == "statement_list"]
            return A.SubExpr(pos, self.statements(lists[0]) if lists else [], array=True)
        if kind == "script_block_expression":
            params: list[A.ParamDecl] = []
            body: list[A.Stmt] = []
            for child in kids:
                if child.type == "param_block":
                    params = self.param_block(child)
                elif child.type == "script_block":
                    inner_params, body = self.script_block(child)
                    params = params or inner_params
            text = self.src(node)
            return A.ScriptBlockExpr(pos, params, body, text[1:-1])
        if kind == "hash_literal_expression":
            entries: list[tuple[A.Expr, A.Stmt]] = []
            seen: set[str] = set()
            for body_node in kids:
                for entry in self.named(body_node):
                    parts = self.named(entry)
                    key_node = parts[0]
                    key_inner = self.named(key_node)[0]
                    key: A.Expr = A.Const(self.pos(key_inner), self.src(key_inner)) \
                        if key_inner.type == "simple_name" else self.expr(key_inner)
                    value = self.statement(parts[1])
                    if value is None:
                        value = A.Pipeline(self.pos(parts[1]), A.Const(self.pos(parts[1]), None))
                    if isinstance(key, A.Const) and isinstance(key.value, str):
                        lowered = key.value.lower()
                        if lowered in seen:
                            self.refuse(key_inner, f"duplicate key '{key.value}' in a hash "
                                        "literal (PowerShell refuses it when parsing)")
                        seen.add(lowered)
                    entries.append((key, value))
            return A.HashLit(pos, entries)
        if kind == "integer_literal":
            return self.integer(kids[0])
        if kind == "real_literal":
            return self.real(node)
        if kind == "string_literal":
            return self.string(kids[0])
        if kind == "type_literal":
            return A.TypeExpr(pos, self.type_ref(node))
        if kind == "variable":
            return self.variable(node)
        if kind == "member_access":
            return self.member_access(node)
        if kind == "element_access":
            return A.Index(pos, self.expr(kids[0]), self.expr(kids[1]))
        if kind == "invokation_expression":
            return self.invocation(node)
        if kind == "pipeline":
            return A.Paren(pos, self.pipeline(node))
        return self.refuse(node, f"expression {kind}")

    def assignable(self, node: Node) -> A.Expr:
        target = self.expr(node)
        if not isinstance(target, A.Var | A.Member | A.Index):
            self.refuse(node, "++/-- on something that is not a variable, property or element")
        return target

    def variable(self, node: Node) -> A.Expr:
        pos = self.pos(node)
        text = self.src(node)
        if text.startswith("@"):
            return self.refuse(node, f"splatted variable {text} outside a command")
        name = text[2:-1] if text.startswith("${") else text[1:]
        scope = ""
        if ":" in name:
            prefix, _, rest = name.partition(":")
            if prefix.lower() in ("script", "global", "local", "env"):
                scope, name = prefix.lower(), rest
            else:
                return self.refuse(node, f"variable {text} (provider or drive qualified)")
        if name in ("$", "^", "?"):
            return self.refuse(node, f"automatic variable {text}")
        if "`" in name:
            return self.refuse(node, f"variable {text} with a backtick")
        lowered = name.lower()
        if scope == "":
            if lowered == "true":
                return A.Const(pos, True)
            if lowered == "false":
                return A.Const(pos, False)
            if lowered == "null":
                return A.Const(pos, None)
            if lowered == "psitem":
                lowered = "_"
        return A.Var(pos, lowered, scope, text)

    def member_name(self, node: Node) -> str | A.Expr:
        inner = self.named(node)[0]
        if inner.type == "simple_name":
            return self.src(inner)
        if inner.type in ("string_literal", "variable", "parenthesized_expression",
                          "sub_expression"):
            return self.expr(inner)
        self.refuse(inner, f"member name {self.src(inner)}")
        return "?"

    def member_access(self, node: Node) -> A.Expr:
        kids = self.named(node)
        static = any(not c.is_named and c.type == "::" for c in node.children)
        obj = self.expr(kids[0])
        name = self.member_name(kids[1])
        if static and not (isinstance(obj, A.TypeExpr) and isinstance(name, str)):
            return self.refuse(node, "static member access on something that is not a type")
        return A.Member(self.pos(node), obj, name, static)

    def invocation(self, node: Node) -> A.Expr:
        kids = self.named(node)
        if kids[0].type == "invokation_foreach_expression":
            return self.refuse(node, ".ForEach{} method syntax")
        static = any(not c.is_named and c.type == "::" for c in node.children)
        obj = self.expr(kids[0])
        name = self.member_name(kids[1])
        if not isinstance(name, str):
            return self.refuse(kids[1], "method call with a computed name")
        args: list[A.Expr] = []
        for arg_list in kids[2:]:
            for arg_exprs in self.named(arg_list):
                args.extend(self.expr(a) for a in self.named(arg_exprs))
        if static and not isinstance(obj, A.TypeExpr):
            return self.refuse(node, "static method call on something that is not a type")
        return A.Invoke(self.pos(node), obj, name, args, static)

    # --- literals ----------------------------------------------------------------------------

    def integer(self, node: Node) -> A.Expr:
        text = self.src(node).lower()
        pos = self.pos(node)
        multiplier = 1
        for suffix, factor in _MULTIPLIERS.items():
            if text.endswith(suffix):
                multiplier, text = factor, text[: -len(suffix)]
                break
        if text.endswith("d") and not text.startswith("0x"):
            return self.refuse(node, "decimal literal (d suffix)")
        text = text.rstrip("l")
        value = int(text, 16) if text.startswith("0x") else int(text)
        if text.startswith("0x") and value >= 2**31 and value < 2**32 and not \
                self.src(node).lower().rstrip("kmgtpb").endswith("l"):
            value -= 2**32  # 0xFFFFFFFF is Int32 -1, as in PowerShell
        value *= multiplier
        if value > 2**63 - 1:
            return A.Const(pos, float(value))
        return A.Const(pos, value)

    def real(self, node: Node) -> A.Expr:
        text = self.src(node).lower()
        multiplier = 1
        for suffix, factor in _MULTIPLIERS.items():
            if text.endswith(suffix):
                multiplier, text = factor, text[: -len(suffix)]
                break
        return A.Const(self.pos(node), float(text) * multiplier)

    def string(self, node: Node) -> A.Expr:
        kind = node.type
        text = self.src(node)
        pos = self.pos(node)
        if kind == "verbatim_string_characters":
            return A.Const(pos, self.verbatim(node, text[1:-1]))
        if kind == "verbatim_here_string_characters":
            first, last = text.index("\n") + 1, text.rfind("\n")
            body = text[first:last] if last >= first else ""
            return A.Const(pos, body[:-1] if body.endswith("\r") else body)
        if kind == "expandable_string_literal":
            return self.expandable(node, 1, len(text.encode("utf-8")) - 1, here=False)
        if kind == "expandable_here_string_literal":
            raw = text.encode("utf-8")
            first, last = raw.index(b"\n") + 1, raw.rfind(b"\n")
            if last > first and raw[last - 1:last] == b"\r":
                last -= 1
            return self.expandable(node, first, max(last, first), here=True)
        return self.refuse(node, f"string {kind}")

    def verbatim(self, node: Node, body: str) -> str:
        out: list[str] = []
        i = 0
        while i < len(body):
            ch = body[i]
            if ch in SINGLE_QUOTES:
                if i + 1 < len(body) and body[i + 1] in SINGLE_QUOTES:
                    out.append(body[i + 1])
                    i += 2
                    continue
                self.refuse(node, f"quote character U+{ord(ch):04X} inside a single-quoted "
                            "string: PowerShell ends the string there (double it)")
            out.append(ch)
            i += 1
        return "".join(out)

    def expandable(self, node: Node, start: int, end: int, *, here: bool) -> A.Expr:
        """A double-quoted string between byte offsets ``start`` and ``end`` of ``node``."""
        base = node.start_byte
        raw = self.source[base:node.end_byte]
        embedded = sorted(
            (c for c in self.named(node) if c.type in ("variable", "sub_expression")),
            key=lambda c: c.start_byte,
        )
        parts: list[str | A.Expr] = []
        cursor = start
        for child in embedded:
            self.expand_text(node, raw[cursor:child.start_byte - base].decode("utf-8"), parts,
                             here)
            parts.append(self.expr(child) if child.type == "sub_expression"
                         else self.variable(child))
            cursor = child.end_byte - base
        self.expand_text(node, raw[cursor:end].decode("utf-8"), parts, here)
        merged: list[str | A.Expr] = []
        for part in parts:
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            elif part != "":
                merged.append(part)
        if all(isinstance(p, str) for p in merged):
            return A.Const(self.pos(node), "".join(p for p in merged if isinstance(p, str)))
        return A.Expand(self.pos(node), merged)

    def expand_text(self, node: Node, text: str, parts: list[str | A.Expr], here: bool) -> None:
        out: list[str] = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "`" and i + 1 < len(text):
                nxt = text[i + 1]
                if nxt == "u" and i + 2 < len(text) and text[i + 2] == "{":
                    close = text.find("}", i + 3)
                    out.append(chr(int(text[i + 3:close], 16)))
                    i = close + 1
                    continue
                if nxt == "e":
                    out.append("\x1b")
                else:
                    out.append(_BACKTICK.get(nxt, nxt))
                i += 2
                continue
            if ch in DOUBLE_QUOTES and not here:
                if i + 1 < len(text) and text[i + 1] in DOUBLE_QUOTES:
                    out.append(text[i + 1])
                    i += 2
                    continue
                self.refuse(node, f"quote character U+{ord(ch):04X} inside a double-quoted "
                            "string: PowerShell ends the string there (double it)")
            out.append(ch)
            i += 1
        parts.append("".join(out))


def parse(text: str) -> tuple[A.Script, list[str]]:
    """The script's AST and every problem found (syntax errors and refused constructs)."""
    converter = Converter(text)
    tree = Parser(_LANGUAGE).parse(converter.source)
    root = tree.root_node
    if root.has_error:
        converter.syntax_errors(root)
    try:
        script = converter.script(root)
    except (IndexError, ValueError, AttributeError) as exc:  # a tree shape not foreseen
        converter.problems.append(f"1:1: construct the engine cannot read ({exc})")
        script = A.Script([], [])
    return script, sorted(set(converter.problems), key=_position_key)


def _position_key(problem: str) -> tuple[int, int, str]:
    line, col, rest = problem.split(":", 2)
    try:
        return int(line), int(col), rest
    except ValueError:
        return 0, 0, problem
