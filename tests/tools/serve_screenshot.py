"""A screenshot of the desk served in a browser: `agent-console serve --demo` opened in headless Chromium.

For the README and review notes, not for CI (it needs Debian's `chromium`: `apt-get install chromium`):

    .venv/bin/python tests/tools/serve_screenshot.py -o serve_screenshot.png [--lang fi]

Chromium's own `--screenshot` shoots before the page's websocket has connected and the app has drawn, so
this drives it over the Chrome DevTools Protocol: it waits until the page has had its first bytes from the
app and its fonts, has the terminal fitted again (xterm.js measures its cells once, when it opens) when it
does not lie wholly inside the window, waits until two shots a moment apart are the same, and saves the last
one, saying how many cells the app was given. A terminal still larger than the window is an error, not a shot.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

TIMEOUT = 60.0
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Any, what: str) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"serve_screenshot: no {what} within {TIMEOUT:.0f} s")
        time.sleep(0.05)
    return result


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except (urllib.error.URLError, ConnectionError):
        return False


class DevTools:
    """One page of the browser, driven over its websocket."""

    def __init__(self, websocket: aiohttp.ClientWebSocketResponse) -> None:
        self.websocket = websocket
        self.ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        await self.websocket.send_json({"id": number, "method": method, "params": params})
        while True:
            answer = await self.websocket.receive_json(timeout=TIMEOUT)
            if answer.get("id") == number:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        answer = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return answer["result"].get("value")

    async def shot(self) -> bytes:
        return base64.b64decode((await self.call("Page.captureScreenshot", format="png"))["data"])


SIZE_RECORDER = """
window.terminalSize = null;
const PageSocket = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const query = new URL(url).searchParams;
  window.terminalSize = [Number(query.get("width")), Number(query.get("height"))];
  const socket = new PageSocket(url, protocols);
  const send = socket.send.bind(socket);
  socket.send = (data) => {
    const message = typeof data === "string" && data.startsWith('["resize"') ? JSON.parse(data)[1] : null;
    if (message) window.terminalSize = [message.width, message.height];
    send(data);
  };
  return socket;
};
"""
"""The cells the page gives the app (the websocket's URL, then each resize), for the report."""
OVERFLOWS = """(() => {
  const screen = document.querySelector(".xterm-screen");
  if (!screen) return true;
  const box = screen.getBoundingClientRect();
  return box.right > window.innerWidth || box.bottom > window.innerHeight;
})()"""


async def settled(page: DevTools, deadline: float) -> bytes:
    """A shot once a shot a moment later is the same."""
    previous, current = b"", await page.shot()
    while current != previous:
        if time.monotonic() > deadline:
            raise SystemExit("serve_screenshot: the page never settled")
        await asyncio.sleep(0.5)
        previous, current = current, await page.shot()
    return current


async def shoot(devtools_port: int, url: str, width: int, height: int) -> tuple[bytes, list[int]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{devtools_port}/json/list", timeout=10) as listing:
        pages = [target for target in json.load(listing) if target["type"] == "page"]
    async with aiohttp.ClientSession() as client, client.ws_connect(pages[0]["webSocketDebuggerUrl"]) as socket_:
        page = DevTools(socket_)
        await page.call(
            "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
        )
        await page.call("Page.enable")
        await page.call("Page.addScriptToEvaluateOnNewDocument", source=SIZE_RECORDER)
        await page.call("Page.navigate", url=url)
        deadline = time.monotonic() + TIMEOUT
        while not await page.evaluate("document.body !== null && document.body.classList.contains('-first-byte')"):
            if time.monotonic() > deadline:
                raise SystemExit("serve_screenshot: the app never drew in the page")
            await asyncio.sleep(0.1)
        await page.evaluate("document.fonts.ready.then(() => true)")
        if await page.evaluate(OVERFLOWS):  # measured before a font came: fit the terminal to the window again
            await page.evaluate("window.dispatchEvent(new Event('resize')), true")
        shot = await settled(page, deadline)
        if await page.evaluate(OVERFLOWS):
            raise SystemExit(f"serve_screenshot: the terminal does not fit in {width}x{height} px")
        return shot, list(await page.evaluate("window.terminalSize") or [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=Path("serve_screenshot.png"))
    parser.add_argument("--lang", default="en")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=800)
    arguments = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("serve_screenshot: needs chromium (apt-get install chromium)")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [sys.executable, "-m", "console", "serve", "--demo", "--lang", arguments.lang, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    profile = Path(tempfile.mkdtemp(prefix="serve-screenshot-"))
    browser = None
    try:
        wait_for(lambda: answers(url), "answer from agent-console serve")
        size = f"{arguments.width},{arguments.height}"
        browser = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={size}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        active = profile / "DevToolsActivePort"
        wait_for(lambda: active.exists() and active.read_text().count("\n") >= 1, "DevTools port from chromium")
        devtools_port = int(active.read_text().split()[0])
        png, cells = asyncio.run(shoot(devtools_port, url, arguments.width, arguments.height))
        arguments.output.write_bytes(png)
        given = "x".join(map(str, cells)) or "?"
        print(
            f"{arguments.output}: {len(png)} bytes, the whole terminal ({given} cells) in {size.replace(',', 'x')} px"
        )
    finally:
        if browser is not None:
            os.killpg(browser.pid, signal.SIGTERM)
            browser.wait()
        server.send_signal(signal.SIGINT)  # as Ctrl-C: the session's app quits and its demo copy goes
        server.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
