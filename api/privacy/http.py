"""``Cache-Control: no-store`` on every answer that may carry personal data."""

from __future__ import annotations

from typing import Any

_CACHEABLE_PREFIXES = ("/static/",)
"""Paths whose answers hold no personal data (stylesheets, scripts, images)."""


class NoStoreMiddleware:
    """Add ``Cache-Control: no-store`` (and ``Pragma: no-cache`` for old proxies) to every
    response except static files, unless the handler set its own ``Cache-Control``.

    Manifests, rider lists, riders, afbud, the audit log and the web pages carry names,
    addresses and health-related notes: no browser, proxy or shared computer may keep them.
    Done for every path rather than a list of personal ones, so a new endpoint cannot forget.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(_CACHEABLE_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                    headers.append((b"pragma", b"no-cache"))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)
