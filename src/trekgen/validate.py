"""Turning a parsed document into a model, with every problem at its line and column."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from trekgen.errors import Problem
from trekgen.sources import Document, Key

M = TypeVar("M", bound=BaseModel)


def validate(doc: Document, model: type[M]) -> tuple[M | None, list[Problem]]:
    """The model for `doc`, or None and the problems that stop it."""
    if not isinstance(doc.data, dict):
        found = type(doc.data).__name__
        return None, [Problem(doc.locate(()), f"expected a mapping of keys to values, got {found}")]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        errors = exc.errors()
        echoes = _misspelt(errors, model)
        return None, [
            _problem(doc, model, error)
            for error in errors
            if not (error["type"] == "missing" and tuple(error["loc"]) in echoes)
        ]


def _misspelt(errors: list[ErrorDetails], model: type[BaseModel]) -> set[Key]:
    """Missing keys that an unknown key beside them misspells: one mistake, one message."""
    found: set[Key] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            key: Key = tuple(error["loc"])
            allowed = fields_at(model, key[:-1])
            close = difflib.get_close_matches(str(key[-1]), allowed, n=1, cutoff=0.6)
            found.update((*key[:-1], name) for name in close)
    return found


def _problem(doc: Document, model: type[BaseModel], error: ErrorDetails) -> Problem:
    key: Key = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        name = str(key[-1])
        return Problem(doc.locate(key, at_key=True), unknown_key(name, fields_at(model, key[:-1])))
    if kind == "missing":
        return Problem(doc.locate(key[:-1]), f"{dotted(key[:-1])}missing required key '{key[-1]}'")
    return Problem(doc.locate(key), f"{dotted(key)}{_message(error)}")


def key_path(key: Key) -> str:
    """`resources[2].kind` for a key path."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in key).lstrip(".")


def dotted(key: Key) -> str:
    """`resources[2].kind: ` for a key path, or nothing at the top."""
    return f"{key_path(key)}: " if key else ""


def unknown_key(name: str, allowed: list[str]) -> str:
    """The message for a key the model does not know, with a suggestion."""
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(allowed)}"
    return f"unknown key '{name}'{hint}"


def _message(error: ErrorDetails) -> str:
    kind, message = error["type"], error["msg"]
    got = error.get("input")
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"expected one of {expected.replace(' or ', ', ')}; got {got!r}"
    if kind in {"string_type", "int_type", "bool_type", "list_type", "date_type", "model_type"}:
        wanted = {
            "string_type": "text",
            "int_type": "a whole number",
            "bool_type": "true or false",
            "list_type": "a list",
            "date_type": "a date like 2026-01-31",
            "model_type": "a mapping of keys to values",
        }[kind]
        return f"expected {wanted}, got {_describe(got)}"
    if kind == "bool_parsing":
        return f"expected true or false, got {got!r}"
    if kind in {"date_from_datetime_parsing", "date_parsing"}:
        return f"expected a date like 2026-01-31, got {got!r}"
    if kind == "too_short" and isinstance(got, str):
        return "must not be empty"
    return _bounds(kind, error.get("ctx", {}), got) or message[0].lower() + message[1:]


def _bounds(kind: str, ctx: dict[str, Any], got: Any) -> str | None:
    """Size and range errors in plain words (issue 4), or None for other kinds."""
    if kind in {"too_short", "too_long"} and isinstance(got, list):
        bound = ctx.get("min_length" if kind == "too_short" else "max_length")
        word = "at least" if kind == "too_short" else "at most"
        return f"expected {word} {bound} item{'s' if bound != 1 else ''}, got {len(got)}"
    if kind in {"greater_than_equal", "less_than_equal"}:
        bound = ctx.get("ge", ctx.get("le"))
        word = "at least" if kind == "greater_than_equal" else "at most"
        return f"expected a number {word} {bound}, got {got!r}"
    return None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def fields_at(model: type[BaseModel], key: Key) -> list[str]:
    """The keys a maintainer may write at `key` inside `model`."""
    current: Any = model
    for part in key:
        current = _inner(current)
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = next((f for n, f in current.model_fields.items() if (f.alias or n) == part), None)
        if field is None:
            return []
        current = field.annotation
    current = _inner(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def _inner(annotation: Any) -> Any:
    """The model inside `list[X]`, `X | None` or `Annotated[X, ...]`."""
    while True:
        origin = get_origin(annotation)
        if origin in (list, typing.Annotated):
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            annotation = options[0] if len(options) == 1 else annotation
            if len(options) != 1:
                return annotation
        else:
            return annotation
