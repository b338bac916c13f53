"""Applicants' attachments: checked by their content and stored under random names.

The type of a file is decided from its bytes (``sniff``), never from its name or
the content type the browser sent. Accepted files are kept in one folder under a
random 32-hex name without extension, readable only by the application; the name
the applicant gave is kept for display only (``clean_filename``).

No database and no request here: the caller records the returned ``StoredFile``
and, when sending a file back, uses the content type found here together with
``Content-Disposition: attachment`` and ``X-Content-Type-Options: nosniff``.
"""

import hashlib
import html
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from fund.core import files

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
PNG = "image/png"
JPEG = "image/jpeg"


@dataclass(frozen=True)
class Kind:
    content_type: str
    label: str  #: for messages, e.g. "Word (DOCX)"
    extension: str  #: for the name of a downloaded file, e.g. ".docx"


#: The accepted kinds of attachment, by content type.
ALLOWED: dict[str, Kind] = {
    PDF: Kind(PDF, _l("PDF"), ".pdf"),
    DOCX: Kind(DOCX, _l("Word (DOCX)"), ".docx"),
    XLSX: Kind(XLSX, _l("Excel (XLSX)"), ".xlsx"),
    ODT: Kind(ODT, _l("OpenDocument-tekst (ODT)"), ".odt"),
    PNG: Kind(PNG, _l("PNG-bilde"), ".png"),
    JPEG: Kind(JPEG, _l("JPEG-bilde"), ".jpg"),
}

#: Zip bomb guards: the number of members, and the bytes they inflate to, all together.
#: The sizes the zip's directory declares are checked first (cheap), then every member is
#: inflated as a stream and its bytes counted, since the directory can lie.
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
#: The largest ``[Content_Types].xml`` read to look for macros; a larger one is refused.
MAX_CONTENT_TYPES = 256 * 1024
#: Signs of macros (VBA) in an Office file: its content types, and its part names
#: (compared in lower case; OPC part names and MIME types are case-insensitive).
_MACRO_TYPES = ("macroenabled", "vbaproject", "vbadata")
_MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")

#: How many bytes ``sniff`` needs to see of the start of a file.
HEAD_SIZE = 16
CHUNK_SIZE = 64 * 1024
FILENAME_MAX = 255
FALLBACK_FILENAME = "vedlegg"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ODT_MIMETYPE = ODT.encode("ascii")
_STORED_NAME = re.compile(r"[0-9a-f]{32}")
#: Characters Windows does not allow in a file name.
_UNSAFE_IN_NAME = re.compile(r'[<>:"|?*]')
#: Control and invisible formatting characters (incl. right-to-left overrides that
#: can disguise "fdp.exe" as "exe.pdf"), surrogates, private use, line separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class UploadRefused(ValueError):
    """An attachment that is not stored; ``message`` is for the applicant."""

    def __init__(self, message, filename: str = ""):
        super().__init__(message)
        self.message = message
        self.filename = filename

    def __str__(self) -> str:
        return str(self.message)


class DiskFull(UploadRefused):
    """The file could not be written: no room on the disk. Nothing of it is kept."""


@dataclass(frozen=True)
class StoredFile:
    filename: str  #: the applicant's name for the file, cleaned, for display only
    stored_name: str  #: 32 hex characters; the file's name in the folder
    content_type: str  #: as found by ``sniff``; one of ``ALLOWED``
    size: int  #: in bytes
    sha256: str  #: hex digest of the content


# -- Type detection ---------------------------------------------------------------------------

def sniff(head: bytes, stream: BinaryIO) -> str | None:
    """The content type of a file from its content, or None if it is not accepted.

    ``head`` is the start of the file (at least ``HEAD_SIZE`` bytes when the file is
    that long); ``stream`` is the whole file, binary and seekable, and is only needed
    for zip-based formats (DOCX, XLSX, ODT).
    """
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_PNG_SIGNATURE):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    # A zip must start with a member: this turns away executables (and anything
    # else) with a zip appended, which ZipFile would otherwise happily open.
    if head.startswith(_ZIP_LOCAL_HEADER):
        return _sniff_zip(stream)
    return None


