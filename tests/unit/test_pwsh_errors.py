"""PowerShell's error semantics, cell by cell (PowerShell/PowerShell#6286, #7774).

Non-terminating errors (a cmdlet's WriteError) obey -ErrorAction, else
$ErrorActionPreference. Statement-terminating errors (ThrowTerminatingError, an unknown
command, a binding error, a method or conversion failure) ignore -ErrorAction: the
statement stops and the next one runs, unless $ErrorActionPreference is Stop (the script
stops) or SilentlyContinue (nothing is shown). `throw` is script-terminating. try/catch
catches every terminating kind.
"""

from __future__ import annotations

import threading

import pytest
from pwsh_support import HARD, SOFT, UnitRuntime, one, out, ps


def shown(outcome: object) -> list[str]:
    return [e.fqid for e in outcome.errors]  # type: ignore[attr-defined]


# --- non-terminating -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "call", "output", "errors", "failed", "in_error_var"),
    [
        ("", "Write-Soft", ["before-soft", "after-soft", "next"], [SOFT.fqid], False, 1),
        ("", "Write-Soft -ErrorAction SilentlyContinue", ["before-soft", "after-soft", "next"],
         [], False, 1),
        ("", "Write-Soft -EA Ignore", ["before-soft", "after-soft", "next"], [], False, 0),
        ("", "Write-Soft -ErrorAction 'Continue'", ["before-soft", "after-soft", "next"],
         [SOFT.fqid], False, 1),
        ("", "Write-Soft -ErrorAction Stop", ["before-soft"], [SOFT.fqid], True, 1),
        ("$ErrorActionPreference = 'Stop'", "Write-Soft", ["before-soft"], [SOFT.fqid], True, 1),
        ("$ErrorActionPreference = 'Stop'", "Write-Soft -ErrorAction Continue",
         ["before-soft", "after-soft", "next"], [SOFT.fqid], False, 1),
        ("$ErrorActionPreference = 'SilentlyContinue'", "Write-Soft",
         ["before-soft", "after-soft", "next"], [], False, 1),
        ("$ErrorActionPreference = 'Continue'", "Write-Soft -ea:SilentlyContinue",
         ["before-soft", "after-soft", "next"], [], False, 1),
    ],
)
def test_non_terminating(setup: str, call: str, output: list[str], errors: list[str],
                         failed: bool, in_error_var: int) -> None:
    outcome = ps(f"{setup}\n{call}\n'next'\n")
    assert outcome.output == output
    assert shown(outcome) == errors
    assert outcome.failed is failed
    count = ps(f"{setup}\ntry {{ {call} }} catch {{ }}\n$Error.Count").output
    assert count[-1] == in_error_var


def test_non_terminating_error_is_not_caught_but_stop_makes_it_catchable() -> None:
    assert out("try { Write-Soft -EA SilentlyContinue; 'in try' } catch { 'caught' }") == [
        "before-soft", "after-soft", "in try"]
    assert out("try { Write-Soft -EA Stop; 'in try' } catch { 'caught ' + "
               "$_.FullyQualifiedErrorId }") == ["before-soft",
                                                  "caught SoftFailure,Test.Commands.WriteSoft"]


def test_stop_keeps_the_original_record_and_exception_type_for_catch() -> None:
    text = """
    try { Write-Soft -ErrorAction Stop }
    catch [System.Management.Automation.ItemNotFoundException] {
        $_.Exception.Message; $_.CategoryInfo.Category; $_.Exception.GetType().FullName
    }
    catch { 'wrong catch' }
    """
    result = out(text)
    assert [result[1], str(result[2]), result[3]] == [
        "soft failure", "ObjectNotFound", "System.Management.Automation.ItemNotFoundException"]


# --- statement-terminating ----------------------------------------------------------------------

