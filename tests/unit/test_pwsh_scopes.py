"""Variables and scopes, loops and flow control."""

from __future__ import annotations

from pwsh_support import one, out, ps


def test_functions_get_a_child_scope_that_reads_but_does_not_write_the_parent() -> None:
    text = """$x = 'script'
    function f { $x; $x = 'function'; $x; $y = 1 }
    f
    $x
    $null -eq $y"""
    assert out(text) == ["script", "function", "script", True]


def test_script_scope_modifier_writes_the_script_scope() -> None:
    assert out("$n = 1\nfunction f { $script:n = $n + 1 }\nf\nf\n$n") == [3]


def test_call_operator_script_block_gets_a_child_scope() -> None:
    assert out("$x = 1\n& { $x = 2; $x }\n$x") == [2, 1]


def test_foreach_object_and_where_object_run_in_the_callers_scope() -> None:
    text = """$total = 0
    @(1, 2, 3) | ForEach-Object { $total += $_ }
    $total
    $seen = @()
    @(4, 5) | Where-Object { $seen += $_; $true } | Out-Null
    $seen.Count
    @(1, 2) | ForEach-Object { $PSItem * 10 }"""
    assert out(text) == [6, 2, 10, 20]


def test_foreach_statement_and_flow_control() -> None:
    text = """foreach ($i in @(1, 2, 3, 4, 5)) {
        if ($i -eq 2) { continue }
        if ($i -eq 4) { break }
        $i
    }
    foreach ($i in $null) { 'never' }
    foreach ($i in 'single') { $i }
    $i"""
    assert out(text) == [1, 3, "single", "single"]


def test_for_while_and_do_loops() -> None:
    text = """for ($i = 0; $i -lt 3; $i++) { $i }
    $j = 3
    while ($j -gt 0) { $j--; if ($j -eq 1) { break } }
    $j
    $k = 0
    do { $k++ } while ($k -lt 2)
    $k
    do { $k-- } until ($k -le 0)
    $k"""
    assert out(text) == [0, 1, 2, 1, 2, 0]


def test_return_leaves_the_function_and_writes_its_value() -> None:
    assert out("function f { 'a'; return 'b'; 'c' }\nf\n'after'") == ["a", "b", "after"]


def test_break_outside_a_loop_ends_the_script_quietly() -> None:
    outcome = ps("'a'\nbreak\n'b'")
    assert outcome.output == ["a"] and not outcome.failed


def test_assignment_forms() -> None:
    text = """$a = 5; $a += 2; $a -= 1; $a *= 3; $a /= 2; $a %= 5; $a
    $s = 'x'; $s += 'y'; $s
    $l = @(); $l += 1; $l += @(2, 3); ,$l
    $h = @{}; $h.Key = 'v'; $h['Other'] = 2; $h.Count
    $arr = @(1, 2, 3); $arr[-1] = 9; ,$arr
    [int]$typed = '42'; $typed
    $i = 0; $i++; ++$i; $i
    $null = 'discarded'
    [void]'also discarded'
    'x' | Out-Null"""
    result = out(text)
    assert result[:7] == [4, "xy", [1, 2, 3], 2, [1, 2, 9], 42, 2]
    assert len(result) == 7


def test_automatic_variables_and_version_table() -> None:
    assert out("$PSVersionTable.PSVersion.Major\n$PSVersionTable.PSEdition\n$PSEdition") == [
        5, "Desktop", "Desktop"]
    assert out("$PSVersionTable.PSVersion.ToString()\n$null -eq $PSVersionTable.PSEdition",
               version=(3, 0)) == ["3.0", True]
    assert one("$PSVersionTable.PSEdition", version=(7, 4), edition="Core") == "Core"
    outcome = ps("$true = 1\n'next'")
    assert outcome.errors[0].fqid == "VariableNotWritable" and outcome.output == ["next"]


def test_collecting_output_into_a_variable() -> None:
    text = """$none = Get-Numbers 0
    $one = Get-Numbers 1
    $two = Get-Numbers 2
    $null -eq $none
    $one -is [int]
    $two.Count
    @(Get-Numbers 0).Count
    @(Get-Numbers 1).Count
    @($null).Count"""
    assert out(text) == [True, True, 2, 0, 1, 1]


def test_a_variable_holding_no_output_sends_nothing_down_a_pipeline() -> None:
    text = """$none = Get-Numbers 0
    $null -eq $none
    [string]$none
    @($none).Count
    $none | ForEach-Object { 'ran for none' }
    $explicit = $null
    @($explicit).Count
    $explicit | ForEach-Object { 'ran for null' }"""
    assert out(text) == [True, "", 0, 1, "ran for null"]


def test_return_in_a_foreach_object_block_leaves_only_that_block() -> None:
    assert out("1, 2, 3 | ForEach-Object { if ($_ -eq 2) { return }; $_ }\n'after'") == [
        1, 3, "after"]


def test_break_in_a_foreach_object_block_breaks_the_enclosing_loop() -> None:
    text = """foreach ($i in @(1, 2)) {
        @(10, 20, 30) | ForEach-Object { if ($_ -eq 20) { break }; $_ }
        'not reached'
    }
    'after loop'"""
    assert out(text) == [10, "after loop"]
