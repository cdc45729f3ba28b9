"""Trains the statistical net (net.py) on the DEV part of the evaluation set, never the held-aside
fifth, and writes net.tsv.gz; with --cv, first reports what the net adds to the rules in a
5-fold cross-validation on the dev part.

    python -m bot.crisis_detect.train --cv          # figures only
    python -m bot.crisis_detect.train --write       # train on all of dev, store the net

Training texts (content/sections) are added as examples of "none": they talk about suicide,
self-harm and radicalisation in a training voice, as mentors quoting them do.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.crisis_detect.engine import FREQUENT_FILE, CrisisDetector, _WordLoader
from bot.crisis_detect.evaluate import default_paths, load_items, split, training_texts
from bot.crisis_detect.net import MIN_WORDS, NET_FILE, StatNet, text_features
from bot.crisis_detect.text import sentences

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "crisis"
SECTIONS = ROOT / "content" / "sections"
ALPHA, MIN_DF, TOP_K, SCALE = 1.0, 2, 10_000, 10


def words_of(text: str) -> list[list[str]]:
    """Folded words per sentence, as the detector reads them."""
    return [words for words, _, _ in sentences(text)]


def train(
    texts: Sequence[str],
    labels: Sequence[int],
    net: float = 0.0,
    veto: float = -99.0,
    weights: Sequence[int] | None = None,
) -> StatNet:
    """A Bernoulli Naive Bayes over the features of each text (1 = needs help, 0 = not); a
    text of weight k counts as k texts."""
    counts = [Counter(), Counter()]
    n = [0, 0]
    for k, (text, label) in enumerate(zip(texts, labels, strict=True)):
        weight = weights[k] if weights else 1
        for feature in text_features(words_of(text)):
            counts[label][feature] += weight
        n[label] += weight
    logodds = {}
    for feature in set(counts[0]) | set(counts[1]):
        c0, c1 = counts[0][feature], counts[1][feature]
        if c0 + c1 < MIN_DF:
            continue
        p1 = (c1 + ALPHA) / (n[1] + 2 * ALPHA)
        p0 = (c0 + ALPHA) / (n[0] + 2 * ALPHA)
        logodds[feature] = (math.log(p1 / p0), c0 + c1)
    # keep the features that say most, often
    kept = sorted(logodds, key=lambda f: (-abs(logodds[f][0]) * math.log(1 + logodds[f][1]), f))
    weights = {}
    for feature in kept[:TOP_K]:
        w = round(logodds[feature][0] * SCALE)
        if w:
            weights[feature] = w
    return StatNet(weights, SCALE, math.log(n[1] / n[0]), net, veto)


def write(net: StatNet, path: Path = NET_FILE) -> None:
    """Stores the net: a header of numbers, then one feature and its weight per line."""
    lines = [f"#scale\t{net._scale}", f"#bias\t{net.bias:.6f}", f"#net\t{net.net}"]
    lines.append(f"#veto\t{net.veto}")
    lines += [f"{f}\t{w}" for f, w in sorted(net._weights.items())]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as f:
        f.write(data)  # no name, no time: the same net gives the same bytes


def write_frequent(path: Path = FREQUENT_FILE, count: int = 300) -> None:
    """The most frequent short words of the training texts, plus first-person words people
    type: the rules are never indexed on them (speed only; matching is the same)."""
    counts: Counter[str] = Counter()
    for text in training_texts(SECTIONS):
        for words in words_of(text):
            counts.update(w for w in words if len(w) <= 6)
    words = TYPED + [w for w, _ in counts.most_common(count) if w not in TYPED]
    path.write_text("\n".join(words) + "\n", encoding="utf-8")


# first-person and everyday words of typed messages (the training texts say "you")
TYPED = (
    "i im ive id me my its going gonna ma mun mua mulla mulle oon mina jag ja mig min mitt".split()
)


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


NET_STEPS = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)  # thresholds tried by --cv
VETO_STEPS = (-99.0, -5.0, -4.0, -3.0)


def own_examples() -> tuple[list[str], list[int]]:
    """The examples written for the detector's tests (tests/crisis_examples.py), not taken
    from the evaluation set."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "crisis_examples", ROOT / "tests" / "crisis_examples.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    texts, labels = [], []
    for name in ("EN", "EN_MORE", "FI", "FI_MORE", "SV", "SV_MORE"):
        for text, expected in getattr(module, name):
            texts.append(text)
            labels.append(int(expected != "none"))
    for text, _ in module.PARAPHRASES:
        texts.append(text)
        labels.append(1)
    return texts, labels


