"""Dockerfile variable substitution: `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`.

Used for FROM lines, whose image may come from ARGs before the first stage. Unknown
variables expand to the empty string, as the builders do.
"""

from __future__ import annotations

_OPERATORS = (":-", ":+", "-", "+")


def _substitute(body: str, scope: dict[str, str]) -> str:
    for op in _OPERATORS:
        name, sep, word = body.partition(op)
        if sep and name and name.replace("_", "a").isalnum():
            value = scope.get(name)
            word = expand(word, scope)
            if op == ":-":
                return value if value else word
            if op == "-":
                return value if value is not None else word
            if op == ":+":
                return word if value else ""
            return word if value is not None else ""
    return scope.get(body, "")


def _name_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return end


def expand(text: str, scope: dict[str, str]) -> str:
    """Expand variables in `text` from `scope`; `\\$` stays a literal dollar."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] == "$":
            out.append("$")
            i += 2
        elif char == "$" and text[i + 1 : i + 2] == "{":
            close = _matching_brace(text, i + 1)
            out.append(_substitute(text[i + 2 : close], scope))
            i = close + 1
        elif char == "$" and _name_end(text, i + 1) > i + 1:
            end = _name_end(text, i + 1)
            out.append(scope.get(text[i + 1 : end], ""))
            i = end
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _matching_brace(text: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return len(text)
