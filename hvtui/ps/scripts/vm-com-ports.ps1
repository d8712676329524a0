# hvtui: vm-com-ports
# Mutates: no
# Lists a VM's COM ports and the named pipe each is connected to (Get-VMComPort), for the
# serial console's pre-flight.
# Output: one ComPort record per port.
param(
    [Parameter(Mandatory)][string]$VMName
)

$ErrorActionPreference = 'Stop'

foreach ($port in @(Get-VMComPort -VMName $VMName)) {
    [pscustomobject]@{
        Kind = 'ComPort'
        VMId = [string]$port.VMId
        Name = [string]$port.Name
        Path = [string]$port.Path
    }
}
