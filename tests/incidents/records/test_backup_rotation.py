"""Rotation of encrypted database backups: N daily, M weekly, and nothing that is not one of them."""

import datetime

from incidents.records.rotation import backup_file_name, backup_rotate, backups_to_keep


def _name(day: int, hour: int = 3) -> str:
    return backup_file_name(datetime.datetime(2026, 11, day, hour, 0, 0))


def test_rotation_keeps_the_newest_backup_of_each_recent_day_and_week():
    # 1–30 November 2026, one backup a night, and a second one on the 30th.
    names = [_name(day) for day in range(1, 31)] + [_name(30, hour=15)]
    keep = backups_to_keep(names, keep_daily=7, keep_weekly=4)
    daily = {_name(30, hour=15)} | {_name(day) for day in range(24, 30)}
    # ISO weeks end on Sundays: 29, 22, 15 November; the week of the 30th is covered by its daily.
    weekly = {_name(29), _name(22), _name(15)}
    assert keep == daily | weekly
    assert _name(30) not in keep  # the earlier backup of a day that has a later one


def test_rotation_deletes_only_its_own_backups_and_never_the_one_just_made(tmp_path):
    for day in range(1, 11):
        (tmp_path / _name(day)).write_bytes(b"backup")
    others = ["casebook-20261101-030000.tar.gz", "casebook-pg-20261101-030000.tar.partial", "notes.txt",
              "casebook-pg-20261399-030000.tar", ".casebook-pg-20261101-030000.tar.partial"]
    for name in others:
        (tmp_path / name).write_bytes(b"not a backup of ours")
    # The clock went back: the backup just made is older than one already there.
    just_made = tmp_path / _name(5, hour=4)
    just_made.write_bytes(b"backup")

    deleted = backup_rotate(directory=tmp_path, keep_daily=1, keep_weekly=1, just_made=just_made)

    remaining = sorted(path.name for path in tmp_path.iterdir())
    assert remaining == sorted([*others, _name(10), just_made.name])
    assert len(deleted) == 9  # days 1–9 went; day 10 is both the daily and the weekly


def test_rotation_with_no_weekly_keeps_only_the_daily(tmp_path):
    names = [_name(day) for day in range(1, 15)]
    assert backups_to_keep(names, keep_daily=3, keep_weekly=0) == {_name(14), _name(13), _name(12)}
