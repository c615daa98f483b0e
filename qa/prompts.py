"""Every prompt, grammar and fixed reply the pipeline uses, in one place.

Static instructions come first and never change between questions, so llama.cpp reuses their tokens.
"""

from __future__ import annotations

from typing import Sequence

from qa.language import Language
from qa.llm.base import JsonOutput, Passage

ANSWER_SYSTEM = """You answer a question about news articles using only the numbered passages given with it.
Reply in exactly this form:
EVIDENCE: numbers of the passages that directly answer the question, e.g. 2, 4 (NONE if none does)
ANSWER: a short direct answer, each claim followed by its passage number in brackets, e.g. [2]
Rules: a passage that only shares words with the question is not evidence; use only facts written in the passages; copy names and numbers exactly; if passages give different figures, give each with its source; if no passage answers the question, write EVIDENCE: NONE and ANSWER: NONE."""

# A small model asked "yes or no?" first says yes to nearly anything (1.5B: "Yes" to 15 of 18 English yes/no
# questions, whatever the articles say); written after the fact that settles it, the verdict follows the fact.
YES_NO_TASK = "It is a yes/no question: first write FACT: what the passages say about it, each claim followed by " \
              "its passage number in brackets; then ANSWER: yes or no."

# a verdict in the question's language: asked to write "Yes" or "No" to Indonesian questions, the 1.5B wrote "Yes"
# where it had written "Tidak" (measured on the 40 yes/no questions of the two dev gold sets)
VERDICTS = {
    "en": ("Yes", "No", "Not yet"),
    "id": ("Ya", "Tidak", "Belum"),
}

ANSWER_LANGUAGE = {
    "en": "Answer in English.",
    "id": "Jawab dalam bahasa Indonesia.",
}

REWRITE_SYSTEM = """Rewrite the user's last question so that it can be understood without the conversation: replace words such as "that", "it", "they", "itu", "tersebut" with what they refer to. Keep the language of the last question. Reply with the rewritten question only."""

CONFIRM_SYSTEM = """You check whether a passage from a news article answers a question. Reply yes or no."""

CONFIRM_GRAMMAR = 'root ::= "yes" | "no"'

TRANSLATE_SYSTEM = """Translate the user's Indonesian sentence into English. Keep every name and number exactly as written. Reply with the English sentence only."""

MACHINE_TRANSLATION = "Machine translation:"

ABSTAIN_REPLY = {
    "en": "The articles don't say.",
    "id": "Artikel-artikel ini tidak menyebutkannya.",
}

OTHER_FIGURES = {
    "en": "The articles also give other figures:",
    "id": "Artikel juga menyebut angka lain:",
}

EXTRACTIVE_PREFIX = {
    "en": "The generated answer could not be checked against the articles; the closest passage says:",
    "id": "Jawaban yang dihasilkan tidak dapat dicocokkan dengan artikel; bagian yang paling dekat menyebutkan:",
}

REWRITE_GRAMMAR = r"""root ::= [^\n]+"""


def answer_grammar(passage_numbers: Sequence[int], verdicts: Sequence[str] = ()) -> str:
    """Evidence first, as numbers of passages that were shown; then a one-line answer. Given ``verdicts`` (a
    yes/no question, ``VERDICTS``), the answer line is one of them, after a FACT line that settles it."""
    numbers = " | ".join(f'"{n}"' for n in sorted(set(passage_numbers)) or [1])
    if verdicts:
        # the fact's markers are not required: made to write one, the 1.5B wrote on to the token limit instead
        head = [r'root ::= "EVIDENCE: NONE\nANSWER: NONE" | "EVIDENCE: " evidence "\nFACT: " answer "\nANSWER: " verdict',
                r'evidence ::= number (", " number)*',
                "verdict ::= " + " | ".join(f'"{v}"' for v in verdicts)]
    else:
        head = [r'root ::= "EVIDENCE: " evidence "\nANSWER: " answer', r'evidence ::= "NONE" | number (", " number)*']
    return "\n".join(head + [
        f"number ::= {numbers}",
        r'answer ::= "NONE" | [^\n\[ ] [^\n]*',  # words first: a bare "[2]" is no answer
    ])


def _render_answer(reply: dict) -> str:
    evidence = reply.get("evidence")
    if not isinstance(evidence, list):
        return ""
    numbers = ", ".join(str(n) for n in evidence if isinstance(n, int))
    text = f"EVIDENCE: {numbers or 'NONE'}"
    if isinstance(reply.get("fact"), str):
        text += f"\nFACT: {reply['fact']}"
    answer = reply.get("answer")
    return text + f"\nANSWER: {answer}" if isinstance(answer, str) else text


