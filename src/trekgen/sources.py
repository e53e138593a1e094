"""Reading YAML and front matter safely, keeping the line and column of every value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from trekgen.errors import Location, Problem

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 100_000

Key = tuple[str | int, ...]
STR_TAG = "tag:yaml.org,2002:str"
PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}


class SourceError(Exception):
    """A file that cannot be read as content at all."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(location, message)


# Where each value and each key of a document stands: (line, column) by key path.
Positions = tuple[dict[Key, tuple[int, int]], dict[Key, tuple[int, int]]]


@dataclass
class Document:
    """A parsed YAML mapping, and its text to tell where each key and value stands."""

    path: str
    data: Any
    text: str = ""
    first_line: int = 1
    _positions: Positions | None = field(default=None, repr=False, compare=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # Positions stay behind, to be worked out again where they are asked for.
        return Document, (self.path, self.data, self.text, self.first_line)

    @property
    def values(self) -> dict[Key, tuple[int, int]]:
        """The line and column of each value."""
        return self._located()[0]

    @property
    def keys(self) -> dict[Key, tuple[int, int]]:
        """The line and column of each mapping key."""
        return self._located()[1]

    def _located(self) -> Positions:
        # Only messages need positions, so they are worked out on the first ask: recording
        # them for every value was a third of reading a file (issue 6).
        if self._positions is None:
            self._positions = _parsed(self.text, self.path, self.first_line, record=True)[1]
            assert self._positions is not None
        return self._positions

    def locate(self, key: Key, *, at_key: bool = False) -> Location:
        """The location of the value at `key`, or of the nearest enclosing value."""
        values, keys = self._located()
        if at_key and key in keys:
            return Location(self.path, *keys[key])
        for end in range(len(key), -1, -1):
            found = values.get(key[:end])
            if found:
                return Location(self.path, *found)
        return Location(self.path)


# PyYAML's binding to libyaml, when it was built with it.
_FAST_LOADER: type[yaml.CSafeLoader] | None = getattr(yaml, "CSafeLoader", None)
# Where libyaml and the Python loader disagree, found by comparing both on mutated content;
# such text takes the Python loader, whose errors the tests and the docs show. Each pattern
# runs only when its character is in the text, which keeps the test cheap.
_LIBYAML_DIFFERS = (
    ("!", re.compile(r"(?:^|[\s\[{,])!", re.MULTILINE)),  # a bare '!'; tags in flow collections
    ("?", re.compile(r"(?:^|\s)\?(?:\s|$)", re.MULTILINE)),  # '? key' entries move empty values
    ("#", re.compile(r"[|>][-+0-9]*#")),  # a comment stuck to a block scalar header is accepted
    (":", re.compile(r":\s*[,\]}]")),  # an empty value in a flow collection moves a column
)
_BRACKET_OR_QUESTION = re.compile(r"[\[\]{}?]")


def _question_in_flow(text: str) -> bool:
    """True when a '?' may stand inside a flow collection (brackets counted, quotes not)."""
    depth = 0
    for match in _BRACKET_OR_QUESTION.finditer(text):
        char = match[0]
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(0, depth - 1)
        elif depth:
            return True
    return False


def _libyaml_differs(text: str) -> bool:
    """True for text where libyaml and the Python loader may not give the same result."""
    if "\t" in text or "\ufeff" in text:  # tabs are accepted, a BOM is not given a column
        return True
    if "?" in text and _question_in_flow(text):  # libyaml accepts it, as in [scikit?-learn]
        return True
    return any(c in text and pattern.search(text) for c, pattern in _LIBYAML_DIFFERS)


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing aliases: content never needs them and they enable bombs."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed in trekgen content", event.start_mark
            )
        node: Node | None = super().compose_node(parent, index)
        return node


def read_text(path: Path, shown: str) -> str:
    """The file's text, refusing oversized and non-UTF-8 files."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SourceError(
            Location(shown), f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
        )
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(Location(shown), f"not UTF-8 text (byte {exc.start})") from None


def parse_yaml(text: str, path: str, first_line: int = 1) -> Document:
    """Parse one YAML document; `first_line` is the file line where `text` starts."""
    data, _ = _parsed(text, path, first_line, record=False)
    return Document(path, data, text, first_line)


def _parsed(text: str, path: str, first_line: int, record: bool) -> tuple[Any, Positions | None]:
    """The document's data, and with `record` where each of its values stands."""
    clean, node = _compose_fast(text)
    if not clean:
        node = _compose(text, path, first_line)
        if node is not None:  # a clean tree was counted on the way
            _check_size(node, path, first_line)
    where: Positions | None = ({}, {}) if record else None
    if node is None:
        if where is not None:
            where[0][()] = (first_line, 1)
        return {}, where
    return _construct(node, (), where, path, first_line), where


def _compose_fast(text: str) -> tuple[bool, Node | None]:
    """(True, root) when libyaml composes `text` without error or alias; else (False, None).

    libyaml builds the same nodes with the same marks about ten times faster than the
    Python loader, which dominated build time (issue 6). Anything unusual goes through
    `_compose` instead, so errors keep their wording and aliases are refused where they stand.
    """
    if _FAST_LOADER is None or _libyaml_differs(text):
        return False, None
    loader = _FAST_LOADER(text)
    try:
        node: Node | None = loader.get_single_node()
    except yaml.YAMLError:
        return False, None
    finally:
        loader.dispose()
    return (node is None or _few_nodes(text) or _distinct_nodes(node)), node


