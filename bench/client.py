"""Logging in over HTTP as a browser does, and handing the session to wrk."""

import re

import requests

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
VERSION = re.compile(r'name="version"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="version"')


def field(pattern: re.Pattern, html: str) -> str | None:
    """The value of a hidden field in a page, or None."""
    match = pattern.search(html)
    return (match[1] or match[2]) if match else None


def login(base: str, email: str, password: str, timeout: float = 60) -> requests.Session:
    """A session logged in as ``email`` (GET the form for its CSRF token, POST it)."""
    session = requests.Session()
    form = session.get(f"{base}/logg-inn", timeout=timeout)
    token = field(CSRF, form.text)
    reply = session.post(f"{base}/logg-inn", timeout=timeout, data={
        "csrf_token": token or "", "email": email, "password": password})
    if reply.status_code >= 400 or reply.url.rstrip("/").endswith("/logg-inn"):
        raise RuntimeError(f"login as {email} failed: HTTP {reply.status_code} at {reply.url}")
    return session


def cookie_header(session: requests.Session) -> str:
    """The session's cookies as one ``Cookie:`` header value."""
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)
