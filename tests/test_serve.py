"""`agent-console serve`: the desk in a browser through textual-serve, on loopback unless asked otherwise."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from console import serving
from console.serve_command import PUBLIC_FLAG
from console.serving import ServeError, SessionOptions, check_host, is_loopback, session_command
from console.store import Store
from tests.conftest import make_complaint, run_cli

STARTUP_TIMEOUT = 30.0
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
IN_USE = "port {port} on 127.0.0.1 is in use: stop what listens there or choose another with --port\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_serve(*args: str) -> subprocess.Popen[str]:
    """`agent-console serve ARGS…` as its own process group, so that the sessions it starts can be found."""
    return subprocess.Popen(
        [sys.executable, "-m", "console", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def group_members(group: int) -> list[str]:
    """The processes of `group` still running (their command lines), zombies aside: reaping an orphan is
    init's job. Read from /proc, so that the test needs no `ps`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended while we looked
        state, _parent, process_group = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(process_group) == group and state != "Z":
            members.append(f"{entry.name} {command}")
    return members


def stop(server: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Ctrl-C the server; its exit status, stdout and stderr. Fails if it, or a session's app, does not end
    by itself soon after (what is left is killed then: no test leaves a process behind)."""
    server.send_signal(signal.SIGINT)
    try:
        out, err = server.communicate(timeout=STARTUP_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"serve still running after Ctrl-C: {group_members(server.pid)}") from None
    deadline = time.monotonic() + STARTUP_TIMEOUT  # a session's app may still be ending when the server has
    while left := group_members(server.pid):
        if time.monotonic() > deadline:
            raise AssertionError(f"processes left after Ctrl-C: {left}")
        time.sleep(0.05)
    return server.returncode, out, err


@pytest.fixture
def served() -> Iterator[list[subprocess.Popen[str]]]:
    """The servers a test starts; any still running at its end is killed with its sessions."""
    servers: list[subprocess.Popen[str]] = []
    yield servers
    for server in servers:
        with contextlib.suppress(ProcessLookupError):  # none left: the test stopped it
            os.killpg(server.pid, signal.SIGKILL)
        server.communicate()


def wait_until_answering(server: subprocess.Popen[str], url: str) -> str:
    """The page at `url`, once the server answers (a condition, not a guess of how long start-up takes)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if server.poll() is not None:
            raise AssertionError(f"serve ended ({server.returncode}): {server.communicate()[1]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200
                return str(response.read().decode("utf-8"))
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer from {url} within {STARTUP_TIMEOUT} s") from None
            time.sleep(0.05)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LocalHost", "localhost.", "::ffff:127.0.0.1"]
)
def test_loopback_hosts_are_served_without_the_flag(host: str) -> None:
    assert is_loopback(host)
    check_host(host, public=False)


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "128.0.0.1", "example.com", "localhost.example.com", "::2"]
)
def test_other_hosts_need_the_unauthenticated_flag(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ServeError, match=re.escape(PUBLIC_FLAG)):
        check_host(host, public=False)
    check_host(host, public=True)


def test_a_page_on_an_address_of_every_interface_names_the_machine() -> None:
    assert serving.default_url("0.0.0.0", 8000) == f"http://{socket.gethostname()}:8000"
    assert serving.default_url("::1", 8001) == "http://[::1]:8001"
    assert serving.default_url("localhost", 80) == "http://localhost:80"


def test_the_session_command_is_this_python_running_this_app_with_the_options_given(tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    config = tmp_path / "config.toml"
    options = SessionOptions(data_dir=desk, language="hr", agent="ana", config=config, demo=True)
    words = shlex.split(session_command("/opt/venv/bin/python3", options))
    assert words == [
        "exec",
        "/opt/venv/bin/python3",
        "-P",
        "-m",
        "console",
        f"--data-dir={desk}",
        f"--config={config}",
        "--lang=hr",
        "--agent=ana",
        "--demo",
    ]
    plain = shlex.split(session_command(sys.executable, SessionOptions()))
    assert plain == ["exec", sys.executable, "-P", "-m", "console"]


def test_a_relative_desk_path_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    words = shlex.split(session_command("python3", SessionOptions(data_dir=Path("desk"))))
    assert words[-1] == f"--data-dir={tmp_path / 'desk'}"


def test_a_desk_path_with_spaces_quotes_and_shell_words_reaches_the_session_as_it_is(tmp_path: Path) -> None:
    """textual-serve runs the command through a shell: every word must arrive whole and nothing run."""
    planted = tmp_path / "planted"
    desk = tmp_path / f"desk with 'single' and \"double\" quotes; $(touch {planted}) `touch {planted}`\nand a line"
    echo = tmp_path / "python with space"
    echo.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n", encoding="utf-8")
    echo.chmod(0o755)
    command = session_command(str(echo), SessionOptions(data_dir=desk, agent="-x; rm -rf ~", language="fi"))
    shown = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, check=True)
    arrived = json.loads(shown.stdout)
    assert arrived == ["-P", "-m", "console", f"--data-dir={desk}", "--lang=fi", "--agent=-x; rm -rf ~"]
    assert not planted.exists()


