"""The views (kb/web/views.py): what each resource gathers for its page and its JSON twin.

On an invented corpus published straight into an index: the Tide Charter, whose
Article 1 defines two terms that its Articles 2 and 3 use and cite, the Reef Protocol,
which cites the Charter's Article 2, and a declaration known by its metadata only.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kb.config import SearchLimits
from kb.ingest.pipeline import ingest
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage
from kb.search import InvalidRequest, Library, SearchRequest, Snapshot, search
from kb.search.request import MAX_DEPTH
from kb.web import views
from kb.web.params import MAX_BRIEF
from kb.web.views import Located, Unknown
from tests.worlds import make_source
from tests.worlds.mirror import DECLARATION, PROPOSAL, TREATY, invented_world
from tests.worlds.published import write_generation, write_themes

CHARTER, REEF, GULLS = "tide-charter", "reef-protocol", "gull-declaration"
TERMS = (
    "For the purposes of this Charter:\n\n"
    'a) "tide table" means a list of the hours of high and low water at a pier;\n\n'
    'b) "harbour master" means the officer who keeps the records of a port.'
)


def article(number: int, heading: str, text: str) -> Passage:
    return Passage(f"art-{number}", f"Article {number} – {heading}", text, ("Chapter I",))


def tide_charter() -> Document:
    source = make_source(
        CHARTER, title="Charter on Tide Tables", short_title="Tide Charter", citation="Tide Charter"
    )
    passages = [
        article(1, "Use of terms", TERMS),
        article(2, "Tide tables", "Each port shall publish its tide table, as in Article 1."),
        article(3, "Masters", "The harbour master shall check the tide table, under Article 2."),
    ]
    return Document(source, STATUS_TEXT, passages, retrieved_at="2024-05-01T10:00:00Z")


def reef_protocol() -> Document:
    source = make_source(
        REEF,
        title="Protocol on Reef Markers",
        short_title="Reef Protocol",
        citation="Reef Protocol",
    )
    text = "Markers shall be checked against the tide table of Article 2 of the Tide Charter."
    return Document(source, STATUS_TEXT, [article(1, "Markers", text)])


def gull_declaration() -> Document:
    source = make_source(GULLS, kind="declaration", title="Declaration on Gulls")
    return Document(source, STATUS_METADATA_ONLY, [])


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("views")
    write_generation(root / "index", [tide_charter(), reef_protocol(), gull_declaration()])
    return Library(root / "index", write_themes(root / "themes"))


@pytest.fixture(scope="module")
def snap(library: Library) -> Snapshot:
    return library.snapshot()


# Documents and passages ---------------------------------------------------------------


def test_a_document_view_holds_the_document(snap: Snapshot) -> None:
    view = views.document_view(snap, CHARTER)
    assert view.document is snap.documents[CHARTER]


def test_an_unknown_document_is_unknown_by_kind_and_id(snap: Snapshot) -> None:
    with pytest.raises(Unknown) as raised:
        views.document_view(snap, "nope")
    assert (raised.value.kind, raised.value.asked) == ("document", "nope")
    assert str(raised.value) == "no document with id 'nope'"


def test_a_passage_view_has_its_place_in_its_document(snap: Snapshot) -> None:
    middle = views.passage_view(snap, f"{CHARTER}.art-2")
    assert middle.at.id == f"{CHARTER}.art-2"
    assert middle.position == 1
    assert middle.previous is not None and middle.previous.id == f"{CHARTER}.art-1"
    assert middle.next is not None and middle.next.id == f"{CHARTER}.art-3"
    first, last = (
        views.passage_view(snap, f"{CHARTER}.art-1"),
        views.passage_view(snap, f"{REEF}.art-1"),
    )
    assert first.position == 0 and first.previous is None
    assert last.previous is None and last.next is None


def test_a_passage_view_has_what_the_corpus_says_of_it(snap: Snapshot) -> None:
    terms = views.passage_view(snap, f"{CHARTER}.art-1")
    assert [d.definition.term for d in terms.defines] == ["tide table", "harbour master"]
    assert {d.at.id for d in terms.defines} == {f"{CHARTER}.art-1"}
    assert terms.definitions == ()  # the terms it defines are not "used" here
    assert [c.id for c in terms.cited_by] == [f"{CHARTER}.art-2"]

    tables = views.passage_view(snap, f"{CHARTER}.art-2")
    assert tables.defines == ()
    assert [(d.definition.term, d.at.id) for d in tables.definitions] == [
        ("tide table", f"{CHARTER}.art-1")
    ]
    assert [(r.text, r.target) for r in tables.references] == [("Article 1", f"{CHARTER}.art-1")]
    assert [c.id for c in tables.cited_by] == [f"{CHARTER}.art-3", f"{REEF}.art-1"]


def test_an_unknown_passage_is_unknown(snap: Snapshot) -> None:
    for passage_id in ("nope", f"{CHARTER}.art-9", f"{CHARTER}.about", "nope.art-1"):
        with pytest.raises(Unknown) as raised:
            views.passage_view(snap, passage_id)
        assert (raised.value.kind, raised.value.asked) == ("passage", passage_id)


def test_a_metadata_only_hit_is_located_as_its_document(snap: Snapshot) -> None:
    """Search finds the declaration by its title, as ``<id>.about``: it opens too."""
    assert f"{GULLS}.about" in [hit.id for hit in search(snap, SearchRequest(q="gulls")).hits]
    view = views.passage_view(snap, f"{GULLS}.about")
    document, about = snap.documents[GULLS], snap.documents[GULLS].about
    assert about is not None and view.at == Located(document, about)
    assert (view.at.id, view.at.citation) == (f"{GULLS}.about", document.source.citation)
    assert (view.position, view.previous, view.next) == (0, None, None)
    assert view.defines == view.definitions == view.references == view.cited_by == ()
    brief = views.brief_view(snap, (f"{GULLS}.about", f"{REEF}.art-1"))
    assert [at.id for at in brief.passages] == [f"{GULLS}.about", f"{REEF}.art-1"]
    assert brief.unknown == ()


def test_a_located_passage_has_its_id_and_citation(snap: Snapshot) -> None:
    found = views.locate(snap, f"{REEF}.art-1")
    document = snap.documents[REEF]
    assert found == Located(document, document.passages[0])
    assert found.id == f"{REEF}.art-1"
    assert found.citation == "Reef Protocol, Article 1 – Markers"


# Search and export ---------------------------------------------------------------------


def test_a_search_view_is_the_search_and_where_it_goes_on(snap: Snapshot) -> None:
    wanted = SearchRequest(q="tide", per_page=2)
    view = views.search_view(snap, wanted)
    assert view.request == wanted
    assert [h.id for h in view.result.hits] == [h.id for h in search(snap, wanted).hits]
    assert view.result.pages == 2 and view.next_page == 2
    assert views.search_view(snap, replace(wanted, page=2)).next_page is None


@pytest.mark.parametrize(
    ("page", "per_page", "pages", "following"),
    [
        (1, 10, 1, None),  # the only page
        (1, 10, 3, 2),
        (3, 10, 3, None),  # the last page
        (7, 10, 3, None),  # past the last page
        (99, 100, 500, 100),  # the next page ends at MAX_DEPTH
        (100, 100, 500, None),  # ... and the one after would pass it
    ],
)
def test_the_next_page_is_one_within_the_results_and_the_depth(
    page: int, per_page: int, pages: int, following: int | None
) -> None:
    assert MAX_DEPTH == 10_000
    assert views.next_page(page, per_page, pages) == following


def test_an_export_view_walks_every_page_in_order(snap: Snapshot) -> None:
    wanted = SearchRequest(q="tide OR markers")
    everything = search(snap, replace(wanted, per_page=100))
    view = views.export_view(snap, replace(wanted, page=3, per_page=1), SearchLimits())
    assert [h.id for h in view.hits] == [h.id for h in everything.hits]
    assert view.total == everything.total == 4


def test_an_export_view_stops_at_its_cap(snap: Snapshot) -> None:
    limits = SearchLimits(export_hits=3, export_page=2)
    view = views.export_view(snap, SearchRequest(), limits)
    assert len(view.hits) == 3
    assert view.total == 5  # every passage and the declaration's record


# Comparing and the brief ---------------------------------------------------------------


def test_a_compare_view_is_the_comparison_with_its_column_size(snap: Snapshot) -> None:
    view = views.compare_view(snap, SearchRequest(q="tide table"), per_column=1)
    assert view.per_column == 1
    columns = {column.key: column for column in view.comparison.columns}
    assert len(columns[CHARTER].hits) == 1 and columns[CHARTER].total == 3
    assert [d.id for d in view.comparison.not_held] == [GULLS]
    assert views.compare_view(snap, SearchRequest(q="tide")).per_column == 3


def test_a_compare_view_needs_words_or_a_theme(snap: Snapshot) -> None:
    with pytest.raises(InvalidRequest):
        views.compare_view(snap, SearchRequest())


def test_a_brief_view_keeps_the_order_asked_and_names_what_it_left_out(snap: Snapshot) -> None:
    asked = (f"{REEF}.art-1", "gone.art-1", f"{CHARTER}.art-2")
    view = views.brief_view(snap, asked)
    assert view.asked == asked
    assert [at.id for at in view.passages] == [f"{REEF}.art-1", f"{CHARTER}.art-2"]
    assert view.unknown == ("gone.art-1",)
    assert view.index_version == snap.version
    assert view.prepared == datetime.now(UTC).date().isoformat()


def test_a_brief_view_holds_at_most_max_brief_passages(snap: Snapshot) -> None:
    asked = (f"{CHARTER}.art-1",) * MAX_BRIEF + ("gone.art-1",)
    view = views.brief_view(snap, asked)
    assert len(view.passages) == MAX_BRIEF
    assert view.unknown == ()  # past the cap: not looked up
    assert views.brief_view(snap, ()).passages == ()


# Sources and themes ---------------------------------------------------------------------


def test_a_sources_view_has_every_source_of_the_manifest(tmp_path: Path) -> None:
    settings = invented_world(tmp_path)
    ingest(settings)
    view = views.sources_view(Library(settings.index_root), settings)
    by_id = {entry["source"].id: entry for entry in view.entries}
    assert list(by_id) == [TREATY, PROPOSAL, DECLARATION]
    assert by_id[TREATY]["holds"] == "text" and by_id[TREATY]["passages"] == 5
    assert by_id[DECLARATION]["holds"] == STATUS_METADATA_ONLY


def test_a_sources_view_before_any_ingest_holds_nothing(tmp_path: Path) -> None:
    settings = invented_world(tmp_path)
    view = views.sources_view(Library(settings.index_root), settings)
    assert {entry["holds"] for entry in view.entries} == {"not indexed"}


def test_a_themes_view_has_the_vocabulary_s_themes_in_order(library: Library) -> None:
    view = views.themes_view(library)
    assert view.vocabulary is library.vocabulary
    assert [theme.id for theme in view.themes] == ["mla", "cross-border"]