def answer_schema(passage_numbers: Sequence[int], verdicts: Sequence[str] = ()) -> JsonOutput:
    """The JSON form of ``answer_grammar``: evidence (passage numbers shown; empty for none), then the answer;
    given ``verdicts``, the fact before the answer, which is one of them."""
    # as in the grammar: words first (a bare "[2]" is no answer); no quote or backslash, so the JSON a
    # pattern-following server writes stays valid
    words = {"type": "string", "pattern": r'^(NONE|[^\["\\\n ][^"\\\n]*)$'}
    properties: dict = {
        "evidence": {"type": "array", "items": {"type": "integer", "enum": sorted(set(passage_numbers)) or [1]}}}
    if verdicts:
        properties["fact"] = words
        properties["answer"] = {"type": "string", "enum": ["NONE", *verdicts]}
    else:
        properties["answer"] = words
    schema = {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}
    return JsonOutput("kutip_answer", schema, _render_answer)


def answer_messages(question: str, passages: Sequence[tuple[int, str]], language: Language,
                    yes_no: bool = False) -> list[dict]:
    """``passages``: (number, text) in the order shown, the best match first.

    The question comes after the passages only: everything before the first passage is the same for every
    question, and each passage is a ``Passage`` part, so the in-process model reads a passage once and
    reuses its state (``qa.llm.llamacpp``). Put nothing that varies before the first passage.

    Parts are tokenized apart, so each cut sits where the tokenizer would cut the whole text anyway: a
    passage takes the space before its first word and the line break after its last (BPE joins a word to
    the space before it, and a full stop to the line break after it)."""
    parts: list[str] = ["Passages:\n"]
    for n, text in passages:
        parts += [f"[{n}]", Passage(f" {text.strip()}\n")]
    task = f"{YES_NO_TASK}\n" if yes_no else ""
    parts.append(f"Question: {question}\n{task}{ANSWER_LANGUAGE[language]}")
    return [{"role": "system", "content": ANSWER_SYSTEM}, {"role": "user", "content": tuple(parts)}]


def answer_prompt(question: str, passages: Sequence[tuple[int, str]], language: Language,
                  yes_no: bool = False) -> tuple[list[dict], str, JsonOutput]:
    """What the model is given to answer ``question`` from ``passages`` ((number, text), best first): the
    messages, the grammar and its JSON-schema form; a yes/no question's ask for the fact before the verdict."""
    verdicts = VERDICTS[language] if yes_no else ()
    numbers = [n for n, _ in passages]
    return (answer_messages(question, passages, language, yes_no=yes_no), answer_grammar(numbers, verdicts),
            answer_schema(numbers, verdicts))


def answer_prediction(passage_numbers: Sequence[int], yes_no: bool = False) -> str:
    """A likely start of the reply to ``answer_prompt``, for a backend to check in one batch (``Generator.stream``):
    every passage as evidence, then the next line's label. The replies follow it for a while (the 1.5B's evidence on
    the dev gold: "1, 2" 56 times of 179, "1, 2, 3, 4" 35, "3, 4" 23), and where one leaves it, what it has after
    the reply's last tokens ("3" → ", 4\nANSWER: ") is drafted next. A wrong guess costs a few tokens of a batch."""
    numbers = ", ".join(str(n) for n in sorted(set(passage_numbers)))
    return f"EVIDENCE: {numbers}\n{'FACT' if yes_no else 'ANSWER'}: " if numbers else ""


def confirm_messages(passage: str, question: str, answer: str | None = None) -> list[dict]:
    """The model asked again, on one passage alone, whether it states the answer to the question, or, given
    ``answer``, whether it supports that answer (``decision.after_confirmation``)."""
    if answer is None:
        ask = "Does the passage state the answer to this question?"
    else:
        ask = f"Answer: {answer}\nDoes the passage support this answer to the question?"
    # the passage right after the static text, a part of its own: its stored state is exact (``qa.llm.llamacpp``);
    # the cut after the blank line is where the tokenizer cuts the whole text (".\n\n" is one token)
    user = ("Passage:", Passage(f" {passage.strip()}\n\n"), f"Question: {question}\n{ask} Reply yes or no.")
    return [{"role": "system", "content": CONFIRM_SYSTEM}, {"role": "user", "content": user}]


def translate_messages(sentence: str) -> list[dict]:
    return [{"role": "system", "content": TRANSLATE_SYSTEM}, {"role": "user", "content": sentence}]


def rewrite_messages(question: str, history: Sequence[dict], max_turn_chars: int = 400) -> list[dict]:
    turns = []
    for turn in history[-4:]:
        speaker = "User" if turn.get("role") == "user" else "Assistant"
        turns.append(f"{speaker}: {str(turn.get('content', ''))[:max_turn_chars]}")
    user = "Conversation:\n" + "\n".join(turns) + f"\n\nLast question: {question}\nRewritten question:"
    return [{"role": "system", "content": REWRITE_SYSTEM}, {"role": "user", "content": user}]
