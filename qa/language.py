"""The two languages kutip answers in: telling English from Indonesian by function words, and the terms
lexical search and the checks match on (Indonesian words stemmed, English words with their Indonesian
equivalents from the glossary)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Literal

from qa.lexicon import (ENGLISH_FUNCTION_WORDS, FUNCTION_WORDS, INDONESIAN_FUNCTION_WORDS, INDONESIAN_GLOSS,
                        SCALE_OF)

Language = Literal["en", "id"]

_WORD = re.compile(r"[a-zA-Z']+")


def detect_language(text: str, default: Language = "en") -> Language:
    """The more likely of English and Indonesian; ``default`` when the text gives no sign."""
    words = [w.lower() for w in _WORD.findall(text)]
    english = sum(w in ENGLISH_FUNCTION_WORDS for w in words)
    indonesian = sum(w in INDONESIAN_FUNCTION_WORDS for w in words)
    if english == indonesian:
        return default
    return "en" if english > indonesian else "id"


# ---------------------------------------------------------------- words for lexical search (BM25)

_TERM = re.compile(r"\d+(?:[.,]\d{3})+(?!\d)|\d+(?:[.,]\d+)?|[^\W\d_]+", re.UNICODE)
_GLOSSARY_FILE = Path(__file__).resolve().parent / "data" / "glossary_en_id.tsv"


@lru_cache(maxsize=1)
def _snowball():
    import Stemmer

    return Stemmer.Stemmer("indonesian").stemWord


@lru_cache(maxsize=1)
def _root_words() -> frozenset[str]:
    """Indonesian root words: the dictionary the Sastrawi package ships (its stemmer is not used: pure
    Python, 35-60 ms a word on 2 cores)."""
    import Sastrawi

    path = Path(Sastrawi.__file__).resolve().parent / "Stemmer" / "data" / "kata-dasar.txt"
    return frozenset(path.read_text("utf-8").split())


# me-/pe- before a root swallow its first consonant (mengerahkan < kerah, menawarkan < tawar, memukul < pukul,
# menyapu < sapu); Snowball leaves "erah", which meets neither "dikerahkan" nor the glossary's "kerah"
_NASAL_PREFIX = re.compile(r"^(?:me|pe)(ny|ng|m|n)")
_SWALLOWED = {"ny": "s", "ng": "k", "m": "p", "n": "t"}


@lru_cache(maxsize=200_000)
def _stem_id(word: str) -> str:
    """An Indonesian word's root: Snowball's stemmer (PyStemmer, C), with the consonant a nasal prefix
    swallowed put back when that makes a root word. Retrieval recall equals Sastrawi's stemmer's on both gold
    sets, at C speed (README, "Retrieval beyond the seeds")."""
    roots = _root_words()
    if word in roots:
        return word
    stem = _snowball()(word) or word
    prefix = _NASAL_PREFIX.match(word)
    if prefix and stem[:1] in "aeiou" and _SWALLOWED[prefix.group(1)] + stem in roots:
        return _SWALLOWED[prefix.group(1)] + stem
    return stem


@lru_cache(maxsize=1)
def _glossary() -> dict[str, tuple[str, ...]]:
    entries: dict[str, tuple[str, ...]] = {}
    for line in _GLOSSARY_FILE.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            english, indonesian = line.split("\t", 1)
            entries[english.strip().lower()] = tuple(indonesian.split())
    return entries


def _english_lookup(word: str) -> tuple[str, ...]:
    glossary = _glossary()
    for candidate in (word, word.removesuffix("s"), word.removesuffix("es"), word.removesuffix("ed"),
                      word.removesuffix("d"), word.removesuffix("ing")):
        if candidate in glossary:
            return glossary[candidate]
    return ()


@lru_cache(maxsize=1)
def _english_of() -> dict[str, str]:
    """Indonesian word (and its stem) -> an English word, from the glossary read backwards: a word takes the
    headword of the entry that gives it alone (``budget -> anggaran`` before ``americans -> warga amerika``),
    else the first entry that gives it first."""
    english: dict[str, tuple[tuple[int, int, int], str]] = {}
    for order, (head, words) in enumerate(_glossary().items()):
        for position, word in enumerate(words):
            rank = (len(words) > 1, position, order)
            for form in (word, _stem_id(word)):
                if form not in english or rank < english[form][0]:
                    english[form] = (rank, head)
    return {form: head for form, (_, head) in english.items()}


_GLOSS_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|[^\w\s]", re.UNICODE)


# the gloss an index embeds for English questions (qa.index): a change here or in the word lists it reads
# makes an index embed its glosses again
GLOSS_VERSION = 1


def english_gloss(text: str) -> str:
    """Indonesian text rendered word by word in English, for a reader that knows English only (the reranker):
    each word the glossary or ``INDONESIAN_GLOSS`` knows (as written or stemmed) becomes its English word;
    names, numbers and unknown words stay as written. Not a translation: word order and grammar stay."""
    english = _english_of()
    words = []
    for token in _GLOSS_TOKEN.findall(text):
        lower = token.lower()
        if token[0].isalpha():
            token = INDONESIAN_GLOSS.get(lower) or english.get(lower) or english.get(_stem_id(lower)) or token
        words.append(token)
    return " ".join(words)


def glossary_has(english_word: str) -> bool:
    return bool(_english_lookup(english_word.lower()))


def is_common_word(word: str) -> bool:
    """A word of either language that the glossary or the function-word lists know, as written or stemmed
    ("Fasilitas", "Rumah"): at the start of a sentence its capital says nothing."""
    lower = word.lower()
    return glossary_has(lower) or lower in INDONESIAN_GLOSS or lower in _english_of() or _stem_id(lower) in _english_of()


def normalise_number(token: str) -> str:
    """12.000, 12,000 and 12000 are one number; 1,5 and 1.5 stay as written."""
    return re.sub(r"[.,](?=\d{3}\b)", "", token)


# ---------------------------------------------------------------- numbers written in words

_EN_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_EN_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i > 1}
_ID_UNITS = {w: i for i, w in enumerate("nol satu dua tiga empat lima enam tujuh delapan sembilan".split())}
_ID_SPECIAL = {"sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000, "sejuta": 1_000_000}
_SCALES = {"hundred": 100, "ratus": 100} | {word: 10 ** power for word, power in SCALE_OF.items()}
# a number in digits or words, as one phrase: "12 thousand", "dua belas ribu", "twenty-one"
NUMBER_PHRASE = re.compile(
    r"\b(?:(?:\d+(?:[.,]\d+)?|" + "|".join(sorted({*_EN_UNITS, *_EN_TENS, *_ID_UNITS, *_ID_SPECIAL, *_SCALES, "belas", "puluh",
                                       "and", "dan"}, key=len, reverse=True)) + r")\b[\s-]*)+", re.IGNORECASE)


def words_to_number(phrase: str) -> int | float | None:
    """12 thousand, twelve thousand, dua belas ribu, 1.5 million -> 12000, 12000, 12000, 1500000; None if
    the phrase is not one number (two figures side by side are never added up)."""
    words = [w for w in re.split(r"[\s-]+", phrase.lower()) if w]
    if words and words[-1] in ("and", "dan"):
        words = words[:-1]
    if not words or len(words) == 1 and (_is_figure(words[0]) or words[0] == "one"):
        return None  # a lone figure is already digits; a lone "one" is mostly a pronoun
    if sum(_is_figure(w) for w in words) > 1:
        return None
    total, current, unit = 0.0, 0.0, 0.0
    for position, word in enumerate(words):
        if word in ("and", "dan"):
            if position == 0 or words[position - 1] not in _SCALES:
                return None  # "10,000 and 12,000": two numbers, not one
            continue
        if _is_figure(word):
            unit = float(word.replace(",", "."))
            current += unit
        elif word in _EN_UNITS or word in _ID_UNITS:
            unit = _EN_UNITS.get(word, _ID_UNITS.get(word, 0))
            current += unit
        elif word in _EN_TENS:
            unit = _EN_TENS[word]
            current += unit
        elif word in _ID_SPECIAL:
            value = _ID_SPECIAL[word]
            if value >= 1000:
                total += (current or 1) * value
                current = 0
            elif value == 100:
                current = current * 100 if current else 100
            else:
                current += value
            unit = 0
        elif word == "belas":  # dua belas = 12: acts on the last unit only
            current += 10
            unit = 0
        elif word == "puluh":  # dua ratus dua puluh = 220
            current += unit * 9 if unit else 10
            unit = 0
        elif word in _SCALES:
            scale = _SCALES[word]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
            unit = 0
        else:
            return None
    value = total + current
    return int(value) if value == int(value) else value


def spelled_numbers(text: str) -> Iterator[tuple[int, int, int | float]]:
    """The numbers ``text`` writes in words ("sembilan ketua", "dua belas ribu", "twenty-one"), as (start,
    end, value); not "salah satu" (one of), "satu-satunya" (the only), a lone "one", nor words beside digits."""
    for match in NUMBER_PHRASE.finditer(text):
        phrase = re.sub(r"(?:[\s-]+(?:and|dan))?[\s-]*$", "", match.group(0), flags=re.IGNORECASE)
        if not phrase or any(ch.isdigit() for ch in phrase) or text[match.start() + len(phrase):][:1] == "-":
            continue
        if re.search(r"\bsalah\s+$", text[max(0, match.start() - 7):match.start()], re.IGNORECASE):
            continue
        value = words_to_number(phrase)
        if value is not None:
            yield match.start(), match.start() + len(phrase), value


def _is_figure(word: str) -> bool:
    return re.fullmatch(r"\d+(?:[.,]\d+)?", word) is not None


def _content_tokens(text: str) -> Iterator[str]:
    """The lower-cased numbers and words of ``text``, function words and single letters left out."""
    for match in _TERM.finditer(text.lower()):
        token = match.group(0)
        if token[0].isdigit() or (token not in FUNCTION_WORDS and len(token) >= 2):
            yield token


# Bump when search_terms gives other terms for the same text (stemmer, function words, tokenising): an index
# keeps each passage's terms and reuses them only while this number is the one they were made with.
# 4: a passage's terms include its article's title (qa.index.passage_terms); 3: Snowball with Sastrawi's root
# words; 2: Snowball alone; 1: Sastrawi's stemmer
TERMS_VERSION = 4


def search_terms(text: str, language: Language, translate: bool = False) -> list[str]:
    """Lower-cased words without function words; Indonesian words stemmed; numbers normalised.
    With ``translate``, English words also bring their Indonesian equivalents from the glossary."""
    terms: list[str] = []
    for token in _content_tokens(text):
        if token[0].isdigit():
            terms.append(normalise_number(token))
            continue
        terms.append(_stem_id(token) if language == "id" else token)
        if translate and language == "en":
            terms.extend(_stem_id(w) for w in _english_lookup(token))
    return terms


def word_forms(text: str, language: Language) -> list[frozenset[str]]:
    """For each content word of ``text``, the forms it may take in an article: the word, its Indonesian stem,
    and for an English word its Indonesian equivalents from the glossary (stemmed)."""
    forms = []
    for token in _content_tokens(text):
        if token[0].isdigit():
            continue
        found = {token, _stem_id(token)}
        if language == "en":
            found.update(_stem_id(w) for w in _english_lookup(token))
        forms.append(frozenset(found))
    return forms


def text_terms(text: str) -> set[str]:
    """The words of a passage as ``word_forms`` can meet them: each word and its Indonesian stem."""
    terms: set[str] = set()
    for match in _TERM.finditer(text.lower()):
        token = match.group(0)
        if not token[0].isdigit():
            terms.update((token, _stem_id(token)))
    return terms


# ---------------------------------------------------------------- figures and dates in English

# How Indonesian writes what surrounds a figure, in English: the words that scale it, the words that hedge it
# (a lead that drops "lebih dari" says something the article does not), months and days.
_SCALE_EN = {"ribu": "thousand", "juta": "million", "miliar": "billion", "milyar": "billion",
             "triliun": "trillion", "persen": "percent"}
_HEDGE_EN = {"lebih dari": "more than", "kurang dari": "less than", "sekitar": "about", "kira-kira": "about",
             "hampir": "almost", "sedikitnya": "at least", "setidaknya": "at least", "minimal": "at least",
             "paling sedikit": "at least", "maksimal": "at most", "hingga": "up to", "sampai": "up to",
             "hanya": "only"}
_MONTH_EN = {"januari": "January", "februari": "February", "maret": "March", "april": "April", "mei": "May",
             "juni": "June", "juli": "July", "agustus": "August", "september": "September",
             "oktober": "October", "november": "November", "nopember": "November", "desember": "December"}
_DAY_EN = {"senin": "Monday", "selasa": "Tuesday", "rabu": "Wednesday", "kamis": "Thursday", "jumat": "Friday",
           "jum'at": "Friday", "sabtu": "Saturday", "minggu": "Sunday"}
# a currency written before an amount: "Rp 2,2 triliun", "US$ 3,8 juta", "SGD 500 ribu"
CURRENCY = r"(?:Rp\.?|US\$|S\$|\$|USD|SGD|IDR|EUR|€|£)"
_HEDGE = re.compile(r"\b(?:" + "|".join(sorted(_HEDGE_EN, key=len, reverse=True)) + r")\s+$", re.IGNORECASE)
_MONTH = "|".join(_MONTH_EN)
# the word before a date that changes what it says: "sejak 2017" is since 2017, not 2017
_DATE_LEAD_EN = {"sejak": "since", "hingga": "until", "sampai": "until", "awal": "early", "akhir": "late",
                 "pertengahan": "mid", "per": "as of", "pada": "", "tahun": "", "tanggal": ""}


def _date_lead(group: str) -> str:
    return r"(?:\b(?P<" + group + ">" + "|".join(_DATE_LEAD_EN) + r")\s+(?:tahun\s+|tanggal\s+)?)"


# a year alone counts only after such a word: the 2015 of "Perjanjian Paris 2015" names the agreement
_DATE_PHRASE = re.compile(
    _date_lead("lead") + r"?(?:\b(?P<day>" + "|".join(_DAY_EN) + r")\b"
    r"(?:,?\s*\((?P<dm>\d{1,2}/\d{1,2}(?:/\d{2,4})?)\))?"
    r"|\b(?P<d>\d{1,2})\s+(?P<m>" + _MONTH + r")\b(?:\s+(?P<y>\d{4})\b)?"
    r"|\b(?P<m2>" + _MONTH + r")\s+(?P<y2>\d{4})\b)"
    r"|" + _date_lead("year_lead") + r"(?P<year>(?:19|20)\d{2})\b(?!\s*[.,]\d)",
    re.IGNORECASE)


def english_number(token: str) -> str:
    """A number as Indonesian writes it, as English does: 1.000 -> 1,000 and 2,5 -> 2.5; 12 stays 12."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", token):
        return token.replace(".", "\0").replace(",", ".").replace("\0", ",")
    if re.fullmatch(r"\d+,\d{1,2}|\d+,\d{4,}", token):
        return token.replace(",", ".")
    return token


