"""Tell English from Indonesian with function words: the two languages the product answers in."""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "id"]

_WORD = re.compile(r"[a-zA-Z']+")

_ENGLISH = frozenset(
    """the a an of to in on at for from by with and or but is are was were be been has have had
    do does did what who whom whose which when where why how that this these those it its they their
    he she his her not no than then there as will would can could should about into after before
    many much more most did say says said tell""".split()
)
_INDONESIAN = frozenset(
    """yang dan di ke dari untuk dengan pada adalah itu ini tidak bukan atau juga akan telah sudah
    dalam oleh sebagai bahwa mereka kami kita ia dia apa siapa kapan mana dimana mengapa kenapa
    bagaimana berapa para lebih karena saat ketika setelah sebelum tersebut namun tetapi hanya
    ada bisa dapat menurut sebuah seorang jumlah apakah""".split()
)
FUNCTION_WORDS = _ENGLISH | _INDONESIAN


def detect_language(text: str, default: Language = "en") -> Language:
    """The more likely of English and Indonesian; ``default`` when the text gives no sign."""
    words = [w.lower() for w in _WORD.findall(text)]
    english = sum(w in _ENGLISH for w in words)
    indonesian = sum(w in _INDONESIAN for w in words)
    if english == indonesian:
        return default
    return "en" if english > indonesian else "id"
