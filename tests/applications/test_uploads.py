"""Attachments: the type comes from the content, refusals leave nothing behind,
stored files get random names and private permissions."""

import hashlib
import io
import os
import re
import stat
import struct
import zipfile
import zlib

import pytest
from werkzeug.datastructures import FileStorage

from fund.applications import uploads
from fund.applications.uploads import (
    ALLOWED,
    DOCX,
    JPEG,
    ODT,
    PDF,
    PNG,
    XLSX,
    StoredFile,
    UploadRefused,
    clean_filename,
    format_size,
    open_stored,
    remove_stored,
    sniff,
    store,
)

MAX = 1024 * 1024


# -- Real, minimal files ------------------------------------------------------------------------

def make_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>",
               b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>"]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_png() -> bytes:
    """A 1×1 red PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte + one pixel
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def make_jpeg() -> bytes:
    """A 1×1 grey baseline JPEG: one all-zero block, one-code Huffman tables."""
    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\x00" + b"\x01" * 64
    sof0 = struct.pack(">BHHB", 8, 1, 1, 1) + b"\x01\x11\x00"
    dht_dc = b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"  # one 1-bit code: category 0
    dht_ac = b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00"  # one 1-bit code: end of block
    sos = b"\x01\x01\x00\x00\x3f\x00"
    return (b"\xff\xd8" + segment(0xE0, app0) + segment(0xDB, dqt) + segment(0xC0, sof0)
            + segment(0xC4, dht_dc) + segment(0xC4, dht_ac) + segment(0xDA, sos)
            + b"\x3f" + b"\xff\xd9")


def make_zip(members: dict[str, bytes], first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first is not None:
            archive.writestr(first, members[first], compress_type=zipfile.ZIP_STORED)
        for name, content in members.items():
            if name != first:
                archive.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES_XML = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'  # noqa: E501


def make_docx() -> bytes:
    return make_zip({"[Content_Types].xml": CONTENT_TYPES_XML,
                     "_rels/.rels": b"<Relationships/>",
                     "word/document.xml": b"<w:document/>"})


def make_xlsx() -> bytes:
    return make_zip({"[Content_Types].xml": CONTENT_TYPES_XML,
                     "_rels/.rels": b"<Relationships/>",
                     "xl/workbook.xml": b"<workbook/>"})


def make_odt(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    return make_zip({"mimetype": mimetype,
                     "META-INF/manifest.xml": b"<manifest:manifest/>",
                     "content.xml": b"<office:document-content/>"}, first="mimetype")


VALID = {
    PDF: ("søknad.pdf", make_pdf),
    PNG: ("kart.png", make_png),
    JPEG: ("bilde.jpg", make_jpeg),
    DOCX: ("prosjektplan.docx", make_docx),
    XLSX: ("budsjett.xlsx", make_xlsx),
    ODT: ("beskrivelse.odt", make_odt),
}


def upload(data: bytes, filename: str = "vedlegg.pdf",
           content_type: str = "application/pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "vedlegg"


def refusal(data: bytes, folder, filename: str = "rapport.pdf", max_size: int = MAX) -> str:
    with pytest.raises(UploadRefused) as caught:
        store(upload(data, filename), folder, max_size)
    assert isinstance(caught.value, ValueError)
    return str(caught.value)


def kept(stored: StoredFile) -> StoredFile:
    """The stored file once its transaction commits (before, it is only pending)."""
    from fund.extensions import db
    db.session.commit()
    return stored


def leftovers(folder) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


# -- Accepted ----------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", list(VALID))
def test_each_allowed_kind_is_stored_with_the_type_found_in_its_content(ctx, folder,
                                                                         content_type):
    filename, make = VALID[content_type]
    data = make()
    # The browser's claim is deliberately wrong: it must not matter.
    stored = kept(store(upload(data, filename, "application/octet-stream"), folder, MAX))
    assert isinstance(stored, StoredFile)
    assert stored.content_type == content_type
    assert stored.filename == filename
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert (folder / stored.stored_name).read_bytes() == data
    assert leftovers(folder) == [stored.stored_name]


def test_the_allowed_kinds_have_norwegian_labels(ctx):
    assert set(ALLOWED) == set(VALID)
    assert {str(kind.label) for kind in ALLOWED.values()} == {
        "PDF", "Word (DOCX)", "Excel (XLSX)", "OpenDocument-tekst (ODT)", "PNG-bilde",
        "JPEG-bilde"}
    assert all(content_type == kind.content_type for content_type, kind in ALLOWED.items())


def test_the_name_does_not_decide_the_type(ctx, folder):
    stored = store(upload(make_png(), "rapport.pdf", "application/pdf"), folder, MAX)
    assert stored.content_type == PNG
    assert stored.filename == "rapport.pdf"


def test_a_file_of_exactly_the_maximum_size_is_accepted(ctx, folder):
    data = make_pdf()
    assert store(upload(data), folder, len(data)).size == len(data)


def test_the_default_limit_is_the_setting(app, ctx, folder):
    data = make_pdf()
    assert store(upload(data), folder).size == len(data)
    too_big = b"%PDF-1.4\n" + b"0" * app.config["UPLOAD_MAX_FILE"]
    with pytest.raises(UploadRefused, match="er større enn 10\u00a0MB"):
        store(upload(too_big, "stor.pdf"), folder)
    assert len(leftovers(folder)) == 1


# -- Refused by content ------------------------------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.mark.parametrize("data", [
    pytest.param(ELF, id="elf"),
    pytest.param(EXE, id="exe"),
    pytest.param(EXE + make_docx(), id="exe-with-docx-appended"),
    pytest.param(b"<!DOCTYPE html><html><script>alert(1)</script></html>", id="html"),
    pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', id="svg"),
    pytest.param(b"Navn;Bel\xc3\xb8p\nA;1\n", id="text"),
    pytest.param(b" %PDF-1.4\n", id="pdf-marker-not-at-start"),
    pytest.param(b"GIF89a\x01\x00\x01\x00", id="gif"),
])
def test_a_disguised_file_is_refused_with_the_reason(ctx, folder, data):
    message = refusal(data, folder, "rapport.pdf")
    assert message.startswith("«rapport.pdf» er ikke en PDF, Word, Excel, ODT, PNG eller JPEG.")
    assert "Filtypen ble sjekket ut fra innholdet, ikke navnet." in message
    assert leftovers(folder) == []


@pytest.mark.parametrize("data", [
    pytest.param(make_zip({"readme.txt": b"hei", "program.exe": EXE}), id="plain-zip"),
    pytest.param(make_zip({"word/document.xml": b"<w:document/>"}), id="no-content-types"),
    pytest.param(make_zip({"[Content_Types].xml": CONTENT_TYPES_XML}), id="content-types-only"),
    pytest.param(make_zip({"[Content_Types].xml": CONTENT_TYPES_XML,
                           "word/document.xml": b"", "xl/workbook.xml": b""}),
                 id="word-and-excel-at-once"),
    pytest.param(make_odt(b"application/vnd.oasis.opendocument.spreadsheet"), id="ods"),
    pytest.param(make_zip({"[Content_Types].xml": CONTENT_TYPES_XML.replace(
        b"/>", b'><Override ContentType="application/vnd.ms-word.document.macroEnabled.main'
               b'+xml"/></Types>'), "word/document.xml": b"", "word/vbaProject.bin": b"x"}),
        id="docm-with-macros"),
    pytest.param(make_odt(b"application/vnd.oasis.opendocument.text\n"), id="odt-mimetype-extra"),
    pytest.param(make_zip({"mimetype": b"application/vnd.oasis.opendocument.text" * 100}),
                 id="odt-mimetype-long"),
])
def test_a_zip_that_is_not_an_office_file_is_refused(ctx, folder, data):
    assert "ut fra innholdet" in refusal(data, folder, "prosjektplan.docx")
    assert leftovers(folder) == []


@pytest.mark.parametrize("data", [
    pytest.param(make_docx()[:-30], id="truncated"),
    pytest.param(b"PK\x03\x04" + os.urandom(500), id="garbage-after-header"),
    pytest.param(make_odt().replace(b"opendocument.text", b"opendocument.texx"),
                 id="odt-crc-mismatch"),
])
def test_a_corrupt_zip_is_refused(ctx, folder, data):
    assert "ut fra innholdet" in refusal(data, folder, "prosjektplan.docx")
    assert leftovers(folder) == []


def test_a_zip_with_too_many_members_is_refused():
    members = {"[Content_Types].xml": CONTENT_TYPES_XML, "word/document.xml": b""}
    members.update({f"word/media/{n}.xml": b"" for n in range(uploads.MAX_ZIP_MEMBERS - 1)})
    data = make_zip(members)
    assert sniff(data[:16], io.BytesIO(data)) is None
    del members["word/media/0.xml"]
    data = make_zip(members)
    assert sniff(data[:16], io.BytesIO(data)) == DOCX


def test_a_zip_declaring_too_much_content_is_refused(monkeypatch):
    data = make_zip({"[Content_Types].xml": CONTENT_TYPES_XML,
                     "word/document.xml": b"0" * 10_000})  # compresses to almost nothing
    assert len(data) < 1000
    assert sniff(data[:16], io.BytesIO(data)) == DOCX
    monkeypatch.setattr(uploads, "MAX_ZIP_UNCOMPRESSED", 10_000)
    assert sniff(data[:16], io.BytesIO(data)) is None


@pytest.mark.parametrize("content_type", list(VALID))
def test_sniff_rewinds_a_zip_it_read_and_leaves_other_streams_where_they_were(content_type):
    """Zip-based formats are read through the stream, which is then put back at the start;
    the others are known from the head alone, and the stream is not touched."""
    data = VALID[content_type][1]()
    stream = io.BytesIO(data)
    stream.seek(5)
    assert sniff(data[:16], stream) == content_type
    assert stream.tell() == (0 if content_type in (DOCX, XLSX, ODT) else 5)


# -- Refused by size ---------------------------------------------------------------------------

def test_an_empty_file_is_refused(ctx, folder):
    message = refusal(b"", folder, "tom.pdf")
    assert message.startswith("«tom.pdf» er tom.")
    assert leftovers(folder) == []


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.delivered = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.delivered += len(chunk)
        return chunk


def test_an_oversize_file_is_refused_without_reading_it_all(ctx, folder):
    stream = CountingStream(make_pdf() + b"%" + b"x" * 100_000)
    with pytest.raises(UploadRefused) as caught:
        store(FileStorage(stream=stream, filename="stor.pdf"), folder, 1000)
    assert str(caught.value).startswith("«stor.pdf» er større enn 1000\u00a0byte.")
    assert stream.delivered == 1001
    assert leftovers(folder) == []


@pytest.mark.parametrize(("size", "text"), [
    (10 * 1024 * 1024, "10\u00a0MB"),
    (25 * 1024 * 1024 // 10, "2,5\u00a0MB"),
    (500 * 1024, "500\u00a0kB"),
    (1000, "1000\u00a0byte"),
])
def test_the_limit_is_shown_in_megabytes(size, text):
    assert format_size(size) == text


def test_nothing_is_left_behind_when_reading_fails(ctx, folder):
    class Broken(io.BytesIO):
        def read(self, size=-1):
            raise OSError("connection reset")
    with pytest.raises(OSError):
        store(FileStorage(stream=Broken(), filename="x.pdf"), folder, MAX)
    assert leftovers(folder) == []


# -- Storage -----------------------------------------------------------------------------------

def test_stored_files_get_random_private_names(ctx, folder):
    data = make_pdf()
    first = store(upload(data), folder, MAX)
    second = kept(store(upload(data), folder, MAX))
    for stored in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}", stored.stored_name)
        mode = stat.S_IMODE((folder / stored.stored_name).stat().st_mode)
        assert mode == 0o600
        assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert first.stored_name != second.stored_name
    assert first.sha256 == second.sha256
    assert leftovers(folder) == sorted([first.stored_name, second.stored_name])


def test_the_folder_is_created_private(ctx, tmp_path):
    folder = tmp_path / "instance" / "vedlegg"
    store(upload(make_pdf()), folder, MAX)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\x\\søknad.pdf", "søknad.pdf"),
    ("/home/kari/Dokumenter/Budsjett 2025 – endelig.xlsx", "Budsjett 2025 – endelig.xlsx"),
    ("Æøå ÆØÅ.pdf", "Æøå ÆØÅ.pdf"),
    ("sa\u030aknad.pdf", "såknad.pdf"),  # decomposed å (macOS) is composed
    ("rap\x00port\r\n.pdf", "rapport.pdf"),
    ("rapport\u202efdp.exe", "rapportfdp.exe"),  # right-to-left override
    ("  mellomrom.pdf  ", "mellomrom.pdf"),
    ("", "vedlegg"),
    (None, "vedlegg"),
    ("mappe/", "vedlegg"),
    ("..", "vedlegg"),
    ("\x00\x01", "vedlegg"),
])
def test_the_original_name_is_cleaned_for_display(given, kept):
    assert clean_filename(given) == kept


def test_a_long_name_is_shortened_keeping_the_extension():
    name = clean_filename("ø" * 300 + ".pdf")
    assert len(name) == 255 and name.endswith("ø.pdf")
    assert len(clean_filename("x" * 300)) == 255


def test_the_cleaned_name_is_what_is_stored_and_shown(ctx, folder):
    stored = store(upload(make_pdf(), "C:\\x\\søknad.pdf"), folder, MAX)
    assert stored.filename == "søknad.pdf"
    message = refusal(b"", folder, "../../etc/passwd")
    assert message.startswith("«passwd» er tom.")


# -- Reading back and removing -----------------------------------------------------------------

def test_open_stored_returns_the_path(ctx, folder):
    stored = kept(store(upload(make_pdf()), folder, MAX))
    path = open_stored(folder, stored.stored_name)
    assert path == folder / stored.stored_name
    assert path.read_bytes() == make_pdf()


@pytest.mark.parametrize("name", [
    "../x",
    "../" + "a" * 29,
    "",
    "a" * 31,
    "a" * 33,
    "g" * 32,
    "A" * 32,
    "a" * 32 + "\n",
    "/etc/passwd",
    "a" * 16 + "/" + "a" * 15,
    None,
])
def test_open_stored_refuses_names_that_are_not_stored_names(folder, name):
    folder.mkdir()
    (folder / "x").write_bytes(b"secret")
    with pytest.raises(FileNotFoundError):
        open_stored(folder, name)
    with pytest.raises(FileNotFoundError):
        remove_stored(folder, name)
    assert (folder / "x").exists()


def test_open_stored_refuses_a_missing_file(folder):
    folder.mkdir()
    with pytest.raises(FileNotFoundError):
        open_stored(folder, "0" * 32)


def test_remove_stored_deletes_once_committed_and_tolerates_a_missing_file(ctx, folder):
    stored = kept(store(upload(make_pdf()), folder, MAX))
    remove_stored(folder, stored.stored_name)
    assert leftovers(folder) == [stored.stored_name]  # until the removal commits
    kept(stored)
    assert leftovers(folder) == []
    remove_stored(folder, stored.stored_name)  # already gone
    kept(stored)
    with pytest.raises(FileNotFoundError):
        open_stored(folder, stored.stored_name)


# -- Macros, in any case or encoding (security review L3) ----------------------------------------

MACRO_DOCX_TYPE = b"application/vnd.ms-word.document.macroEnabled.main+xml"
MACRO_XLSX_TYPE = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def office(main: str, content_type: bytes | None = None, extra: dict | None = None,
           types: bytes | None = None) -> bytes:
    """A DOCX or XLSX whose [Content_Types].xml declares ``content_type`` for its main
    part (or is ``types`` as given)."""
    if types is None:
        override = b"" if content_type is None else (
            b'<Override PartName="/' + main.encode() + b'" ContentType="' + content_type
            + b'"/>')
        types = CONTENT_TYPES_XML.replace(b"/>", b">" + override + b"</Types>")
    return make_zip({"[Content_Types].xml": types, "_rels/.rels": b"<Relationships/>",
                     main: b"<document/>", **(extra or {})})


@pytest.mark.parametrize("data", [
    pytest.param(office("word/document.xml", MACRO_DOCX_TYPE.upper()
                        .replace(b"APPLICATION", b"application"),
                        {"word/VBAPROJECT.BIN": b"x"}), id="review-reproduction"),
    pytest.param(office("word/document.xml", MACRO_DOCX_TYPE.replace(b"macroEnabled",
                                                                      b"MacroEnabled")),
                 id="docm-type-mixed-case"),
    pytest.param(office("word/document.xml", MACRO_DOCX_TYPE.lower()), id="docm-type-lower"),
    pytest.param(office("xl/workbook.xml", MACRO_XLSX_TYPE), id="xlsm-type"),
    pytest.param(office("xl/workbook.xml", MACRO_XLSX_TYPE.upper()), id="xlsm-type-upper"),
    pytest.param(office("word/document.xml", None, {"word/vbaproject.bin": b"x"}),
                 id="vba-part-lower-case"),
    pytest.param(office("word/document.xml", None, {"word/VbaData.xml": b"<x/>"}),
                 id="vba-data-part"),
    pytest.param(office("word/document.xml", b"application/vnd.ms-office.VBAPROJECT"),
                 id="vba-content-type"),
    pytest.param(office("word/document.xml", MACRO_DOCX_TYPE.replace(b"m", b"&#109;")),
                 id="character-references"),
    pytest.param(office("word/document.xml", types=(
        '<?xml version="1.0" encoding="UTF-16"?><Types><Override PartName="/word/document.xml"'
        ' ContentType="' + MACRO_DOCX_TYPE.decode() + '"/></Types>').encode("utf-16")),
        id="content-types-in-utf-16"),
    pytest.param(office("word/document.xml", types=b'<!DOCTYPE t [<!ENTITY m "macroEnabled">]>'
                        + CONTENT_TYPES_XML), id="entities"),
    pytest.param(office("word/document.xml", types=CONTENT_TYPES_XML + b" " * 300_000
                        + MACRO_DOCX_TYPE), id="macro-type-after-padding"),
    pytest.param(make_zip({"[Content_Types].xml": CONTENT_TYPES_XML,
                           "[CONTENT_TYPES].XML": CONTENT_TYPES_XML.replace(
                               b"/>", b"><Default ContentType=\"" + MACRO_DOCX_TYPE
                               + b"\"/></Types>"),
                           "word/document.xml": b"<document/>"}),
                 id="two-content-types-differing-in-case"),
])
def test_an_office_file_with_macros_is_refused_however_it_is_spelled(ctx, folder, data):
    assert "ut fra innholdet" in refusal(data, folder, "avtale.docm")
    assert leftovers(folder) == []


def test_office_files_without_macros_are_still_accepted_in_any_case(ctx, folder):
    plain = office("word/document.xml", b"application/vnd.openxmlformats-officedocument."
                                        b"wordprocessingml.document.main+xml")
    assert store(upload(plain, "avtale.docx"), folder, MAX).content_type == DOCX
    upper = make_zip({"[CONTENT_TYPES].XML": CONTENT_TYPES_XML, "WORD/DOCUMENT.XML": b"<d/>"})
    assert store(upload(upper, "avtale.docx"), folder, MAX).content_type == DOCX


# -- Zip bombs whose directory lies --------------------------------------------------------------

def raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip built by hand from (name, data as stored, method, crc, declared size): the
    directory says whatever it is told."""
    out, directory = bytearray(), bytearray()
    for name, data, method, crc, declared in entries:
        offset = len(out)
        encoded = name.encode()
        fields = struct.pack("<HHHHHIIIHH", 20, 0, method, 0, 0x21, crc, len(data), declared,
                             len(encoded), 0)
        out += b"PK\x03\x04" + fields + encoded + data
        directory += (b"PK\x01\x02" + struct.pack("<H", 20) + fields
                      + struct.pack("<HHHII", 0, 0, 0, 0, offset) + encoded)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(directory), len(out), 0)
    return bytes(out + directory + end)


