"""Where uploads are kept: public product photos under MEDIA_ROOT, and private files
(after-sale evidence, consent signatures and thumbprints) under PRIVATE_MEDIA_ROOT,
which nothing serves directly: each is read through a view that checks permission.
"""

from __future__ import annotations

import filecmp
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages


class PrivateStorage(FileSystemStorage):
    """Files under settings.PRIVATE_MEDIA_ROOT, with no URL: `.url` raises, so no page
    can link one by mistake. Read at each use, so tests may point it elsewhere."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("A private file has no URL: serve it through a view that checks access.")


def private_storage() -> Storage:
    """The storage for private uploads (a callable, so migrations name it, not its root)."""
    return storages["private"]


def move_files(names: Iterable[str], *, source: str | Path, target: str | Path) -> int:
    """Move the stored files `names` from folder `source` to folder `target`, keeping each
    name; the count moved. For data migrations that change a field's storage.

    Re-runnable: a file already at the target is left there (and a copy of it left at
    the source by an interrupted run is removed); a missing file is skipped.
    """
    source_root, target_root = Path(source).resolve(), Path(target).resolve()
    moved = 0
    for name in names:
        if not name:
            continue
        old, new = (source_root / name).resolve(), (target_root / name).resolve()
        if not (old.is_relative_to(source_root) and new.is_relative_to(target_root)):
            continue  # a name that climbs out of its folder is not ours to move
        if not old.is_file():
            continue
        if new.exists():
            if filecmp.cmp(old, new, shallow=False):
                old.unlink()
            continue
        new.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(old, new)
        moved += 1
    return moved
