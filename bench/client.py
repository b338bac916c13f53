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
    reply = session.post(f"{base}/logg-inn", timeout=timeout, allow_redirects=False, data={
        "csrf_token": token or "", "email": email, "password": password})
    # a login redirects (to the page asked for, or the start page); a refusal shows the form
    if reply.status_code not in (302, 303) or "/logg-inn" in reply.headers.get("Location", ""):
        raise RuntimeError(f"login as {email} failed: HTTP {reply.status_code}")
    return session


def cookie_header(session: requests.Session) -> str:
    """The session's cookies as one ``Cookie:`` header value."""
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)