def deflated(chunks) -> tuple[bytes, int, int]:
    """Raw deflate of the chunks, made a chunk at a time: (data, crc, real size)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    data, crc, size = bytearray(), 0, 0
    for chunk in chunks:
        data += packer.compress(chunk)
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
    data += packer.flush()
    return bytes(data), crc, size


def docx_with(member: tuple[str, bytes, int, int, int]) -> bytes:
    small = [(name, content, 0, zlib.crc32(content), len(content)) for name, content in (
        ("[Content_Types].xml", CONTENT_TYPES_XML), ("word/document.xml", b"<w:document/>"))]
    return raw_zip([*small, member])


def test_the_hand_made_zips_are_real_docx_files(ctx, folder):
    data, crc, size = deflated([b"<x/>" * 1000])
    honest = docx_with(("word/media/x.xml", data, 8, crc, size))
    assert zipfile.ZipFile(io.BytesIO(honest)).testzip() is None
    assert store(upload(honest, "ok.docx"), folder, MAX).content_type == DOCX


def test_a_zip_bomb_declaring_1000_bytes_that_inflates_to_300_mb_is_refused(ctx, folder):
    """The review's bomb_lying.docx: 300 MB of zeros in about 300 kB, declared as 1000
    bytes, with the CRC of what 1000 bytes would be, so that a reader that stops at the
    declared size (as zipfile does) sees nothing wrong."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    megabyte = packer.compress(b"\0" * 1024 * 1024) + packer.flush(zlib.Z_FULL_FLUSH)
    data = megabyte * 300 + packer.flush()  # each flushed megabyte compresses alike
    assert len(data) < 400_000
    bomb = docx_with(("word/media/image1.xml", data, 8, zlib.crc32(b"\0" * 1000), 1000))
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:  # fools the standard library
        with archive.open("word/media/image1.xml") as member:
            assert member.read(5000) == b"\0" * 1000
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # what the data really is
    assert len(inflater.decompress(megabyte)) == 1024 * 1024  # … times 300
    assert "ut fra innholdet" in refusal(bomb, folder, "bomb_lying.docx")


