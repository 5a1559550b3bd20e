"""Benchmark: `raak demo --reset` from the command until the dashboard answers, in a fresh instance folder.

    python -m benchmarks.demo [--repeat 3] [--source DIR]

Each repetition starts `raak demo --reset --port P` (127.0.0.1 only, a free port; DATABASE_URL unset, a new
RAAK_INSTANCE_DIR) and measures from the start of the command until
  - `ready`: GET /login answers 200 (the page a visitor opens first),
  - `page`: logged in as the printed NJi user, the national page's router callback answers 200 (the first page
    drawn, uncached),
and reads the build time the command prints itself. Then it stops the server (SIGTERM) and reports the CPU
seconds the command used (its process and children; far less inflated by a busy machine than wall time).
`--source DIR` runs the code of another checkout (e.g. `git archive` of an older commit unpacked in DIR) with the
same Python, for before/after figures measured back to back. Medians over the repetitions; see docs/performance.md.
A benchmark, not a test: it fails only when the demo does not come up.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

if not __package__:  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from benchmarks.load import HOST, REQUEST_TIMEOUT_SECONDS, TOKEN_FIELD, _free_port, _route_body

DEFAULT_REPEAT = 3
START_TIMEOUT_SECONDS = 600.0  # the old demo took minutes on a busy machine
STOP_TIMEOUT_SECONDS = 30.0
TARGET_SECONDS = 15.0
NJI_LOGIN = re.compile(r"^\s*nji\s+(\S+)\s+(\S+)\s*$", re.MULTILINE)
BUILD_SECONDS = re.compile(r"Seed \d+, (\d+) s\.")
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class DemoRun:
    ready_s: float  # until GET /login answers 200
    page_s: float  # until the national page's router callback answers 200
    build_s: float | None  # what the command printed (whole seconds)
    cpu_s: float  # user + system CPU of the command and its children


def _command(source: Path | None) -> tuple[list[str], dict[str, str]]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["PYTHONUNBUFFERED"] = "1"  # the log-in lines arrive before the server starts
    if source is not None:
        env["PYTHONPATH"] = str(source)
    return [sys.executable, "-c", "from dashboard.cli import main; main()"], env


def code_location(source: Path | None) -> str:
    """Where the measured command imports the dashboard from (to be sure `--source` took effect)."""
    _, env = _command(source)
    probe = [sys.executable, "-c", "import dashboard; print(dashboard.__file__)"]
    return subprocess.run(probe, env=env, capture_output=True, text=True, check=True, cwd=source).stdout.strip()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(source: Path | None = None) -> DemoRun:
    """One `raak demo --reset` in a new instance folder, measured until the first page; the server is stopped."""
    port = _free_port()
    base = f"http://{HOST}:{port}"
    command, env = _command(source)
    with tempfile.TemporaryDirectory(prefix="raak-bench-demo-") as instance:
        env["RAAK_INSTANCE_DIR"] = instance
        arguments = ["demo", "--reset", "--host", HOST, "--port", str(port)]
        cpu_before = _children_cpu()
        started = time.perf_counter()
        process = subprocess.Popen(
            [*command, *arguments], env=env, cwd=source, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        output: list[str] = []
        reader = threading.Thread(target=lambda: output.extend(iter(process.stdout.readline, "")), daemon=True)
        reader.start()
        try:
            ready = _wait_for_login_page(base, process, started)
            login = NJI_LOGIN.search("".join(output))
            if login is None:
                raise SystemExit("raak demo printed no NJi log-in:\n" + "".join(output))
            _first_page(base, *login.groups())
            page = time.perf_counter() - started
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(timeout=5)
        build = BUILD_SECONDS.search("".join(output))
        return DemoRun(ready, page, float(build.group(1)) if build else None, _children_cpu() - cpu_before)


def _wait_for_login_page(base: str, process: subprocess.Popen[str], started: float) -> float:
    while time.perf_counter() - started < START_TIMEOUT_SECONDS:
        if process.poll() is not None:
            raise SystemExit(f"raak demo stopped with exit code {process.returncode} before the page answered")
        try:
            if requests.get(f"{base}/login", timeout=REQUEST_TIMEOUT_SECONDS).status_code == 200:
                return time.perf_counter() - started
        except requests.RequestException:  # still building, or not listening yet
            pass
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"raak demo did not answer within {START_TIMEOUT_SECONDS:.0f} s")


def _first_page(base: str, email: str, password: str) -> None:
    """Log in through the form and ask for the national page as dash-renderer does."""
    with requests.Session() as http:
        form = http.get(f"{base}/login", timeout=REQUEST_TIMEOUT_SECONDS).text
        token = TOKEN_FIELD.search(form)
        data = {"email": email, "password": password, "csrf_token": token.group(1) if token else ""}
        response = http.post(f"{base}/login", data=data, timeout=REQUEST_TIMEOUT_SECONDS, allow_redirects=False)
        if response.status_code != 302:
            raise SystemExit(f"log-in as {email} failed: {response.status_code}")
        response = http.post(
            f"{base}/_dash-update-component",
            json=_route_body("/"),
            headers={"X-CSRFToken": http.cookies.get("_csrf_token", "")},
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        if response.status_code != 200:
            raise SystemExit(f"the national page answered {response.status_code}: {response.text[:200]}")


def summary(runs: list[DemoRun]) -> dict[str, float]:
    return {
        "ready_s": statistics.median(r.ready_s for r in runs),
        "page_s": statistics.median(r.page_s for r in runs),
        "cpu_s": statistics.median(r.cpu_s for r in runs),
    }


def measure(repeat: int, source: Path | None = None, *, verbose: bool = True) -> list[DemoRun]:
    runs = []
    for number in range(1, repeat + 1):
        run = run_once(source)
        runs.append(run)
        if verbose:
            build = f"{run.build_s:.0f}" if run.build_s is not None else "?"
            print(
                f"run {number}: ready {run.ready_s:.2f} s, first page {run.page_s:.2f} s, build (printed) {build} s, "
                f"CPU {run.cpu_s:.2f} s, load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    parser.add_argument("--source", type=Path, help="Run the code of this checkout instead (same Python).")
    args = parser.parse_args(argv)
    source = args.source.resolve() if args.source else None
    print(f"code: {code_location(source)}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    medians = summary(measure(args.repeat, source))
    print(
        f"median of {args.repeat}: ready {medians['ready_s']:.2f} s, first page {medians['page_s']:.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s), CPU {medians['cpu_s']:.2f} s"
    )


if __name__ == "__main__":
    main()
