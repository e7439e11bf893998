"""A synthetic corpus for the search benchmark: treaty-like and IGF-like documents.

The words follow a Zipf-like law over a vocabulary of a few thousand words (common
English words, the legal and internet-governance words the real corpus is made of,
and invented words for the long tail); passages are 50-400 words, about 200 to a
document. The same ``n_passages`` and ``seed`` always give the same documents.

    python bench/synthetic.py 10000 /tmp/dir    # writes a published index under /tmp/dir/index
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from pathlib import Path

from kb.ingest.publish import build_generation, publish
from kb.models import STATUS_TEXT, Document, Passage, Person, Source

PASSAGES_PER_DOCUMENT = 200
MIN_WORDS, MODE_WORDS, MAX_WORDS = 50, 120, 400
FIRST_YEAR, LAST_YEAR = 1959, 2024
INVENTED_WORDS = 3000

COMMON = """
the of and to a in that is for be by or with as any on this shall which it an at
not from such other are may its have has their all where under been within these
those if who when one more also into can party parties each there would should no
than they them such made upon between without against through before after about
only same whether both either including include included following used use person
persons order case cases time means other law laws national domestic matter matters
given taken make take request requested requesting received state states set out
necessary appropriate relevant respect regard accordance provided provide provision
provisions purpose purposes particular general further first second third present
part paragraph article articles chapter section title annex protocol convention
day days year years period number system systems information measures measure
public private right rights question questions people work well need need new
different common international regional global local level levels way ways
""".split()

DOMAIN = """
jurisdiction safeguards preservation subscriber disclosure data access provider
providers assistance mutual cooperation cross-border evidence electronic computer
traffic content interception production search seizure expedited emergency
extradition offence offences criminal investigation investigations proceedings
prosecution authority authorities competent central judicial police enforcement
privacy protection personal processing controller transborder flows supervisory
fundamental freedoms human proportionality conditions limitations confidentiality
retention stored storage real-time collection lawful legislative adopt establish
cybercrime cyberspace internet governance stakeholder multistakeholder forum
workshop session panel moderator speaker rapporteur civil society government
governments industry platform platforms cloud encryption service services
subscriber network networks operator operators telecommunications infrastructure
territory territorial sovereignty principle principles framework frameworks treaty
treaties instrument instruments ratification signatory reservation declaration
notification consent transfer transfers request receiving executing refusal
grounds dual criminality surrender custody witness witnesses hearing videoconference
letters rogatory spontaneous joint teams contact point network available
hours week operational liaison officers trust transparency accountability oversight
remedies redress complaint independent supervisory audit impact assessment
anonymity identity identification attribution metadata location localisation
sharing exchange bilateral multilateral agreement agreements negotiation challenge
challenges solution solutions policy policies capacity building development
developing countries regional organisations harmonisation standards norms
""".split()

SYLLABLES = """
ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko la le li lo lu ma me mi mo
mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va
ve vi vo za ze zi tra tre tri pro pre con dis ver ment tion sion ant ent ist ism
""".split()
SUFFIXES = ("", "", "", "s", "al", "ive", "ity", "ance", "ing", "ed")

FIRST_NAMES = """
Amina Bertrand Chen Dalia Emeka Fatima Gustavo Hanna Ivan Jana Kwame Leila Marco
Nadia Olusegun Priya Quentin Rosa Sanjay Tomasz Ursula Vikram Wanjiru Xavier Yuki
Zeynep
""".split()
LAST_NAMES = """
Abdi Baptiste Costa Dubois Eriksen Fernandes Gallagher Haddad Ibrahim Jansen
Kowalski Lindqvist Mensah Novak Okafor Petrov Quispe Rahman Silva Tanaka Umarov
Varga Weber Xu Yilmaz Zulu
""".split()
ROLES = ("moderator", "speaker", "speaker", "speaker", "rapporteur")
GROUPS = ("Government", "Civil Society", "Private Sector", "Technical Community")
REGIONS = ("African Group", "Asia-Pacific Group", "Eastern European Group", "WEOG", "GRULAC")

PROPOSAL_SECTIONS = (
    "Description",
    "Policy questions",
    "Expected outcomes",
    "Relevance to Internet Governance",
    "Relevance to Theme",
    "Issues",
    "Interventions",
    "Diversity",
    "Online participation",
    "Discussion facilitation",
    "SDGs",
)
# The kinds the documents take in turn. A fixed list, not kb.models.KIND_LABELS: a new
# kind (the explanatory reports) must not change the corpus the figures were measured on.
KINDS = ("igf-proposal", "igf-transcript", "treaty", "declaration")
FORMATS = {
    "treaty": "markdown",
    "declaration": "html",
    "igf-proposal": "html",
    "igf-transcript": "text",
}
PARSERS = {
    "treaty": "treaty",
    "declaration": "declaration",
    "igf-proposal": "proposal",
    "igf-transcript": "transcript",
}


def vocabulary(rng: random.Random) -> list[str]:
    """Every word, most frequent first: common and domain words, then invented ones."""
    invented: list[str] = []
    seen = set(COMMON) | set(DOMAIN)
    while len(invented) < INVENTED_WORDS:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) + rng.choice(SUFFIXES)
        if word not in seen:
            seen.add(word)
            invented.append(word)
    # The domain words sit among the common ones, as they do in the real corpus: the
    # first few among the frequent words, the rest spread over the next few hundred ranks.
    ranked = list(dict.fromkeys(COMMON))
    for i, word in enumerate(dict.fromkeys(DOMAIN)):
        ranked.insert(min(len(ranked), 25 + 4 * i + rng.randint(0, 8)), word)
    return ranked + invented


def zipf_weights(n: int, exponent: float = 1.0) -> list[float]:
    """Cumulative weights of ranks 1..n under a Zipf law (for ``random.choices``)."""
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, n + 1)))


class _Writer:
    """Draws words, sentences, headings and names from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary(self.rng)
        self.cumulative = zipf_weights(len(self.words))
        self.domain = list(dict.fromkeys(DOMAIN))

    def text(self, n_words: int) -> str:
        rng = self.rng
        words = rng.choices(self.words, cum_weights=self.cumulative, k=n_words)
        sentences = []
        start = 0
        while start < n_words:
            end = min(n_words, start + rng.randint(8, 28))
            sentence = words[start:end]
            if len(sentence) > 6 and rng.random() < 0.4:
                sentence[rng.randint(2, len(sentence) - 3)] += ","
            sentence[0] = sentence[0].capitalize()
            sentences.append(" ".join(sentence) + ".")
            start = end
        return " ".join(sentences)

    def passage_length(self) -> int:
        return round(self.rng.triangular(MIN_WORDS, MAX_WORDS, MODE_WORDS))

    def heading(self) -> str:
        rng = self.rng
        words = rng.sample(self.domain, rng.randint(1, 3))
        if len(words) > 1 and rng.random() < 0.5:
            words.insert(-1, "and")
        return " ".join(words).capitalize()

    def name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"


