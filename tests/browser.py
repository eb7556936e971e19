"""A headless chromium (Debian's `chromium`) driven over the DevTools protocol: find it, start it with
every host name resolving nowhere, and open a page from disk in a tab whose requests are recorded."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import aiohttp

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
WAIT = 60  # seconds: a safety net against a hung browser, not a measurement


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def required_browser() -> str:
    """The browser the page's tests run in: skipped without one on a developer's machine, failed under CI,
    where `.ci/run` installs it (a CI run that tested no page must not pass)."""
    import pytest

    binary = find_browser()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("no chromium under CI: .ci/run installs it (apt-get install -y chromium)")
        pytest.skip("no chromium found (apt-get install -y chromium; .ci/run does it)")
    return binary


def start_browser(binary: str, profile: Path, scratch: Path) -> tuple[subprocess.Popen, int]:
    """Headless chromium with a DevTools port; every host name resolves nowhere, so nothing can leave.

    Its temporary files go to ``scratch`` (TMPDIR): chromium puts its singleton socket in a new
    ``org.chromium.Chromium.*`` folder of the temporary directory and leaves it there when it ends."""
    process = subprocess.Popen(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--window-size=1300,1800",
            "about:blank",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    for line in process.stderr:  # "DevTools listening on ws://127.0.0.1:<port>/devtools/browser/..."
        if "DevTools listening on" in line:
            threading.Thread(target=process.stderr.read, daemon=True).start()  # keep the pipe from filling up
            return process, int(line.split("127.0.0.1:")[1].split("/")[0])
    process.kill()
    raise RuntimeError("chromium did not open its DevTools port")


@contextlib.contextmanager
def browsing(binary: str, profile: Path):
    """`start_browser` for the length of a with-block: its DevTools port; the browser is ended after it,
    and its scratch folder removed. The folder is a short one of its own, not under ``profile``: a unix
    socket's path holds at most 107 bytes, and pytest's folders can be longer."""
    scratch = Path(tempfile.mkdtemp(prefix=f"browser-{os.getpid()}-"))
    try:
        process, port = start_browser(binary, profile, scratch)
        try:
            yield port
        finally:
            process.kill()
            process.wait()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class Tab:
    """One page target over the DevTools protocol: commands in order, events collected."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse):
        self.socket, self.next_id, self.events = socket, 0, []

    async def send(self, method: str, **params):
        self.next_id += 1
        await self.socket.send_str(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads((await self.socket.receive(timeout=WAIT)).data)
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]
            self.events.append(message)

    async def wait_for(self, method: str, where=lambda params: True) -> dict:
        """The first event ``method`` whose params satisfy ``where``, waiting for it if it has not come yet."""
        while True:
            found = [e for e in self.events if e.get("method") == method and where(e.get("params", {}))]
            if found:
                return found[0]
            self.events.append(json.loads((await self.socket.receive(timeout=WAIT)).data))

    async def js(self, expression: str):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def requests(self) -> list[str]:
        """Every URL the page asked for so far (Network must be enabled)."""
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]


@contextlib.asynccontextmanager
async def opened(port: int, page: Path, *domains: str):
    """The browser's tab with ``page`` loaded from disk, requests recorded (Network) and ``domains`` enabled."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
            target = next(t for t in await response.json() if t["type"] == "page")
        async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as socket:
            tab = Tab(socket)
            for domain in ("Network", "Page", *domains):
                await tab.send(f"{domain}.enable")
            await tab.send("Page.navigate", url=page.as_uri())
            await tab.wait_for("Page.loadEventFired")
            yield tab
