"""The themes vocabulary (kb/search/themes.py and corpus/themes.toml): loaded and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.config import DEFAULT_THEMES, Settings
from kb.ingest.errors import ConfigError
from kb.models import STATUS_TEXT, Document, Passage
from kb.search import Library, SearchRequest, Snapshot, search
from kb.search.compare import compare
from kb.search.themes import Theme, ThemesError, Vocabulary, load_themes
from kb.search.thesaurus import load_thesaurus
from tests.worlds import make_source
from tests.worlds.published import make_documents, write_generation, write_thesaurus

REQUIRED_IDS = (
    "jurisdiction",
    "safeguards",
    "data-protection",
    "mla",
    "cross-border-access",
    "subscriber-information",
    "preservation",
    "emergency-disclosure",
    "service-providers",
    "free-flow",
)

VALID_THEME = """
[[theme]]
id = "mla"
label = "Mutual legal assistance"
description = "States helping each other gather evidence."
synonyms = [["mutual assistance", "MLA"]]
related = ["letters rogatory"]
"""


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return load_themes()


def group_with(theme: Theme, phrase: str) -> tuple[str, ...]:
    """The theme's synonym group that holds ``phrase``."""
    return next(group for group in theme.synonyms if phrase in group)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "themes.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the real vocabulary ---------------------------------------------------------------


def test_the_real_vocabulary_loads_with_the_required_themes(vocabulary: Vocabulary) -> None:
    assert vocabulary.version >= 1
    assert set(REQUIRED_IDS) <= set(vocabulary.themes)
    for theme_id in REQUIRED_IDS:
        theme = vocabulary.get(theme_id)
        assert theme is not None and theme.id == theme_id
        assert theme.label.strip() and theme.description.strip()
        assert theme.synonyms, f"{theme_id} has no synonym group"


def test_settings_point_at_the_real_vocabulary() -> None:
    assert Settings().themes == DEFAULT_THEMES
    assert Settings.from_env({}).themes == DEFAULT_THEMES
    assert Settings.from_env({"KB_THEMES": "/elsewhere.toml"}).themes == Path("/elsewhere.toml")


def test_mutual_assistance_group_holds_its_abbreviations(vocabulary: Vocabulary) -> None:
    group = group_with(vocabulary.themes["mla"], "mutual legal assistance")
    assert {"mutual assistance", "MLA", "MLAT"} <= set(group)
    assert "letters rogatory" in vocabulary.themes["mla"].related
    assert "letters rogatory" not in group


def test_cross_border_group_holds_every_spelling(vocabulary: Vocabulary) -> None:
    group = group_with(vocabulary.themes["cross-border-access"], "cross-border")
    assert {"cross border", "trans-border", "transborder", "trans border"} <= set(group)


def test_british_and_american_spellings_are_equivalent(vocabulary: Vocabulary) -> None:
    groups = [set(group) for group in vocabulary.synonym_groups()]
    assert any({"data localisation", "data localization"} <= group for group in groups)
    assert any({"authorisation", "authorization"} <= group for group in groups)


def test_ids_are_slugs_and_labels_are_distinct(vocabulary: Vocabulary) -> None:
    assert all(theme.id == theme_id for theme_id, theme in vocabulary.themes.items())
    labels = [theme.label.casefold() for theme in vocabulary.themes.values()]
    assert len(labels) == len(set(labels))


def test_vocabulary_as_json(vocabulary: Vocabulary) -> None:
    data = vocabulary.to_json()
    assert [entry["id"] for entry in data] == list(vocabulary.themes)
    mla = next(entry for entry in data if entry["id"] == "mla")
    assert set(mla) == {"id", "label", "description", "synonyms", "related", "concepts"}
    assert isinstance(mla["synonyms"][0], list) and isinstance(mla["related"], list)


def test_synonym_groups_gathers_all_groups(vocabulary: Vocabulary) -> None:
    expected = sum(len(theme.synonyms) for theme in vocabulary.themes.values())
    assert len(vocabulary.synonym_groups()) == expected


def test_unknown_theme_is_none(vocabulary: Vocabulary) -> None:
    assert vocabulary.get("no-such-theme") is None


# --- the real vocabulary on an invented world ---------------------------------------------

BEACONS, SHIPS = "beacon-convention", "ship-protocol"
# Two invented treaties: where an offence may be judged (Articles 7 and 3), and the final
# clause naming the territories each applies to, which says "territory" far more often.
TERRITORIAL_APPLICATION = (
    "Any State may, when signing, specify the territory or territories to which this "
    "instrument shall apply. Any Party may later extend it to any other territory named "
    "in a declaration, and for such territory it shall enter into force three months later."
)


