# hvtui: vm-keys
# Mutates: yes
# Sends keys to a running VM's keyboard (Msvm_Keyboard, root\virtualization\v2): Ctrl+Alt+Del
# (TypeCtrlAltDel) or a string (TypeText: at most 512 ASCII characters, 256 to 512 Unicode).
# Only a running VM has a keyboard device. The VM is chosen by id, a GUID, so the WQL
# filter holds no text from a person; the text reaches the method as an argument. The text
# may be a password typed at a sign-in screen: it is named SecretText so that the audit log
# masks it, and the command shown before confirming holds the variable, not the text.
# Output: one KeysSent record.
param(
    [Parameter(Mandatory)][guid]$VMId,
    [switch]$CtrlAltDel,
    [string]$SecretText = ''
)

$ErrorActionPreference = 'Stop'

$guid = ([string]$VMId).ToUpper()
$keyboard = Get-CimInstance -Namespace 'root\virtualization\v2' -ClassName 'Msvm_Keyboard' -Filter "SystemName='$guid'"
if (-not $keyboard) {
    throw ('The virtual machine ' + $guid + ' has no keyboard on this host: it is not running here, so no keys were sent. Start it, then try again.')
}
if ($CtrlAltDel) {
    $method = 'TypeCtrlAltDel'
    $result = Invoke-CimMethod -InputObject $keyboard -MethodName 'TypeCtrlAltDel'
}
else {
    $method = 'TypeText'
    $result = Invoke-CimMethod -InputObject $keyboard -MethodName 'TypeText' -Arguments @{ asciiText = $SecretText }
}
$code = [int]$result.ReturnValue
if ($code -eq 1) {
    throw ('Msvm_Keyboard.TypeText returned 1: the text holds characters the keyboard cannot type, so nothing was typed. Type letters, digits and punctuation only.')
}
if ($code -ne 0) {
    throw ('Msvm_Keyboard.' + $method + ' returned ' + $code + ' (32773: invalid parameter, 32775: invalid state for this operation), so the keys were not sent.')
}

[pscustomobject]@{
    Kind = 'KeysSent'
    VMId = $guid
    Method = $method
    Characters = $SecretText.Length
}
