"""bench.py --quick: the benchmark's correctness checks (every implementation against NumPy,
before timing) on tiny arrays, in the two child processes it starts. OpenCV's rows run only
where cv2 is installed; the benchmark itself (full size) is not part of the suite."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench.py"


def test_bench_quick_runs_and_its_checks_pass():
    run = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    timed = [r for r in records if "op" in r]
    assert {r["threads"] for r in timed} == {1, 2}
    assert all(r["median_s"] > 0 for r in timed)
    assert any(r["impl"].startswith("viewlib.") for r in timed)
    assert "| op |" in run.stderr
