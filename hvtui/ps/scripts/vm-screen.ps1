# hvtui: vm-screen
# Mutates: no
# The host's thumbnail of each VM's screen: Msvm_VirtualSystemManagementService.
# GetVirtualSystemThumbnailImage (root\virtualization\v2, every release from 2012) at the
# size asked, raw RGB 565: one little-endian uint16 per pixel, rows from the top. VMs are
# chosen by id, a GUID, so the WQL filter holds no text from a person or a guest.
# A VM with no screen (off, saved) comes back with the method's return value and no image;
# a VM this host does not have, with Found = $false. One round trip for many VMs.
# Output: one Thumbnail record per id.
param(
    [Parameter(Mandatory)][guid[]]$VMId,
    [Parameter(Mandatory)][int]$Width,
    [Parameter(Mandatory)][int]$Height
)

$ErrorActionPreference = 'Stop'

$namespace = 'root\virtualization\v2'
$service = Get-CimInstance -Namespace $namespace -ClassName 'Msvm_VirtualSystemManagementService'
foreach ($id in $VMId) {
    $guid = ([string]$id).ToUpper()
    $settings = Get-CimInstance -Namespace $namespace -ClassName 'Msvm_VirtualSystemSettingData' -Filter "InstanceID='Microsoft:$guid'"
    if ($settings) {
        $result = Invoke-CimMethod -InputObject $service -MethodName 'GetVirtualSystemThumbnailImage' -Arguments @{ TargetSystem = $settings; WidthPixels = [uint16]$Width; HeightPixels = [uint16]$Height }
        [pscustomobject]@{
            Kind = 'Thumbnail'
            VMId = $guid
            Found = $true
            ReturnValue = [int]$result.ReturnValue
            Width = $Width
            Height = $Height
            ImageData = $result.ImageData
        }
    }
    else {
        [pscustomobject]@{
            Kind = 'Thumbnail'
            VMId = $guid
            Found = $false
            ReturnValue = -1
            Width = $Width
            Height = $Height
            ImageData = $null
        }
    }
}
