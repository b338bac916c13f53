"""Running ``wrk`` and reading its report."""

import re
import shutil
import subprocess
from dataclasses import asdict, dataclass

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float | None
    p99_ms: float | None
    requests: int
    errors: int  #: socket errors (connect, read, write, timeout)
    non_2xx: int  #: "Non-2xx or 3xx responses"

    def as_dict(self) -> dict:
        return asdict(self)


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    return float(match[1]) * UNITS[match[2]]


def parse(output: str) -> WrkResult:
    """The figures of one ``wrk --latency`` run from its text output."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    requests = int(total[1]) if total else 0
    return WrkResult(
        requests_per_s=float(rate[1]) if rate else 0.0,
        p50_ms=_ms(p50[1]) if p50 and requests else None,
        p99_ms=_ms(p99[1]) if p99 and requests else None,
        requests=requests,
        errors=sum(int(n) for n in socket.groups()) if socket else 0,
        non_2xx=int(non_2xx[1]) if non_2xx else 0)


def run(url: str, duration: float, connections: int = 16, threads: int = 2,
        cookie: str | None = None, timeout_s: int = 60) -> WrkResult:
    """One wrk run against ``url``; the cookie header logs it in."""
    command = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}",
               f"-d{max(1, round(duration))}s", "--latency", f"--timeout={timeout_s}s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(url)
    done = subprocess.run(command, capture_output=True, text=True,
                          timeout=duration + timeout_s + 30)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    return parse(done.stdout)