def _few_nodes(text: str) -> bool:
    """True when `text` can hold neither an alias nor MAX_NODES values.

    An alias is written with '*', and without aliases a value takes at least half a character
    (`?` alone makes two), so most files need no walk over their values, which was a seventh
    of parsing a stage's front matter (issue 6).
    """
    return "*" not in text and 2 * len(text) + 2 < MAX_NODES


def _distinct_nodes(root: Node) -> bool:
    """True when no node appears twice (the text has no alias) and there are not too many."""
    seen: set[int] = set()
    for node in _walk(root):
        if id(node) in seen or len(seen) >= MAX_NODES:
            return False
        seen.add(id(node))
    return True


def _compose(text: str, path: str, first_line: int) -> Node | None:
    """The root node with the Python loader, every failure as a SourceError at its place."""
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node: Node | None = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, column = before.count("\n") + first_line, len(before.rsplit("\n", 1)[-1]) + 1
        message = f"invalid YAML: control character U+{exc.character:04X} is not allowed"
        raise SourceError(Location(path, line, column), message) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        column = mark.column + 1 if mark else 1
        reason = exc.problem or exc.context or "invalid YAML"
        raise SourceError(Location(path, line, column), f"invalid YAML: {reason}") from None
    except yaml.YAMLError as exc:
        raise SourceError(Location(path, first_line), f"invalid YAML: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()
    return node


def _check_size(root: Node, path: str, first_line: int) -> None:
    for count, _ in enumerate(_walk(root), start=1):
        if count > MAX_NODES:
            raise SourceError(
                Location(path, first_line), f"more than {MAX_NODES:,} YAML values in one file"
            )


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, MappingNode):
            for k, v in current.value:
                stack.extend((k, v))


def _position(node: Node, first_line: int) -> tuple[int, int]:
    return node.start_mark.line + first_line, node.start_mark.column + 1


def _construct(node: Node, key: Key, where: Positions | None, path: str, first_line: int) -> Any:
    """The value of `node`; with `where`, its position and those inside it are recorded."""
    if where is not None:
        where[0][key] = _position(node, first_line)
    if node.tag not in PLAIN_TAGS:
        shown = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise SourceError(
            Location(path, *_position(node, first_line)),
            f"invalid YAML: the tag '{shown}' is not allowed in trekgen content",
        )
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            name = _scalar(key_node)
            if not isinstance(name, str | int):
                raise SourceError(
                    Location(path, *_position(key_node, first_line)), "keys must be plain words"
                )
            if name in result:
                raise SourceError(
                    Location(path, *_position(key_node, first_line)), f"duplicate key '{name}'"
                )
            inner = key
            if where is not None:
                inner = (*key, name)
                where[1][inner] = _position(key_node, first_line)
            result[name] = _construct(value_node, inner, where, path, first_line)
        return result
    if isinstance(node, SequenceNode):
        if where is None:
            return [_construct(item, key, None, path, first_line) for item in node.value]
        return [
            _construct(item, (*key, i), where, path, first_line)
            for i, item in enumerate(node.value)
        ]
    try:
        return _scalar(node)
    except ValueError:  # a date that does not exist, like 2026-02-30 (issue 4)
        raise SourceError(
            Location(path, *_position(node, first_line)),
            f"expected a date that exists, like 2026-01-31, got '{node.value}'",
        ) from None


def _scalar(node: Node) -> Any:
    if not isinstance(node, ScalarNode):
        return None
    if node.tag == STR_TAG:
        return node.value  # most values are text: no constructor to go through (issue 6)
    # The constructor of a plain tag, called directly: a new SafeConstructor for every value
    # was a fifth of reading a file (issue 6). Scalar constructors keep no state.
    construct = SafeConstructor.yaml_constructors.get(node.tag)
    if construct is None:
        return SafeConstructor().construct_object(node)
    return construct(_SCALARS, node)


_SCALARS = SafeConstructor()


def read_yaml(path: Path, shown: str) -> Document:
    """A YAML file as a Document."""
    return parse_yaml(read_text(path, shown), shown)


@dataclass
class FrontMatterFile:
    """A Markdown file split into its front matter and body."""

    meta: Document
    body: str
    body_line: int


def read_front_matter(path: Path, shown: str) -> FrontMatterFile:
    """Split `---` front matter from the Markdown body."""
    return split_front_matter(read_text(path, shown), shown)


def split_front_matter(text: str, shown: str) -> FrontMatterFile:
    """Split text that starts with a `---` line into YAML and Markdown."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        raise SourceError(
            Location(shown), "expected front matter: the file must start with a '---' line"
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            meta = parse_yaml("".join(lines[1:index]), shown, first_line=2)
            body = "".join(lines[index + 1 :])
            return FrontMatterFile(meta, body, index + 2)
    raise SourceError(Location(shown), "front matter is not closed: add a '---' line after it")
