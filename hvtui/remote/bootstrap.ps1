# hvtui SSH bootstrap: the constant script sent as -EncodedCommand (comment lines are
# dropped before encoding; the lab's sshd compares the decoded text with this file).
# stdin: base64 of UTF-8 CLIXML of {Script; Parameters}; the host hands stdin to $input.
# stdout: the script's objects, its errors and warnings as '__hvtui' marker objects,
# a 'terminating' marker if it threw, and always an 'end' marker last.
# Windows PowerShell 3.0+ and PowerShell 7: no ::new(), no 6>&1.
try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }
function hvtuiMarker($kind, $record) {
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
try {
    $hvtuiPayload = [System.Management.Automation.PSSerializer]::Deserialize(
        [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String((@($input) -join ''))))
    $hvtuiParameters = @{}
    if ($null -ne $hvtuiPayload.Parameters) { $hvtuiParameters = $hvtuiPayload.Parameters }
    # The one place a script block is built: from catalog text, never from values.
    & ([scriptblock]::Create($hvtuiPayload.Script)) @hvtuiParameters 2>&1 3>&1 | ForEach-Object {
        if ($_ -is [System.Management.Automation.ErrorRecord]) { hvtuiMarker 'error' $_ }
        elseif ($_ -is [System.Management.Automation.WarningRecord]) {
            [pscustomobject]@{ '__hvtui' = 'warning'; Message = [string]$_.Message }
        }
        else { $_ }
    }
}
catch { hvtuiMarker 'terminating' $_ }
[pscustomobject]@{ '__hvtui' = 'end' }