def _sniff_zip(stream: BinaryIO) -> str | None:
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                return None
            if sum(member.file_size for member in members) > MAX_ZIP_UNCOMPRESSED:
                return None
            if not _inflates_as_declared(stream, members):
                return None
            names = {member.filename.lower(): member.filename for member in members}
            if len(names) != len(members):
                return None  # two parts of one name (in any case): which one counts?
            found = set()
            if "[content_types].xml" in names:
                types = _read_small(archive, names["[content_types].xml"],
                                    limit=MAX_CONTENT_TYPES)
                if types is None or _has_macros(types, names):
                    return None  # documents with macros are not accepted
                if "word/document.xml" in names:
                    found.add(DOCX)
                if "xl/workbook.xml" in names:
                    found.add(XLSX)
            if "mimetype" in names and _read_small(archive, names["mimetype"]) == _ODT_MIMETYPE:
                found.add(ODT)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            RuntimeError, NotImplementedError, KeyError, UnicodeDecodeError, zlib.error):
        # Corrupt, truncated, encrypted or otherwise unreadable.
        return None
    finally:
        stream.seek(0)
    # Exactly one kind; a zip claiming to be two things at once is refused.
    return found.pop() if len(found) == 1 else None


def _has_macros(content_types: bytes, names: dict[str, str]) -> bool:
    """Whether an Office file declares or holds VBA: by its content types, in any case
    and however encoded (UTF-16, character references), or by a part's name."""
    if content_types.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = content_types.decode("utf-16")
    else:
        text = content_types.decode("utf-8", "replace")
    text = html.unescape(text).lower()
    if "<!doctype" in text or "<!entity" in text:
        return True  # not allowed in a package part, and could spell a type indirectly
    return any(marker in text for marker in _MACRO_TYPES) or any(
        name.rpartition("/")[2] in _MACRO_PARTS for name in names)


def _inflates_as_declared(stream: BinaryIO, members: list[zipfile.ZipInfo]) -> bool:
    """Whether every member inflates to exactly the size the directory declares, and
    all of them together to at most ``MAX_ZIP_UNCOMPRESSED``. The bytes are counted
    while inflating, a chunk at a time, never trusting a declared size or holding a
    member in memory."""
    total = 0
    for member in members:
        # Inflating stops just past the declared size: a lie costs no more than the truth.
        size = _inflated_size(stream, member, min(member.file_size,
                                                  MAX_ZIP_UNCOMPRESSED - total))
        if size is None or size != member.file_size:
            return False
        total += size
    return True


def _inflated_size(stream: BinaryIO, member: zipfile.ZipInfo, limit: int) -> int | None:
    """The bytes a member's data really inflates to, or None when more than ``limit``,
    encrypted, truncated or compressed other than as Office and ODF files are."""
    if member.flag_bits & 0x1:
        return None  # encrypted
    stream.seek(member.header_offset)
    header = stream.read(30)
    if len(header) != 30 or not header.startswith(_ZIP_LOCAL_HEADER):
        return None
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    stream.seek(member.header_offset + 30 + name_length + extra_length)
    if member.compress_type == zipfile.ZIP_STORED:
        return member.compress_size if member.compress_size <= limit else None
    if member.compress_type != zipfile.ZIP_DEFLATED:
        return None
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    while not inflater.eof:
        data = inflater.unconsumed_tail or stream.read(CHUNK_SIZE)
        inflated = len(inflater.decompress(data, CHUNK_SIZE))
        if not data and not inflated:
            return None  # the file ends inside the member
        size += inflated
        if size > limit:
            return None
    return size


def _read_small(archive: zipfile.ZipFile, name: str, limit: int = 64) -> bytes | None:
    """A member's content if it is at most ``limit`` bytes (checked while reading,
    since the declared size can lie)."""
    if archive.getinfo(name).file_size > limit:
        return None
    with archive.open(name) as member:
        content = member.read(limit + 1)
    return content if len(content) <= limit else None


# -- Storing ----------------------------------------------------------------------------------

def clean_filename(name: str | None) -> str:
    """The applicant's file name for display: the last path component (after / or \\),
    without control characters, at most 255 characters, never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    name = name.strip()
    if len(name) > FILENAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and 0 < len(extension) <= 16:
            name = stem[:FILENAME_MAX - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:FILENAME_MAX].rstrip()
    if name in ("", ".", ".."):
        return FALLBACK_FILENAME
    return name


def download_name(filename: str, content_type: str) -> str:
    """The name a stored file is downloaded under: the applicant's name without its
    extension, then the extension of the type found in the content. ``Budsjett.html``
    that is a PDF downloads as ``Budsjett.pdf``, ``setup.exe`` as ``setup.pdf``: the
    caseworker's desktop opens it as what it is. The display name stays as given."""
    kind = ALLOWED.get(content_type)
    extension = kind.extension if kind else ""
    name = clean_filename(filename)
    stem = name.rpartition(".")[0] if "." in name else name
    stem = _UNSAFE_IN_NAME.sub("_", stem)[:FILENAME_MAX - len(extension)].strip(" .")
    return (stem or FALLBACK_FILENAME) + extension


