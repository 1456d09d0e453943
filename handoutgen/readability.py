"""Plain-language check: a reading-grade estimate of a handout's patient text.

Health-literacy guidance asks for patient material at grade 6-8; `check`
warns above that (docs/plain-language.md). Two standard formulas, computed
here from word, sentence and syllable counts (no data files, nothing
downloaded):

* English, Flesch-Kincaid grade level (Kincaid, Fishburne, Rogers and
  Chissom 1975, Research Branch Report 8-75, US Navy)::

      grade = 0.39 * words/sentences + 11.8 * syllables/words - 15.59

* Spanish, Fernandez-Huerta reading ease (Fernandez Huerta 1959, "Medidas
  sencillas de lecturabilidad", Consigna 214; as corrected by G. Law 2011,
  the form textstat and legible.es use)::

      ease = 206.84 - 60 * syllables/words - 1.02 * words/sentences

  0-100, higher is easier. Its own table: 90-100 grade 4, 80-90 grade 5,
  70-80 grade 6, 60-70 grades 7-8 ("normal for adults"), 50-60 pre-university,
  below 50 university. So below 60 is above grade 8: the warning's threshold.

Syllables are counted by rule (vowel groups, with English silent endings and
Spanish diphthongs and hiatus), not with a dictionary: close, not exact, as
every readability tool's count is (hyphenation dictionaries such as Pyphen's
undercount English syllables badly: "australian" 2, "platypus" 2).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

LONG_SENTENCE = 20  # words: a sentence longer than this is named
MAX_GRADE = 8.0  # English: warn above this grade (health-literacy guidance: 6-8)
MIN_EASE = 60.0  # Spanish: warn below this Fernandez-Huerta ease (60-70 is grades 7-8)
QUOTED_WORDS = 8  # words of a long sentence quoted in the warning

_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]*\s+")


def words(text: str) -> list[str]:
    """The words of `text`: letters and digits; "don't" and "long-term" are one word."""
    return _WORD.findall(text)


def sentences(text: str) -> list[str]:
    """The sentences of one piece of text (a title, a step, a paragraph): split after
    . ! ? or an ellipsis; a piece without an end mark is one sentence."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if words(s)]


# ------------------------------------------------------------------ syllables

_EN_SPLIT = re.compile(r"(?<![tscgx])i[aou]|(?<![qg])ua")  # two vowels, two syllables: reptil-i-an, us-u-al


def _english_syllables(word: str) -> int:
    w = re.sub(r"[^a-z]", "", _plain(word))
    if not w:
        return 1  # a number or symbol: read as one word
    if len(w) <= 3:
        return 1
    le = 1 if re.search(r"[^aeiouy]le$", w) else 0  # an-kle, sim-ple
    w = re.sub(r"(?<=[^aeiouytd])ed$", "", w)  # walked, not rested
    w = re.sub(r"(?<=[^aeiouyszxhgc])es$", "", w)  # makes, bones; not stretches, exercises
    w = re.sub(r"(?<=[^aeiouy])e$", "", w)  # silent e: make, exercise
    w = re.sub(r"^y", "", w)  # y starting a word is a consonant
    count = len(re.findall(r"[aeiouy]+", w)) + len(_EN_SPLIT.findall(w))
    return max(1, count + le)


_ES_STRONG = set("aeoáéó")
_ES_ACCENTED_WEAK = set("íú")


def _spanish_syllables(word: str) -> int:
    w = word.lower()
    w = re.sub(r"(?<=[qg])u(?=[eiéí])", "", w)  # que, gui: the u is silent
    w = re.sub(r"(?<=[aeiouáéíóú])y$", "i", w)  # hoy, muy: a final y after a vowel is a vowel
    if w == "y":
        return 1
    count = 0
    for group in re.findall(r"[aeiouáéíóúü]+", w):
        count += 1
        for a, b in zip(group, group[1:], strict=False):
            # Two strong vowels, or an accented i/u, are two syllables (hiatus): le-er, dí-a.
            if (a in _ES_STRONG and b in _ES_STRONG) or a in _ES_ACCENTED_WEAK or b in _ES_ACCENTED_WEAK:
                count += 1
    return max(1, count)


def _plain(word: str) -> str:
    """Lower case without accents (café -> cafe), for the English rules."""
    return "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))


