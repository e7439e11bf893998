"""The OpenAPI 3 description of the JSON API: the contract the tests hold the API to."""

from __future__ import annotations

from typing import Any

from kb import __version__
from kb.config import SearchLimits
from kb.models import KIND_LABELS
from kb.search.compare import MAX_PER_COLUMN, PER_COLUMN
from kb.search.explain import FIELD_NAMES, HOWS
from kb.search.request import DEFAULT_PER_PAGE, MAX_PER_PAGE, SORTS, YEARS
from kb.web.limits import (
    LIMIT_REQUEST_FIELD_SIZE,
    LIMIT_REQUEST_FIELDS,
    LIMIT_REQUEST_LINE,
    MAX_Q_CHARS,
    MAX_TARGET_BYTES,
)
from kb.web.params import BRIEF_FORMATS, EXPORT_FORMATS, MAX_BRIEF, NO, PAGING, YES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


STRING = {"type": "string"}
YEAR_PATTERN = rf"^\s*{YEARS}\s*$"  # as kb.search.request.read_years reads it
NULLABLE_STRING = {"type": ["string", "null"]}
INTEGER = {"type": "integer"}
STRINGS = {"type": "array", "items": STRING}
COUNTS = {"type": "object", "additionalProperties": INTEGER}
TRUE = {"type": "boolean", "enum": [True]}


def _any_case(words: tuple[str, ...]) -> str:
    """A pattern matching any of ``words`` in any case ("[Tt][Rr][Uu][Ee]")."""
    spelt = ("".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in w) for w in words)
    return f"^(?:{'|'.join(spelt)})$"


# A yes/no parameter, read by kb.web.params.flag: these words in any case.
FLAG = {"type": "string", "pattern": _any_case((*YES, *NO)), "default": "false"}
RANKING = (
    "With sort=relevance (the default) hits come in groups, each before the next, and by "
    "score only within a group, so a later hit may score higher than an earlier one: "
    '(1) the articles the query names ("Article 15"), in document order; (2) the '
    'definitions of the term the query is ("traffic data"); (3) passages with text '
    "before headings whose text the source does not give; (4) passages of the kinds the "
    'query\'s kind words name ("session", "treaty"); (5) passages holding more of '
    "the query's words or concepts (mode any); (6) passages of the instrument the query "
    'names ("Budapest Convention safeguards"); (7) passages holding the words typed '
    "together as a phrase; then score, highest first; ties in document order. The first "
    "page then shows at most two passages of a document, unless the search is limited to "
    "one source; the others follow it (collapsed counts them). "
    "year_desc and year_asc order by year first, then as relevance does. A query that "
    "only names an instrument, and a filter alone, browse in document order (score 0); "
    "a theme alone ranks by the theme's score."
)
SCORE = (
    "How well the passage's words match the query: BM25F over its fields and its "
    "document's (title, aliases, people), a theme's phrases added; a document known only "
    "by its metadata counts half. Comparable within one answer only. " + RANKING
)


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "A parameter cannot be used (its name is in the message)."),
    "414": _json(
        _ref("Error"),
        f"The path and query string are over {MAX_TARGET_BYTES:,} bytes, or q is over "
        f"{MAX_Q_CHARS:,} characters.",
    ),
    "404": _json(_ref("Error"), "No such document, passage or path."),
    "503": _json(_ref("Error"), "No index has been published yet."),
}


