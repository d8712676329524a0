# hvtui: vm-com-port
# Mutates: yes
# Connects a VM's COM port to a named pipe on its host (Set-VMComPort -Path \\.\pipe\NAME),
# so a serial console can be relayed through that pipe; an empty Path disconnects it.
# Output: one ComPort record for the port afterwards.
param(
    [Parameter(Mandatory)][string]$VMName,
    [int]$Number = 1,
    [string]$Path = ''
)

$ErrorActionPreference = 'Stop'

Set-VMComPort -VMName $VMName -Number $Number -Path $Path

foreach ($port in @(Get-VMComPort -VMName $VMName -Number $Number)) {
    [pscustomobject]@{
        Kind = 'ComPort'
        VMId = [string]$port.VMId
        Name = [string]$port.Name
        Path = [string]$port.Path
    }
}