def test_a_member_that_inflates_to_more_than_it_declares_is_refused(monkeypatch):
    data, crc, size = deflated([b"a" * 5000])
    lying = docx_with(("word/media/x.xml", data, 8, zlib.crc32(b"a" * 4000), 4000))
    assert sniff(lying[:16], io.BytesIO(lying)) is None
    honest = docx_with(("word/media/x.xml", data, 8, crc, size))
    assert sniff(honest[:16], io.BytesIO(honest)) == DOCX


def test_members_are_counted_together_against_the_limit(monkeypatch):
    data, crc, size = deflated([b"\0" * 60_000])
    members = [(f"word/media/{n}.bin", data, 8, crc, size) for n in range(4)]
    small = [(name, content, 0, zlib.crc32(content), len(content)) for name, content in (
        ("[Content_Types].xml", CONTENT_TYPES_XML), ("word/document.xml", b"<w:document/>"))]
    archive = raw_zip(small + members)
    assert sniff(archive[:16], io.BytesIO(archive)) == DOCX
    monkeypatch.setattr(uploads, "MAX_ZIP_UNCOMPRESSED", 200_000)
    assert sniff(archive[:16], io.BytesIO(archive)) is None


@pytest.mark.parametrize("member", [
    pytest.param(("word/x.xml", b"abc", 0, zlib.crc32(b"abc"), 2), id="stored-size-lies"),
    pytest.param(("word/x.xml", deflated([b"abc"])[0][:-2], 8, zlib.crc32(b"abc"), 3),
                 id="deflate-stream-cut-short"),
    pytest.param(("word/x.xml", b"BZh91AY&SY", 12, 0, 10), id="bzip2"),
])
def test_a_member_that_cannot_be_counted_is_refused(member):
    archive = docx_with(member)
    assert sniff(archive[:16], io.BytesIO(archive)) is None


