"""Stored files (attachments, grant documents, letters) follow the database transaction.

A file is written and fsynced under a name in its folder that says what it will become,
``.pending-<stored name>``, and registered on the SQLAlchemy session. When the session
commits, each pending file is moved into place (``os.replace``, then the folder is
fsynced); when it rolls back, or ends without committing, the pending files are removed.
A stored file that a transaction drops is likewise removed only once that transaction
has committed. So a row never names a file that was not kept, and a refused or failed
change leaves no file behind.

A process killed between the commit and the move leaves ``.pending-`` files whose rows
were committed: ``flask --app fund files reconcile`` (from cron, and before a backup)
moves those into place and removes pending files nobody refers to once they are older
than ``FILES_PENDING_MAX_AGE``. Until then a committed file is still found under its
pending name (``resolve``)."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from fund.extensions import db

PENDING = ".pending-"
STORED_NAME = re.compile(r"[0-9a-f]{32}")
CHUNK_SIZE = 64 * 1024

_STAGED = "core.files.staged"    # [(folder, name)] written by this transaction
_DROPPED = "core.files.dropped"  # [(folder, name)] to remove once it commits

#: For ``reconcile``: the folders (relative to the instance) that hold stored files, and
#: for each the functions that give the names the database refers to there. The
#: domains register themselves (``references``); core knows no models.
_REFERENCES: dict[str, list[Callable[[], Iterable[str]]]] = {}


def is_disk_full(exc: BaseException) -> bool:
    """The disk (or the user's quota) is full."""
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def pending_path(folder: Path, name: str) -> Path:
    return Path(folder) / f"{PENDING}{name}"


def private_folder(folder: Path) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)  # mkdir's mode is subject to the umask
    return folder


def new_name(folder: Path) -> str:
    """32 random hex characters, neither stored nor pending in ``folder``."""
    while True:
        name = secrets.token_hex(16)
        if not (folder / name).exists() and not pending_path(folder, name).exists():
            return name


@dataclass
class Pending:
    """A file being written: ``file`` is open for writing (and reading) under its
    pending name; ``name`` is the stored name it gets once the transaction commits."""
    folder: Path
    name: str
    file: object = field(repr=False)

    @property
    def path(self) -> Path:
        return pending_path(self.folder, self.name)