def english_figure(sentence: str, figure: str) -> str | None:
    """The ``figure`` of an Indonesian ``sentence`` ("2,2", or "10 ribu" with the word after it) in English,
    with what the sentence writes around it that changes its meaning: the hedge before it, its currency, the
    word that scales it ("lebih dari Rp 2,2 triliun" -> "more than Rp 2.2 trillion"). The thing it counts is
    left out: the glossary's English for it is not always the sense the article means. None when the
    sentence does not hold the figure."""
    if not figure[:1].isdigit():  # written in words: "sembilan ketua" -> "9"
        spelled = _spelled_figure(sentence, figure)
        if spelled is None:
            return None
        return " ".join(_hedge_before(sentence, spelled[0]) + [f"{spelled[2]:,}"])
    number = figure.partition(" ")[0]
    found = _find_figure(sentence, figure)
    if not found:
        return None
    currency = (found.group(1) or "").strip()
    scale = _scale_after(sentence, found.end())
    scale_word = scale.group(1).lower() if scale else ""
    parts = _hedge_before(sentence, found.start())
    joint = "" if currency.endswith("$") else " "  # $1 billion, Rp 2.2 trillion
    amount = f"{currency}{joint}{english_number(number)}".strip()
    unit = "%" if scale_word == "%" else f" {_SCALE_EN[scale_word]}" if scale else ""
    amount += unit
    end = found.end() + (scale.end() if scale else 0)
    measure = _MEASURE_AFTER.match(sentence, end)
    if measure and not currency and scale_word != "%":
        amount += f" {_MEASURE_EN[measure.group(1).lower()]}"
    if _ANTARA_BEFORE.search(sentence[:found.start()]):  # antara 8.000 dan 10.000 orang
        upper = _RANGE_UPPER.match(sentence, end)
        if upper:
            return f"between {amount} and {f'{currency}{joint}{english_number(upper.group(1))}'.strip()}{unit}"
    return " ".join(parts + [amount])


