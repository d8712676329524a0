# hvtui: vm-serial-exchange
# Mutates: no
# One turn of a serial console: opens the named pipe a running VM's COM port is connected to
# (the VM's worker process serves it), writes what was typed (Send, base64), and reads what
# the guest writes back until it has been quiet for QuietMs, or WaitMs passed with nothing.
# The pipe is closed at the end, so each turn is one ordinary call on the host's existing
# session (WinRM or SSH) and nothing stays open between calls; what the guest writes between
# two turns waits in the VM's COM port buffer only as far as that buffer goes.
# Output: one SerialChunk record per block read (Data: base64), or none.
param(
    [Parameter(Mandatory)][string]$PipeName,
    [string]$Send = '',
    [int]$WaitMs = 1000,
    [int]$QuietMs = 150,
    [int]$ConnectMs = 2000
)

$ErrorActionPreference = 'Stop'

$pipe = New-Object -TypeName 'System.IO.Pipes.NamedPipeClientStream' -ArgumentList '.', $PipeName, 'InOut', 'Asynchronous'
try {
    $pipe.Connect($ConnectMs)
    if ($Send) {
        $bytes = [Convert]::FromBase64String($Send)
        $pipe.Write($bytes, 0, $bytes.Length)
        $pipe.Flush()
    }
    $buffer = New-Object -TypeName 'byte[]' -ArgumentList 4096
    $read = $pipe.ReadAsync($buffer, 0, $buffer.Length)
    $waited = 0
    $quiet = 0
    $got = $false
    while ($waited -lt $WaitMs -and (-not $got -or $quiet -lt $QuietMs)) {
        if ($read.Wait(25)) {
            $count = $read.Result
            if ($count -le 0) {
                break
            }
            [pscustomobject]@{
                Kind = 'SerialChunk'
                Data = [Convert]::ToBase64String($buffer, 0, $count)
            }
            $got = $true
            $quiet = 0
            $read = $pipe.ReadAsync($buffer, 0, $buffer.Length)
        }
        else {
            $waited += 25
            $quiet += 25
        }
    }
}
finally {
    $pipe.Dispose()
}
