"""Run every benchmark and write their figures to docs/performance.md.

    make bench        (or: .venv/bin/python bench/run_all.py)

Each benchmark is a script under bench/ that prints its own report (Markdown, or a plain
table that is put in a code block) and exits 1 when it misses a goal. They run one after
another, never beside each other or the tests, because timing on a shared machine is
noise. The file records the machine, the date and each script's verdict.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "performance.md"
BENCHMARKS = (
    ("Page weight", "page_weight.py"),
    ("Quick exit speed", "exit_speed.py"),
    ("Throughput and latency under load", "load.py"),
    ("Directory at scale", "directory_scale.py"),
    ("Delivery of 1,000 referrals", "delivery.py"),
)


def run(script: str) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    output = result.stdout.strip()
    if result.returncode not in (0, 1):
        output += f"\n\n(exit {result.returncode})\n{result.stderr.strip()[-2000:]}"
    return result.returncode, output


def section(title: str, script: str, code: int, output: str) -> str:
    verdict = {0: "every goal met", 1: "a goal missed"}.get(code, "did not run to the end")
    body = output if output.startswith("#") else f"```\n{output}\n```"
    body = body.replace("\n# ", "\n### ").replace("\n## ", "\n### ")
    if body.startswith("# ") or body.startswith("## "):
        body = "### " + body.split(" ", 1)[1]
    return f"## {title}\n\n`bench/{script}`: **{verdict}**\n\n{body}\n"


def main() -> int:
    started = dt.datetime.now(dt.UTC)
    parts = [
        "# Performance\n",
        f"Measured by `make bench` on {started:%Y-%m-%d %H:%M} UTC: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}. "
        "Written by bench/run_all.py; do not edit by hand.\n",
    ]
    failures = 0
    for title, script in BENCHMARKS:
        if not (ROOT / "bench" / script).exists():
            continue
        print(f"running bench/{script} …", flush=True)
        code, output = run(script)
        failures += code != 0
        parts.append(section(title, script, code, output))
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text("\n".join(parts))
    print(f"wrote {OUTPUT.relative_to(ROOT)}; {failures} benchmark(s) missed a goal or failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
