"""Benchmark: full ingest of the offline mirror, and a no-change re-run; or the index
build at scale, on a synthetic corpus.

Prints a table and writes bench/results/ingest.json. Each figure is the median of
several runs; "command" runs `kb ingest` as a maintainer does (interpreter start-up
included), "in-process" calls the ingest function alone.

    python bench/ingest.py [--mirror ../shared/corpus] [--repeat 5]

With ``--synthetic N``: a generation of N synthetic passages (``bench/synthetic.py``,
200 to a document) built and published from scratch ("full"), then again with one
document changed, the previous generation at hand ("one changed"); written to
bench/results/ingest-<N>.json.

    python bench/ingest.py --synthetic 100000 [--repeat 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic import generate

from kb.config import PROJECT_ROOT, Settings
from kb.ingest.pipeline import ingest
from kb.ingest.publish import build_generation, current_generation, publish
from kb.models import Document

RESULTS = PROJECT_ROOT / "bench" / "results"
TARGETS = {"full": 5.0, "no-change": 1.0}


def time_command(mirror: Path, data_dir: Path) -> float:
    kb = Path(sys.executable).with_name("kb")
    started = time.perf_counter()
    subprocess.run(
        [str(kb), "ingest", "--mirror", str(mirror), "--data-dir", str(data_dir)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def time_in_process(mirror: Path, data_dir: Path) -> tuple[float, int]:
    settings = Settings.from_env().with_options(mirror=mirror, data_dir=data_dir)
    started = time.perf_counter()
    report = ingest(settings)
    return time.perf_counter() - started, report.passages


def measure(mirror: Path, repeat: int) -> dict[str, dict[str, float]]:
    figures: dict[str, list[float]] = {}
    passages = 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            figures.setdefault("command full", []).append(time_command(mirror, Path(a)))
            figures.setdefault("command no-change", []).append(time_command(mirror, Path(a)))
            seconds, passages = time_in_process(mirror, Path(b))
            figures.setdefault("in-process full", []).append(seconds)
            figures.setdefault("in-process no-change", []).append(
                time_in_process(mirror, Path(b))[0]
            )
    return {
        name: {"median_s": statistics.median(v), "min_s": min(v), "max_s": max(v)}
        for name, v in figures.items()
    } | {"passages": {"count": passages}}


def changed(document: Document) -> Document:
    """The document with one passage's text edited, as a new copy of a source would be."""
    first = document.passages[0]
    edited = dataclasses.replace(first, text=first.text + " Amended wording.")
    return dataclasses.replace(document, passages=[edited, *document.passages[1:]])


def measure_synthetic(n: int, repeat: int) -> dict[str, dict[str, float]]:
    """Seconds to build and publish ``n`` synthetic passages, then one document changed."""
    documents = generate(n)
    middle = len(documents) // 2
    figures: dict[str, list[float]] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as data:
            root = Path(data) / "index"
            started = time.perf_counter()
            publish(root, build_generation(root, documents, {"synthetic": n}))
            figures.setdefault("full", []).append(time.perf_counter() - started)
            edited = [*documents[:middle], changed(documents[middle]), *documents[middle + 1 :]]
            started = time.perf_counter()
            previous = current_generation(root)
            publish(root, build_generation(root, edited, {"synthetic": n, "v": 2}, previous))
            figures.setdefault("one changed", []).append(time.perf_counter() - started)
    return {
        name: {"median_s": statistics.median(v), "min_s": min(v), "max_s": max(v)}
        for name, v in figures.items()
    } | {"passages": {"count": n}, "documents": {"count": len(documents)}}


def main_synthetic(n: int, repeat: int, machine: str) -> None:
    figures = measure_synthetic(n, repeat)
    print(
        f"Index build of {n:,} synthetic passages in {figures['documents']['count']:,} "
        f"documents, {machine}, {os.cpu_count()} cores"
    )
    print(f"{'measure':<22}{'median':>9}{'min':>9}{'max':>9}  per passage")
    for name, row in figures.items():
        if "median_s" in row:
            print(
                f"{name:<22}{row['median_s']:>8.2f}s{row['min_s']:>8.2f}s{row['max_s']:>8.2f}s"
                f"  {row['median_s'] / n * 1000:.2f} ms"
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"ingest-{n}.json"
    out.write_text(json.dumps({"machine": machine, "repeat": repeat, **figures}, indent=2))
    print(f"written {out.relative_to(PROJECT_ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=PROJECT_ROOT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--synthetic", type=int, metavar="N", help="build N synthetic passages")
    args = parser.parse_args()
    machine = (
        f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    )
    if args.synthetic:
        main_synthetic(args.synthetic, args.repeat, machine)
        return
    if not args.mirror.is_dir():
        sys.exit(f"no mirror at {args.mirror}; pass --mirror DIR")
    figures = measure(args.mirror, args.repeat)
    print(f"Ingest of {args.mirror} ({figures['passages']['count']} passages), {machine}")
    print(f"{'measure':<22}{'median':>9}{'min':>9}{'max':>9}  target")
    for name, row in figures.items():
        if "median_s" not in row:
            continue
        target = TARGETS["full" if name.endswith("full") else "no-change"]
        print(
            f"{name:<22}{row['median_s']:>8.3f}s{row['min_s']:>8.3f}s{row['max_s']:>8.3f}s"
            f"  < {target:.0f} s"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "ingest.json"
    out.write_text(json.dumps({"machine": machine, "repeat": args.repeat, **figures}, indent=2))
    print(f"written {out.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
