"""News-time measurements: the relative-date table and republished-story detection.

    python -m eval dates                                   # the table of handmade cases
    python -m eval duplicates --corpus ../shared/bench/realtimeqa/corpus.jsonl

`duplicates` groups a corpus's articles as ingestion does, prints the groups it finds (with
a sample to inspect by eye), then measures recall and precision on perturbed copies of a
sample of the corpus (a banner line added, one word changed, the last paragraph trimmed)
and what the per-article work (dates + MinHash) costs beside embedding the article.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rag.documents import Article
from rag.store.news_index import ArticleInfo

DATE_CASES = Path(__file__).with_name("datasets") / "relative_dates.jsonl"


@dataclass(frozen=True)
class DateCase:
    """One row of the table: a sentence, its article's date, the words and their period."""

    sentence: str
    published: str | None
    words: str
    first: str
    last: str
    known_wrong: bool = False


def date_cases() -> list[DateCase]:
    """The handmade relative-date cases (eval/datasets/relative_dates.jsonl)."""
    rows = [json.loads(line) for line in DATE_CASES.read_text(encoding="utf-8").splitlines()]
    return [
        DateCase(r["sentence"], r["published"], r["words"], r["first"], r.get("last") or r["first"],
                 bool(r.get("known_wrong")))
        for r in rows
    ]  # fmt: skip


def judge(case: DateCase) -> str:
    """ "correct", "wrong" (found, another period) or "unresolved" (not found)."""
    from rag.time.expressions import find_dates

    found = {m.text: m for m in find_dates(case.sentence, case.published)}
    if case.words not in found:
        return "unresolved"
    mention = found[case.words]
    return "correct" if (mention.date, mention.last) == (case.first, case.last) else "wrong"


def dates_report() -> int:
    """Print the table's verdicts and the cases it gets wrong."""
    from rag.time.expressions import find_dates

    cases = date_cases()
    verdicts = [judge(c) for c in cases]
    for case, verdict in zip(cases, verdicts, strict=True):
        if verdict != "correct":
            got = {m.text: f"{m.date}..{m.last}" for m in find_dates(case.sentence, case.published)}
            print(f"{verdict:10} {case.sentence!r} ({case.published}): {case.words!r} → "
                  f"{got.get(case.words, '-')}, expected {case.first}..{case.last}")  # fmt: skip
    counts = {v: verdicts.count(v) for v in ("correct", "wrong", "unresolved")}
    print(f"{len(cases)} cases: {counts['correct']} correct, {counts['wrong']} wrong, "
          f"{counts['unresolved']} unresolved")  # fmt: skip
    return 0


def perturbed(article: Article, how: str, rng: random.Random) -> Article:
    """A republished copy: a banner line, one word changed, or the last paragraph trimmed."""
    text = article.text
    if how == "banner":
        text = "Subscribe to our newsletter for breaking news alerts\n\n" + text
    elif how == "word":
        words = text.split(" ")
        position = rng.randrange(len(words))
        words[position] = "changed"
        text = " ".join(words)
    else:
        paragraphs = text.rstrip().split("\n\n")
        text = "\n\n".join(paragraphs[:-1]) if len(paragraphs) > 1 else text[: len(text) * 9 // 10]
    return replace(article, id=f"{article.id}~{how}", text=text)


def duplicates_report(corpus: Path, sample: int, seed: int, show: int) -> int:
    """Groups in `corpus`; recall and precision on perturbed copies; cost per article."""
    from index.loaders import load_articles
    from index.pipeline import notes_for
    from rag.store.duplicates import DuplicateGroups, signature

    articles = [a for a in load_articles([corpus]) if isinstance(a, Article)]
    started = time.perf_counter()
    infos = [_info(a, signature(a.text)) for a in articles]
    signed = time.perf_counter() - started
    started = time.perf_counter()
    groups = DuplicateGroups.build(infos)
    grouped = time.perf_counter() - started
    sizes = [1 + len(others) for others in groups.members.values()]
    print(f"{corpus}: {len(articles)} articles, {len(sizes)} groups of near-duplicates "
          f"holding {sum(sizes)} articles (largest {max(sizes, default=0)}); "
          f"signatures {1000 * signed / max(1, len(articles)):.2f} ms/article, "
          f"grouping {grouped:.2f} s")  # fmt: skip
    by_id = {a.id: a for a in articles}
    rng = random.Random(seed)
    heads = sorted(groups.members)
    for head in rng.sample(heads, min(show, len(heads))):
        for other in groups.others(head)[:1]:
            for doc_id in (head, other):
                print(f"  {doc_id} | {by_id[doc_id].title[:60]!r} ({by_id[doc_id].published})")
            print()
    _synthetic(articles, sample, rng)
    chosen = rng.sample(articles, min(50, len(articles)))
    started = time.perf_counter()
    for article in chosen:
        notes_for(article)
    per_article = (time.perf_counter() - started) / len(chosen)
    print(f"dates + MinHash at ingestion: {1000 * per_article:.1f} ms per article "
          f"(mean of {len(chosen)} articles, {sum(len(a.text) for a in chosen) // len(chosen)} "
          f"characters each)")  # fmt: skip
    return 0


def _synthetic(articles: Sequence[Article], sample: int, rng: random.Random) -> None:
    from rag.store.duplicates import DuplicateGroups, signature

    originals = rng.sample(list(articles), min(sample, len(articles)))
    copies = [perturbed(a, how, rng) for a in originals for how in ("banner", "word", "trim")]
    pool = [_info(a, signature(a.text)) for a in [*originals, *copies]]
    groups = DuplicateGroups.build(pool)
    found = {
        (groups.head(a.id), a.id) for a in pool if groups.head(a.id) != a.id
    }  # pairs (representative, member)
    stories = {a.id: a.id.split("~")[0] for a in pool}
    true_pairs = sum(1 for head, member in found if stories[head] == stories[member])
    for how in ("banner", "word", "trim"):
        made = [c for c in copies if c.id.endswith(how)]
        caught = sum(1 for c in made if groups.head(c.id) == groups.head(stories[c.id]))
        print(f"  {how:6}: recall {caught / len(made):.3f} ({caught}/{len(made)})")
    precision = true_pairs / len(found) if found else 1.0
    recall = sum(1 for c in copies if groups.head(c.id) == groups.head(stories[c.id])) / len(copies)
    print(f"synthetic copies of {len(originals)} articles ({len(copies)} copies): recall "
          f"{recall:.3f}, pair precision {precision:.3f} ({true_pairs}/{len(found)})")  # fmt: skip


def _info(article: Article, signed: str) -> ArticleInfo:
    return ArticleInfo(
        article.id, article.hash, article.title, article.source, article.outlet, article.byline,
        article.published, article.url, (), article.date_inferred, signed,
    )  # fmt: skip
