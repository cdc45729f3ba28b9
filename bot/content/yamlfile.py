"""YAML files parsed once with libyaml (CSafeLoader), keeping the nodes so errors can name `file:LINE`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml: slower, same results
    _Loader = yaml.SafeLoader

_cache: dict[tuple[str, int, int], YamlFile] = {}


class YamlSyntaxError(Exception):
    """A file that is not valid YAML; `line` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class YamlFile:
    """A parsed YAML file: its data and its node tree (for line numbers)."""

    path: Path
    data: object
    root: yaml.Node | None

    def line(self, loc: tuple = ()) -> int:
        """The 1-based line of the value at `loc` (keys and list indexes), or of its nearest parent."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else 1
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            line, node = child
        return line

    def duplicate_keys(self) -> list[tuple[str, int]]:
        """(key, line) of every key that appears twice in one mapping (YAML keeps the last)."""
        found: list[tuple[str, int]] = []
        _duplicates(self.root, found)
        return found


def load(path: Path) -> YamlFile:
    """Parse a YAML file (cached by path, size and modification time); YamlSyntaxError on bad syntax."""
    stat = os.stat(path)
    key = (str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(key)
    if cached is None:
        cached = _cache[key] = _parse(Path(path))
    return cached


def _parse(path: Path) -> YamlFile:
    loader = _Loader(path.read_text(encoding="utf-8"))
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlSyntaxError(f"not valid YAML: {problem}", line) from None
    finally:
        loader.dispose()
    return YamlFile(path, data, root)


def _child(node: yaml.Node | None, part: object) -> tuple[int, yaml.Node] | None:
    """(line of the key or item, value node) for one step of a location."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in reversed(node.value):  # the last of duplicate keys wins
            if key_node.value == str(part) or key_node.value == part:
                return key_node.start_mark.line + 1, value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            item = node.value[part]
            return item.start_mark.line + 1, item
    return None


def _duplicates(node: yaml.Node | None, found: list[tuple[str, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.value in seen:
                found.append((key_node.value, key_node.start_mark.line + 1))
            seen.add(key_node.value)
            _duplicates(value_node, found)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _duplicates(item, found)
