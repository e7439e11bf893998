"""The thesaurus of the field (kb/search/thesaurus.py and corpus/thesaurus.toml)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path

import pytest

from kb.config import DEFAULT_THESAURUS, Settings
from kb.ingest.errors import ConfigError
from kb.search.library import Library
from kb.search.thesaurus import (
    AREAS,
    Thesaurus,
    ThesaurusError,
    label_key,
    load_thesaurus,
)

# Words of the field a panelist types, each with the concept it must lead to.
EVERYDAY_WORDS = {
    "cracking": "illegal-access",
    "hacking": "illegal-access",
    "computer trespass": "illegal-access",
    "DDoS": "denial-of-service",
    "denial of service": "denial-of-service",
    "ransomware": "ransomware",
    "phishing": "phishing",
    "identity theft": "identity-theft",
    "credit card fraud": "payment-card-fraud",
    "CSAM": "csam",
    "grooming": "grooming",
    "piracy": "copyright-infringement",
    "hate speech": "online-hate-speech",
    "warrant": "warrant",
    "court order": "court-order",
    "subpoena": "subpoena",
    "quick freeze": "quick-freeze",
    "data retention": "data-retention",
    "metadata": "traffic-data",
    "WHOIS": "whois",
    "encryption keys": "encryption-keys",
    "compelled decryption": "compelled-decryption",
    "gag order": "gag-order",
    "wiretap": "lawful-interception",
    "letters rogatory": "letters-rogatory",
    "dual criminality": "dual-criminality",
    "refusal grounds": "refusal-grounds",
    "Interpol": "interpol",
    "24/7 network": "network-24-7",
    "joint investigation teams": "joint-investigation-team",
    "video link": "video-link",
    "MLAT": "mlat",
    "aut dedere aut judicare": "aut-dedere-aut-judicare",
    "DPA": "dpa",
    "sensitive data": "special-categories",
    "purpose limitation": "purpose-limitation",
    "notification of the person concerned": "user-notification",
    "data localisation": "data-localisation",
    "private life": "privacy",
    "necessary in a democratic society": "necessity",
    "extraterritorial": "extraterritoriality",
    "loss of location": "loss-of-location",
    "direct co-operation with service providers": "direct-cooperation",
    "CLOUD Act": "cloud-act",
}

VALID = """
version = 1

[[concept]]
id = "quick-freeze"
area = "powers"
pref = "expedited preservation"
alt = ["quick freeze", "data preservation"]
related = ["retention"]
instrument_terms = ["expedited preservation of stored computer data", "preservation"]
articles = ["coe-ets-185.art-16", "coe-ets-185.art-29"]
note = "Keeping specified data from loss until it can be ordered."

[[concept]]
id = "retention"
area = "powers"
pref = "data retention"
alt = ["Data Retention", "mandatory retention"]
related = []
instrument_terms = ["preservation"]
note = "Keeping everyone's data in advance."
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "thesaurus.toml"
    path.write_text(text, encoding="utf-8")
    return path


def concept(concept_id: str, **fields: str) -> str:
    """A ``[[concept]]`` table: a valid one, with ``fields`` (TOML values) replacing or adding."""
    table = {
        "id": f'"{concept_id}"',
        "area": '"offences"',
        "pref": f'"{concept_id} concept"',
        "note": '"An invented concept."',
        **fields,
    }
    lines = [f"{field} = {value}" for field, value in table.items() if value]
    return "[[concept]]\n" + "\n".join(lines) + "\n"


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ThesaurusError) as raised:
        load_thesaurus(write(tmp_path, text))
    return str(raised.value)


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return load_thesaurus()


# --- the real thesaurus -----------------------------------------------------------------


def test_the_real_thesaurus_covers_every_area_of_the_field(thesaurus: Thesaurus) -> None:
    assert thesaurus.version >= 1
    assert len(thesaurus) >= 150
    counts = {area: len(thesaurus.in_area(area)) for area in AREAS}
    assert all(counts.values()), counts
    assert sum(counts.values()) == len(thesaurus)


def test_every_concept_has_its_fields(thesaurus: Thesaurus) -> None:
    for each in thesaurus:
        assert each.pref and each.note, each.id
        assert "\n" not in each.note, each.id
        assert each.related, f"{each.id} relates to nothing"


def test_every_related_id_exists(thesaurus: Thesaurus) -> None:
    for each in thesaurus:
        assert set(each.related) <= set(thesaurus.concepts), each.id


