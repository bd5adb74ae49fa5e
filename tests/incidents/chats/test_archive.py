import io
import struct
import zipfile
from pathlib import Path

import pytest

from incidents.chats.archive import UnreadableUpload, UnsafeArchive, read_chat_upload
from incidents.chats.parser import parse_chat
from incidents.evidence import archives

SAMPLES = Path(__file__).parent / "samples"
IOS_CHAT = (SAMPLES / "ios_example.txt").read_bytes()
PHOTO = b"\xff\xd8\xff\xe0" + b"photo bytes" * 20


def make_zip(files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zipped:
        for name, content in files.items():
            zipped.writestr(zipfile.ZipInfo(name, date_time=(2026, 3, 22, 9, 5, 0)), content, compression)
    return buffer.getvalue()


def test_read_chat_upload_zip_gives_the_chat_text_and_its_media():
    data = make_zip({"_chat.txt": IOS_CHAT, "00000007-PHOTO-2026-03-22-09-01-09.jpg": PHOTO})
    upload = read_chat_upload("WhatsApp Chat - Year 6 Falcons.zip", data)
    assert upload.chat_name == "_chat.txt"
    assert upload.media == {"00000007-PHOTO-2026-03-22-09-01-09.jpg": PHOTO}
    chat = parse_chat(upload.text)
    [photo] = [e for e in chat.entries if e.media_name]
    assert photo.media_name in upload.media


def test_read_chat_upload_zip_from_android_names_the_chat_after_the_group():
    chat = b"13/10/2026, 21:14 - Ann: IMG-20261013-WA0001.jpg (file attached)\n"
    data = make_zip({"WhatsApp Chat with Year 4 Kestrels.txt": chat, "IMG-20261013-WA0001.jpg": PHOTO,
                     "__MACOSX/._IMG-20261013-WA0001.jpg": b"resource fork"})
    upload = read_chat_upload("chat.zip", io.BytesIO(data))
    assert upload.chat_name == "WhatsApp Chat with Year 4 Kestrels.txt"
    assert upload.text.startswith("13/10/2026")
    assert list(upload.media) == ["IMG-20261013-WA0001.jpg"]


def test_read_chat_upload_plain_text_has_no_media():
    upload = read_chat_upload("ios_example.txt", IOS_CHAT)
    assert upload.text == IOS_CHAT.decode()
    assert upload.media == {}


def test_read_chat_upload_accepts_an_open_uploaded_file():
    stream = io.BytesIO(IOS_CHAT)
    stream.read(10)  # a file someone has already read from is read from the start
    assert read_chat_upload("chat.txt", stream).text == IOS_CHAT.decode()


def test_read_chat_upload_drops_a_utf8_byte_order_mark():
    upload = read_chat_upload("chat.txt", b"\xef\xbb\xbf" + IOS_CHAT)
    assert upload.text == IOS_CHAT.decode()


def test_read_chat_upload_reads_utf16_with_its_byte_order_mark():
    upload = read_chat_upload("chat.txt", IOS_CHAT.decode().encode("utf-16"))
    assert upload.text == IOS_CHAT.decode()


def test_read_chat_upload_refuses_text_that_is_not_utf8():
    with pytest.raises(UnreadableUpload, match="not UTF-8"):
        read_chat_upload("chat.txt", b"\x89PNG\r\n\x1a\n\x00\xff\xfe\xfd")


@pytest.mark.parametrize("name", ["chat.pdf", "chat.jpg", "chat"])
def test_read_chat_upload_refuses_other_kinds_of_file(name):
    with pytest.raises(UnreadableUpload, match=r"\.txt or \.zip"):
        read_chat_upload(name, IOS_CHAT)


def test_read_chat_upload_judges_by_content_not_by_name():
    with pytest.raises(UnreadableUpload, match="not a zip file"):
        read_chat_upload("chat.zip", IOS_CHAT)
    with pytest.raises(UnreadableUpload, match="is a zip file"):
        read_chat_upload("chat.txt", make_zip({"_chat.txt": IOS_CHAT}))


def test_read_chat_upload_refuses_a_damaged_zip():
    with pytest.raises(UnreadableUpload, match="damaged"):
        read_chat_upload("chat.zip", b"PK\x03\x04" + b"\x00" * 40)


def test_read_chat_upload_refuses_a_zip_without_a_chat():
    with pytest.raises(UnreadableUpload, match="exactly one chat text"):
        read_chat_upload("chat.zip", make_zip({"IMG-1.jpg": PHOTO}))


def test_read_chat_upload_refuses_a_zip_bomb_by_its_compression_ratio():
    bomb = make_zip({"_chat.txt": IOS_CHAT, "IMG-1.jpg": b"\x00" * (5 * 1024 * 1024)})
    assert len(bomb) < 50_000
    with pytest.raises(UnsafeArchive, match="zip bomb"):
        read_chat_upload("chat.zip", bomb)


def test_read_chat_upload_refuses_a_zip_bomb_by_its_total_size(monkeypatch):
    monkeypatch.setattr(archives, "MAX_TOTAL_BYTES", 1024 * 1024)
    # Each entry is under the ratio check's floor; together they unpack past the limit.
    files = {"_chat.txt": IOS_CHAT} | {f"notes-{n}.txt.bak": b"the same line\n" * 40_000 for n in range(3)}
    data = make_zip(files)
    assert len(data) < 1024 * 1024
    with pytest.raises(UnsafeArchive, match="more than 1 MB"):
        read_chat_upload("chat.zip", data)


def test_read_chat_upload_refuses_a_zip_of_too_many_files(monkeypatch):
    monkeypatch.setattr(archives, "MAX_ENTRIES", 5)
    files = {"_chat.txt": IOS_CHAT} | {f"IMG-{n}.jpg": PHOTO for n in range(5)}
    with pytest.raises(UnsafeArchive, match="more files than Casebook accepts"):
        read_chat_upload("chat.zip", make_zip(files))


def _lie_about_size(data: bytes, name: bytes, declared: int) -> bytes:
    """Rewrite the uncompressed size an entry declares, in its local header and the central directory."""
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    while local != -1:
        name_length = struct.unpack_from("<H", out, local + 26)[0]
        if bytes(out[local + 30:local + 30 + name_length]) == name:
            struct.pack_into("<I", out, local + 22, declared)
        local = out.find(b"PK\x03\x04", local + 4)
    central = out.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", out, central + 28)[0]
        if bytes(out[central + 46:central + 46 + name_length]) == name:
            struct.pack_into("<I", out, central + 24, declared)
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


def test_read_chat_upload_stops_when_an_entry_unpacks_to_more_than_it_declares():
    honest = make_zip({"_chat.txt": IOS_CHAT, "IMG-1.jpg": b"A" * 500_000})
    lying = _lie_about_size(honest, b"IMG-1.jpg", 1000)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("IMG-1.jpg").file_size == 1000
    with pytest.raises(UnsafeArchive, match="does not unpack to what it declares"):
        read_chat_upload("chat.zip", lying)


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "media/../../outside.jpg",
        "/etc/passwd",
        "C:/Windows/evil.jpg",
        "c:evil.jpg",
        "media\\..\\evil.jpg",
    ],
)
def test_read_chat_upload_refuses_paths_that_climb_out_of_the_folder(name):
    with pytest.raises(UnsafeArchive, match="zip has a file"):
        read_chat_upload("chat.zip", make_zip({"_chat.txt": IOS_CHAT, name: PHOTO}))


