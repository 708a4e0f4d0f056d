"""aiofs: one async file-system protocol, the same semantics on every backend.

Application code depends on :class:`FileLikeSystem` and gets one from settings with
:func:`open_fs`::

    fs = aiofs.open_fs("file:///srv/data")      # or memory://, redis://, azure://
    async with fs.open("reports/q1.csv", "w") as f:
        await f.write(b"...")                    # committed atomically at exit
"""

from ._fs import FileSystem
from ._protocol import FileInfo, FileLike, FileLikeSystem
from ._registry import open_fs

__all__ = ["FileInfo", "FileLike", "FileLikeSystem", "FileSystem", "open_fs"]
__version__ = "2.0.0"