def test_no_label_belongs_to_two_concepts(thesaurus: Thesaurus) -> None:
    owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for each in thesaurus:
        for label in each.labels:
            owners[label_key(label)].add(each.id)
    shared = {key: ids for key, ids in owners.items() if len(ids) > 1}
    assert not shared


def test_everyday_words_lead_to_their_concepts(thesaurus: Thesaurus) -> None:
    found = {word: getattr(thesaurus.lookup(word), "id", None) for word in EVERYDAY_WORDS}
    assert found == EVERYDAY_WORDS


def test_an_everyday_word_expands_to_the_instruments_term(thesaurus: Thesaurus) -> None:
    cracking = thesaurus.lookup("cracking")
    assert cracking is not None
    assert "illegal access" in thesaurus.expansions(cracking.id)
    assert "coe-ets-185.art-2" in cracking.articles
    freeze = thesaurus.lookup("Quick-Freeze")
    assert freeze is not None
    assert "expedited preservation of stored computer data" in thesaurus.expansions(freeze.id)


def test_articles_exist_in_the_mirror(mirror_settings: Settings, thesaurus: Thesaurus) -> None:
    corpus = Library(mirror_settings.index_root).snapshot().corpus
    missing = []
    for each in thesaurus:
        for article in each.articles:
            try:
                corpus.passage(article)
            except KeyError:
                missing.append(f"{each.id}: {article}")
    assert not missing


def test_settings_point_at_the_real_thesaurus() -> None:
    assert Settings().thesaurus == DEFAULT_THESAURUS
    assert Settings.from_env({}).thesaurus == DEFAULT_THESAURUS
    elsewhere = Settings.from_env({"KB_THESAURUS": "/elsewhere.toml"})
    assert elsewhere.thesaurus == Path("/elsewhere.toml")


# --- lookups, on an invented file --------------------------------------------------------


def test_labels_meet_whatever_their_case_spacing_and_hyphens(tmp_path: Path) -> None:
    small = load_thesaurus(write(tmp_path, VALID))
    for typed in ("quick freeze", "Quick-Freeze", "  QUICK   freeze ", "quick freezes"):
        found = small.lookup(typed)
        assert found is not None and found.id == "quick-freeze", typed
    assert small.lookup("expedited preservation") == small["quick-freeze"]
    assert small.lookup_key(("quick", "freez")) == small["quick-freeze"]
    assert small.lookup("freeze") is None
    assert small.longest_label == 2


def test_lookup_by_id(tmp_path: Path) -> None:
    small = load_thesaurus(write(tmp_path, VALID))
    assert small.get("retention") is small["retention"]
    assert small.get("nothing") is None
    assert "retention" in small and "nothing" not in small
    assert [c.id for c in small] == ["quick-freeze", "retention"]


def test_expansions_are_pref_alt_and_instrument_terms_once_each(tmp_path: Path) -> None:
    small = load_thesaurus(write(tmp_path, VALID))
    assert small.expansions("quick-freeze") == (
        "expedited preservation",
        "quick freeze",
        "data preservation",
        "expedited preservation of stored computer data",
        "preservation",
    )
    # "Data Retention" is "data retention" again; only the first spelling is kept.
    assert small.expansions("retention") == (
        "data retention",
        "mandatory retention",
        "preservation",
    )


def test_related_is_read_both_ways_and_instrument_terms_may_be_shared(tmp_path: Path) -> None:
    small = load_thesaurus(write(tmp_path, VALID))
    assert small.related("quick-freeze") == (small["retention"],)
    assert small.related("retention") == (small["quick-freeze"],)
    assert small.with_instrument_term("Preservation") == (small["quick-freeze"], small["retention"])
    assert small.with_instrument_term("seizure") == ()


def test_the_thesaurus_cannot_be_changed(tmp_path: Path) -> None:
    small = load_thesaurus(write(tmp_path, VALID))
    with pytest.raises(TypeError):
        small.concepts["new"] = small["retention"]  # type: ignore[index]
    with pytest.raises(TypeError):
        small.label_keys[("x",)] = "retention"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        small["retention"].pref = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        small.version = 2  # type: ignore[misc]


def test_to_json_keeps_every_field(tmp_path: Path) -> None:
    small = load_thesaurus(write(tmp_path, VALID))
    data = small.to_json()
    assert data["version"] == 1
    assert data["concepts"][0]["articles"] == ["coe-ets-185.art-16", "coe-ets-185.art-29"]
    assert data["concepts"][1]["articles"] == []


# --- every error names the concept and the field -----------------------------------------


