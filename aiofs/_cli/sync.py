"""What ``sync`` copies: the rule, in one place.

A source file is copied when, at its place under the destination folder,

1. there is no file, or
2. the sizes differ, or
3. the source was modified more than the *modify window* (default 1 s, ``--modify-window``)
   after the destination file was, unless both sides are on the same kind of backend and
   their etags are equal (then they are the same version).

A copy stamps the destination with the time of the copy, later than the source's, so a
second run copies nothing; a source edited afterwards is newer again and is copied. The
window absorbs timestamps kept to the second (HTTP dates, Azure) and small clock skew; an
edit that keeps the size within the window after a copy is missed. Only sizes, etags and
times are compared (no content hashes), as ``rclone`` does by default.
``--delete`` removes destination files under the folder that the source lacks.
"""

from __future__ import annotations

import dataclasses

import aiofs

from .locations import Location
from .session import Session
from .transfer import Copy

__all__ = ["SyncPlan", "changed", "plan_sync"]


@dataclasses.dataclass
class SyncPlan:
    copies: list[Copy]
    unchanged: int
    #: Destination paths (in the destination file system) that the source lacks.
    extra: list[str]


def _scheme(loc: Location) -> str:
    return loc.url.split("://", 1)[0]


def changed(
    src: aiofs.FileInfo, dst: aiofs.FileInfo, same_backend: bool, window: float = 1.0
) -> bool:
    """Whether ``src`` must be copied over ``dst`` (the rule in the module docstring)."""
    if src.size != dst.size:
        return True
    if same_backend and src.etag == dst.etag:
        return False
    return (src.modified - dst.modified).total_seconds() > window


async def plan_sync(
    session: Session, src: Location, dst: Location, window: float = 1.0
) -> SyncPlan:
    """List both sides and decide what to copy and what the destination has extra."""
    existing = {item.rel: item.info async for item in session.scan_folder(dst, dst.path)}
    same_backend = _scheme(src) == _scheme(dst)
    copies: list[Copy] = []
    seen: set[str] = set()
    unchanged = 0
    async for item in session.select(src, folders=True):
        seen.add(item.rel)
        old = existing.get(item.rel)
        if old is not None and not changed(item.info, old, same_backend, window):
            unchanged += 1
            continue
        copies.append(Copy(src, item.info.path, item.info.size, dst, dst.child(item.rel)))
    copies.sort(key=lambda job: job.dst_path)
    extra = sorted(dst.child(rel) for rel in existing.keys() - seen)
    return SyncPlan(copies, unchanged, extra)
