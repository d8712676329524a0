# hvtui SSH bootstrap: the constant script sent as -EncodedCommand (comment lines and
# indentation are dropped before encoding; the lab's sshd compares the decoded text).
# One long-lived process per host serves every call, several at once, from a runspace pool.
# stdin, one request per line (ASCII):
#   call <id> <base64 of UTF-8 CLIXML of {Script; Parameters}>
#   stop <id>        (stops that call's pipeline; the process and other calls go on)
#   end of input     (the client closed the channel: the process exits)
# stdout, one frame per line (ASCII): hvtui <id> progress|result <base64 of UTF-8 CLIXML>
# A result is one list: the script's objects, its errors and warnings as '__hvtui' marker
# objects, a 'terminating' marker if it threw or was stopped, and an 'end' marker last.
# Windows PowerShell 3.0+ (.NET 4.5) and PowerShell 7: no ::new(), no 6>&1.
$pool = [runspacefactory]::CreateRunspacePool(1, 4)
$pool.Open()
$calls = @{}
$rd = New-Object IO.StreamReader([Console]::OpenStandardInput())
$wr = New-Object IO.StreamWriter([Console]::OpenStandardOutput())
function Send($id, $kind, $value) {
    $xml = [Management.Automation.PSSerializer]::Serialize($value, 8)
    $wr.WriteLine("hvtui $id $kind " + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($xml)))
    $wr.Flush()
}
function Marker($kind, $record) {
    $info = $record.CategoryInfo
    [pscustomobject]@{
        '__hvtui' = $kind
        Message = [string]$record.Exception.Message
        Category = [string]$info.Category
        ErrorId = [string]$record.FullyQualifiedErrorId
        TargetName = [string]$info.TargetName
        Activity = [string]$info.Activity
        Reason = [string]$info.Reason
    }
}
function Finish($id, $call) {
    $values = New-Object System.Collections.ArrayList
    try { $null = $call.PS.EndInvoke($call.Async) }
    catch {
        $thrown = $_
        $inner = $_.Exception.InnerException
        if ($inner -and $inner.ErrorRecord) { $thrown = $inner.ErrorRecord }
    }
    foreach ($item in $call.Out) {
        if ($item -is [Management.Automation.ErrorRecord]) { $item = Marker 'error' $item }
        elseif ($item -is [Management.Automation.WarningRecord]) {
            $item = [pscustomobject]@{ '__hvtui' = 'warning'; Message = [string]$item.Message }
        }
        $null = $values.Add($item)
    }
    if ($thrown) { $null = $values.Add((Marker 'terminating' $thrown)) }
    $null = $values.Add([pscustomobject]@{ '__hvtui' = 'end' })
    Send $id 'result' $values
    $call.PS.Dispose()
}
$line = $rd.ReadLineAsync()
while ($true) {
    # Idle: sleep until a request comes; busy: look at the running calls every 20 ms.
    $wait = 20
    if ($calls.Count -eq 0) { $wait = -1 }
    if ($line.Wait($wait)) {
        $text = $line.Result
        if ($null -eq $text) { break }
        $line = $rd.ReadLineAsync()
        $words = $text.Split(' ')
        $id = $words[1]
        if ($words[0] -eq 'stop' -and $calls.ContainsKey($id)) { $null = $calls[$id].PS.BeginStop($null, $null) }
        if ($words[0] -eq 'call') {
            $ps = [powershell]::Create()
            $ps.RunspacePool = $pool
            $out = New-Object 'Management.Automation.PSDataCollection[psobject]'
            $call = @{ PS = $ps; Out = $out; Seen = 0 }
            try {
                $payload = [Management.Automation.PSSerializer]::Deserialize(
                    [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($words[2])))
                $parameters = @{}
                if ($null -ne $payload.Parameters) { $parameters = $payload.Parameters }
                # The one place a script block is built: from catalog text, never from values.
                $null = $ps.AddScript('param($s, $p) & ([scriptblock]::Create($s)) @p 2>&1 3>&1')
                $null = $ps.AddArgument([string]$payload.Script).AddArgument($parameters)
                $call.Async = $ps.BeginInvoke($out, $out)
                $calls[$id] = $call
            }
            catch {
                $ps.Dispose()
                Send $id 'result' @((Marker 'terminating' $_), [pscustomobject]@{ '__hvtui' = 'end' })
            }
        }
    }
    foreach ($id in @($calls.Keys)) {
        $call = $calls[$id]
        $progress = $call.PS.Streams.Progress
        while ($call.Seen -lt $progress.Count) { Send $id 'progress' $progress[$call.Seen]; $call.Seen++ }
        if ($call.Async.IsCompleted) { $calls.Remove($id); Finish $id $call }
    }
}
