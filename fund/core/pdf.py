"""PDF documents (receipt, innstilling, and later decision letters and reports): one
renderer, one page layout (``templates/pdf/_base.html``) and the letterhead as a setting."""

from flask import current_app, render_template
from weasyprint import HTML

#: The letterhead's settings and the names a template reads them by
#: (``pdf_letterhead().name`` …).
LETTERHEAD_KEYS = {"name": "LETTERHEAD_NAME", "unit": "LETTERHEAD_UNIT",
                   "address": "LETTERHEAD_ADDRESS", "org_number": "LETTERHEAD_ORG_NUMBER",
                   "contact": "LETTERHEAD_CONTACT"}


def letterhead() -> dict[str, str]:
    """The sender shown at the top of every document, from the configuration (a Jinja
    global, ``pdf_letterhead()``, so that an HTML preview of a document has it too)."""
    return {name: current_app.config.get(key) or "" for name, key in LETTERHEAD_KEYS.items()}


def write_pdf(html: str) -> bytes:
    """An HTML document as an archivable PDF/A-2b; stylesheets and images resolve
    against the application folder."""
    return HTML(string=html, base_url=current_app.root_path).write_pdf(
        pdf_variant="pdf/a-2b")


def render_pdf(template: str, **context) -> bytes:
    """Render ``template`` (which extends ``pdf/_base.html``) to PDF/A-2b."""
    return write_pdf(render_template(template, **context))


def pdf_response(data: bytes, filename: str, inline: bool = True):
    """A PDF answer; ``filename`` must be ASCII (it goes into a header as it is)."""
    response = current_app.response_class(data, mimetype="application/pdf")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
