"""Files in private storage that no record points to: found and reported, or moved aside, never deleted.

Such a file can be left by a save that failed after its file was written (a crash, a full disk) or by
someone copying files in by hand. Every file field of every model (history included) is read, so a new
kind of stored file is covered without changes here. Nothing is ever silently deleted: the sweep
reports, and on request moves the files to a quarantine folder beside the private files, with a log
saying where each came from, its size and its SHA-256, so any of them can be put back.
"""

import datetime
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from incidents.evidence.uploads import sha256_of


@dataclass(frozen=True)
class UnrecordedFile:
    name: str  # relative to MEDIA_ROOT
    size: int
    modified: datetime.datetime


def _recorded_names() -> set[str]:
    names: set[str] = set()
    for model in apps.get_models():
        file_fields = [field.attname for field in model._meta.concrete_fields if isinstance(field, models.FileField)]
        for field in file_fields:
            names.update(model._default_manager.exclude(**{field: ""}).values_list(field, flat=True).iterator())
    return names


def unrecorded_files(*, older_than: datetime.timedelta) -> list[UnrecordedFile]:
    """Files under MEDIA_ROOT that no row names, last changed more than `older_than` ago (a younger
    file may belong to an upload still being saved). No writes."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    recorded = _recorded_names()
    cutoff = datetime.datetime.now(datetime.UTC) - older_than
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        stat = path.stat()
        modified = datetime.datetime.fromtimestamp(stat.st_mtime, datetime.UTC)
        if name not in recorded and modified < cutoff:
            found.append(UnrecordedFile(name=name, size=stat.st_size, modified=modified))
    return found


def unrecorded_files_quarantine(*, files: list[UnrecordedFile]) -> Path:
    """Move the files to a new quarantine folder beside MEDIA_ROOT and write its log (quarantine.json).

    Writes: the moved files and the log. Returns the folder. Administrators run it, through sweep_files.
    """
    root = Path(settings.MEDIA_ROOT)
    folder = root.parent / "quarantine" / f"{datetime.datetime.now(datetime.UTC):%Y%m%d-%H%M%S-%f}"
    folder.mkdir(parents=True)
    log = []
    for item in files:
        source = root / item.name
        target = folder / item.name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = sha256_of(source.read_bytes())
        shutil.move(source, target)
        log.append({"from": item.name, "size": item.size, "modified": item.modified.isoformat(), "sha256": digest})
    (folder / "quarantine.json").write_text(json.dumps({
        "moved_at": datetime.datetime.now(datetime.UTC).isoformat(), "media_root": str(root), "files": log,
    }, indent=2))
    return folder
