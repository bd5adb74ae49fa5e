import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

SAMPLES = Path(__file__).parent / "samples"
MANAGE = Path(__file__).resolve().parents[3] / "manage.py"


def run(*args: str) -> subprocess.CompletedProcess:
    """The command as a script would run it, so the real exit status is seen."""
    return subprocess.run(
        [sys.executable, str(MANAGE), "parse_chat", *args],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )


def parsed_json(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("parse_chat", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_parse_chat_command_prints_the_entries_as_json():
    entries = parsed_json(str(SAMPLES / "ios_example.txt"))
    assert [(e["author"], e["kind"]) for e in entries] == [
        (None, "system"), (None, "system"), ("Mo Hassan", "message"),
        ("Jo Price", "message"), ("Jo Price", "media"), ("Mo Hassan", "media"),
    ]
    assert entries[3]["sent_at"] == "2026-03-21T13:17:45"
    assert entries[3]["text"] == "Did anyone see the new policy about phones?\nI think it's unfair"
    assert entries[4]["media_name"] == "00000007-PHOTO-2026-03-22-09-01-09.jpg"
    assert entries[4]["line_number"] == 6


def test_parse_chat_command_date_order_settles_an_ambiguous_file():
    day_first = parsed_json(str(SAMPLES / "android_example.txt"), "--date-order", "dmy")
    month_first = parsed_json(str(SAMPLES / "android_example.txt"), "--date-order=mdy")
    assert day_first[0]["sent_at"] == "2026-02-05T18:30:00"
    assert month_first[0]["sent_at"] == "2026-05-02T18:30:00"
    assert [e["kind"] for e in day_first] == [
        "system", "system", "message", "message", "media", "message", "message", "deleted",
    ]


def test_parse_chat_command_reads_a_zip(tmp_path):
    path = tmp_path / "WhatsApp Chat - Year 6 Falcons.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(SAMPLES / "ios_example.txt", "_chat.txt")
        zipped.writestr("00000007-PHOTO-2026-03-22-09-01-09.jpg", b"\xff\xd8\xff photo")
    assert len(parsed_json(str(path))) == 6
    out = io.StringIO()
    call_command("parse_chat", str(path), stdout=out)
    assert "1 media files in the upload" in out.getvalue()


def test_parse_chat_command_without_json_prints_a_summary():
    out = io.StringIO()
    call_command("parse_chat", str(SAMPLES / "android_12h_month_first_crlf_bom.txt"), stdout=out)
    summary = out.getvalue()
    assert "14 entries from Android, dates read month-first" in summary
    assert "messages 2, media 2, deleted 1, events 9" in summary
    assert "authors (2): +44 7700 900123, Ben Castle" in summary


def test_parse_chat_command_ambiguous_file_exits_2_and_says_why():
    result = run(str(SAMPLES / "android_example.txt"), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "No date in this chat has a day above 12" in result.stderr
    assert "--date-order dmy" in result.stderr


def test_parse_chat_command_ambiguous_file_through_call_command_carries_status_2():
    with pytest.raises(CommandError, match="day-first") as raised:
        call_command("parse_chat", str(SAMPLES / "ambiguous_dates.txt"), "--json")
    assert raised.value.returncode == 2


def test_parse_chat_command_refuses_a_file_that_is_not_a_chat_with_status_1():
    result = run(str(SAMPLES / "not_a_chat.txt"), "--json")
    assert result.returncode == 1
    assert "not a WhatsApp chat export" in result.stderr
    assert result.stdout == ""


def test_parse_chat_command_refuses_an_unsafe_zip(tmp_path):
    path = tmp_path / "chat.zip"
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.write(SAMPLES / "ios_example.txt", "_chat.txt")
        zipped.writestr("../../evil.jpg", b"x")
    with pytest.raises(CommandError, match="climbs out of its folder") as raised:
        call_command("parse_chat", str(path), "--json")
    assert raised.value.returncode == 1


def test_parse_chat_command_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Cannot read") as raised:
        call_command("parse_chat", str(tmp_path / "missing.txt"))
    assert raised.value.returncode == 1


def test_parse_chat_command_refuses_an_order_the_file_contradicts():
    with pytest.raises(CommandError, match="day-first") as raised:
        call_command("parse_chat", str(SAMPLES / "ios_example.txt"), "--date-order", "mdy", "--json")
    assert raised.value.returncode == 1