class pending_file:  # noqa: N801 - used as a context manager, like open()
    """``with pending_file(folder) as pending: pending.file.write(...)``.

    On a clean exit the file is flushed, fsynced and registered on the session (moved
    into place when it commits, removed when it does not). On an exception, including a
    full disk, the partial file is removed and the exception goes on."""

    def __init__(self, folder: Path, session: Session | None = None):
        self.folder = private_folder(folder)
        self.session = session

    def __enter__(self) -> Pending:
        while True:
            name = new_name(self.folder)
            try:
                descriptor = os.open(pending_path(self.folder, name),
                                     os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
                break
            except FileExistsError:  # pragma: no cover - 128 random bits
                continue
        self.pending = Pending(self.folder, name, os.fdopen(descriptor, "w+b"))
        return self.pending

    def __exit__(self, kind, exc, traceback) -> bool:
        pending = self.pending
        try:
            if exc is None:
                pending.file.flush()
                os.fsync(pending.file.fileno())
        except BaseException:
            _close_and_unlink(pending)
            raise
        if exc is not None:
            _close_and_unlink(pending)
            return False
        pending.file.close()
        stage(pending.folder, pending.name, self.session)
        return False


def _close_and_unlink(pending: Pending) -> None:
    try:
        pending.file.close()
    except OSError:  # closing flushes; the disk may still be full
        pass
    pending.path.unlink(missing_ok=True)


def write(data: bytes, folder: Path, session: Session | None = None) -> tuple[str, str]:
    """Keep ``data`` in ``folder`` once the transaction commits; returns (stored name,
    SHA-256 hex digest)."""
    with pending_file(folder, session) as pending:
        view = memoryview(data)
        while view:
            view = view[pending.file.write(view[:CHUNK_SIZE]):]
    return pending.name, hashlib.sha256(data).hexdigest()


def _in_transaction(session: Session | None) -> Session:
    """The session, in a transaction: one that ends without a commit (a rollback, a
    close) is then seen even if nothing else was done in it."""
    session = session if session is not None else db.session()
    if session.get_transaction() is None:
        session._autobegin_t()  # what any query would do; no connection is taken yet
    return session


def stage(folder: Path, name: str, session: Session | None = None) -> None:
    """The pending file ``name`` in ``folder`` is moved into place when the session
    commits, and removed when it does not."""
    session = _in_transaction(session)
    session.info.setdefault(_STAGED, []).append((Path(folder), name))


def remove_after_commit(folder: Path, name: str, session: Session | None = None) -> None:
    """Remove the file ``name`` in ``folder`` once the session commits (a rollback keeps
    it). ``name`` is a plain file name in the folder (a stored name, or another file the
    app wrote there, such as the outbox's copy of a mail); anything else is ignored."""
    if not isinstance(name, str) or not name or name.startswith(".") \
            or name != Path(name).name:
        return
    session = _in_transaction(session)
    session.info.setdefault(_DROPPED, []).append((Path(folder), name))


def remove(folder: Path, name: str, session: Session | None = None) -> None:
    """A file this transaction wrote goes now; any other goes once it commits."""
    session = session if session is not None else db.session()
    staged = session.info.get(_STAGED, [])
    if (Path(folder), name) in staged:
        staged.remove((Path(folder), name))
        pending_path(folder, name).unlink(missing_ok=True)
    else:
        remove_after_commit(folder, name, session)


def resolve(folder: Path, name: str) -> Path:
    """The path a stored file is read from: its own name, or its pending name when the
    move after its commit has not happened yet (a crash, or the disk full). Raises
    ``FileNotFoundError`` when it is neither, or ``name`` is not a stored name."""
    if not isinstance(name, str) or not STORED_NAME.fullmatch(name):
        raise FileNotFoundError(f"not a stored file name: {name!r}")
    path = Path(folder) / name
    if path.is_file():
        return path
    pending = pending_path(folder, name)
    if pending.is_file():
        return pending
    raise FileNotFoundError(f"no stored file {name!r}")


def fsync_folder(folder: Path) -> None:
    """Make a rename or removal in ``folder`` durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def move_into_place(folder: Path, name: str) -> bool:
    """``.pending-<name>`` becomes ``<name>``. False (and logged) if the move failed: the
    pending file stays, is still read (``resolve``) and is moved by ``reconcile``."""
    try:
        os.replace(pending_path(folder, name), Path(folder) / name)
        return True
    except FileNotFoundError:
        return (Path(folder) / name).exists()
    except OSError as exc:
        current_app.logger.error("stored file %s/%s not moved into place: %s",
                                 folder, name, exc)
        return False


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    staged = session.info.pop(_STAGED, [])
    dropped = session.info.pop(_DROPPED, [])
    folders = set()
    for folder, name in staged:
        if move_into_place(folder, name):
            folders.add(folder)
    for folder in folders:
        try:
            fsync_folder(folder)
        except OSError as exc:  # pragma: no cover - the files are in place all the same
            current_app.logger.error("folder %s not synced: %s", folder, exc)
    for folder, name in dropped:
        for path in (Path(folder) / name, pending_path(folder, name)):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:  # pragma: no cover - reconcile reports it
                current_app.logger.error("stored file %s not removed: %s", path, exc)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    """A transaction that ended without committing (rolled back, failed to commit, or
    closed): its pending files go, and what it dropped is kept. (After a commit,
    ``_after_commit`` has already taken both lists.)"""
    if transaction.nested or transaction.parent is not None:
        return
    session.info.pop(_DROPPED, None)
    for folder, name in session.info.pop(_STAGED, []):
        pending_path(folder, name).unlink(missing_ok=True)


# -- Reconciling after a crash -------------------------------------------------------------------

def references(folder: str) -> Callable:
    """Register a function giving the stored names the database refers to in
    ``<instance>/<folder>`` (for ``reconcile``)."""
    def register(function: Callable[[], Iterable[str]]):
        _REFERENCES.setdefault(folder, []).append(function)
        return function
    return register


@dataclass
class Reconciled:
    moved: list[str] = field(default_factory=list)    # pending, referenced: moved into place
    removed: list[str] = field(default_factory=list)  # pending, not referenced, old: removed
    kept: list[str] = field(default_factory=list)     # pending, not referenced, recent
    missing: list[str] = field(default_factory=list)  # referenced, neither stored nor pending
    unreferenced: list[str] = field(default_factory=list)  # stored, not referenced (reported)


def reconcile(max_age: float | None = None, now: float | None = None,
              references: dict[str, set[str]] | None = None) -> Reconciled:
    """Finish what a crash left half-done. Safe to run at any time and again: a pending
    file still being written by a live request is younger than ``max_age`` seconds
    (``FILES_PENDING_MAX_AGE``) and is left alone. ``references`` (folder: names) stands
    in for the database's."""
    if max_age is None:
        max_age = current_app.config["FILES_PENDING_MAX_AGE"]
    now = time.time() if now is None else now
    result = Reconciled()
    instance = Path(current_app.instance_path)
    if references is None:
        references = {kind: {name for function in functions for name in function() if name}
                      for kind, functions in _REFERENCES.items()}
    for kind, referenced in sorted(references.items()):
        folder = instance / kind
        present = sorted(os.listdir(folder)) if folder.is_dir() else []
        moved = len(result.moved)
        for entry in present:
            if not entry.startswith(PENDING):
                continue
            name = entry.removeprefix(PENDING)
            label = f"{kind}/{name}"
            if name in referenced:
                if move_into_place(folder, name):
                    result.moved.append(label)
                continue
            try:
                age = now - (folder / entry).stat().st_mtime
            except FileNotFoundError:  # a request finished with it meanwhile
                continue
            if age > max_age:
                (folder / entry).unlink(missing_ok=True)
                result.removed.append(label)
            else:
                result.kept.append(label)
        if len(result.moved) > moved:
            fsync_folder(folder)
        for name in sorted(referenced):
            if not (folder / name).is_file() and not pending_path(folder, name).is_file():
                result.missing.append(f"{kind}/{name}")
        for entry in sorted(os.listdir(folder)) if folder.is_dir() else []:
            if STORED_NAME.fullmatch(entry) and entry not in referenced:
                result.unreferenced.append(f"{kind}/{entry}")
    return result
