# hvtui: vm-remove
# Mutates: yes
# Deletes a virtual machine (Remove-VM -Force): its configuration, saved state and
# checkpoints (merged into its disks); its virtual hard disk files stay where they are,
# unless -DeleteDisks names some: each is then deleted (Remove-Item) with the parents of its
# differencing chain (a checkpoint's .avhdx down to its base disk), stopping at the first
# file another VM on this host still uses (its disk, or a parent of one).
# The host deletes only a VM that is off or saved (Msvm_VirtualSystemManagementService
# DestroySystem). The VM is chosen by its id; its name must select it alone.
# Output: one Removed record (Deleted, NotDeleted with the reason, Kept: in use elsewhere).
param(
    [Parameter(Mandatory)][guid]$VMId,
    [string[]]$DeleteDisks = @()
)

$ErrorActionPreference = 'Stop'

# Remove-VM is given the VM's name, not the object (under PowerShell 7 on 2012 R2 and 2016 an
# object handed back to the module is refused, PowerShell#14738): the name must select this
# VM and no other (Hyper-V ignores case and reads * ? [ ] as a pattern).
$vm = Get-VM -Id $VMId
$Name = [string]$vm.Name
$selected = @(Get-VM -Name $Name -ErrorAction 'SilentlyContinue')
if ($selected.Count -ne 1 -or [string]$selected[0].Id -ne [string]$vm.Id) {
    throw ('The name of the virtual machine "' + $Name + '" (id ' + $vm.Id + ') selects ' + $selected.Count + ' virtual machines on this host, not just this one, so nothing was changed. Rename it so that its name is unique (Rename-VM), then try again.')
}
$disks = @(Get-VMHardDiskDrive -VMName $Name | ForEach-Object { [string]$_.Path })

Remove-VM -Name $Name -Force

# importvm (issue 11): delete the disk files asked for, once the VM is gone.
$deleted = @()
$notDeleted = @()
$inUse = @()
if ($DeleteDisks.Count -gt 0) {
    # Every file the host's other VMs use: their disks and each parent of those.
    foreach ($drive in @(Get-VMHardDiskDrive -VMName '*')) {
        $path = [string]$drive.Path
        while ($path -and -not ($inUse -contains $path)) {
            $inUse += $path
            $vhd = Get-VHD -Path $path -ErrorAction 'SilentlyContinue'
            $path = ''
            if ($vhd) { $path = [string]$vhd.ParentPath }
        }
    }
}
$kept = @()
foreach ($disk in $DeleteDisks) {
    $path = [string]$disk
    while ($path -and -not ($deleted -contains $path)) {
        if ($inUse -contains $path) {
            $kept += $path
            break
        }
        $vhd = Get-VHD -Path $path -ErrorAction 'SilentlyContinue'
        $parent = ''
        if ($vhd) { $parent = [string]$vhd.ParentPath }
        try {
            Remove-Item -LiteralPath $path -Force -ErrorAction 'Stop'
            $deleted += $path
        }
        catch {
            $notDeleted += ($path + ': ' + [string]$_.Exception.Message)
            break
        }
        $path = $parent
    }
}
foreach ($problem in $notDeleted) {
    Write-Warning ('Not deleted: ' + $problem)
}
foreach ($path in $kept) {
    Write-Warning ('Kept ' + $path + ': another VM on this host uses it')
}
$left = @($disks | Where-Object { -not ($deleted -contains $_) })

[pscustomobject]@{
    Kind = 'Removed'
    Id = [string]$vm.Id
    Name = $Name
    KeptDisks = $left
    Deleted = $deleted
    NotDeleted = $notDeleted
    InUse = $kept
}
