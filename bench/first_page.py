"""The first page after a publish, with and without what ``kb ingest`` stores for it.

For each scale, a synthetic corpus (bench/synthetic.py) is published once under
``--data`` (kept there; building 100,000 passages takes minutes) and its stored
structures (``derived.json``: references and definitions, kb/derive/stored.py) are
written, timing what that adds to the publish. Then, in rounds, a fresh process opens
the app and asks for a passage page as its first request (the Library opens the
generation, the page needs the passage's references and the glossary), then another
passage page and a search page: once with the stored file moved aside (as a
generation written before it, and as every generation was served before: the
references read on that first page) and once with it.

    python bench/first_page.py 10000 100000 --data /tmp/first-page
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from synthetic import build_corpus, generate

from kb.config import Settings
from kb.derive import stored
from kb.ingest.publish import current_generation, write_derived

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_ROOT / "bench" / "results" / "first_page.json"
MOVED_ASIDE = stored.DERIVED_FILE + ".aside"


def prepare(n: int, data_dir: Path) -> dict[str, Any]:
    """The published corpus of ``n`` passages, its stored structures written anew."""
    root = data_dir / "index"
    if current_generation(root) is None:
        print(f"{n} passages: building the index under {data_dir} ...", flush=True)
        build_corpus(n, data_dir)
    generation = current_generation(root)
    assert generation is not None
    documents = generation.documents()
    path = generation.path / stored.DERIVED_FILE
    (generation.path / MOVED_ASIDE).unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    write_derived(generation.path, documents)  # what build_generation adds: all read anew
    write_s = time.perf_counter() - started
    started = time.perf_counter()
    previous = stored.read(generation.path)
    load_s = time.perf_counter() - started
    assert previous is not None
    # A re-ingest where one source of many changed: one passage's text.
    first = documents[0]
    edited = replace(first.passages[0], text=first.passages[0].text + " Article 2 applies.")
    changed = [replace(first, passages=[edited, *first.passages[1:]]), *documents[1:]]
    started = time.perf_counter()
    stored.derive(changed, previous)
    incremental_s = time.perf_counter() - started
    return {
        "passages": sum(len(d.passages) for d in documents),
        "references": sum(len(found) for found in previous.references.values()),
        "definitions": len(previous.definitions),
        "publish_added_s": round(write_s, 3),
        "publish_added_one_source_changed_s": round(incremental_s, 3),
        "stored_bytes": path.stat().st_size,
        "load_s": round(load_s, 4),
    }


def probe(data_dir: Path, watch: bool) -> dict[str, float]:
    """In a fresh process: the first requests of an app over ``data_dir``, then the first
    after a publish (``CURRENT`` written anew, as ``kb ingest`` does: the Library opens
    the generation again), asked right away and once the Library's watcher opened it."""
    from kb.ingest.publish import publish
    from kb.web import create_app

    settings = Settings.from_env({"KB_DATA_DIR": str(data_dir)})
    generation = current_generation(settings.index_root)
    assert generation is not None
    first, second = generate(400)[0], generate(400)[1]  # the first documents of every scale
    pid = first.passage_id(first.passages[3])
    other = second.passage_id(second.passages[7])
    app = create_app(settings)
    library = app.extensions["kb.library"]
    if not watch:
        library._watch = None  # as before: only requests look at CURRENT
    client = app.test_client()
    figures = {}

    def get(name: str, target: str) -> None:
        started = time.perf_counter()
        response = client.get(target)
        figures[name] = time.perf_counter() - started
        # A search may run out of its time on a busy machine (400): timed all the same.
        assert response.status_code in (200, 400), (target, response.status_code)

    get("cold_first_page_s", f"/passages/{pid}")
    get("other_page_s", f"/passages/{other}")
    get("search_page_s", "/search?q=cross-border+data+access")
    get("same_page_again_s", f"/passages/{pid}")
    # A publish, the first page asked right away: it waits for the opening.
    publish(settings.index_root, generation)
    get("page_right_after_publish_s", f"/passages/{pid}")
    # A publish, the first page asked a moment later.
    opened = library.snapshot()
    publish(settings.index_root, generation)
    started = time.perf_counter()
    while watch and library._snapshot is opened:
        time.sleep(0.01)
    figures["watcher_opened_after_s"] = time.perf_counter() - started if watch else 0.0
    time.sleep(0.2)
    get("page_after_publish_s", f"/passages/{other}")
    return figures


def run_probe(data_dir: Path, watch: bool) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, __file__, "--probe", str(data_dir), *(["--watch"] if watch else [])],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(n: int, data_dir: Path, rounds: int) -> dict[str, Any]:
    figures = prepare(n, data_dir)
    print(
        f"{n} passages: derived.json {figures['stored_bytes'] / 1e6:.1f} MB"
        f" ({figures['references']} references, {figures['definitions']} definitions);"
        f" publish +{figures['publish_added_s']:.2f} s"
        f" (+{figures['publish_added_one_source_changed_s']:.2f} s when one source changed),"
        f" load {figures['load_s'] * 1000:.0f} ms",
        flush=True,
    )
    generation = current_generation(data_dir / "index")
    assert generation is not None
    path, aside = generation.path / stored.DERIVED_FILE, generation.path / MOVED_ASIDE
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for _ in range(rounds):  # interleaved: the machine is shared
        for mode in ("before", "after"):
            if mode == "before":
                path.rename(aside)
            try:
                runs[mode].append(run_probe(data_dir, watch=mode == "after"))
            finally:
                if aside.exists():
                    aside.rename(path)
    for mode, found in runs.items():
        medians = {k: round(statistics.median(r[k] for r in found), 3) for k in found[0]}
        figures[mode] = medians
        print(
            f"{n} passages, {mode:6} (stored and watched: {'no' if mode == 'before' else 'yes'}): "
            + ", ".join(f"{k} {v:.3f}" for k, v in medians.items()),
            flush=True,
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("passages", type=int, nargs="*", default=[10_000])
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "bench/results/cache")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--watch", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe is not None:
        print(json.dumps(probe(args.probe, args.watch)))
        return
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    for n in args.passages:  # the scales measured now replace theirs; the others stay
        results[str(n)] = measure(n, args.data / f"first-page-{n}", args.rounds)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