STATEMENT_ERRORS = {
    "cmdlet": ("Throw-Hard", HARD.fqid),
    "unknown command": ("Get-Nothing -ErrorAction SilentlyContinue", "CommandNotFoundException"),
    "binding": ("Write-Soft -NoSuchParameter 1 -ErrorAction SilentlyContinue",
                "NamedParameterNotFound,Test.Commands.WriteSoft"),
    "method on null": ("$nothing.ToString()", "InvokeMethodOnNull"),
    "cast": ("[int]'abc'", "InvalidCastFromStringToInteger"),
    "division": ("$zero = 0; 1 / $zero", "RuntimeException"),
}


@pytest.mark.parametrize("kind", sorted(STATEMENT_ERRORS))
def test_statement_terminating_under_continue_writes_and_runs_the_next_statement(kind: str
                                                                                 ) -> None:
    call, fqid = STATEMENT_ERRORS[kind]
    outcome = ps(f"{call}\n'next'")
    assert outcome.output[-1] == "next"
    assert shown(outcome) == [fqid]
    assert not outcome.failed


@pytest.mark.parametrize("kind", sorted(STATEMENT_ERRORS))
def test_statement_terminating_under_stop_ends_the_script(kind: str) -> None:
    call, fqid = STATEMENT_ERRORS[kind]
    outcome = ps(f"$ErrorActionPreference = 'Stop'\n{call}\n'next'")
    assert "next" not in outcome.output
    assert shown(outcome) == [fqid]
    assert outcome.failed


@pytest.mark.parametrize("kind", sorted(STATEMENT_ERRORS))
def test_statement_terminating_under_silently_continue_is_swallowed(kind: str) -> None:
    call, fqid = STATEMENT_ERRORS[kind]
    outcome = ps(f"$ErrorActionPreference = 'SilentlyContinue'\n{call}\n'next'\n"
                 "$Error[0].FullyQualifiedErrorId")
    assert outcome.output[-2:] == ["next", fqid]
    assert outcome.errors == [] and not outcome.failed


@pytest.mark.parametrize("kind", sorted(STATEMENT_ERRORS))
def test_statement_terminating_is_caught_by_try_even_under_continue(kind: str) -> None:
    call, fqid = STATEMENT_ERRORS[kind]
    result = out(f"try {{ {call}; 'rest of try' }} catch {{ 'caught ' + "
                 "$_.FullyQualifiedErrorId }\n'next'")
    assert result[-2:] == [f"caught {fqid}", "next"]


def test_error_action_does_not_silence_a_terminating_error_from_the_cmdlet() -> None:
    for action in ("SilentlyContinue", "Ignore", "Stop"):
        outcome = ps(f"Throw-Hard -ErrorAction {action}\n'next'")
        assert outcome.output == ["before-hard", "next"]
        assert shown(outcome) == [HARD.fqid]


def test_the_inventory_case_get_cluster_under_stop_with_silently_continue() -> None:
    outcome = ps("$ErrorActionPreference = 'Stop'\n$c = Get-Cluster -ErrorAction "
                 "'SilentlyContinue'\n'Host record'")
    assert outcome.failed and outcome.output == []
    assert outcome.errors[0].fqid == "CommandNotFoundException"
    assert outcome.errors[0].message.startswith("The term 'Get-Cluster' is not recognized")
    assert outcome.errors[0].exception_type == \
        "System.Management.Automation.CommandNotFoundException"


def test_a_command_guarded_by_get_command_is_skipped_where_it_is_missing() -> None:
    text = """$ErrorActionPreference = 'Stop'
    if (Get-Command -Name 'Get-Cluster' -ErrorAction 'SilentlyContinue') { Get-Cluster }
    'Host record'"""
    assert out(text) == ["Host record"]


# --- script-terminating -------------------------------------------------------------------------


def test_throw_ends_the_script_under_continue() -> None:
    outcome = ps("'a'\nthrow 'it broke'\n'b'")
    assert outcome.output == ["a"] and outcome.failed
    error = outcome.errors[0]
    assert (error.message, error.fqid, error.category) == ("it broke", "it broke",
                                                           "OperationStopped")
    assert error.as_record().reason == "RuntimeException"


