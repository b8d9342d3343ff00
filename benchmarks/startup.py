"""Start-up of `agent-console --demo` against a Textual hello-world, measured in the same run.

The wheel is built and installed into a scratch directory first, so what runs is what `pip install`
gives a user. Each sample is a fresh Python process that imports everything, starts the app headless,
waits until the first screen has been composed and painted, and exits. Samples of the two programs
alternate, so the noise of the machine falls on both alike; the figure to quote is the ratio of the
medians. `--before DIR` (a checkout of an earlier version, e.g. `git worktree add DIR COMMIT`) measures
that version's demo too, in the same alternation, so a change is quoted as before -> after.

    python benchmarks/startup.py [--runs 15] [--before DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ON_TEXTUAL_IMPORT = """
import importlib.abc, importlib.util, sys
class _WhenTextualLoads(importlib.abc.MetaPathFinder):
    # The hook patches Textual's App as the program imports it, not before: importing it first would
    # time the import apart from what the program does around it (agent-console pauses the collector).
    def find_spec(self, name, path, target=None):
        if name != "textual.app":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        execute = spec.loader.exec_module
        def exec_module(module):
            execute(module)
            _patch(module.App)
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, _WhenTextualLoads())
"""


def headless(auto_pilot: str) -> str:
    """Program text that runs Textual's App headless, driven by `auto_pilot` (an async function of that
    name, defined before the program imports Textual)."""
    return (
        ON_TEXTUAL_IMPORT
        + f"""
def _patch(App):
    _run = App.run
    def _run_headless(self, *args, **kwargs):
        kwargs.update(headless=True, auto_pilot={auto_pilot})
        return _run(self, *args, **kwargs)
    App.run = _run_headless
"""
    )


AUTO_EXIT = """
async def _first_paint_then_exit(pilot):
    await pilot.pause()
    pilot.app.exit()
""" + headless("_first_paint_then_exit")

HELLO = (
    AUTO_EXIT
    + """
from textual.app import App
from textual.widgets import Static
class Hello(App):
    def compose(self):
        yield Static("Hello, world")
Hello().run()
"""
)

DEMO = (
    AUTO_EXIT
    + """
import sys
from console.cli import main
sys.exit(main(["--demo", "--lang", "fi"]))
"""
)


def sample(program: str, env: dict[str, str]) -> tuple[float, int]:
    """Wall time of one whole process, and its peak RSS in KiB."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", program], stdout=subprocess.DEVNULL, env=env, cwd=env["PYTHONPATH"]
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"benchmark program failed with status {process.returncode}")
    return elapsed, usage.ru_maxrss


ROOT = Path(__file__).resolve().parent.parent


def install_wheel(target: Path, root: Path = ROOT) -> dict[str, str]:
    """Build the wheel of the checkout `root` and install it (without dependencies, which this environment
    has) into `target`, so the run measures what `pip install` gives a user: compiled catalogs, bundled data."""
    wheels = target / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
                    str(root)], check=True)  # fmt: skip
    [wheel] = wheels.glob("agent_console-*.whl")
    site = target / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True)  # fmt: skip
    return {**os.environ, "PYTHONPATH": str(site)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--before", type=Path, help="a checkout of an earlier version to measure alongside")
    arguments = parser.parse_args()
    runs = arguments.runs
    print("load average " + " ".join(f"{value:.2f}" for value in os.getloadavg()))
    with tempfile.TemporaryDirectory() as scratch:
        programs = {"agent-console --demo": (DEMO, install_wheel(Path(scratch) / "now"))}
        if arguments.before:
            env = install_wheel(Path(scratch) / "before", arguments.before.resolve())
            programs = {"agent-console before": (DEMO, env), **programs}
        programs = {"textual hello-world ": (HELLO, programs["agent-console --demo"][1]), **programs}
        for program, env in programs.values():
            sample(program, env)  # warm the file cache and bytecode
        samples: dict[str, list[tuple[float, int]]] = {name: [] for name in programs}
        for _ in range(runs):
            for name, (program, env) in programs.items():
                samples[name].append(sample(program, env))
    hello = samples["textual hello-world "]
    for name, taken in samples.items():
        times = [seconds * 1000 for seconds, _ in taken]
        rss = statistics.median(kib for _, kib in taken) / 1024
        print(f"{name}  median {statistics.median(times):7.1f} ms  min {min(times):7.1f} ms  peak RSS {rss:5.1f} MiB")
    for name, taken in samples.items():
        if taken is not hello:
            ratio = statistics.median(s for s, _ in taken) / statistics.median(s for s, _ in hello)
            memory = statistics.median(k for _, k in taken) / statistics.median(k for _, k in hello)
            print(f"ratio {name.strip()} / hello: start-up {ratio:.2f}x, memory {memory:.2f}x ({runs} runs)")
    print("load average " + " ".join(f"{value:.2f}" for value in os.getloadavg()))


if __name__ == "__main__":
    main()
