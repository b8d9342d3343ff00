"""Start-up of `agent-console --demo` against a Textual hello-world, measured in the same run.

The wheel is built and installed into a scratch directory first, so what runs is what `pip install`
gives a user. Each sample is a fresh Python process that imports everything, starts the app headless,
waits until the first screen has been composed and painted, and exits. Samples of the two programs
alternate, so the noise of the machine falls on both alike; the figure to quote is the ratio of the
medians.

    python benchmarks/startup.py [--runs 15]
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


def install_wheel(target: Path) -> dict[str, str]:
    """Build the wheel and install it (without dependencies, which this environment has) into `target`,
    so the run measures what `pip install` gives a user: compiled catalogs, bundled data."""
    root = Path(__file__).resolve().parent.parent
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
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as scratch:
        env = install_wheel(Path(scratch))
        sample(HELLO, env), sample(DEMO, env)  # warm the file cache and bytecode
        hello, demo = [], []
        for _ in range(runs):
            hello.append(sample(HELLO, env))
            demo.append(sample(DEMO, env))
    for name, samples in (("textual hello-world ", hello), ("agent-console --demo", demo)):
        times = [seconds * 1000 for seconds, _ in samples]
        rss = statistics.median(kib for _, kib in samples) / 1024
        print(f"{name}  median {statistics.median(times):7.1f} ms  min {min(times):7.1f} ms  peak RSS {rss:5.1f} MiB")
    ratio = statistics.median(s for s, _ in demo) / statistics.median(s for s, _ in hello)
    memory = statistics.median(k for _, k in demo) / statistics.median(k for _, k in hello)
    print(f"ratio demo / hello: start-up {ratio:.2f}x, memory {memory:.2f}x ({runs} alternating runs each)")


if __name__ == "__main__":
    main()
