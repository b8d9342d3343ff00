"""The agent's config file: where it is looked for, what it may hold, and one line for anything wrong."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from console.app import ConsoleApp
from console.config import Config, ConfigError, config_path, load_config, parse_duration
from tests.conftest import run_cli

GOOD = """
[agent]
name = "Maija Virtanen"
contact = "maija@example.fi, 010 123 4567"

[response]
urgent = "30m"
high = "4h"
low = "3d"
"""


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_config_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    config = load_config(path)
    assert config.agent.name == "Maija Virtanen"
    assert config.agent.contact == "maija@example.fi, 010 123 4567"
    assert config.response_targets == {
        "urgent": timedelta(minutes=30),
        "high": timedelta(hours=4),
        "low": timedelta(days=3),
    }
    assert config.path == path


def test_a_missing_file_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml")
    assert config == Config()
    assert config.agent.name is None and config.agent.contact is None
    assert config.response_targets == {} and config.path is None


def test_an_empty_file_or_tables_give_the_defaults_with_the_path(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).agent.name is None
    config = load_config(write(tmp_path, "[agent]\n[response]\n"))
    assert config.agent.name is None and config.response_targets == {}


def test_a_file_named_on_the_command_line_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "typo.toml", required=True)
    assert str(caught.value) == f"{tmp_path / 'typo.toml'}: no such file"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[agent]\nname = 42\n", "agent.name: must be text in quotes"),
        ('[agent]\ncontact = ["a"]\n', "agent.contact: must be text in quotes"),
        ('[agent]\nname = "  "\n', "agent.name: is empty"),
        ('[agent]\nnmae = "Maija"\n', "agent.nmae: unknown key (known: name, contact)"),
        ('[agnet]\nname = "Maija"\n', "agnet: unknown table (known: [agent], [response], [mail])"),
        ('agent = "Maija"\n', "agent: must be a table, [agent]"),
        ('[response]\nurgent = "1x"\n', "response.urgent: '1x' is not a time such as"),
        ('[response]\nurgent = "0h"\n', "response.urgent: '0h' is not a time such as"),
        ('[response]\nurgent = "-1h"\n', "response.urgent: '-1h' is not a time such as"),
        ("[response]\nurgent = 60\n", "response.urgent: 60 is not a time such as"),
        ('[response]\ncritical = "1h"\n', "response.critical: unknown priority (known: low, normal, high, urgent)"),
        ("[response]\nurgent = " + "[" * 5000 + "]" * 5000, "not valid TOML: nested too deeply"),
    ],
)
def test_a_broken_config_is_one_line_naming_the_file_and_the_key(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert problem in message


def test_a_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[agent]\nname = "Maija"\ncontact = maija@example.fi\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: not valid TOML: ")
    assert "line 3" in message


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes('[agent]\nname = "Mäijä"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_durations() -> None:
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration(" 1h ") == timedelta(hours=1)
    assert parse_duration("2d") == timedelta(days=2)
    for bad in ("", "h", "1", "1.5h", "1 h", "1H", "0m", "1h30m", "99999999d"):
        assert parse_duration(bad) is None, bad


def test_control_characters_in_the_name_are_removed(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[agent]\nname = "Maija\\u001b[2J\\nVirtanen"\n'))
    assert config.agent.name == "Maija Virtanen"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="is not a regular file"):
        load_config(fifo)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.toml").mkdir()
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "config.toml")
    assert "\n" not in str(caught.value)


def test_a_symlinked_config_is_read(tmp_path: Path) -> None:
    target = write(tmp_path, GOOD, "dotfiles-config.toml")
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    assert load_config(link).agent.name == "Maija Virtanen"


def test_a_huge_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "# " + "x" * 70_000 + "\n")
    with pytest.raises(ConfigError, match="not a config file"):
        load_config(path)


def test_the_environment_variable_comes_before_xdg_and_home(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    assert config_path({"HOME": home}) == Path(home, ".config/agent-console/config.toml")
    xdg = {"HOME": home, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert config_path(xdg) == tmp_path / "xdg/agent-console/config.toml"
    assert config_path({**xdg, "AGENT_CONSOLE_CONFIG": "/etc/mine.toml"}) == Path("/etc/mine.toml")
    assert config_path({**xdg, "AGENT_CONSOLE_CONFIG": ""}) == tmp_path / "xdg/agent-console/config.toml"
    assert config_path({"HOME": home, "XDG_CONFIG_HOME": "relative/dir"}) == Path(
        home, ".config/agent-console/config.toml"
    )


def test_load_config_reads_the_environment_s_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(write(tmp_path, GOOD)))
    assert load_config().agent.name == "Maija Virtanen"
    monkeypatch.delenv("AGENT_CONSOLE_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    (tmp_path / "xdg/agent-console").mkdir(parents=True)
    write(tmp_path / "xdg/agent-console", '[agent]\nname = "From XDG"\n')
    assert load_config().agent.name == "From XDG"


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[ConsoleApp]:
    """Apps the command line ran: `run` records the app and stops instead of taking the terminal."""
    apps: list[ConsoleApp] = []

    def run(self: ConsoleApp, *args: object, **kwargs: object) -> None:
        apps.append(self)

    monkeypatch.setattr(ConsoleApp, "run", run)
    return apps


def test_the_tui_does_not_start_with_a_broken_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], started: list[ConsoleApp]
) -> None:
    path = write(tmp_path, '[response]\nurgent = "soon"\n')
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(path))
    status, out, err = run_cli(capsys, "--data-dir", str(tmp_path / "desk"))
    assert status == 2 and out == ""
    assert started == []
    assert err.count("\n") == 1
    assert err.startswith(f"agent-console: {path}: response.urgent: ")
    assert not (tmp_path / "desk").exists()


def test_a_subcommand_does_not_run_with_a_broken_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "[agent\n")
    status, out, err = run_cli(capsys, "list", "--data-dir", str(tmp_path / "desk"), "--config", str(path))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"agent-console: {path}: not valid TOML: ")
    assert "line 1" in err


def test_the_app_gets_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], started: list[ConsoleApp]
) -> None:
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(write(tmp_path, '[agent]\nname = "From env"\n', "env.toml")))
    status, _out, _err = run_cli(capsys, "--data-dir", str(tmp_path / "desk"))
    assert status == 0
    assert started[-1].config.agent.name == "From env"
    given = write(tmp_path, GOOD)
    status, _out, _err = run_cli(capsys, "--config", str(given), "--data-dir", str(tmp_path / "desk"))
    assert status == 0
    assert started[-1].config.agent.name == "Maija Virtanen"
    assert started[-1].config.path == given


def test_the_app_without_a_config_file_has_the_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], started: list[ConsoleApp]
) -> None:
    status, _out, _err = run_cli(capsys, "--data-dir", str(tmp_path / "desk"))
    assert status == 0
    assert started[-1].config == Config()


def test_a_missing_config_named_with_the_option_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = run_cli(capsys, "--config", str(tmp_path / "nope.toml"), "list", "--data-dir", str(tmp_path))
    assert status == 2
    assert err == f"agent-console: {tmp_path / 'nope.toml'}: no such file\n"
