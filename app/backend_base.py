"""Tells Streamlit's page script where the server is, so that a page opened by its own address does not first ask
`/<Page>/_stcore/health` and `/<Page>/_stcore/host-config` (two 404s in the console of every page but the map;
Streamlit issue 7074).

Streamlit's script reads `window.__streamlit.BACKEND_BASE_URL` once, when it loads; without it, it tries the page's
own path first and then its parent. This ASGI middleware (streamlit_app.py installs it) adds one inline script that
sets it to the server's root (with `server.baseUrlPath`) at the top of every HTML page the server sends. Only HTML
pages are touched; they are asked for uncompressed so that the script can be added.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Paths whose answers are never the app's HTML page (Streamlit's API, scripts, components, uploaded media).
NOT_PAGES = ("_stcore/", "static/", "component/", "media/", "app/static/")


def base_script(base_path: str) -> bytes:
    """The inline script: Streamlit's backend is at the origin's root, under `base_path` (server.baseUrlPath)."""
    path = "/" + base_path.strip("/") + ("/" if base_path.strip("/") else "")
    return ("<script>window.__streamlit=Object.assign({},window.__streamlit,{BACKEND_BASE_URL:location.origin+"
            f"{json.dumps(path)}}});</script>").encode("ascii")


def with_base_script(html: bytes, base_path: str) -> bytes:
    """`html` with the script right after its `<head>` (unchanged when it has none)."""
    at = html.lower().find(b"<head>")
    if at < 0:
        return html
    at += len(b"<head>")
    return html[:at] + base_script(base_path) + html[at:]


class BackendBaseUrl:
    def __init__(self, app: ASGIApp, base_path: Callable[[], str] = lambda: "") -> None:
        self.app = app
        self.base_path = base_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or _not_a_page(scope):
            await self.app(scope, receive, send)
            return
        scope = dict(scope, headers=[(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"])
        start: Message | None = None
        passthrough = False
        body: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start, passthrough
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                html = headers.get(b"content-type", b"").startswith(b"text/html")
                passthrough = not html or b"content-encoding" in headers
                if passthrough:
                    await send(message)
                else:
                    start = message
                return
            if passthrough:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            assert start is not None
            page = with_base_script(b"".join(body), self.base_path())
            kept = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": [*kept, (b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, capture)


def _not_a_page(scope: Scope) -> bool:
    path = scope.get("path", "").lstrip("/")
    return any(path.startswith(p) or f"/{p}" in path for p in NOT_PAGES)
