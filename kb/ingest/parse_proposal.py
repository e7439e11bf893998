"""Parse an IGF workshop proposal page into sections, people and details.

The page arrives as :class:`Block` s either from its text (one paragraph per line,
no headings) or from its HTML (section titles may be heading blocks). Several of
its labels ("Onsite Moderator", "Rapporteur", "Description", "SDGs") can be lost
in text extraction, so the parser knows the order of the page and falls back on
it where a label is missing:

* header ``IGF <year> WS #<n>``, the title, sometimes a date line;
* ``Organizer N: Name, Organisation`` and ``Speaker N: Name, Group, Region`` lines;
* the moderator, online moderator and rapporteur as bare ``Name, Group, Region`` lines;
* the format (``Other - 90 Min``) and ``Format description: ...``;
* ``Policy Question(s)``, then the description prose, the SDG list and ``Targets:``;
* ``Expected Outcomes``, then prose about how the session runs, ``Online Participation``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.ingest.chunk import split_paragraphs
from kb.ingest.errors import ParseError
from kb.models import Block, Parsed, Passage, Person, Source

# Section keys double as anchors; the order is that of the passages.
SECTION_LABELS: dict[str, str] = {
    "overview": "Overview",
    "policy-questions": "Policy questions",
    "description": "Description",
    "sdgs": "SDGs and targets",
    "expected-outcomes": "Expected outcomes",
    "agenda": "Agenda",
    "online-participation": "Online participation",
}

ROLE_MODERATOR = "moderator"
ROLE_ONLINE_MODERATOR = "online moderator"
ROLE_RAPPORTEUR = "rapporteur"
# The order the page lists them in: an unlabelled person line takes the next role.
ROLE_ORDER = (ROLE_MODERATOR, ROLE_ONLINE_MODERATOR, ROLE_RAPPORTEUR)

# Label (lower case, no trailing colon) -> section it opens, or "@role" for a role label.
LABELS: dict[str, str] = {
    "policy question(s)": "policy-questions",
    "policy questions": "policy-questions",
    "policy question": "policy-questions",
    "description": "description",
    "connection with previous messages": "description",
    "sdgs": "sdgs",
    "sdg": "sdgs",
    "sdgs and targets": "sdgs",
    "sustainable development goals": "sdgs",
    "targets": "targets",
    "expected outcomes": "expected-outcomes",
    "expected outcome": "expected-outcomes",
    "hybrid format": "agenda",
    "agenda": "agenda",
    "session agenda": "agenda",
    "discussion facilitation": "agenda",
    "online participation": "online-participation",
    "onsite moderator": "@" + ROLE_MODERATOR,
    "on-site moderator": "@" + ROLE_MODERATOR,
    "moderator": "@" + ROLE_MODERATOR,
    "online moderator": "@" + ROLE_ONLINE_MODERATOR,
    "rapporteur": "@" + ROLE_RAPPORTEUR,
}
# Labels of the front matter that carry nothing by themselves.
IGNORED_LABELS = {"organizers", "organisers", "organizer", "speakers", "format", "people"}

SDG_FIRST_WORDS = {
    1: "no",
    2: "zero",
    3: "good",
    4: "quality",
    5: "gender",
    6: "clean",
    7: "affordable",
    8: "decent",
    9: "industry",
    10: "reduced",
    11: "sustainable",
    12: "responsible",
    13: "climate",
    14: "life",
    15: "life",
    16: "peace",
    17: "partnerships",
}
STAKEHOLDER_GROUPS = {
    "civil society",
    "government",
    "intergovernmental organization",
    "intergovernmental organisation",
    "private sector",
    "technical community",
}

HEADER_RE = re.compile(
    r"^IGF\s*(?P<year>\d{4})\s*[-–:]?\s*WS\s*#?\s*(?P<num>\d+)\b\s*[-–:]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
WORKSHOP_RE = re.compile(r"^WS\s*#?\s*(\d+)$", re.IGNORECASE)
ORGANISER_RE = re.compile(r"^Organi[sz]er\s*(?:\d+\s*:?|:)\s*(?P<rest>.*)$", re.IGNORECASE)
SPEAKER_RE = re.compile(r"^Speaker\s*(\d*)\s*:\s*(?P<rest>.*)$", re.IGNORECASE)
FORMAT_RE = re.compile(r"^.{1,80}\s-\s*\d+\s*Min(?:utes)?\.?$", re.IGNORECASE)
FORMAT_DESCRIPTION_RE = re.compile(r"^Format description\s*:\s*(?P<rest>.*)$", re.IGNORECASE)
INLINE_LABEL_RE = re.compile(r"^(?P<label>[^:]{2,60}?)\s*:\s*(?P<rest>.*)$")
SDG_LINE_RE = re.compile(r"^(?P<num>\d{1,2})\.\s*(?P<name>[A-Za-z].*)$")
TARGET_RE = re.compile(r"^SDG\s*\d", re.IGNORECASE)
# A policy question asks something, or is an item of a list, or is the page's "additional" note.
QUESTION_RE = re.compile(
    r"\?|^(?:[A-Za-z]|\d{1,2})[.)]\s|^Additional Policy Questions? Information", re.IGNORECASE
)
MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
DATE_RE = re.compile(
    rf"\b(?:{MONTHS})\b.*\d|\d.*\b(?:{MONTHS})\b|\b\d{{1,2}}:\d{{2}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b",
    re.IGNORECASE,
)
# Prose about how a session runs, which follows the expected outcomes unlabelled.
AGENDA_RE = re.compile(
    r"\b(?:divided into|minutes|opening remarks|moderator|Q&A|hybrid|agenda|breakout"
    r"|interventions|round of|questions from the (?:audience|floor))\b",
    re.IGNORECASE,
)


@dataclass
class _State:
    """What the walk over the blocks has gathered so far."""

    section: str = "front"
    sections: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in SECTION_LABELS})
    people: list[Person] = field(default_factory=list)
    front_extra: list[str] = field(default_factory=list)
    policy_questions: list[str] = field(default_factory=list)
    sdgs: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)
    pending_role: str | None = None
    last_role: str | None = None


def normalise_workshop(text: str) -> str:
    """``WS188``, ``WS #188``, ``ws # 188`` -> ``WS #188``; anything else is returned stripped."""
    match = WORKSHOP_RE.match(text.strip())
    return f"WS #{int(match.group(1))}" if match else text.strip()


