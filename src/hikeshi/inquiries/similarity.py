"""Text similarity that works for Japanese: TF-IDF cosine over character bigrams and trigrams. No I/O.

Japanese has no spaces between words, so words are not a unit to count; character n-grams are. Text is
NFKC-normalized first (full-width ｗｅｂ and half-width ｶﾅ become web and カナ), lower-cased, and runs of
punctuation and spaces become one space. Weights come from the candidates themselves (smoothed IDF),
so phrases every inquiry shares ("できない", "お客様") count for little and the specific words carry
the score. Pure Python, no model: a few hundred candidates score in milliseconds.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

NGRAM_SIZES = (2, 3)


def normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    kept = [char if char.isalnum() else " " for char in folded]
    return " ".join("".join(kept).split())


def ngrams(text: str) -> Counter[str]:
    """Character bigrams and trigrams of the normalized text (within words: spaces split them)."""
    counts: Counter[str] = Counter()
    for word in normalize(text).split(" "):
        for size in NGRAM_SIZES:
            if len(word) < size:
                if size == NGRAM_SIZES[0] and word:
                    counts[word] += 1  # a one-character word still says something
                continue
            counts.update(word[index : index + size] for index in range(len(word) - size + 1))
    return counts


@dataclass(frozen=True, slots=True)
class Scored:
    index: int  # position in the candidates given
    score: float  # cosine similarity, 0 to 1


def rank(
    query: str,
    candidates: Sequence[str],
    *,
    threshold: float,
    limit: int = 10,
    background: Sequence[str] = (),
) -> list[Scored]:
    """The candidates at least `threshold` similar to the query, most similar first.

    `background`: more texts (other products' recent inquiries) that only teach which n-grams are common.
    """
    query_grams = ngrams(query)
    if not query_grams or not candidates:
        return []
    documents = [ngrams(text) for text in candidates]
    frequency: Counter[str] = Counter()
    for grams in (query_grams, *documents, *(ngrams(text) for text in background)):
        frequency.update(grams.keys())
    total = len(documents) + len(background) + 1
    idf = {gram: math.log((1 + total) / (1 + count)) + 1 for gram, count in frequency.items()}
    query_vector = _weights(query_grams, idf)
    scored = [
        Scored(index=index, score=_cosine(query_vector, _weights(grams, idf)))
        for index, grams in enumerate(documents)
    ]
    kept = [item for item in scored if item.score >= threshold]
    kept.sort(key=lambda item: (-item.score, item.index))
    return kept[:limit]


def _weights(grams: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    return {gram: (1 + math.log(count)) * idf[gram] for gram, count in grams.items()}


def _cosine(left: dict[str, float], right: dict[str, float]) -> float:
    if not left or not right:
        return 0.0
    if len(left) > len(right):
        left, right = right, left
    dot = sum(weight * right.get(gram, 0.0) for gram, weight in left.items())
    norm = math.sqrt(sum(w * w for w in left.values())) * math.sqrt(sum(w * w for w in right.values()))
    return dot / norm if norm else 0.0