def jurisdiction_world() -> list[Document]:
    beacons = make_source(BEACONS, title="Convention on Beacon Keeping", short_title="Beacons")
    ships = make_source(SHIPS, title="Protocol on Passing Ships", short_title="Ships")
    return [
        Document(
            beacons,
            STATUS_TEXT,
            [
                Passage(
                    "art-1",
                    "Article 1 – Dimming a beacon",
                    "Each Party shall make it an offence to dim a beacon without right.",
                ),
                Passage(
                    "art-7",
                    "Article 7 – Jurisdiction",
                    "Each Party shall establish "
                    "jurisdiction over the offence of Article 1 when it is committed in "
                    "its territory or on board a ship flying its flag.",
                ),
                Passage("art-12", "Article 12 – Territorial application", TERRITORIAL_APPLICATION),
            ],
        ),
        Document(
            ships,
            STATUS_TEXT,
            [
                Passage(
                    "art-3",
                    "Article 3 – Conflicting laws",
                    "Where two Parties' laws impose "
                    "conflicting legal obligations on a ship's master, they shall consult.",
                ),
                Passage("art-9", "Article 9 – Territorial application", TERRITORIAL_APPLICATION),
            ],
        ),
    ]


@pytest.fixture(scope="module")
def jurisdiction_snapshot(
    tmp_path_factory: pytest.TempPathFactory, vocabulary: Vocabulary
) -> Snapshot:
    root = tmp_path_factory.mktemp("jurisdiction")
    write_generation(root, jurisdiction_world())
    return Library(root, vocabulary).snapshot()


def test_the_jurisdiction_theme_puts_jurisdiction_before_territorial_application(
    jurisdiction_snapshot: Snapshot,
) -> None:
    """A treaty's "Territorial application" clause says where it applies: it is not about
    jurisdiction, and must not rank above the provisions that are."""
    found = search(jurisdiction_snapshot, SearchRequest(theme="jurisdiction"))
    ids = [hit.id for hit in found.hits]
    assert set(ids[:2]) == {f"{BEACONS}.art-7", f"{SHIPS}.art-3"}
    assert f"{BEACONS}.art-12" not in ids and f"{SHIPS}.art-9" not in ids
    columns = compare(jurisdiction_snapshot, SearchRequest(theme="jurisdiction")).columns
    assert [column.hits[0].id for column in columns] == [f"{BEACONS}.art-7", f"{SHIPS}.art-3"]


def test_real_jurisdiction_theme_ranks_no_territorial_application_clause(
    mirror_settings: Settings,
) -> None:
    snapshot = Library.of(mirror_settings).snapshot()
    found = search(snapshot, SearchRequest(theme="jurisdiction", per_page=100))
    assert found.hits[0].id == "coe-ets-185.art-22"
    headings = [hit.passage.label for hit in found.hits if hit.passage]
    assert not [h for h in headings if "Territorial" in h]
    columns = compare(snapshot, SearchRequest(theme="jurisdiction")).columns
    firsts = [column.hits[0].passage for column in columns if column.hits]
    assert not [p.label for p in firsts if p and "Territorial" in p.label]


# --- terms ------------------------------------------------------------------------------


def test_terms_are_deduplicated_case_insensitively_in_order() -> None:
    theme = Theme(
        id="mla",
        label="MLA",
        description="States helping each other.",
        synonyms=(("mutual assistance", "mla"), ("MLAT", "MLATs")),
        related=("Mutual Assistance", "letters rogatory", "mlat"),
    )
    assert theme.terms == ("MLA", "mutual assistance", "MLAT", "MLATs", "letters rogatory")


def test_a_minimal_valid_file_loads(tmp_path: Path) -> None:
    vocabulary = load_themes(write(tmp_path, "version = 2\n" + VALID_THEME))
    assert vocabulary.version == 2
    assert vocabulary.themes["mla"].synonyms == (("mutual assistance", "MLA"),)
    assert vocabulary.themes["mla"].related == ("letters rogatory",)


# --- what is rejected -------------------------------------------------------------------