# -- The name a file is downloaded under ---------------------------------------------------------

@pytest.mark.parametrize(("name", "content_type", "downloaded"), [
    ("Budsjett.html", PDF, "Budsjett.pdf"),
    ("setup.exe", PDF, "setup.pdf"),
    ("a.pdf.exe", PDF, "a.pdf.pdf"),
    ("logo.png", PNG, "logo.png"),
    ("bilde.jpeg", JPEG, "bilde.jpg"),
    ("avtale.docm", DOCX, "avtale.docx"),
    ("budsjett.xlsm", XLSX, "budsjett.xlsx"),
    ("beskrivelse", ODT, "beskrivelse.odt"),
    ("Søknad om støtte.PDF", PDF, "Søknad om støtte.pdf"),
    (".pdf", PDF, "vedlegg.pdf"),
    ("", PDF, "vedlegg.pdf"),
    ("con:tract<1>?.pdf", PDF, "con_tract_1__.pdf"),
    ("slutt. .exe", PDF, "slutt.pdf"),
    ("mappe/../fil.exe", PDF, "fil.pdf"),
    ("x" * 255, DOCX, "x" * 250 + ".docx"),
    ("gammel.pdf", "application/x-unknown", "gammel"),
])
def test_a_file_downloads_with_the_extension_of_its_content(name, content_type, downloaded):
    assert uploads.download_name(name, content_type) == downloaded
