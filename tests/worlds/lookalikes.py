"""An invented treaty whose words a stemmer confuses: the stemming tests' corpus.

The Compass Convention (``compass-convention``, treaty, 2003) has one article per word
below, and no word of these pairs appears in two articles, so that a search for one word
shows at once whether it reaches the other's article:

- ``APART``: word -> (its article, the article of the unrelated word it looks like),
  which a search for the word must not reach ("access" is not "accession");
- ``TOGETHER``: word -> the article holding another form of it, which a search for the
  word must reach ("seize" finds "seizure").

Every sentence is invented. :func:`compass_convention` builds the document; publish it
with :func:`tests.worlds.published.write_generation`.
"""

from __future__ import annotations

from kb.models import STATUS_TEXT, Document, Passage
from tests.worlds import make_source

COMPASS = "compass-convention"

# (heading, text) of Articles 1, 2, ...
ARTICLES = (
    ("Logbooks", "A keeper shall have access to the logbooks of every tower."),
    ("Joining", "Any coastal town may apply for accession to this Convention."),
    ("Help at sea", "Keepers may ask the ferrymen for direct help."),
    ("Beams", "Each beam shall be directed at the open sea."),
    ("Lamps", "The second lamp is lit at dusk."),
    ("Postings", "A keeper may be seconded to a tower of another town."),
    ("Signals", "Signal communications between towers use flags."),
    ("Villages", "The Fishing Communities keep registers of their boats."),
    ("Records", "The logbook controller answers for the records."),
    ("Entry", "Entry to the lamp room is controlled by the keeper."),
    ("Ferries", "Each ferry provider keeps a timetable."),
    ("Oil", "Oil is supplied, provided that the tower asks in writing."),
    ("Guilds", "The keepers' organization meets twice a year."),
    ("Bells", "The bell is rung as the organ plays."),
    ("Wrecks", "The seizure of a wrecked boat requires a warrant."),
    ("Crews", "Safeguards for the crews are posted at the pier."),
    ("Towns", "The Parties shall light their towers at dusk."),
    ("Harbours", "Every coastal State keeps a harbour light."),
    ("Boats", "Boats authorized by the harbour master may land."),
    ("Signatures", "This Convention is subject to ratification."),
)


def article(number: int) -> str:
    """The passage id of Article ``number``."""
    return f"{COMPASS}.art-{number}"


APART = {
    "access": (article(1), article(2)),
    "accession": (article(2), article(1)),
    "direct": (article(3), article(4)),
    "directed": (article(4), article(3)),
    "second": (article(5), article(6)),
    "seconded": (article(6), article(5)),
    "communications": (article(7), article(8)),
    "communities": (article(8), article(7)),
    "controller": (article(9), article(10)),
    "controlled": (article(10), article(9)),
    "providers": (article(11), article(12)),
    "provide": (article(12), article(11)),
    "organisations": (article(13), article(14)),
    "organs": (article(14), article(13)),
}

TOGETHER = {
    "seize": article(15),
    "seized": article(15),
    "safeguard": article(16),
    "party": article(17),
    "states": article(18),
    "authorised": article(19),
    "ratified": article(20),
}


def compass_convention() -> Document:
    source = make_source(
        COMPASS,
        title="Convention on Compass Bearings",
        short_title="Compass Convention",
        year=2003,
    )
    passages = [
        Passage(f"art-{n}", f"Article {n} – {heading}", text, path=("Chapter I",))
        for n, (heading, text) in enumerate(ARTICLES, start=1)
    ]
    return Document(source, STATUS_TEXT, passages)