def parse_proposal(blocks: list[Block], source: Source, max_words: int = 300) -> Parsed:
    """Parse an IGF workshop proposal page; raise :class:`ParseError` if it is not one."""
    # Headings and paragraphs are read alike: a label is a label whichever it arrives as.
    items = [b.text.strip() for b in blocks if b.text.strip()]
    start = next((i for i, text in enumerate(items) if HEADER_RE.match(text)), None)
    if start is None:
        raise ParseError(f"{source.id}: no 'IGF <year> WS #<n>' header; not a proposal page")
    state = _State()
    rest = _read_header(items, start, source, state.details)
    for text in rest:
        _feed(state, text)
    content = ("policy-questions", "description", "sdgs", "expected-outcomes")
    if not any(state.sections[key] for key in content):
        raise ParseError(
            f"{source.id}: header found but no proposal sections "
            "(policy questions, description, SDGs, expected outcomes)"
        )
    _finish_details(state)
    state.sections["overview"] = _overview(state)
    return Parsed(
        passages=_passages(state.sections, max_words),
        people=state.people,
        details=state.details,
    )


def _read_header(
    items: list[str], start: int, source: Source, details: dict[str, object]
) -> list[str]:
    """Fill workshop, year and title from the header; return the blocks after the title."""
    match = HEADER_RE.match(items[start])
    assert match is not None
    details["workshop"] = f"WS #{int(match.group('num'))}"
    details["year"] = int(match.group("year"))
    title = match.group("rest").strip()
    after = start + 1
    if not title and after < len(items) and not _is_front_line(items[after]):
        title = items[after]
        after += 1
    details["title"] = title or source.title
    return items[after:]


def _is_front_line(text: str) -> bool:
    """An organiser, speaker or label line: never the title."""
    if text.rstrip(":").strip().lower() in IGNORED_LABELS:
        return True
    return bool(ORGANISER_RE.match(text) or SPEAKER_RE.match(text) or _label(text)[0])


def _label(text: str) -> tuple[str | None, str]:
    """The section or role a label line opens, and the text after an inline label."""
    bare = text.rstrip(":").strip().lower()
    if bare in LABELS:
        return LABELS[bare], ""
    match = INLINE_LABEL_RE.match(text)
    if match and match.group("label").strip().lower() in LABELS:
        return LABELS[match.group("label").strip().lower()], match.group("rest").strip()
    return None, text


def _feed(state: _State, text: str) -> None:
    """Route one block to the section it belongs to."""
    front = state.section == "front"
    target, rest = _label(text)
    if target is not None and target.startswith("@"):
        if not front:  # "Moderator: ..." in the agenda is prose, not a person
            _feed_content(state, text)
            return
        state.pending_role = target[1:]
        if rest:
            _add_role_person(state, rest)
        return
    if target is not None:
        state.section = target
        if rest:
            _feed_content(state, text)
        return
    if text.rstrip(":").strip().lower() in IGNORED_LABELS:
        return
    if front and not _sdg(text):
        _feed_front(state, text)
    else:
        _feed_content(state, text)


def _feed_front(state: _State, text: str) -> None:
    """A line of the front matter: a date, an organiser, a speaker, a moderator, the format."""
    details = state.details
    if not state.people and "date" not in details and DATE_RE.search(text):
        details["date"] = text
    elif match := ORGANISER_RE.match(text):
        _add_organiser(state, match.group("rest"))
    elif match := SPEAKER_RE.match(text):
        name, group, region = _person_parts(match.group("rest"))
        if name:
            state.people.append(Person(name, "speaker", None, group, region))
    elif match := FORMAT_DESCRIPTION_RE.match(text):
        details["format_description"] = match.group("rest").strip()
    elif FORMAT_RE.match(text) and "format" not in details:
        details["format"] = text
    elif _is_person_line(text):
        _add_role_person(state, text)
    else:
        state.front_extra.append(text)