def _spelled_figure(sentence: str, figure: str) -> tuple[int, int, int] | None:
    """Where ``sentence`` writes the number in words that ``figure`` begins with ("tiga puluh orang": the
    "tiga puluh", not an earlier "tiga"), as (start, end, value)."""
    wanted = figure.lower()
    found = [(start, end, value) for start, end, value in spelled_numbers(sentence)
             if wanted == sentence[start:end].lower() or wanted.startswith(sentence[start:end].lower() + " ")]
    return max(found, key=lambda f: f[1] - f[0], default=None)


def _find_figure(sentence: str, figure: str) -> re.Match | None:
    """Where ``sentence`` writes ``figure`` ("10 ribu": its number, with the currency before it as group 1)."""
    number, _, after = figure.partition(" ")
    for tail in ([re.escape(" " + after), ""] if after else [""]):  # "10 ribu", not the 10 of "(20/10)"
        found = re.search(r"(?<![\w.,])(" + CURRENCY + r"\s?)?" + re.escape(number) + r"(?![\d])(?=" + tail + ")",
                          sentence)
        if found:
            return found
    return None


# units of measure a figure keeps in English: "4.000 hektar" is "4,000 hectares", not "4,000" (the thing a figure
# counts is left out, the glossary's sense of it being unsure; a unit has one sense)
_MEASURE_EN = {"hektar": "hectares", "hektare": "hectares", "ha": "hectares", "km": "km", "kilometer": "kilometres",
               "meter": "metres", "m": "metres", "cm": "cm", "mm": "mm", "ton": "tonnes", "kg": "kg", "kilogram": "kg", "gram": "grams",
               "liter": "litres", "ppm": "ppm", "derajat": "degrees", "mw": "MW", "gw": "GW", "kwh": "kWh"}