def format_size(size: int) -> str:
    """``10 MB``, ``1,5 MB``, ``500 kB``, ``1000 byte`` (1 MB = 1024 × 1024 bytes)."""
    for unit, factor in (("MB", 1024 * 1024), ("kB", 1024)):
        if size >= factor:
            value = f"{size / factor:.1f}".removesuffix(".0").replace(".", ",")
            return f"{value}\u00a0{unit}"
    return f"{size}\u00a0byte"


def store(file_storage, folder: Path, max_size: int | None = None) -> StoredFile:
    """Check an uploaded file (a werkzeug ``FileStorage``) and keep it in ``folder``.

    At most ``max_size`` + 1 bytes are read (default: the ``UPLOAD_MAX_FILE`` setting).
    Raises ``UploadRefused`` for an empty file, a file over ``max_size`` and a file
    whose content is not one of ``ALLOWED``, and ``DiskFull`` (an ``UploadRefused``)
    when the disk is full; nothing is left in ``folder`` then. The content type the
    browser sent is ignored.

    The file is written under a pending name and kept only if the current database
    transaction commits (``fund.core.files``): the stored name is not readable in
    ``folder`` before the commit (``open_stored`` finds it meanwhile).
    """
    if max_size is None:
        max_size = current_app.config["UPLOAD_MAX_FILE"]
    filename = clean_filename(getattr(file_storage, "filename", None))
    try:
        with files.pending_file(folder) as pending:
            temp = pending.file
            size, digest = _copy(file_storage.stream, temp, max_size + 1)
            if size == 0:
                raise UploadRefused(_l(
                    "«%(name)s» er tom. Kontroller at du har valgt riktig fil, og prøv igjen.",
                    name=filename), filename)
            if size > max_size:
                raise UploadRefused(_l(
                    "«%(name)s» er større enn %(limit)s. Gjør filen mindre, for eksempel ved "
                    "å lagre den som PDF eller dele den i flere filer, og prøv igjen.",
                    name=filename, limit=format_size(max_size)), filename)
            temp.seek(0)
            content_type = sniff(temp.read(HEAD_SIZE), temp)
            if content_type not in ALLOWED:
                raise UploadRefused(_l(
                    "«%(name)s» er ikke en PDF, Word, Excel, ODT, PNG eller JPEG. Filtypen ble "
                    "sjekket ut fra innholdet, ikke navnet. Lagre filen i et av disse "
                    "formatene og last den opp på nytt.", name=filename), filename)
    except OSError as exc:
        if files.is_disk_full(exc):
            raise DiskFull(_l(
                "Det er ikke plass til å lagre «%(name)s» nå. Prøv å laste den opp igjen "
                "senere, og si fra til kommunen hvis det ikke går.", name=filename),
                filename) from exc
        raise
    return StoredFile(filename, pending.name, content_type, size, digest)


def _copy(source: BinaryIO, target: BinaryIO, limit: int) -> tuple[int, str]:
    """Copy at most ``limit`` bytes; return how many and their SHA-256."""
    digest = hashlib.sha256()
    size = 0
    while size < limit:
        chunk = source.read(min(CHUNK_SIZE, limit - size))
        if not chunk:
            break
        target.write(chunk)
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


# -- Reading back and removing ------------------------------------------------------------------

def _path(folder: Path, stored_name: str) -> Path:
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise FileNotFoundError(f"not a stored attachment name: {stored_name!r}")
    return Path(folder) / stored_name


def open_stored(folder: Path, stored_name: str) -> Path:
    """The path of a stored file, for the caller to send.

    Raises ``FileNotFoundError`` unless ``stored_name`` is 32 lower-case hex
    characters naming an existing file in ``folder``."""
    _path(folder, stored_name)
    return files.resolve(folder, stored_name)


def remove_stored(folder: Path, stored_name: str) -> None:
    """Delete a stored file: one stored by the current transaction at once, any other
    once the transaction commits (a rollback keeps it). A file already gone is not an
    error, a bad name is (``FileNotFoundError``)."""
    _path(folder, stored_name)
    files.remove(folder, stored_name)


__all__ = ["ALLOWED", "DiskFull", "Kind", "StoredFile", "UploadRefused", "clean_filename",
           "download_name", "format_size", "open_stored", "remove_stored", "sniff", "store"]


def upload_folder() -> Path:
    """Where the instance keeps uploaded files."""
    return Path(current_app.instance_path) / "uploads"