def _id_parameter(name: str, example: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": STRING, "example": example}


def _query_parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _text(media_type: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": STRING}}}


Q_PARAMETER = _query_parameter(
    "q",
    STRING,
    'The query: words, "phrases", AND/OR/NOT, -word, prefix*, '
    "kind:/source:/year:/speaker: filters. Empty with filters browses.",
)
THEME_PARAMETER = _query_parameter("theme", STRING, "Filter by and boost a theme of /api/themes.")
SEARCH_PARAMETER_OBJECTS = [
    Q_PARAMETER,
    _query_parameter(
        "kind",
        {"type": "string", "enum": list(KIND_LABELS)},
        "Only this kind of document (repeat or comma-separate for several).",
    ),
    _query_parameter("source", STRING, "Only this source id (repeat or comma-separate)."),
    _query_parameter(
        "year",
        {"type": "string", "pattern": YEAR_PATTERN},
        "A year (2019) or a range (2016-2021). A range given backwards (2021-2016) is "
        "read the other way round, and query.notes says so.",
    ),
    _query_parameter(
        "speaker",
        STRING,
        "Only passages where this person speaks: a transcript's turns, or any passage of a "
        "document without turns (a proposal) that lists the person (organiser, speaker, "
        "moderator, rapporteur). Any part of the name, in any case (Seger).",
    ),
    THEME_PARAMETER,
    _query_parameter("page", {"type": "integer", "minimum": 1, "default": 1}, "Page, from 1."),
    _query_parameter(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        "Results per page; page × per_page is at most 10,000.",
    ),
    _query_parameter(
        "sort",
        {"type": "string", "enum": list(SORTS), "default": "relevance"},
        "Relevance, or year descending / ascending. " + RANKING,
    ),
]

# What the manifest says of a source, in documents and in the sources list alike.
SOURCE_METADATA = {
    "id": STRING,
    "title": STRING,
    "short_title": STRING,
    "aliases": STRINGS,
    "kind": STRING,
    "kind_label": STRING,
    "year": INTEGER,
    "date": NULLABLE_STRING,
    "text_note": {
        "type": ["string", "null"],
        "description": "What the text held is when not the instrument as signed "
        '("Text as amended by ..."); null otherwise. The citation stays the instrument\'s.',
    },
    "citation": STRING,
    "url": STRING,
    "fetch_url": STRING,
}

SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "ok": {"type": "boolean", "enum": [False]},
            "error": _object({"code": STRING, "message": STRING}),
        }
    ),
    "Hit": _object(
        {
            "id": STRING,
            "source": STRING,
            "document": STRING,
            "kind": STRING,
            "year": INTEGER,
            "section": STRING,
            "citation": STRING,
            "url": STRING,
            "score": {"type": "number", "description": SCORE},
            "snippet": {
                "type": "string",
                "description": "HTML: escaped text with <mark> around matches.",
            },
            "matched_terms": STRINGS,
        },
        {
            "path": STRINGS,
            "text_available": {"type": "boolean"},
            "explanation": _ref("Explanation"),
        },
    ),
    "Explanation": _object(
        {
            "summary": {"type": "string", "description": "The reasons in one line, plain text."},
            "reasons": {
                "type": "array",
                "items": _object(
                    {
                        "how": {"type": "string", "enum": list(HOWS)},
                        "query": STRING,
                        "matched": STRINGS,
                        "where": {"type": "array", "items": {"enum": list(FIELD_NAMES)}},
                        "theme": NULLABLE_STRING,
                        "concept": {
                            "type": ["string", "null"],
                            "description": "The thesaurus concept a `thesaurus` reason "
                            "found the passage through (its id), else null.",
                        },
                        "text": STRING,
                    }
                ),
            },
        }
    ),
    "Definition": _object(
        {"term": STRING, "text": STRING, "passage": STRING, "citation": STRING, "url": STRING}
    ),
    "Comparison": _object(
        {
            "ok": TRUE,
            "query": _object(
                {
                    "q": STRING,
                    "theme": NULLABLE_STRING,
                    "read_as": STRING,
                    "notes": STRINGS,
                    "searched_instead": NULLABLE_STRING,
                }
            ),
            "total": INTEGER,
            "columns": {
                "type": "array",
                "items": _object(
                    {
                        "key": STRING,
                        "source": {
                            "type": ["string", "null"],
                            "description": "null for the IGF sessions' column",
                        },
                        "document": STRING,
                        "short_title": STRING,
                        "sources": STRINGS,
                        "total": INTEGER,
                        "passages": {"type": "array", "items": _ref("Hit")},
                    }
                ),
            },
            "not_held": {
                "type": "array",
                "items": _object({"source": STRING, "document": STRING, "url": STRING}),
            },
            "elsewhere": {
                "type": "array",
                "description": "The matches outside the columns, by document: explanatory "
                "reports, documents known only by their metadata. The columns' totals and "
                "these add up to total.",
                "items": _object(
                    {
                        "source": STRING,
                        "document": STRING,
                        "status": {"type": "string", "enum": ["text", "metadata-only"]},
                        "total": INTEGER,
                    }
                ),
            },
        }
    ),
    "BriefEntry": _object(
        {
            "id": STRING,
            "citation": STRING,
            "url": STRING,
            "document": STRING,
            "section": STRING,
            "path": STRINGS,
            "text": STRING,
            "text_available": {"type": "boolean"},
            "retrieved_at": NULLABLE_STRING,
            "text_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "source_sha256": NULLABLE_STRING,
        }
    ),
    "Brief": _object(
        {
            "ok": TRUE,
            "prepared": STRING,
            "index_version": STRING,
            "passages": {"type": "array", "items": _ref("BriefEntry")},
        }
    ),
    "SearchResponse": _object(
        {
            "ok": TRUE,
            "query": _object(
                {
                    "q": STRING,
                    "read_as": STRING,
                    "filters": {
                        "type": "object",
                        "description": "The filters in force: the parameters' and those "
                        "typed in q at its top level (kind:treaty, year:2016..2021; not "
                        "under OR or NOT). Where both set one, what satisfies both: the "
                        "kinds or sources in both, the years in both ranges, every "
                        "speaker named.",
                    },
                },
                {
                    "mode": {"type": "string", "enum": ["all", "any", "boolean", "browse"]},
                    "sort": STRING,
                    "notes": STRINGS,
                    "searched_instead": NULLABLE_STRING,
                    "related": {
                        **STRINGS,
                        "description": "For a query that found nothing and holds no "
                        "misspelling (a real word is never corrected): concepts of the "
                        "thesaurus near the words no passage uses, which the corpus holds, "
                        "by their preferred terms, each a query to try; notes say which "
                        "words no passage uses. Empty otherwise.",
                    },
                },
            ),
            "total": {
                "type": "integer",
                "description": "Every match, exactly. It counts index records: the "
                "passages, and one record for each document known only by its metadata "
                "(<source>.about); so an empty query's total is /api/health's records, "
                "not its passages.",
            },
            "page": INTEGER,
            "per_page": INTEGER,
            "pages": INTEGER,
            "took_ms": {"type": "number"},
            "suggestion": NULLABLE_STRING,
            "results": {"type": "array", "items": _ref("Hit")},
            "facets": _object(
                {"kind": COUNTS, "source": COUNTS, "year": COUNTS}, {"speaker": COUNTS}
            ),
            "collapsed": {
                **COUNTS,
                "description": "On the first page of a search ranked by relevance and not "
                "limited to one source, at most two passages of a document are shown; "
                "the others follow on the next pages. For each document so capped: how "
                "many of its passages come after the first page (source id -> count). "
                "Search with source=<id> to see them all.",
            },
            "next_url": NULLABLE_STRING,
        }
    ),
    "Passage": _object(
        {
            "id": STRING,
            "anchor": STRING,
            "section": STRING,
            "path": STRINGS,
            "text": STRING,
            "text_available": {"type": "boolean"},
            "note": NULLABLE_STRING,
            "speakers": STRINGS,
            "citation": STRING,
            "url": STRING,
        }
    ),
    "Document": _object(
        {
            "ok": TRUE,
            **SOURCE_METADATA,
            "status": {"type": "string", "enum": ["text", "metadata-only"]},
            "retrieved_at": NULLABLE_STRING,
            "sha256": NULLABLE_STRING,
            "people": {"type": "array", "items": {"type": "object"}},
            "details": {"type": "object"},
            "passage_count": INTEGER,
            "passages": {"type": "array", "items": _ref("Passage")},
        }
    ),
    "PassageResponse": {
        "allOf": [
            _ref("Passage"),
            _object(
                {
                    "ok": TRUE,
                    "position": INTEGER,
                    "previous": NULLABLE_STRING,
                    "next": NULLABLE_STRING,
                    "document": {"type": "object"},
                    "defines": {"type": "array", "items": _ref("Definition")},
                    "definitions": {"type": "array", "items": _ref("Definition")},
                    "references": {
                        "type": "array",
                        "items": _object(
                            {"text": STRING, "start": INTEGER, "end": INTEGER, "target": STRING}
                        ),
                    },
                    "cited_by": {
                        "type": "array",
                        "items": _object({"id": STRING, "citation": STRING}),
                    },
                }
            ),
        ]
    },
    "Source": _object(
        {
            **SOURCE_METADATA,
            "format": STRING,
            "parser": STRING,
            "last_status": STRING,
            "message": NULLABLE_STRING,
            "holds": STRING,
            "passages": INTEGER,
            "retrieved_at": NULLABLE_STRING,
            "origin": NULLABLE_STRING,
        }
    ),
    "Theme": _object(
        {
            "id": STRING,
            "label": STRING,
            "description": STRING,
            "synonyms": {"type": "array", "items": STRINGS},
            "related": STRINGS,
            "concepts": {
                **STRINGS,
                "description": "Ids of the thesaurus concepts whose labels and instrument "
                "terms signal the theme too (corpus/thesaurus.toml).",
            },
        }
    ),
    "Health": _object(
        {
            "ok": TRUE,
            "documents": INTEGER,
            "passages": {
                "type": "integer",
                "description": "The passages of the documents whose text is held.",
            },
            "records": {
                "type": "integer",
                "description": "What a search counts: the passages and one record for "
                "each document known only by its metadata (an empty query's total).",
            },
            "index_version": STRING,
            "built_at": STRING,
        }
    ),
}


