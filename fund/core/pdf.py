"""PDF documents (receipt, innstilling, decision letters, and later reports): one
renderer, one page layout (``templates/pdf/_base.html``) and the letterhead as a setting.

Every document is PDF/A-2a: archivable (arkivforskrifta) and tagged, so that a screen
reader can follow its headings, lists and tables (LAW.md §4 L 25, §7)."""

import ctypes
import ctypes.util
import gc
import threading
from contextlib import contextmanager
from pathlib import Path

import pydyf
from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from weasyprint import HTML

from fund.core import files
from fund.core.errors import DomainError

#: PDF/A-2a: level A is tagged (a structure tree, marked content, a document language).
PDF_VARIANT = "pdf/a-2a"

#: The language of the documents the municipality keeps as the record of a case and
#: sends as letters (vedtaksbrev, foreløpig svar, forhåndsvarsel, the proposed
#: innstilling): Norwegian, the language the case is decided in and the legally binding
#: one, whatever language the person who makes the document reads the pages in. Documents
#: made when asked for (the receipt, a draft innstilling, the coverage report) follow the
#: reader's language. See the README's section on languages.
RECORD_LOCALE = "nb"

#: The letterhead's settings and the names a template reads them by
#: (``pdf_letterhead().name`` …).
LETTERHEAD_KEYS = {"name": "LETTERHEAD_NAME", "unit": "LETTERHEAD_UNIT",
                   "address": "LETTERHEAD_ADDRESS", "org_number": "LETTERHEAD_ORG_NUMBER",
                   "contact": "LETTERHEAD_CONTACT"}


def letterhead() -> dict[str, str]:
    """The sender shown at the top of every document, from the configuration (a Jinja
    global, ``pdf_letterhead()``, so that an HTML preview of a document has it too)."""
    return {name: current_app.config.get(key) or "" for name, key in LETTERHEAD_KEYS.items()}


def _page_references(pdf) -> tuple[bytes, ...]:
    """pydyf's ``PDF.page_references``, built once per number of pages. pydyf builds the
    tuple of every page's reference each time it is read, and WeasyPrint reads it for
    every tagged element (PDF/A-2a): pages × elements, 22.9 million steps for a 330-page
    innstilling and most of the time past a thousand pages (issue 14). Pages are only
    ever appended, so the count says whether the tuple is still right."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references_cache")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        pdf.__dict__["_page_references_cache"] = cached
    return cached[1]


if isinstance(getattr(pydyf.PDF, "page_references", None), property):
    pydyf.PDF.page_references = property(_page_references)


_paused = 0
_paused_lock = threading.Lock()


def _give_back_memory() -> None:
    """Ask glibc to hand freed heap back to the system (a long document leaves the
    worker's heap hundreds of MB larger otherwise); nothing elsewhere."""
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    if trim is not None:
        trim(0)


def _pause() -> None:
    global _paused
    with _paused_lock:
        _paused += 1
        if _paused == 1:
            gc.disable()


def _resume() -> None:
    """Undo one ``_pause``; the last turns the collector back on, runs it once over what
    the documents left, and hands the freed heap back."""
    global _paused
    with _paused_lock:
        _paused -= 1
        last = _paused == 0
        if last:
            gc.enable()
    if last:
        gc.collect()
        _give_back_memory()


@contextmanager
def collector_paused():
    """Python's cycle collector paused while a document is laid out, then run once.
    WeasyPrint makes hundreds of thousands of short-lived objects per document, and the
    collector's passes over them and over the rest of the worker's heap took about 40 %
    of a long innstilling's time (issue 14). Counted, so that two renders in one process
    (a request and an export thread) do not turn it back on under each other.

    In a request, the collector stays paused until the answer is sent
    (``resume_collector_after_request``): the one pass over a long document's garbage
    takes a tenth of a second or more, and the reader need not wait for it. A later
    document of the same request first clears the earlier one's, so that a batch of
    letters does not pile up."""
    if not has_request_context():
        _pause()
        try:
            yield
        finally:
            _resume()
        return
    if g.get("pdf_collector_paused"):
        gc.collect()
    else:
        _pause()
        g.pdf_collector_paused = True
    yield


def resume_collector_after_request(response):
    """After a request that made a document: the collector back on once the answer has
    been sent (an ``after_request`` hook). A file sent as it is (``send_file``: the
    server closes the file, never the answer's own close), at once."""
    if g.pop("pdf_collector_paused", False):
        if response.direct_passthrough:
            _resume()
        else:
            response.call_on_close(_resume)
    return response


def resume_collector_on_teardown(_error=None) -> None:
    """The collector back on at once when a request that made a document ended without
    an answer to send it with (a ``teardown_request`` hook)."""
    if g.pop("pdf_collector_paused", False):
        _resume()


def write_pdf(html: str) -> bytes:
    """An HTML document as an archivable, tagged PDF/A-2a; stylesheets and images
    resolve against the application folder."""
    with collector_paused():
        return HTML(string=html, base_url=current_app.root_path).write_pdf(
            pdf_variant=PDF_VARIANT)


class DocumentFailed(DomainError):
    """The PDF renderer failed. The state change that needed the document is refused as a
    whole (its transaction rolled back); the person is told to try again."""

    def __init__(self):
        super().__init__(_("Dokumentet kunne ikke lages akkurat nå, så ingenting er endret. "
                           "Feilen er logget. Prøv igjen om litt."))


def pdf_of(html: str) -> bytes:
    """``write_pdf``, with any failure of the renderer (WeasyPrint, fonts, memory) turned
    into ``DocumentFailed``: a refusal with a message, never a half-done change or a
    server error. ``write_pdf`` is looked up when called (tests replace it)."""
    try:
        return write_pdf(html)
    except Exception as exc:
        current_app.logger.exception("PDF rendering failed")
        raise DocumentFailed() from exc


def render_pdf(template: str, locale: str | None = None, **context) -> bytes:
    """Render ``template`` (which extends ``pdf/_base.html``) to PDF/A-2a, in ``locale``
    (``RECORD_LOCALE`` for a letter) or else the reader's language."""
    if locale is None:
        return pdf_of(render_template(template, **context))
    with force_locale(locale):
        html = render_template(template, **context)
    return pdf_of(html)


def documents_folder(kind: str = "letters") -> Path:
    """Where stored documents of one kind live: ``<instance>/letters/`` for letters and
    the innstilling. Private to the app, as the uploads are."""
    folder = Path(current_app.instance_path) / kind
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def store_document(data: bytes, kind: str = "letters") -> tuple[str, str]:
    """Keep a document under a random name once the current transaction commits
    (``fund.core.files``); returns (stored name, sha256 hex digest)."""
    return files.write(data, documents_folder(kind))


def document_path(stored_name: str, kind: str = "letters") -> Path:
    """Where a stored document is read from (its pending name until the move after its
    commit); FileNotFoundError if it is gone or the name is not one of ours."""
    return files.resolve(documents_folder(kind), stored_name)



def read_document(stored_name: str, kind: str = "letters") -> bytes:
    """A stored document's bytes; FileNotFoundError if it is gone (or the name is not
    one of ours)."""
    return document_path(stored_name, kind).read_bytes()


def remove_document(stored_name: str, kind: str = "letters") -> None:
    """Remove a stored document once the current transaction commits."""
    files.remove(documents_folder(kind), stored_name)


def pdf_response(data: bytes, filename: str, inline: bool = True):
    """A PDF answer; ``filename`` must be ASCII (it goes into a header as it is)."""
    response = current_app.response_class(data, mimetype="application/pdf")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
