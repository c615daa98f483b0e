"""JSON replies read while they stream: ``parse_partial_json`` gives the value a cut-off JSON text holds so
far, and ``JsonRenderer`` turns a reply constrained by a ``JsonOutput`` into its text form, only ever
appending (what was shown in the chat is never taken back)."""

from __future__ import annotations

import json

from qa.llm.base import JsonOutput


class JsonRenderer:
    """Turns a JSON reply arriving in pieces into the text form of ``output``, growing only by appending.

    A reply that does not open with ``{`` is a server that ignored the schema: it passes through as is.
    """

    def __init__(self, output: JsonOutput) -> None:
        self.output = output
        self.raw = ""
        self.sent = ""
        self.json_mode: bool | None = None

    def feed(self, piece: str) -> str:
        self.raw += piece
        if self.json_mode is None and self.raw.strip():
            self.json_mode = self.raw.lstrip().startswith("{")
        if not self.json_mode:
            return piece if self.json_mode is False else ""
        return self._advance(parse_partial_json(self.raw))

    def finish(self) -> str:
        if not self.json_mode:
            return ""
        return self._advance(parse_partial_json(self.raw))

    def _advance(self, value: object) -> str:
        text = self.output.render(value if isinstance(value, dict) else {})
        if not text.startswith(self.sent):
            return ""  # never take back what was sent; the next piece catches up
        new, self.sent = text[len(self.sent):], text
        return new


_DECODER = json.JSONDecoder(strict=False)  # a raw newline inside a string is tolerated, as servers may send one


class _End(Exception):
    """The text ended inside a value."""


def parse_partial_json(text: str) -> object:
    """The value a JSON text that may be cut off anywhere holds so far: objects keep their complete members
    and a string member still being written (as far as it goes); unfinished numbers, literals and arrays
    are left out, so each longer prefix of the same text gives a value that extends the previous one."""
    parser = _PartialParser(text)
    try:
        return parser.value()
    except _End:
        return parser.partial


class _PartialParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.partial: object = None  # the outermost object, filled in as members complete

    def _skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in " \t\r\n":
            self.i += 1
        if self.i >= len(self.text):
            raise _End

    def value(self) -> object:
        self._skip()
        ch = self.text[self.i]
        if ch == "{":
            return self._object()
        if ch == "[":
            return self._array()
        if ch == '"':
            text, complete = self._string()
            if not complete:
                raise _End
            return text
        return self._scalar()

    def _object(self) -> dict:
        result: dict = {}
        if self.partial is None:
            self.partial = result
        self.i += 1
        while not self._at_close("}"):
            if self.text[self.i] != '"':
                raise ValueError(f"unexpected {self.text[self.i]!r} at {self.i}")
            key, complete = self._string()
            if not complete:
                raise _End
            self._skip()
            if self.text[self.i] != ":":
                raise ValueError(f"expected ':' at {self.i}")
            self.i += 1
            self._skip()
            if self.text[self.i] == '"':
                text, complete = self._string()
                result[key] = text
                if not complete:
                    raise _End
                continue
            result[key] = self.value()  # an unfinished nested value raises _End and is left out
        return result

    def _array(self) -> list:
        items: list = []
        self.i += 1
        while not self._at_close("]"):
            items.append(self.value())
        return items

    def _at_close(self, closer: str) -> bool:
        """Past white space and commas between members; True (and past it) when ``closer`` comes next."""
        while True:
            self._skip()
            if self.text[self.i] == closer:
                self.i += 1
                return True
            if self.text[self.i] != ",":
                return False
            self.i += 1

    def _string(self) -> tuple[str, bool]:
        """(decoded text so far, whether the closing quote was reached)."""
        start = self.i + 1
        j = start
        while j < len(self.text):
            if self.text[j] == "\\":
                j += 2
                continue
            if self.text[j] == '"':
                self.i = j + 1
                return _DECODER.decode(self.text[start - 1:j + 1]), True
            j += 1
        body = self.text[start:]
        while body:  # drop an unfinished escape at the end (\, \u12)
            try:
                text = _DECODER.decode('"' + body + '"')
                if text and "\ud800" <= text[-1] <= "\udbff":
                    text = text[:-1]  # half of an escaped surrogate pair: its other half is still to come
                return text, False
            except json.JSONDecodeError:
                cut = body.rfind("\\")
                body = body[:cut] if cut >= 0 else ""
        self.i = len(self.text)
        return "", False

    def _scalar(self) -> object:
        j = self.i
        while j < len(self.text) and self.text[j] not in ",]} \t\r\n":
            j += 1
        if j >= len(self.text):
            raise _End  # 12 may yet become 123
        value = json.loads(self.text[self.i:j])
        self.i = j
        return value