@pytest.mark.parametrize(
    "name",
    ["IMG\n1.jpg", "IMG\x1b[31m.jpg", "IMG\x7f.jpg", "photo\u202egpj.exe", "IMG\u200e.jpg"],
)
def test_read_chat_upload_refuses_names_with_control_characters(name):
    with pytest.raises(UnsafeArchive, match="control characters"):
        read_chat_upload("chat.zip", make_zip({"_chat.txt": IOS_CHAT, name: PHOTO}))


def test_read_chat_upload_refuses_an_encrypted_entry():
    data = bytearray(make_zip({"_chat.txt": IOS_CHAT}, compression=zipfile.ZIP_STORED))
    # Set the "encrypted" flag in the central directory, as a password-protected zip would.
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, struct.unpack_from("<H", data, central + 8)[0] | 0x1)
    with pytest.raises(UnsafeArchive, match="encrypted"):
        read_chat_upload("chat.zip", bytes(data))


def test_read_chat_upload_refuses_an_upload_over_the_size_limit(monkeypatch):
    monkeypatch.setattr(archives, "MAX_TOTAL_BYTES", 100)
    with pytest.raises(UnreadableUpload, match="larger than"):
        read_chat_upload("chat.txt", IOS_CHAT)


def test_read_chat_upload_refuses_a_name_with_a_nul_byte():
    # zipfile quietly cuts a name at a NUL, so "photo.jpg\0.exe" would pass as "photo.jpg".
    data = make_zip({"_chat.txt": IOS_CHAT, "photo.jpg#.exe": PHOTO}).replace(b"photo.jpg#.exe", b"photo.jpg\x00.exe")
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()[1] == "photo.jpg"
    with pytest.raises(UnsafeArchive, match="control characters"):
        read_chat_upload("chat.zip", data)


def test_read_chat_upload_counts_the_entries_before_zipfile_reads_them(monkeypatch):
    data = make_zip({"_chat.txt": IOS_CHAT} | {f"IMG-{n}.jpg": b"x" for n in range(5)})
    monkeypatch.setattr(archives, "MAX_ENTRIES", 5)
    monkeypatch.setattr(zipfile, "ZipFile", None)  # refused before zipfile builds its list of entries
    with pytest.raises(UnsafeArchive, match="more files than Casebook accepts"):
        read_chat_upload("chat.zip", data)


def test_read_chat_upload_refuses_an_oversized_index(monkeypatch):
    data = make_zip({"_chat.txt": IOS_CHAT, "IMG-" + "x" * 3000 + ".jpg": b"x"})
    monkeypatch.setattr(archives, "MAX_ENTRIES", 2)  # two entries are allowed; 3 KB of index for them is not
    with pytest.raises(UnsafeArchive, match="more files than Casebook accepts"):
        read_chat_upload("chat.zip", data)


def test_read_chat_upload_refuses_a_zip64_archive():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as zipped:
        zipped.writestr("_chat.txt", IOS_CHAT)
    # Append a ZIP64 locator just before the end record, as a forged archive would.
    data = buffer.getvalue()
    end = data.rfind(b"PK\x05\x06")
    forged = data[:end] + b"PK\x06\x07" + b"\x00" * 16 + data[end:]
    with pytest.raises(UnsafeArchive, match="ZIP64"):
        read_chat_upload("chat.zip", forged)