def test_errors_are_configuration_errors() -> None:
    assert issubclass(ThemesError, ConfigError)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(ThemesError, match="no such themes file") as caught:
        load_themes(path)
    assert str(path) in str(caught.value)


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "version = 1\n[[theme]\nid = 'x'\n")
    with pytest.raises(ThemesError, match="not valid TOML") as caught:
        load_themes(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("version", ["0", "-1", '"1"', "true", "1.5"])
def test_bad_version(tmp_path: Path, version: str) -> None:
    with pytest.raises(ThemesError, match="field 'version'"):
        load_themes(write(tmp_path, f"version = {version}\n" + VALID_THEME))


def test_missing_version(tmp_path: Path) -> None:
    with pytest.raises(ThemesError, match="field 'version'"):
        load_themes(write(tmp_path, VALID_THEME))


def test_no_themes(tmp_path: Path) -> None:
    with pytest.raises(ThemesError, match=r"no \[\[theme\]\] entries"):
        load_themes(write(tmp_path, "version = 1\n"))


def test_duplicate_id(tmp_path: Path) -> None:
    with pytest.raises(ThemesError, match=r"theme 'mla' \(#2\), field 'id': appears twice"):
        load_themes(write(tmp_path, "version = 1\n" + VALID_THEME + VALID_THEME))


def test_unknown_theme_key(tmp_path: Path) -> None:
    text = "version = 1\n" + VALID_THEME.replace("related =", "relatd =")
    with pytest.raises(ThemesError, match=r"theme 'mla' \(#1\), field 'relatd': unknown field"):
        load_themes(write(tmp_path, text))


def test_unknown_top_level_key(tmp_path: Path) -> None:
    with pytest.raises(ThemesError, match="field 'versions': unknown field"):
        load_themes(write(tmp_path, "version = 1\nversions = 2\n" + VALID_THEME))


def test_synonym_group_of_one(tmp_path: Path) -> None:
    text = "version = 1\n" + VALID_THEME.replace('["mutual assistance", "MLA"]', '["MLA"]')
    with pytest.raises(
        ThemesError, match=r"theme 'mla' \(#1\), field 'synonyms': group #1 needs at least two"
    ):
        load_themes(write(tmp_path, text))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("synonyms", '["mutual assistance", "MLA"]'),
        ("synonyms", '[["mutual assistance", ""]]'),
        ("synonyms", '[["mutual assistance", 3]]'),
        ("related", '"letters rogatory"'),
        ("related", '["  "]'),
        ("label", '""'),
        ("description", "1"),
    ],
)
def test_badly_typed_fields(tmp_path: Path, field: str, value: str) -> None:
    lines = [line for line in VALID_THEME.splitlines() if not line.startswith(f"{field} =")]
    text = "version = 1\n" + "\n".join([*lines, f"{field} = {value}"]) + "\n"
    with pytest.raises(ThemesError, match=rf"theme 'mla' \(#1\), field '{field}'"):
        load_themes(write(tmp_path, text))


def test_missing_id_names_the_theme_by_number(tmp_path: Path) -> None:
    text = "version = 1\n" + VALID_THEME.replace('id = "mla"\n', "")
    with pytest.raises(ThemesError, match=r"theme #1, field 'id': missing"):
        load_themes(write(tmp_path, text))


@pytest.mark.parametrize("bad_id", ["MLA", "mutual assistance", "-mla", "mla_2"])
def test_id_must_be_a_slug(tmp_path: Path, bad_id: str) -> None:
    text = "version = 1\n" + VALID_THEME.replace('id = "mla"', f'id = "{bad_id}"')
    with pytest.raises(ThemesError, match="field 'id': use lower-case"):
        load_themes(write(tmp_path, text))


# --- themes signalled by thesaurus concepts ---------------------------------------------------

CALM_THEME = """
version = 1

[[theme]]
id = "calm"
label = "Calm"
description = "Keeping the towers quiet."
related = ["storms"]
concepts = ["calm"]
"""


def test_every_theme_of_the_real_vocabulary_names_real_concepts(vocabulary: Vocabulary) -> None:
    thesaurus = load_thesaurus()
    resolved = vocabulary.with_concepts(thesaurus)
    jurisdiction = resolved.themes["jurisdiction"]
    assert "jurisdiction" in jurisdiction.concepts
    assert set(thesaurus.expansions("extraterritoriality")) <= set(jurisdiction.terms)


def test_a_themes_concepts_join_its_phrases(tmp_path: Path) -> None:
    themes = load_themes(write(tmp_path, CALM_THEME))
    assert themes.themes["calm"].terms == ("Calm", "storms")  # not read yet
    calm = themes.with_concepts(write_thesaurus(tmp_path / "thesaurus")).themes["calm"]
    assert calm.terms == (
        "Calm",
        "storms",
        "calm at night",
        "hush",
        "noise curfew",
        "quietude",
        "quiet hours",
    )
    assert calm.to_json()["concepts"] == ["calm"]


def test_an_unknown_concept_is_named(tmp_path: Path) -> None:
    themes = load_themes(write(tmp_path, CALM_THEME.replace('["calm"]', '["nowhere"]')))
    with pytest.raises(ThemesError, match=r"theme 'calm', field 'concepts': .*'nowhere'"):
        themes.with_concepts(write_thesaurus(tmp_path / "thesaurus"))


def test_a_theme_finds_what_its_concepts_instruments_say(tmp_path: Path) -> None:
    root = tmp_path / "index"
    write_generation(root, make_documents())
    themes = load_themes(write(tmp_path, CALM_THEME))
    library = Library(root, themes, thesaurus=write_thesaurus(tmp_path / "thesaurus"))
    result = search(library.snapshot(), SearchRequest(theme="calm", per_page=50))
    found = {hit.id for hit in result.hits}
    # "quiet hours" (Harbour Treaty Article 3) is the concept's, not the theme's own
    assert {"harbour-treaty.art-3", "lantern-convention.art-2"} <= found