def test_throw_ends_the_script_from_inside_a_function_and_a_loop() -> None:
    outcome = ps("function f { foreach ($i in @(1, 2)) { $i; throw 'stop' } }\nf\n'after'")
    assert outcome.output == [1] and outcome.failed


def test_throw_is_swallowed_under_silently_continue_as_in_powershell() -> None:
    # MiscOps.cs CheckActionPreference: SilentlyContinue is tested before the throw check.
    outcome = ps("$ErrorActionPreference = 'SilentlyContinue'\nthrow 'x'\n'after'")
    assert outcome.output == ["after"] and not outcome.failed and outcome.errors == []


def test_a_stop_error_inside_a_function_unwinds_to_the_callers_try() -> None:
    text = """function f { Write-Soft -ErrorAction Stop; 'rest of f' }
    try { f; 'rest of try' } catch { 'caught' } finally { 'finally' }
    'after'"""
    assert out(text) == ["before-soft", "caught", "finally", "after"]


def test_statement_terminating_error_inside_a_function_continues_in_the_function() -> None:
    outcome = ps("function f { Throw-Hard; 'rest of f' }\nf\n'after'")
    assert outcome.output == ["before-hard", "rest of f", "after"]
    assert shown(outcome) == [HARD.fqid]


# --- try / catch / finally ------------------------------------------------------------------------


def test_try_catch_finally_order() -> None:
    assert out("try { 'a'; throw 'x'; 'b' } catch { 'c' } finally { 'd' }\n'e'") == [
        "a", "c", "d", "e"]


def test_finally_runs_when_nothing_catches_and_the_error_goes_on() -> None:
    outcome = ps("try { 'a'; throw 'x' } finally { 'f' }\n'never'")
    assert outcome.output == ["a", "f"] and outcome.failed


def test_finally_runs_when_the_function_returns() -> None:
    assert out("function f { try { return 'r' } finally { 'f' } }\nf") == ["r", "f"]


def test_typed_catch_picks_the_first_matching_clause_and_knows_base_types() -> None:
    text = """
    foreach ($call in @('unknown', 'bind', 'throw')) {
        try {
            if ($call -eq 'unknown') { Get-Nothing }
            elseif ($call -eq 'bind') { Write-Soft -Bogus }
            else { throw 'plain' }
        }
        catch [System.Management.Automation.ParameterBindingException] { "bind: $call" }
        catch [Management.Automation.CommandNotFoundException] { "cnf: $call" }
        catch [System.Management.Automation.RuntimeException] { "runtime: $call" }
    }"""
    assert out(text) == ["cnf: unknown", "bind: bind", "runtime: throw"]


def test_a_typed_catch_that_does_not_match_lets_the_error_through() -> None:
    outcome = ps("try { Throw-Hard } catch [System.ArgumentException] { 'no' }\n'next'")
    assert outcome.output == ["before-hard", "next"]
    assert shown(outcome) == [HARD.fqid]


def test_rethrow_and_throw_of_the_error_record_keep_it() -> None:
    for rethrow in ("throw", "throw $_"):
        outcome = ps(f"try {{ Throw-Hard }} catch {{ 'caught'; {rethrow} }}\n'never'")
        assert outcome.output == ["before-hard", "caught"] and outcome.failed
        assert shown(outcome) == [HARD.fqid]


def test_dollar_underscore_is_restored_after_catch() -> None:
    assert out("$x = 1, 2 | ForEach-Object { try { throw 'e' } catch { } ; $_ }\n$x") == [1, 2]


def test_error_variable_holds_every_error_newest_first() -> None:
    result = out("try { throw 'one' } catch { }\nWrite-Soft -EA SilentlyContinue\n"
                 "$Error.Count\n$Error[0].Exception.Message\n$Error[1].Exception.Message")
    assert result[-3:] == [2, "soft failure", "one"]


