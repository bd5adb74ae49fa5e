"""Which encrypted database backups to keep: the newest of each of the last N days and the last M weeks.

Only files named like `casebook-pg-20261205-030000.tar` are ever considered, so the portable exports,
notes and anything else an operator keeps in the same directory are never touched.
"""

import datetime
import re
from collections.abc import Iterable
from pathlib import Path

BACKUP_NAME = re.compile(r"^casebook-pg-(\d{8}-\d{6})\.tar$")
_STAMP = "%Y%m%d-%H%M%S"


def backup_file_name(at: datetime.datetime) -> str:
    return f"casebook-pg-{at:{_STAMP}}.tar"


def _taken_at(name: str) -> datetime.datetime | None:
    match = BACKUP_NAME.match(name)
    if match is None:
        return None
    try:
        return datetime.datetime.strptime(match.group(1), _STAMP)
    except ValueError:
        return None  # looks like ours but is not a date: not ours to delete


def backups_to_keep(names: Iterable[str], *, keep_daily: int, keep_weekly: int) -> set[str]:
    """The newest backup of each of the `keep_daily` most recent days that have one, and of each of
    the `keep_weekly` most recent ISO weeks that have one (the two sets overlap)."""
    dated = sorted(((at, name) for name in names if (at := _taken_at(name)) is not None), reverse=True)
    keep: set[str] = set()
    for limit, period in ((keep_daily, lambda at: at.date()), (keep_weekly, lambda at: at.isocalendar()[:2])):
        seen: set = set()
        for at, name in dated:
            if len(seen) >= limit:
                break
            if period(at) not in seen:
                seen.add(period(at))
                keep.add(name)
    return keep


def backup_rotate(*, directory: Path, keep_daily: int, keep_weekly: int, just_made: Path) -> list[Path]:
    """Delete the backups in `directory` that the daily and weekly limits do not keep.

    Side effects: deletes files matching BACKUP_NAME only; never `just_made`. Returns what it deleted.
    """
    ours = [path for path in directory.iterdir() if path.is_file() and _taken_at(path.name) is not None]
    keep = backups_to_keep([path.name for path in ours], keep_daily=keep_daily, keep_weekly=keep_weekly)
    keep.add(just_made.name)
    deleted = []
    for path in sorted(ours):
        if path.name not in keep:
            path.unlink()
            deleted.append(path)
    return deleted
