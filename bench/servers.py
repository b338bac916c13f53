"""Serving the app and the floor with gunicorn (2 sync workers), as in production."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


class Server:
    """One gunicorn master on ``port`` serving ``target`` with ``env``."""

    def __init__(self, name: str, target: str, port: int, env: dict[str, str],
                 log_dir: Path, pythonpath: str | None = None):
        self.name, self.target, self.port, self.env = name, target, port, env
        self.log = log_dir / f"{name}.log"
        self.pythonpath = pythonpath
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/") -> None:
        command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-k", "sync",
                   "-b", f"127.0.0.1:{self.port}", "--timeout", "30",
                   "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null"]
        if self.pythonpath:
            command += ["--pythonpath", self.pythonpath]
        command.append(self.target)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT)
        self._wait_ready(ready_path)

    def _wait_ready(self, path: str, limit: float = 60) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            try:
                requests.get(self.base + path, timeout=5, allow_redirects=False)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer in {limit} s; see {self.log}")

    def stop(self) -> None:
        """Stop this master (and so its workers), by its own process id."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, ready_path: str = "/") -> None:
        self.stop()
        self.start(ready_path)

    def worker_pids(self) -> list[int]:
        """The master's children (the workers), from /proc."""
        if not self.process:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def worker_rss_mb(self) -> list[float]:
        """Each worker's resident set size in MB (VmRSS from /proc/<pid>/status)."""
        sizes = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return sizes

    def wait_idle(self, path: str = "/healthz", limit: float = 90) -> bool:
        """Wait until a light request is answered quickly again (queued heavy requests
        from a wrk run finish after wrk stops); False if it never was."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            start = time.monotonic()
            try:
                requests.get(self.base + path, timeout=5, allow_redirects=False)
                if time.monotonic() - start < 0.5:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.5)
        return False