def test_write_error_is_non_terminating_and_obeys_the_preference() -> None:
    outcome = ps("Write-Error 'bad thing'\n'next'")
    assert outcome.output == ["next"]
    assert [(e.message, e.fqid) for e in outcome.errors] == [
        ("bad thing", "Microsoft.PowerShell.Commands.WriteErrorException")]
    outcome = ps("$ErrorActionPreference = 'Stop'\nWrite-Error -Message 'bad' -ErrorId 'E1'"
                 "\n'next'")
    assert outcome.failed and outcome.output == [] and shown(outcome) == ["E1"]


def test_warnings_obey_warning_action_and_preference() -> None:
    assert ps("Write-Warning 'w1'; Write-Warning 'w2' -WarningAction SilentlyContinue"
              ).warnings == ["w1"]
    outcome = ps("$WarningPreference = 'Stop'\nWrite-Warning 'careful'\n'next'")
    assert outcome.failed and outcome.output == []
    assert "set to Stop: careful" in outcome.errors[0].message


def test_an_invalid_preference_value_reads_as_the_default() -> None:
    # ExecutionContext.GetEnumPreference: a failed Enum.Parse leaves the default.
    outcome = ps("$ErrorActionPreference = 'Sometimes'\nWrite-Soft\n'next'")
    assert outcome.output == ["before-soft", "after-soft", "next"]
    assert [e.fqid for e in outcome.errors] == [SOFT.fqid]


# --- ShouldProcess ------------------------------------------------------------------------------


def test_high_impact_prompts_and_fails_without_confirm_false() -> None:
    outcome = ps("Remove-Thing 'a'\n'next'")
    assert outcome.output == ["next"]
    assert shown(outcome) == ["HostFunctionNotImplemented,Test.Commands.RemoveThing"]
    assert out("Remove-Thing 'a' -Confirm:$false") == ["done"]


def test_confirm_preference_and_whatif() -> None:
    assert out("Set-Thing 'a'") == ["done"]
    assert ps("Set-Thing 'a' -Confirm").errors[0].category == "NotImplemented"
    assert ps("$ConfirmPreference = 'Medium'\nSet-Thing 'a'").errors[0].category == \
        "NotImplemented"
    assert out("$ConfirmPreference = 'None'\nRemove-Thing 'a'") == ["done"]
    assert out("Remove-Thing 'a' -WhatIf") == []


# --- cancellation -------------------------------------------------------------------------------


def test_cancelled_before_start_fails_with_pipeline_stopped() -> None:
    cancel = threading.Event()
    cancel.set()
    outcome = ps("'a'", cancel=cancel)
    assert outcome.failed and outcome.output == []
    assert outcome.errors[0].fqid == "PipelineStopped"


def test_cancel_during_a_cmdlet_wait_stops_it_and_try_cannot_catch_it() -> None:
    cancel = threading.Event()
    runtime = UnitRuntime()
    runtime.on_sleep = cancel.set
    outcome = ps("try { Wait-Lab 100 } catch { 'caught' } finally { 'finally' }\n'after'",
                 runtime=runtime, cancel=cancel)
    assert outcome.output == ["waiting", "finally"]
    assert outcome.failed and outcome.errors[-1].fqid == "PipelineStopped"
    assert len(runtime.slept) == 1


def test_cancel_between_loop_iterations() -> None:
    cancel = threading.Event()
    outcome = ps("foreach ($i in @(1, 2, 3)) { $i; if ($i -eq 2) { Wait-Lab 1 } }",
                 runtime=_cancelling(cancel), cancel=cancel)
    assert outcome.output == [1, 2, "waiting"] and outcome.failed


def _cancelling(cancel: threading.Event) -> UnitRuntime:
    runtime = UnitRuntime()
    runtime.on_sleep = cancel.set
    return runtime


def test_wait_sleeps_on_the_runtime_clock_in_slices() -> None:
    runtime = UnitRuntime()
    assert one("Wait-Lab 2 | Select-Object -Last 1", runtime=runtime) == "waited"
    assert sum(runtime.slept) == pytest.approx(2.0) and len(runtime.slept) > 1
