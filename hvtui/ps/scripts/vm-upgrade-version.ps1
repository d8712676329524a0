# hvtui: vm-upgrade-version
# Mutates: yes
# Releases: 2016+ | Update-VMVersion is new in Windows Server 2016: 2012 and 2012 R2 hosts run one configuration version each
# Upgrades a VM's configuration version to the host's (Update-VMVersion). One-way: hosts
# that do not run the new version can no longer run the VM (R-VER-3). The VM must be off or
# saved (a saved state is discarded). The VM is chosen by its id; its name must select it
# alone.
# Output: one Upgraded record with the version afterwards.
param(
    [Parameter(Mandatory)][guid]$VMId
)

$ErrorActionPreference = 'Stop'

$vm = Get-VM -Id $VMId
$Name = [string]$vm.Name
$selected = @(Get-VM -Name $Name -ErrorAction 'SilentlyContinue')
if ($selected.Count -ne 1 -or [string]$selected[0].Id -ne [string]$vm.Id) {
    throw ('The name of the virtual machine "' + $Name + '" (id ' + $vm.Id + ') selects ' + $selected.Count + ' virtual machines on this host, not just this one, so nothing was changed. Rename it so that its name is unique (Rename-VM), then try again.')
}
$before = [string]$vm.Version

Update-VMVersion -Name $Name -Force -Confirm:$false

$after = Get-VM -Id $VMId
[pscustomobject]@{
    Kind = 'Upgraded'
    Id = [string]$after.Id
    Name = $Name
    From = $before
    Version = [string]$after.Version
}