_MEASURE_AFTER = re.compile(r"\s*(" + "|".join(sorted(_MEASURE_EN, key=len, reverse=True)) + r")\b"
                            r"(?!\s*(?:persegi|kubik|/|per\b))", re.IGNORECASE)  # not "meter persegi", "km/jam"


def _scale_after(sentence: str, position: int) -> re.Match | None:
    """The word that scales the figure ending at ``position`` ("triliun", "persen", "%"; group 1), if any."""
    scale = re.match(r"\s*(%|[A-Za-z]+)", sentence[position:])
    return scale if scale and (scale.group(1) == "%" or scale.group(1).lower() in _SCALE_EN) else None


# a range's other end, after its first figure and that figure's scale: "antara 8.000 | dan 10.000 orang"
_ANTARA_BEFORE = re.compile(r"\bantara\s+$", re.IGNORECASE)
_RANGE_UPPER = re.compile(r"\s+dan\s+(?:" + CURRENCY + r"\s?)?(\d+(?:[.,]\d+)*)(?![\d])(?:\s*(?:%|(?i:"
                          + "|".join(_SCALE_EN) + r")\b))?")


def figure_as_written(sentence: str, figure: str) -> str | None:
    """The ``figure`` of ``sentence`` as the sentence writes it, with its hedge, currency, scaling word and the
    upper end of a range "antara … dan …" ("antara 8.000 dan 10.000" for 8.000; "lebih dari Rp 2,2 triliun" for
    2,2): the lead of a quote that answers how many or how much in Indonesian. None when the sentence does not
    hold it."""
    if not figure[:1].isdigit():  # written in words: "sembilan ketua"
        spelled = _spelled_figure(sentence, figure)
        if spelled is None:
            return None
        hedge = _HEDGE.search(sentence[:spelled[0]])
        return sentence[hedge.start() if hedge else spelled[0]:spelled[1]]
    found = _find_figure(sentence, figure)
    if not found:
        return None
    hedge = _HEDGE.search(sentence[:found.start()]) or _ANTARA_BEFORE.search(sentence[:found.start()])
    scale = _scale_after(sentence, found.end())
    end = found.end() + (scale.end() if scale else 0)
    if hedge and hedge.group(0).lower().startswith("antara"):
        upper = _RANGE_UPPER.match(sentence, end)
        if upper:
            end = upper.end()
    return sentence[hedge.start() if hedge else found.start():end].strip()