def cross_validate(
    dev: Sequence[dict[str, Any]],
    rules: CrisisDetector,
    folds: int = 5,
    seed: int = 1,
    examples: bool = False,
) -> dict[str, Any]:
    """Each dev item scored by a net trained without it; what the net adds to the rules."""
    order = list(range(len(dev)))
    random.Random(seed).shuffle(order)
    scores: list[float] = [0.0] * len(dev)
    at_rule: list[float] = [0.0] * len(dev)  # score of the sentence the rules' finding is in
    found = [rules.scan_rules(i["text"]) for i in dev]
    extra = training_texts(SECTIONS)
    extra_labels = [0] * len(extra)
    if examples:
        more, more_labels = own_examples()
        extra, extra_labels = extra + more, extra_labels + more_labels
    for k in range(folds):
        test = set(order[k::folds])
        texts = [dev[i]["text"] for i in range(len(dev)) if i not in test] + extra
        labels = [int(dev[i]["label"] != "none") for i in range(len(dev)) if i not in test]
        labels += extra_labels
        net = train(texts, labels)
        for i in test:
            scores[i] = net.score(words_of(dev[i]["text"]))
            if found[i][0] is not None:
                at_rule[i] = net.score(found[i][2][found[i][1] : found[i][1] + 1])
    judged = [f[1] == -2 for f in found]  # rules matched and dropped it: no gentle net
    long = [sum(len(w) for w in f[2]) >= MIN_WORDS for f in found]
    found = [f[0] for f in found]
    pos = [k for k, i in enumerate(dev) if i["label"] != "none"]
    neg = [k for k, i in enumerate(dev) if i["label"] == "none"]
    out: dict[str, Any] = {
        "rules": _pr(pos, neg, lambda k: found[k] is not None),
        "missed_by_rules": sum(1 for k in pos if found[k] is None),
        "net": {},
    }
    for t in NET_STEPS:

        def added(k: int, t: float = t) -> bool:
            return found[k] is None and not judged[k] and scores[k] >= t and long[k]

        out["net"][t] = _pr(pos, neg, lambda k: found[k] is not None or added(k))
        out["net"][t]["added_tp"] = sum(1 for k in pos if added(k))
        out["net"][t]["added_fp"] = sum(1 for k in neg if added(k))
        for v in VETO_STEPS:

            def kept(k: int, t: float = t, v: float = v) -> bool:
                if found[k] is None:
                    return added(k, t)
                return found[k].tier != "gentle" or at_rule[k] >= v

            out["net"][t][f"veto {v}"] = _pr(pos, neg, kept)
    return out


def _pr(pos: list[int], neg: list[int], caught) -> dict[str, Any]:
    tp = sum(1 for k in pos if caught(k))
    fp = sum(1 for k in neg if caught(k))
    return {"recall": round(tp / len(pos), 4), "precision": round(tp / max(1, tp + fp), 4)}


def main() -> int:
    """Cross-validates and/or trains and writes the net."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="report the 5-fold cross-validation")
    parser.add_argument("--rules", type=Path, help="rules folder for --cv (default: shipped)")
    parser.add_argument("--write", action="store_true", help="train on all of dev and store")
    parser.add_argument("--net", type=float, default=1.5, help="gentle check from this score")
    parser.add_argument("--veto", type=float, default=-3.0, help="drop gentle findings below")
    parser.add_argument("--examples", action="store_true", help="also the tests' own examples")
    args = parser.parse_args()
    dev, _ = split(load_items(default_paths(DATA)))
    if args.cv:
        print(json.dumps(cross_validate(dev, rules_detector(args.rules), examples=args.examples)))
    if args.write:
        texts, labels = training_set(dev)
        net = train(texts, labels, args.net, args.veto)
        write(net)
        write_frequent()
        print(
            json.dumps(
                {"features": net.size, "texts": len(texts), "bytes": NET_FILE.stat().st_size}
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
