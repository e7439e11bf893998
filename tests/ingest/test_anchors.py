"""Passage anchors (kb/ingest/anchors.py): unique within a document, in linear time."""

from __future__ import annotations

import time

from kb.ingest.anchors import AnchorSet, slugify


def test_repeats_are_numbered_from_2() -> None:
    anchors = AnchorSet()
    assert [anchors.unique("art-1") for _ in range(4)] == ["art-1", "art-1-2", "art-1-3", "art-1-4"]
    assert anchors.unique("art-2") == "art-2"


def test_an_anchor_given_literally_is_never_handed_out_again() -> None:
    anchors = AnchorSet()
    assert anchors.unique("art-1") == "art-1"
    assert anchors.unique("art-1-2") == "art-1-2"  # a heading that reads "art-1-2" itself
    assert anchors.unique("art-1") == "art-1-3"
    assert anchors.unique("art-1-3") == "art-1-3-2"
    assert anchors.unique("art-1") == "art-1-4"
    assert anchors.unique("art-1-2") == "art-1-2-2"


def test_twenty_thousand_repeats_take_linear_time() -> None:
    anchors = AnchorSet()
    started = time.perf_counter()
    given = [anchors.unique("art-1") for _ in range(20_000)]
    elapsed = time.perf_counter() - started
    assert elapsed < 1, f"20,000 repeats took {elapsed:.1f} s"  # about 0.02 s; once 24 s
    assert len(set(given)) == len(given)
    assert given[-1] == "art-1-20000"


def test_slugify() -> None:
    assert slugify("I. Legal basis") == "i-legal-basis"
    assert slugify("¿?") == "section"