def syllables(word: str, lang: str = "en") -> int:
    """Syllables of one word, by rule. A hyphenated word is the sum of its parts."""
    count = _spanish_syllables if _base(lang) == "es" else _english_syllables
    return sum(count(part) for part in re.split(r"[-]", word) if part)


def _base(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


def supported(lang: str) -> bool:
    return _base(lang) in ("en", "es")


# ------------------------------------------------------------------ formulas

def flesch_kincaid_grade(n_words: int, n_sentences: int, n_syllables: int) -> float:
    """Flesch-Kincaid grade level (Kincaid et al. 1975)."""
    return 0.39 * n_words / n_sentences + 11.8 * n_syllables / n_words - 15.59


def fernandez_huerta(n_words: int, n_sentences: int, n_syllables: int) -> float:
    """Fernandez-Huerta reading ease (1959; Law 2011's corrected form), 0-100, higher is easier."""
    return 206.84 - 60 * n_syllables / n_words - 1.02 * n_words / n_sentences


@dataclass
class Reading:
    """How hard a text reads, in one language."""

    lang: str
    words: int
    sentences: int
    syllables: int
    long_sentences: list[str] = field(default_factory=list)  # over LONG_SENTENCE words, in order

    @property
    def grade(self) -> float | None:
        """Flesch-Kincaid grade (English); None for other languages or no text."""
        if _base(self.lang) != "en" or not self.words:
            return None
        return flesch_kincaid_grade(self.words, self.sentences, self.syllables)

    @property
    def ease(self) -> float | None:
        """Fernandez-Huerta reading ease (Spanish); None for other languages or no text."""
        if _base(self.lang) != "es" or not self.words:
            return None
        return fernandez_huerta(self.words, self.sentences, self.syllables)

    @property
    def too_hard(self) -> bool:
        grade, ease = self.grade, self.ease
        return (grade is not None and round(grade, 1) > MAX_GRADE) or (ease is not None and round(ease) < MIN_EASE)

    def score(self) -> str:
        """The number, as `check --report` shows it: "6.4" (grade) or "ease 72" (Spanish)."""
        if self.grade is not None:
            return f"{self.grade:.1f}"
        if self.ease is not None:
            return f"ease {self.ease:.0f}"
        return "-"

    def summary(self) -> str:
        """The warning's text (without the file)."""
        if self.grade is not None:
            head = f"reading grade {self.grade:.1f} (aim for 6-8)"
        else:
            head = (f"reading ease {self.ease:.0f} (Fernandez-Huerta; aim for {MIN_EASE:.0f} or more, "
                    "about grade 8)")
        if not self.long_sentences:
            return head + ": no sentence over 20 words; shorter, everyday words would lower it"
        count = len(self.long_sentences)
        first = self.long_sentences[0].split()
        quoted = " ".join(first[:QUOTED_WORDS]) + ("…" if len(first) > QUOTED_WORDS else "")
        noun = "sentence" if count == 1 else "sentences"
        return f'{head}: {count} {noun} over {LONG_SENTENCE} words, e.g. "{quoted}"'


def assess(texts: Iterable[str], lang: str = "en") -> Reading:
    """Reading of the pieces of text a patient reads. Each piece (a title, a name,
    a step, a list item) is at least one sentence of its own."""
    reading = Reading(lang, 0, 0, 0)
    for text in texts:
        for sentence in sentences(text):
            found = words(sentence)
            reading.words += len(found)
            reading.sentences += 1
            reading.syllables += sum(syllables(w, lang) for w in found)
            if len(found) > LONG_SENTENCE:
                reading.long_sentences.append(" ".join(sentence.split()))
    return reading


def patient_texts(resolved) -> list[str]:
    """The text a patient reads on a handout (a resolve.ResolvedHandout, in the
    language it was resolved in): title, summary, exercise names, purposes, steps,
    notes, cautions and sections. Not the clinic's own lines (name, address,
    footer), which are the same on every handout."""
    model = resolved.model
    texts: list[str] = [model.title]
    if model.summary:
        texts += model.summary.split("\n\n")
    for ex in resolved.exercises:
        texts.append(ex.name)
        texts += [t for t in (ex.purpose, ex.note) if t]
        texts += list(ex.steps) + list(ex.cautions)
    for section in model.sections:
        texts += [t for t in (section.heading, section.text) if t]
        texts += list(section.items or [])
    return [t for t in texts if t and t.strip()]
