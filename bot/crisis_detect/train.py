"""Trains the statistical net (net.py) on the DEV part of the evaluation set, never the held-aside
fifth, and writes net.tsv.gz; with --cv, first reports what the net adds to the rules, measured
on dev only: a 5-fold cross-validation, and the newest batch scored by a net trained on the
other batches (new writers).

    python -m bot.crisis_detect.train --cv          # figures only
    python -m bot.crisis_detect.train --write       # train on all of dev, store the net

The net is a logistic regression (--model lr, shipped) or a Naive Bayes (--model nb, round 2)
over the same features. Training texts (content/sections) are added as examples of "none": they
talk about suicide, self-harm and radicalisation in a training voice, as mentors quoting them do.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.crisis_detect.crossval import cross_validate, own_examples, urgent_cv
from bot.crisis_detect.engine import CrisisDetector, _WordLoader
from bot.crisis_detect.evaluate import default_paths, load_items, split, training_texts
from bot.crisis_detect.fitting import (
    ROOT,
    SECTIONS,
    SHIPPED,
    URGENT_AT,
    train,
    train_lr,
    train_nb,
    train_urgent,
    windows_of,
    words_of,
    write,
    write_frequent,
)
from bot.crisis_detect.net import NET_FILE, URGENT_FILE

# the nets' fitting is in fitting.py, the cross-validation in crossval.py; their names stay
# importable from here
__all__ = [
    "DATA",
    "ROOT",
    "SECTIONS",
    "SHIPPED",
    "URGENT_AT",
    "cross_validate",
    "main",
    "own_examples",
    "rules_detector",
    "train",
    "train_lr",
    "train_nb",
    "train_urgent",
    "training_set",
    "urgent_cv",
    "windows_of",
    "words_of",
    "write",
    "write_frequent",
]

DATA = ROOT / "tests" / "data" / "crisis"


def training_set(dev: Sequence[dict[str, Any]]) -> tuple[list[str], list[int]]:
    """Dev items (needs help or not) and the training texts (not)."""
    texts = [i["text"] for i in dev] + training_texts(SECTIONS)
    labels = [int(i["label"] != "none") for i in dev] + [0] * (len(texts) - len(dev))
    return texts, labels


def rules_detector(rules_dir: Path | None) -> CrisisDetector:
    """The rules alone (no net): the shipped ones, or those in another folder."""
    if rules_dir is None:
        return CrisisDetector.default(net=False)
    docs = [
        yaml.load(p.read_text(encoding="utf-8"), Loader=_WordLoader)
        for p in sorted(rules_dir.glob("*.yaml"))
    ]
    return CrisisDetector(docs)


def main() -> int:
    """Cross-validates and/or trains and writes the net."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="report the cross-validation")
    parser.add_argument("--rules", type=Path, help="rules folder for --cv (default: shipped)")
    parser.add_argument("--write", action="store_true", help="train on all of dev and store")
    parser.add_argument("--model", choices=("lr", "nb"), default=SHIPPED["model"])
    parser.add_argument("--net", type=float, default=SHIPPED["net"], help="gentle from this")
    parser.add_argument("--veto", type=float, default=SHIPPED["veto"], help="drop gentle below")
    parser.add_argument("--examples", action="store_true", help="also the tests' own examples")
    parser.add_argument("--judged", type=float, default=SHIPPED["judged"], help="ask where judged")
    parser.add_argument("--clear-veto", type=float, default=SHIPPED["clear_veto"])
    parser.add_argument("--urgent-cv", action="store_true", help="cross-validate the urgency net")
    args = parser.parse_args()
    dev, _ = split(load_items(default_paths(DATA)))
    if args.cv:
        result = cross_validate(dev, rules_detector(args.rules), args.model, examples=args.examples)
        print(json.dumps(result))
    if args.urgent_cv:
        print(json.dumps({"urgent_cv": urgent_cv(dev, CrisisDetector.default())}))
    if args.write:
        texts, labels = training_set(dev)
        net = train(texts, labels, args.net, args.veto, args.model)
        net.judged, net.clear_veto = args.judged, args.clear_veto
        write(net)
        write(train_urgent(dev), URGENT_FILE)
        write_frequent()
        print(
            json.dumps(
                {"features": net.size, "texts": len(texts), "bytes": NET_FILE.stat().st_size}
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