def generate(n_passages: int, seed: int = 7) -> list[Document]:
    """``n_passages`` passages in documents of about 200, deterministic for ``seed``."""
    writer = _Writer(seed)
    kinds = list(KINDS)
    documents = []
    for number, start in enumerate(range(0, n_passages, PASSAGES_PER_DOCUMENT), 1):
        count = min(PASSAGES_PER_DOCUMENT, n_passages - start)
        kind = kinds[(number - 1) % len(kinds)]
        documents.append(_document(writer, number, kind, count))
    return documents


def _document(writer: _Writer, number: int, kind: str, count: int) -> Document:
    rng = writer.rng
    year = rng.randint(FIRST_YEAR, LAST_YEAR)
    topic = writer.heading()
    source_id = f"syn-{kind}-{number:05d}"
    if kind in ("treaty", "declaration"):
        short = f"{'Convention' if kind == 'treaty' else 'Declaration'} No. {number}"
        title = f"{short} on {topic.lower()}"
    else:
        short = f"IGF {year} WS #{number}"
        title = f"{short}: {topic}"
    url = f"https://example.org/synthetic/{source_id}"
    source = Source(
        id=source_id,
        title=title,
        short_title=short,
        kind=kind,
        year=year,
        url=url,
        fetch_url=url,
        format=FORMATS[kind],
        parser=PARSERS[kind],
        citation=title,
        date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        aliases=(f"S{number}",),
    )
    people: list[Person] = []
    if kind.startswith("igf-"):
        people = [
            Person(
                writer.name(),
                rng.choice(ROLES),
                f"Organisation {rng.randint(1, 400)}",
                rng.choice(GROUPS),
                rng.choice(REGIONS),
            )
            for _ in range(rng.randint(3, 8))
        ]
    passages = [_passage(writer, kind, i, people) for i in range(1, count + 1)]
    return Document(source, STATUS_TEXT, passages, people, retrieved_at=f"{year}-12-31T00:00:00Z")


def _passage(writer: _Writer, kind: str, i: int, people: list[Person]) -> Passage:
    rng = writer.rng
    text = writer.text(writer.passage_length())
    if kind in ("treaty", "declaration"):
        chapter = (i - 1) // 40 + 1
        section = (i - 1) // 10 + 1
        path = (f"Chapter {chapter} – {writer.heading()}", f"Section {section}")
        return Passage(f"art-{i}", f"Article {i} – {writer.heading()}", text, path)
    if kind == "igf-proposal":
        heading = PROPOSAL_SECTIONS[(i - 1) % len(PROPOSAL_SECTIONS)]
        return Passage(f"sec-{i}", f"{heading} {i}", text, (heading,))
    speakers = tuple(p.name for p in rng.sample(people, rng.randint(1, min(3, len(people)))))
    sentences = text.split(". ")
    step = -(-len(sentences) // len(speakers))  # the sentences of one turn
    text = " ".join(
        f"{speaker.upper()}: {'. '.join(sentences[n * step : (n + 1) * step])}".rstrip(".") + "."
        for n, speaker in enumerate(speakers)
        if sentences[n * step : (n + 1) * step]
    )
    return Passage(f"turns-{i}", f"Turns {i}", text, ("Transcript",), speakers)


def build_index(root: Path, documents: list[Document], key: dict[str, object]) -> float:
    """Build and publish a generation of ``documents`` under ``root``; returns the seconds."""
    started = time.perf_counter()
    generation = build_generation(root, documents, key=key)
    publish(root, generation)
    return time.perf_counter() - started


def build_corpus(n: int, data_dir: Path) -> Path:
    """A published index of ``n`` synthetic passages under ``data_dir/index``; returns its root."""
    root = data_dir / "index"
    documents = generate(n)
    seconds = build_index(root, documents, key={"synthetic": n})
    print(f"synthetic index: {n} passages, {len(documents)} documents, built in {seconds:.1f} s")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("passages", type=int)
    parser.add_argument("data_dir", type=Path)
    args = parser.parse_args()
    print(build_corpus(args.passages, args.data_dir))


if __name__ == "__main__":
    main()