def _add_organiser(state: _State, rest: str) -> None:
    """``Name, Organisation``; organisers given only by group and region have no name: skip."""
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    if not parts or parts[0].lower() in STAKEHOLDER_GROUPS or _is_region(parts[0]):
        return
    organisation = ", ".join(parts[1:]) or None
    state.people.append(Person(parts[0], "organiser", organisation))


def _add_role_person(state: _State, text: str) -> None:
    """A moderator or rapporteur: the pending label's role, else the one after the last."""
    role = state.pending_role or _next_role(state.last_role)
    name, group, region = _person_parts(text)
    if name:
        state.people.append(Person(name, role, None, group, region))
    state.pending_role = None
    state.last_role = role


def _next_role(last: str | None) -> str:
    if last is None:
        return ROLE_ORDER[0]
    index = ROLE_ORDER.index(last) if last in ROLE_ORDER else len(ROLE_ORDER) - 1
    return ROLE_ORDER[min(index + 1, len(ROLE_ORDER) - 1)]


def _person_parts(text: str) -> tuple[str | None, str | None, str | None]:
    """``Name, Stakeholder group, Regional group`` -> its three parts (missing ones None)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return None, None, None
    group = parts[1] if len(parts) > 1 else None
    region = ", ".join(parts[2:]) or None
    return parts[0], group, region


def _is_person_line(text: str) -> bool:
    """A bare ``Name, Group, Region`` line: short, comma-separated, no colon."""
    parts = [p.strip() for p in text.split(",")]
    return (
        ":" not in text
        and len(parts) >= 2
        and all(parts)
        and 1 <= len(parts[0].split()) <= 6
        and len(text.split()) <= 30
    )


def _is_region(text: str) -> bool:
    return bool(re.search(r"\bgroup\b|\(weog\)|\(grulac\)", text, re.IGNORECASE))


def _sdg(text: str) -> str | None:
    """``9. Industry, Innovation and Infrastructure`` if ``text`` names a real goal."""
    match = SDG_LINE_RE.match(text)
    if not match:
        return None
    first = match.group("name").split()[0].lower().strip(",.")
    return text if SDG_FIRST_WORDS.get(int(match.group("num"))) == first else None


def _feed_content(state: _State, text: str) -> None:
    """A paragraph after the front matter; unlabelled prose is placed by the page's order."""
    section = state.section
    if _sdg(text) and section in ("front", "policy-questions", "description", "sdgs"):
        state.section = "sdgs"
        state.sdgs.append(text)
        state.sections["sdgs"].append(text)
        return
    if section == "policy-questions":
        if QUESTION_RE.search(text):
            state.policy_questions.append(text)
            state.sections["policy-questions"].append(text)
            return
        section = state.section = "description"
    elif section == "sdgs" and state.sdgs:
        section = state.section = "description"
    elif section == "targets":
        if not state.targets or TARGET_RE.match(text):
            state.targets.append(text)
            state.sections["sdgs"].append(text)
            return
        section = state.section = "description"
    elif section == "expected-outcomes" and state.sections[section] and AGENDA_RE.search(text):
        section = state.section = "agenda"
    state.sections[section].append(text)


def _finish_details(state: _State) -> None:
    details = state.details
    details["policy_questions"] = state.policy_questions
    details["sdgs"] = state.sdgs
    targets = list(state.targets)
    if targets:
        targets[0] = re.sub(r"^Targets\s*:\s*", "", targets[0], flags=re.IGNORECASE)
    details["targets"] = "\n\n".join(t for t in targets if t) or None


def _overview(state: _State) -> list[str]:
    """Title, date, people and format as paragraphs, so a name or a format finds the page."""
    details = state.details
    lines = [f"IGF {details['year']} {details['workshop']}: {details['title']}"]
    if details.get("date"):
        lines.append(str(details["date"]))
    by_role: dict[str, list[str]] = {}
    for person in state.people:
        extra = [x for x in (person.organisation, person.stakeholder_group, person.region) if x]
        shown = f"{person.name} ({', '.join(extra)})" if extra else person.name
        by_role.setdefault(person.role, []).append(shown)
    titles = {"organiser": "Organisers", "speaker": "Speakers"}
    for role, names in by_role.items():
        lines.append(f"{titles.get(role, role.capitalize())}: {'; '.join(names)}")
    fmt = "; ".join(str(details[k]) for k in ("format", "format_description") if details.get(k))
    if fmt:
        lines.append(f"Format: {fmt}")
    return lines + state.front_extra


def _passages(sections: dict[str, list[str]], max_words: int) -> list[Passage]:
    """One passage per section; long ones split at paragraph boundaries into parts."""
    passages = []
    for key, label in SECTION_LABELS.items():
        chunks = (
            [sections[key]] if key == "overview" else split_paragraphs(sections[key], max_words)
        )
        for i, chunk in enumerate(chunks, start=1):
            anchor = key if i == 1 else f"{key}-{i}"
            shown = label if i == 1 else f"{label} (part {i})"
            passages.append(Passage(anchor=anchor, label=shown, text="\n\n".join(chunk)))
    return passages
