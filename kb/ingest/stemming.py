"""Stems: Snowball English, two spelling rules and a short table of exceptions.

:func:`stem` is the one stem function of the index's text fields and of every query
(``kb/ingest/index.py`` puts it in the analysis, ``kb/search/terms.py`` analyses queries
with the same analyser), so a word is always compared in the form it was indexed in. It
is a module-level function because Whoosh pickles the analyser, and with it the
function's name, into the index's schema. It keeps no state, so request threads may
share it.

Why Snowball (Porter2) rather than Porter: Porter gives "communications" and
"Communities", "news" and "new", "one" and "on" one stem each; Snowball keeps them apart
and stems "directly", "lawfully" and "internationally" like their adjectives.

Why Whoosh's own Snowball rather than PyStemmer: a stem is worked out once per distinct
word (Whoosh's stem cache while indexing, ``functools.lru_cache`` at query time), so the
stemmer's speed hardly counts. Whoosh's takes about 7 µs a word, PyStemmer's about 1 µs:
the mirror's ~2,800 distinct words cost 20 ms against 3 ms, and the mirror's index is
built in ~0.8 s either way (2-3 % slower than with Porter).
Whoosh's needs no new dependency and is stateless; PyStemmer is C code whose stemmer
objects may not be shared between threads.

Snowball still gives unrelated words of the field one stem, and splits some words of the
field in two. What it gets wrong here is corrected before it runs, the same at index and
at query time:

- ``APART``: unrelated words that would share a stem; the forms listed get a stem of
  their own, their headword ("accession" is joining a treaty, not access to data);
- ``TOGETHER``: forms that Snowball would part from their word; they get that word's
  stem ("seizure" is found by "seize");
- two spelling rules: American ``-ize`` is read as British ``-ise`` (the Council of
  Europe writes "authorised", the United Nations "authorized"; Snowball strips "-ize",
  which also made "organization" an "organ"), and ``-ification`` as ``-ify`` (Snowball
  stems "ratification" "ratif" but "ratified" "ratifi").

A word is listed only when it is a word of the field (treaties, criminal procedure, data
protection, human rights) and the confusion changes what a search finds. "party" and
"parties", "state" and "states", "general" and "generally" share a stem as they should.
Changing anything here changes the index terms: bump ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import re

from whoosh.lang import stemmer_for_language

_snowball = stemmer_for_language("en")

# Headword -> its forms: each form's stem is the headword, apart from the word Snowball
# would confuse it with (named in the comment).
APART: dict[str, tuple[str, ...]] = {
    "accession": ("accession", "accessions"),  # joining a treaty; not access
    "directed": ("directed", "directing", "directs", "direction", "directions"),  # not direct
    "directive": ("directive", "directives"),  # an instrument; not direct
    "secondment": ("seconded", "seconding", "secondment", "secondments"),  # not second
    "controller": ("controller", "controllers"),  # the data controller; not control
    "provider": ("provider", "providers"),  # a service provider; not "provided that"
    "personal": ("personal", "personally"),  # personal data; not every person
    "internal": ("internal", "internally"),  # not international
    "national": ("national", "nationally"),  # national law or security; not nations
    "nationality": ("nationality", "nationalities", "nationals"),  # citizens; not nations
    "united": ("united",),  # the United Nations, Kingdom, States; not a unit
    "university": ("university", "universities"),  # not universal
    "minority": ("minority", "minorities"),  # not minors
    "conference": ("conference", "conferences"),  # a meeting; not conferred
}

# Word -> forms of it that Snowball stems apart: each form gets the word's stem.
TOGETHER: dict[str, tuple[str, ...]] = {
    "seize": ("seizure", "seizures"),
    "disclose": ("disclosure", "disclosures"),
    "retain": ("retention",),  # data retention
    "detain": ("detention", "detentions"),
    "produce": ("production",),  # a production order; not a product
    "automatic": ("automated", "automation"),  # automatic processing of personal data
    "proportionality": ("proportionate", "proportionately"),
    "necessary": ("necessity",),
    "liable": ("liability", "liabilities"),
}

_AMERICAN = re.compile(r"^(\w{3,})iz(e|es|ed|ing|er|ers|ation|ations|ational)$")
_IFICATION = re.compile(r"ifications?$")


def stem(word: str) -> str:
    """The index term of a folded, lower-cased word ("seizures" -> "seiz")."""
    found = EXCEPTIONS.get(word)
    return found if found is not None else snowball(word)


def snowball(word: str) -> str:
    """Snowball's stem after the spelling rules: the stem of every word not listed."""
    word = _AMERICAN.sub(r"\1is\2", word)
    return _snowball(_IFICATION.sub("ify", word))


def _exceptions() -> dict[str, str]:
    table = {form: headword for headword, forms in APART.items() for form in forms}
    for word, forms in TOGETHER.items():
        table.update(dict.fromkeys(forms, snowball(word)))
    return table


EXCEPTIONS = _exceptions()  # form -> stem, consulted before Snowball
