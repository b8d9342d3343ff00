"""textual-serve's server with the desk's own start-up line; imported only by `agent-console serve`."""

from __future__ import annotations

import asyncio

from aiohttp import web
from textual_serve.server import Server

from console import i18n
from console.serving import listen_error, request_allowed


class DeskServer(Server):
    """textual-serve's `Server`, saying where the desk is in the agent's language instead of its banner
    (which quotes the whole command line, desk path included), and ending the browser sessions at once on
    Ctrl-C: aiohttp would wait up to a minute for each open websocket to end by itself."""

    def __init__(self, command: str, host: str, port: int, title: str, public_url: str) -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self.sessions: set[asyncio.Task[object]] = set()

    async def on_startup(self, app: web.Application) -> None:
        print(i18n._("Serving the desk on {url}; Ctrl-C stops it.").format(url=self.public_url), flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        for session in self.sessions:
            session.cancel()  # textual-serve then tells the session's app to quit and closes the websocket

    def _refuse_strangers(self, request: web.Request) -> None:
        if not request_allowed(request.headers.get("Host"), request.headers.get("Origin"), self.public_url):
            raise web.HTTPForbidden(text=i18n._("This page is not the desk's own: refused."))

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        self._refuse_strangers(request)
        return await super().handle_index(request)  # the template decorator has rendered it

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        self._refuse_strangers(request)
        return await super().handle_download(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        self._refuse_strangers(request)
        session = asyncio.current_task()
        assert session is not None
        self.sessions.add(session)
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions.discard(session)


def serve(command: str, host: str, port: int, url: str, title: str) -> None:
    """Run `command` for each browser that connects, until Ctrl-C or SIGTERM."""
    server = DeskServer(command, host, port, title, url)
    try:
        server.serve()
    except OSError as error:  # the port was taken after serving.check_port_free
        raise listen_error(host, port, error) from None