@pytest.mark.parametrize(
    "order",
    [
        ("--demo", "--lang", "hr", "serve", "--agent=-ana", "--data-dir", "d esk"),
        ("serve", "--demo", "--lang", "hr", "--agent=-ana", "--data-dir", "d esk"),
    ],
)
def test_serve_starts_sessions_with_the_options_it_was_given_before_or_after_it(
    order: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import console.web_server

    monkeypatch.chdir(tmp_path)
    started: list[tuple[object, ...]] = []
    monkeypatch.setattr(console.web_server, "serve", lambda *given: started.append(given))
    port = free_port()
    status, _out, err = run_cli(capsys, *order, "--port", str(port))
    assert (status, err) == (0, "")
    [(command, host, port_served, url, _title)] = started
    assert (host, port_served, url) == ("127.0.0.1", port, f"http://127.0.0.1:{port}")
    words = shlex.split(str(command))
    assert words[:5] == ["exec", sys.executable, "-P", "-m", "console"]
    assert sorted(words[5:]) == sorted([f"--data-dir={tmp_path / 'd esk'}", "--lang=hr", "--agent=-ana", "--demo"])


def test_the_public_url_is_what_the_page_names(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import console.web_server

    started: list[tuple[object, ...]] = []
    monkeypatch.setattr(console.web_server, "serve", lambda *given: started.append(given))
    port = free_port()
    assert run_cli(capsys, "serve", "--port", str(port), "--public-url", "http://localhost:9000/")[0] == 0
    assert started[0][1:4] == ("127.0.0.1", port, "http://localhost:9000")  # textual-serve adds "/ws", "/static"
    with pytest.raises(SystemExit):
        run_cli(capsys, "serve", "--public-url", "ftp://localhost:9000")
    assert "'ftp://localhost:9000' is not an http:// or https:// address" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_every_interface_is_refused_without_the_flag_in_one_line(
    host: str, served: list[subprocess.Popen[str]]
) -> None:
    server = start_serve("--host", host, "--port", str(free_port()))
    served.append(server)
    out, err = server.communicate(timeout=STARTUP_TIMEOUT)
    assert server.returncode == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"will not serve on {host}" in err and PUBLIC_FLAG in err


def test_the_flag_lets_another_address_through_with_a_warning(served: list[subprocess.Popen[str]]) -> None:
    """192.0.2.1 (TEST-NET-1) is no address of this machine: the host is accepted, the listening fails
    as it would for any address not there, and nothing is exposed while the test runs."""
    port = free_port()
    server = start_serve("--host", "192.0.2.1", "--port", str(port), PUBLIC_FLAG)
    served.append(server)
    _out, err = server.communicate(timeout=STARTUP_TIMEOUT)
    assert server.returncode == 2
    lines = err.splitlines()
    assert len(lines) == 2 and "Traceback" not in err
    warning = f"Warning: http://192.0.2.1:{port} has no log-in: anyone who reaches it can read and change the desk."
    assert lines[0] == warning
    assert lines[1].startswith(f"agent-console: cannot listen on 192.0.2.1 port {port}: ")
    assert "will not serve" not in err


def test_a_port_in_use_is_one_line(served: list[subprocess.Popen[str]]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = start_serve("--port", str(port))
        served.append(server)
        out, err = server.communicate(timeout=STARTUP_TIMEOUT)
    assert server.returncode == 2
    assert out == ""
    assert err == "agent-console: " + IN_USE.format(port=port)


def test_a_port_taken_after_the_check_is_still_one_line(tmp_path: Path) -> None:
    """The server itself finding the port taken (someone took it between the check and the listening)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        script = (
            "from console.serving import ServeError\nfrom console.web_server import serve\n"
            f"try:\n    serve('true', '127.0.0.1', {port}, 'http://127.0.0.1:{port}', 't')\n"
            "except ServeError as error:\n    print(error)\n"
        )
        shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=STARTUP_TIMEOUT)
    assert shown.stdout.splitlines(keepends=True)[-1] == IN_USE.format(port=port)  # after "Serving the desk…"
    assert "Traceback" not in shown.stderr


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_a_port_outside_the_range_is_refused(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_cli(capsys, "serve", "--port", port)
    assert exit_.value.code == 2
    assert "is not a port number (1–65535)" in capsys.readouterr().err


def test_serve_answers_on_localhost_with_the_page_and_stops_on_ctrl_c(
    tmp_path: Path, served: list[subprocess.Popen[str]]
) -> None:
    port = free_port()
    server = start_serve("--port", str(port), "--data-dir", str(tmp_path / "desk"), "--lang", "en")
    served.append(server)
    page = wait_until_answering(server, f"http://127.0.0.1:{port}/")
    assert len(group_members(server.pid)) == 1  # the server itself: no session before a browser connects
    assert "<div>agent-console</div>" in page  # the name shown while the session starts
    assert str(tmp_path) not in page  # not the command line with the desk's path
    assert f"ws://127.0.0.1:{port}/ws" in page
    assert "textual.js" in page
    status, out, err = stop(server)
    assert status == 0
    assert out.startswith(f"Serving the desk on http://127.0.0.1:{port}; Ctrl-C stops it.\n")
    assert "Traceback" not in err


async def screen_of_session(server: subprocess.Popen[str], port: int, wanted: str) -> tuple[str, list[str]]:
    """What the browser's terminal receives from a session, once `wanted` is among it (escapes removed), and
    the processes of the server's group at that moment."""
    url = f"http://127.0.0.1:{port}/ws?width=80&height=24"
    received = ""
    async with aiohttp.ClientSession() as client, client.ws_connect(url) as websocket:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while wanted not in ANSI.sub("", received):
            message = await websocket.receive(timeout=max(deadline - time.monotonic(), 0.01))
            assert message.type == aiohttp.WSMsgType.BINARY, message
            received += message.data.decode("utf-8", "replace")
        running = group_members(server.pid)
    return ANSI.sub("", received), running


async def test_a_browser_session_runs_the_desk_named_in_the_language_asked(
    tmp_path: Path, served: list[subprocess.Popen[str]]
) -> None:
    desk = tmp_path / "the 'shop' desk \"2\""
    Store(desk).add_complaints([make_complaint(1, subject="Parcel never arrived")])
    port = free_port()
    server = start_serve("--port", str(port), "--data-dir", str(desk), "--lang", "fi")
    served.append(server)
    wait_until_answering(server, f"http://127.0.0.1:{port}/")
    screen, running = await screen_of_session(server, port, "Parcel never arrived")
    assert "Lopeta" in screen  # the key bar's "q Quit" in Finnish
    [session] = [process for process in running if " -m console --" in process]  # the server's is "-m console serve"
    assert f"--data-dir={desk}" in session
    status, _out, err = stop(server)  # the session's app quits with the server: no process is left
    assert status == 0
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("host", "origin", "allowed"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000", True),
        ("127.0.0.1:8000", None, True),  # not a browser: no Origin, and no page of another site behind it
        ("localhost:8000", "http://localhost:8000", True),  # ssh -L 8000:localhost:8000
        ("[::1]:8000", "http://[::1]:8000", True),
        ("127.0.0.1:8000", "http://localhost:9000", True),  # the page from the public URL, its websocket here
        ("127.0.0.1:8000", "http://evil.example", False),  # another site the agent has open
        ("127.0.0.1:8000", "http://127.0.0.1:8001", False),  # another server on this machine
        ("127.0.0.1:8000", "null", False),
        ("evil.example:8000", "http://evil.example:8000", False),  # a name pointed at 127.0.0.1: DNS rebinding
        ("localhost.evil.example:8000", None, False),
        (None, None, False),
    ],
)
def test_only_the_desks_own_pages_reach_it(host: str | None, origin: str | None, allowed: bool) -> None:
    assert serving.request_allowed(host, origin, "http://localhost:9000") is allowed


async def test_a_websocket_from_another_site_or_a_rebound_name_is_refused_and_starts_no_session(
    tmp_path: Path, served: list[subprocess.Popen[str]]
) -> None:
    port = free_port()
    server = start_serve("--port", str(port), "--data-dir", str(tmp_path / "desk"))
    served.append(server)
    wait_until_answering(server, f"http://127.0.0.1:{port}/")
    url = f"http://127.0.0.1:{port}/ws?width=80&height=24"
    for headers in ({"Origin": "http://evil.example"}, {"Host": f"evil.example:{port}"}):
        async with aiohttp.ClientSession() as client:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                async with client.ws_connect(url, headers=headers):
                    pass
            assert refused.value.status == 403
    rebound = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": f"evil.example:{port}"})
    with pytest.raises(urllib.error.HTTPError) as page:
        urllib.request.urlopen(rebound, timeout=5)
    assert page.value.code == 403
    assert len(group_members(server.pid)) == 1  # no session was started for them
    assert stop(server)[0] == 0


@pytest.mark.parametrize(
    "url",
    ['http://127.0.0.1:8000/"><script>alert(1)</script>', "http://user:pw@127.0.0.1:8000", "http://", "http://a b"],
)
def test_a_public_url_that_is_not_a_plain_address_is_refused(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "serve", "--host", "0.0.0.0", "--public-url", url)  # were it taken: refused, not served
    assert "is not an http:// or https:// address" in capsys.readouterr().err