def _get(
    summary: str,
    ok: dict[str, Any],
    *,
    parameters: list[Any] | None = None,
    errors: tuple[str, ...] = ("503",),
) -> dict[str, Any]:
    """A GET operation; any of them may answer 414 to a request over kb's limits."""
    codes = sorted({*errors, "414"})
    return {
        "get": {
            "summary": summary,
            "parameters": parameters or [],
            "responses": {"200": ok, **{code: ERRORS[code] for code in codes}},
        }
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document served at /api/openapi.json."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kb: internet-governance knowledge base",
            "version": __version__,
            "description": DESCRIPTION,
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/search": _search(),
            "/api/documents/{document_id}": _get(
                "One document with its passages",
                _json(_ref("Document"), "The document."),
                parameters=[_id_parameter("document_id", "coe-ets-185")],
                errors=("404", "503"),
            ),
            "/api/passages/{passage_id}": _get(
                "One passage, or what stands for a document known only by its metadata "
                "(<source>.about: no text, its note says so)",
                _json(_ref("PassageResponse"), "The passage in its document."),
                parameters=[_id_parameter("passage_id", "coe-ets-185.art-15")],
                errors=("404", "503"),
            ),
            "/api/compare": _compare(),
            "/api/brief": _brief(),
            "/api/export": _export(),
            "/api/sources": _get(
                "Every source of the manifest and its status",
                _json(
                    _object({"ok": TRUE, "sources": {"type": "array", "items": _ref("Source")}}),
                    "The sources.",
                ),
            ),
            "/api/themes": _get("The themes vocabulary", _json(THEMES, "The themes.")),
            "/api/health": _get("The published index", _json(_ref("Health"), "Counts, version.")),
            "/api/openapi.json": _get("This description", _json({"type": "object"}, "OpenAPI 3.")),
        },
        "components": {"schemas": SCHEMAS},
    }


