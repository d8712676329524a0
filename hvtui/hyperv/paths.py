"""Windows paths on hosts, as plain text (hvtui never touches the host's file system)."""

from __future__ import annotations

from hvtui.model import Cluster


def is_absolute_windows_path(path: str) -> bool:
    """``D:\\VMs`` or ``\\\\server\\share``: a path the host can resolve on its own."""
    return (len(path) >= 3 and path[0].isalpha() and path[1:3] in (":\\", ":/")) or \
        path.startswith("\\\\")


def is_shared_path(path: str, cluster: Cluster | None) -> bool:
    """On an SMB share (``\\\\server\\share``) or on one of the cluster's CSVs."""
    return path.startswith("\\\\") or (cluster is not None and cluster.on_shared_volume(path))