def test_an_unknown_concept_field_is_named(tmp_path: Path) -> None:
    message = error_of(tmp_path, "version = 1\n" + concept("alpha", alts='["x"]'))
    assert "concept 'alpha' (#1)" in message and "field 'alts'" in message
    assert "unknown field" in message


def test_an_unknown_top_level_field_is_named(tmp_path: Path) -> None:
    message = error_of(tmp_path, 'version = 1\nthemes = "x"\n' + concept("alpha"))
    assert "field 'themes': unknown field" in message


def test_a_missing_pref_is_named(tmp_path: Path) -> None:
    message = error_of(tmp_path, "version = 1\n" + concept("alpha") + concept("beta", pref=""))
    assert "concept 'beta' (#2), field 'pref'" in message and "missing" in message


def test_a_related_id_that_does_not_exist_is_named(tmp_path: Path) -> None:
    message = error_of(
        tmp_path, "version = 1\n" + concept("alpha", related='["beta", "ghost"]') + concept("beta")
    )
    assert "concept 'alpha' (#1), field 'related'" in message and "'ghost'" in message


def test_a_concept_related_to_itself_is_refused(tmp_path: Path) -> None:
    message = error_of(tmp_path, "version = 1\n" + concept("alpha", related='["alpha"]'))
    assert "concept 'alpha' (#1), field 'related'" in message


@pytest.mark.parametrize(
    "article",
    [
        "ETS 185 Art. 2",
        "coe-ets-185",
        "coe-ets-185.art-",
        "coe-ets-185.preamble",
        "Art. 2",
    ],
)
def test_an_article_that_is_not_a_passage_id_is_named(tmp_path: Path, article: str) -> None:
    message = error_of(tmp_path, "version = 1\n" + concept("alpha", articles=f'["{article}"]'))
    assert "concept 'alpha' (#1), field 'articles'" in message and repr(article) in message


def test_articles_of_a_second_instrument_in_a_file_are_passage_ids(tmp_path: Path) -> None:
    text = "version = 1\n" + concept(
        "alpha", articles='["un-iccpr.op1-art-2", "coe-ets-005.art-8"]'
    )
    assert load_thesaurus(write(tmp_path, text))["alpha"].articles[0] == "un-iccpr.op1-art-2"


def test_a_label_claimed_by_two_concepts_names_both(tmp_path: Path) -> None:
    text = (
        "version = 1\n"
        + concept("alpha", alt='["quick freeze"]')
        + concept("beta", alt='["Quick-Freezes"]')
    )
    message = error_of(tmp_path, text)
    assert "concept 'beta' (#2), field 'alt'" in message
    assert "'Quick-Freezes' is already a label of concept 'alpha' (as 'quick freeze')" in message


def test_a_pref_equal_to_another_concepts_label_is_refused(tmp_path: Path) -> None:
    text = "version = 1\n" + concept("alpha", alt='["hacking"]') + concept("beta", pref='"Hacking"')
    assert "concept 'beta' (#2), field 'pref'" in error_of(tmp_path, text)


def test_duplicate_ids_are_named(tmp_path: Path) -> None:
    message = error_of(
        tmp_path, "version = 1\n" + concept("alpha") + concept("beta") + concept("alpha")
    )
    assert "concept 'alpha' (#3), field 'id'" in message and "first as concept #1" in message


@pytest.mark.parametrize("field", ["alt", "instrument_terms"])
def test_a_phrase_of_stop_words_only_is_refused(tmp_path: Path, field: str) -> None:
    message = error_of(tmp_path, "version = 1\n" + concept("alpha", **{field: '["IT"]'}))
    assert f"concept 'alpha' (#1), field '{field}'" in message and "'IT'" in message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id": '"Bad Id"'}, "id"),
        ({"area": '"weather"'}, "area"),
        ({"note": ""}, "note"),
        ({"alt": '"hacking"'}, "alt"),
        ({"related": '["alpha", 3]'}, "related"),
        ({"instrument_terms": '[""]'}, "instrument_terms"),
    ],
)
def test_a_malformed_field_is_named(tmp_path: Path, fields: dict[str, str], field: str) -> None:
    message = error_of(tmp_path, "version = 1\n" + concept("alpha", **fields))
    assert f"field '{field}'" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "field 'version'"),
        ('version = "1"\n', "field 'version'"),
        ("version = 1\n", "no [[concept]] entries"),
        ("version = 1\n[[concept\n", "not valid TOML"),
        ("version = 1\nconcept = [1]\n", "concept #1 is not a table"),
    ],
)
def test_a_malformed_file_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error_of(tmp_path, text)


def test_a_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such thesaurus file"):
        load_thesaurus(tmp_path / "absent.toml")