DESCRIPTION = (
    "Search the IGF sessions and the instruments they debate. Answers "
    "are JSON, except the files of a brief (Markdown) and of an export (CSV, JSON "
    'lines); errors are JSON: {"ok": false, "error": {"code", "message"}}. '
    "The one exception is a request that the HTTP server (gunicorn) refuses before "
    "kb has read its path, answered by gunicorn in plain HTML: a request line over "
    f"{LIMIT_REQUEST_LINE:,} bytes (414), a header over {LIMIT_REQUEST_FIELD_SIZE:,} "
    f"bytes or more than {LIMIT_REQUEST_FIELDS} headers (431), and a request that "
    "is not well-formed HTTP/1.1 (400). kb's own limits are lower, so any request "
    "a client builds from this description gets kb's JSON errors."
)
THEMES = _object(
    {"ok": TRUE, "version": INTEGER, "themes": {"type": "array", "items": _ref("Theme")}}
)


def _search() -> dict[str, Any]:
    return _get(
        "Search passages",
        _json(_ref("SearchResponse"), "Ranked hits."),
        parameters=[
            *SEARCH_PARAMETER_OBJECTS,
            _query_parameter(
                "explain",
                FLAG,
                "Add to each hit why it matched (`explanation`); compare and export always "
                "do. true, 1 or yes; false, 0 or no; in any case (TRUE, True).",
            ),
        ],
        errors=("400", "503"),
    )


def _compare() -> dict[str, Any]:
    per_column = {"type": "integer", "minimum": 1, "maximum": MAX_PER_COLUMN, "default": PER_COLUMN}
    return _get(
        "The best passages of each instrument, side by side",
        _json(_ref("Comparison"), "One column per instrument with text, and the IGF sessions."),
        parameters=[
            Q_PARAMETER,
            THEME_PARAMETER,
            _query_parameter("per_column", per_column, "Passages per column."),
        ],
        errors=("400", "503"),
    )


def _brief() -> dict[str, Any]:
    ids = _query_parameter("ids", STRING, f"Passage ids, comma-separated (at most {MAX_BRIEF}).")
    form = {"type": "string", "enum": list(BRIEF_FORMATS), "default": BRIEF_FORMATS[0]}
    return _get(
        "Passages cited for a brief: Markdown or JSON",
        {
            "description": "The passages in the order given.",
            "content": {
                "application/json": {"schema": _ref("Brief")},
                "text/markdown": {"schema": STRING},
            },
        },
        parameters=[
            {**ids, "required": True, "example": "coe-ets-185.art-15,coe-ets-185.art-32"},
            _query_parameter("format", form, "JSON, or Markdown (text/markdown)."),
        ],
        errors=("400", "404", "503"),
    )


def _export() -> dict[str, Any]:
    form = {"type": "string", "enum": list(EXPORT_FORMATS), "default": EXPORT_FORMATS[0]}
    return _get(
        f"Every result of a search (at most {SearchLimits().export_hits:,}) as CSV or JSON lines",
        {
            "description": "The hits in order; X-Total-Count says how many matched.",
            "content": {
                "text/csv": {"schema": STRING},
                "application/x-ndjson": {"schema": STRING},
            },
        },
        parameters=[
            *(p for p in SEARCH_PARAMETER_OBJECTS if p["name"] not in PAGING),
            _query_parameter(
                "format",
                form,
                "CSV (a header row, then one row per hit) or JSON lines (one hit each).",
            ),
        ],
        errors=("400", "503"),
    )