def _hedge_before(sentence: str, position: int) -> list[str]:
    """The English of the hedge that ends right before ``position`` ("lebih dari" -> "more than"), if any."""
    hedge = _HEDGE.search(sentence[:position])
    return [_HEDGE_EN[hedge.group(0).strip().lower()]] if hedge else []


def english_dates(sentence: str) -> list[str]:
    """The dates an Indonesian sentence gives, each in English ("Senin (20/10)" -> "Monday (20/10)", "23
    Desember 2024" -> "23 December 2024", "sejak tahun 2017" -> "since 2017"), in order, without repeats.
    Clock times are not dates, nor is a year that follows a name ("Perjanjian Paris 2015")."""
    dates: list[str] = []
    for match in _DATE_PHRASE.finditer(sentence):
        if match.group("day"):
            if match.group("day")[0].islower():
                continue  # "minggu lalu" is last week; a day of the week is written capitalised
            date = _DAY_EN[match.group("day").lower()] + (f" ({match.group('dm')})" if match.group("dm") else "")
        elif match.group("m"):
            date = f"{match.group('d')} {_MONTH_EN[match.group('m').lower()]}" + \
                   (f" {match.group('y')}" if match.group("y") else "")
        elif match.group("m2"):
            date = f"{_MONTH_EN[match.group('m2').lower()]} {match.group('y2')}"
        else:
            date = match.group("year")
        lead = _DATE_LEAD_EN.get((match.group("lead") or match.group("year_lead") or "").lower(), "")
        date = f"{lead} {date}" if lead else date
        if date not in dates:
            dates.append(date)
    return dates
