"""Evaluation of the detector on labelled sets: the dev/holdout split and the figures."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.crisis_detect.engine import CrisisDetector, Finding
from bot.crisis_detect.rules_load import _SafeLoader

FORMS = ("typo", "nodiacritics", "slang")


def _load_yaml(path: Path) -> Any:
    # libyaml when there: the same items in a tenth of the time (2.7 s -> 0.3 s of CPU, the set)
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_SafeLoader)


def default_paths(folder: Path) -> list[Path]:
    """Every evaluation file in the folder (en.yaml, fi_2.yaml, ...): the set the split is made on."""
    return sorted(Path(folder).glob("*.yaml"))


def load_items(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Items of the given YAML files, each with its language (the file's stem)."""
    items = []
    for path in paths:
        for raw in _load_yaml(path) or []:
            items.append(
                {
                    "text": str(raw["text"]),
                    "label": raw["label"],
                    "urgent": bool(raw.get("urgent", False)),
                    "tags": list(raw.get("tags") or []),
                    "lang": Path(path).stem.split("_")[0],  # en_2.yaml is English too
                    "file": Path(path).stem,
                }
            )
    return items


def is_holdout(text: str) -> bool:
    """True for the fifth of the items held aside (never used while writing rules)."""
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % 5 == 0


def split(items: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(dev, holdout) by the hash of each text."""
    dev = [i for i in items if not is_holdout(i["text"])]
    hold = [i for i in items if is_holdout(i["text"])]
    return dev, hold


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _pr(rows: list[tuple[dict[str, Any], Finding | None]], strict: bool = False) -> dict[str, Any]:
    """Recall and precision of (item, finding) pairs; strict counts only clear and urgent."""

    def caught(f: Finding | None) -> bool:
        return f is not None and (not strict or f.tier != "gentle")

    pos = [(i, f) for i, f in rows if i["label"] != "none"]
    neg = [(i, f) for i, f in rows if i["label"] == "none"]
    tp = sum(1 for _, f in pos if caught(f))
    fp = sum(1 for _, f in neg if caught(f))
    return {
        "n": len(rows),
        "recall": _ratio(tp, len(pos)),
        "precision": _ratio(tp, tp + fp),
        "tp": tp,
        "fp": fp,
        "positives": len(pos),
    }


def evaluate(detector: CrisisDetector, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every figure for one set of items, with its misses and false positives."""
    rows = [(item, detector.scan(item["text"])) for item in items]
    out: dict[str, Any] = _pr(rows)
    strict = _pr(rows, strict=True)
    out["strict"] = {"recall": strict["recall"], "precision": strict["precision"]}
    by_lang = defaultdict(list)
    for item, found in rows:
        by_lang[item["lang"]].append((item, found))
    out["lang"] = {
        lang: {k: v for k, v in _pr(r).items() if k in ("n", "recall", "precision")}
        for lang, r in sorted(by_lang.items())
    }
    by_file = defaultdict(list)
    for item, found in rows:
        by_file[item.get("file", item["lang"])].append((item, found))
    out["file"] = {
        name: {k: v for k, v in _pr(r).items() if k in ("n", "recall", "precision")}
        for name, r in sorted(by_file.items())
    }
    out["label"] = {}
    for label in ("self", "other"):
        sub = [(i, f) for i, f in rows if i["label"] == label]
        out["label"][label] = {
            "n": len(sub),
            "recall": _ratio(sum(1 for _, f in sub if f), len(sub)),
        }
    tags: dict[str, dict[str, Any]] = {}
    names = sorted({t for i, _ in rows for t in i["tags"]})
    for tag in ["forms", *names]:
        wanted = set(FORMS) if tag == "forms" else {tag}
        sub = [(i, f) for i, f in rows if wanted & set(i["tags"])]
        pos = [f for i, f in sub if i["label"] != "none"]
        neg = [f for i, f in sub if i["label"] == "none"]
        tags[tag] = {
            "positives": len(pos),
            "recall": _ratio(sum(1 for f in pos if f), len(pos)),
            "negatives": len(neg),
            "false_positives": sum(1 for f in neg if f),
        }
    out["tags"] = tags
    caught = [(i, f) for i, f in rows if i["label"] != "none" and f]
    out["about_accuracy"] = _ratio(sum(1 for i, f in caught if f.about == i["label"]), len(caught))
    urgent = [(i, f) for i, f in rows if i["urgent"]]
    out["urgent"] = {
        "n": len(urgent),
        "tier_urgent": _ratio(sum(1 for _, f in urgent if f and f.tier == "urgent"), len(urgent)),
        "caught": _ratio(sum(1 for _, f in urgent if f), len(urgent)),
        "urgent_on_non_urgent": sum(
            1 for i, f in rows if not i["urgent"] and f and f.tier == "urgent"
        ),
    }
    out["misses"] = [_show(i, f) for i, f in rows if i["label"] != "none" and not f]
    out["false_positives"] = [_show(i, f) for i, f in rows if i["label"] == "none" and f]
    out["wrong_about"] = [_show(i, f) for i, f in caught if f.about != i["label"]]
    out["urgent_missed"] = [_show(i, f) for i, f in urgent if not f or f.tier != "urgent"]
    return out


def _show(item: dict[str, Any], found: Finding | None) -> dict[str, Any]:
    row = {"text": item["text"], "label": item["label"], "tags": item["tags"]}
    if found is not None:
        row["found"] = f"{found.tier}/{found.about}/{found.kind}/{found.rule}"
    return row


def training_texts(sections_dir: Path) -> list[str]:
    """Every text of the training sections (titles, intros, bites, prompts, checks), all languages."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            if " " in node.strip():
                texts.append(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key not in ("id", "prompt"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(Path(sections_dir).glob("*.yaml")):
        walk(_load_yaml(path))
    return texts
