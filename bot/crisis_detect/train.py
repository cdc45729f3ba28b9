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
import gzip
import json
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.crisis_detect.engine import FREQUENT_FILE, CrisisDetector, _WordLoader
from bot.crisis_detect.evaluate import default_paths, load_items, split, training_texts
from bot.crisis_detect.net import MIN_WORDS, NET_FILE, URGENT_FILE, StatNet, text_features
from bot.crisis_detect.text import sentences

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "crisis"
SECTIONS = ROOT / "content" / "sections"
# Naive Bayes: smoothing, least texts a feature is in, features kept, weight scale
ALPHA, MIN_DF, TOP_K, SCALE = 1.0, 2, 10_000, 10
# logistic regression: passes, AdaGrad step, L2 penalty, least texts a feature is in, features
# kept, weight scale (chosen in the cross-validation; see bench/README.md)
LR_EPOCHS, LR_STEP, LR_L2, LR_MIN_DF, LR_TOP_K, LR_SCALE = 15, 0.03, 1e-3, 3, 20_000, 100
# what --write stores by default (chosen in the cross-validation; see bench/README.md)
SHIPPED = {"model": "lr", "net": 0.0, "veto": -4.0, "judged": math.inf, "clear_veto": -6.0}
URGENT_AT = 1.5  # the urgency net raises a finding to urgent from this score


def words_of(text: str) -> list[list[str]]:
    """Folded words per sentence, as the detector reads them."""
    return [words for words, _, _ in sentences(text)]


def windows_of(text: str) -> list[list[str]]:
    """A text's features (sorted: the same order, and sums, in every run) as the net scores it:
    the whole text, then, for a text of several sentences, each sentence and each two
    neighbouring ones."""
    parts = [text_features([words]) for words in words_of(text)]
    out = [sorted(set().union(*parts))] if parts else [[]]
    if len(parts) > 1:
        out += [sorted(p) for p in parts]
    if len(parts) > 2:
        out += [sorted(a | b) for a, b in zip(parts, parts[1:], strict=False)]
    return out


def train_nb(
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
    out = {}
    for feature in kept[:TOP_K]:
        w = round(logodds[feature][0] * SCALE)
        if w:
            out[feature] = w
    return StatNet(out, SCALE, math.log(n[1] / n[0]), net, veto)


def train_lr(
    texts: Sequence[str],
    labels: Sequence[int],
    net: float = 0.0,
    veto: float = -99.0,
    seed: int = 1,
) -> StatNet:
    """A logistic regression over the features of each text (1 = needs help, 0 = not): AdaGrad
    steps with an L2 penalty, a few passes in a seeded order; a window's score is then the bias
    plus the weights of the features in it. The net scores sentences and pairs of them too, so
    those of a text that needs no help are examples of "not" as well (a crisis message's
    other sentences are not known to be examples of anything)."""
    rows: list[list[str]] = []
    targets: list[int] = []
    df: Counter[str] = Counter()
    for text, label in zip(texts, labels, strict=True):
        found = windows_of(text)
        df.update(found[0])
        if label:
            found = found[:1]
        rows += found
        targets += [label] * len(found)
    rows = [[f for f in row if df[f] >= LR_MIN_DF] for row in rows]
    w = {f: 0.0 for f, c in df.items() if c >= LR_MIN_DF}
    g2 = dict.fromkeys(w, 1e-8)
    bias, gb = 0.0, 1e-8
    order = list(range(len(rows)))
    rng = random.Random(seed)
    for _ in range(LR_EPOCHS):
        rng.shuffle(order)
        for k in order:
            row = rows[k]
            z = bias + sum(map(w.__getitem__, row))
            p = 1 / (1 + math.exp(-z)) if z > -30 else 0.0
            g = p - targets[k]
            gb += g * g
            bias -= LR_STEP * g / math.sqrt(gb)
            for f in row:
                gf = g + LR_L2 * w[f]
                g2[f] += gf * gf
                w[f] -= LR_STEP * gf / math.sqrt(g2[f])
    kept = sorted(w, key=lambda f: (-abs(w[f]), f))[:LR_TOP_K]
    out = {}
    for feature in kept:
        v = round(w[feature] * LR_SCALE)
        if v:
            out[feature] = v
    return StatNet(out, LR_SCALE, round(bias, 6), net, veto, sqrt=False)


def train(
    texts: Sequence[str], labels: Sequence[int], net: float, veto: float, model: str = "lr"
) -> StatNet:
    """The net of the given model ("lr" or "nb") trained on the texts."""
    if model == "nb":
        return train_nb(texts, labels, net, veto)
    return train_lr(texts, labels, net, veto)


def write(net: StatNet, path: Path = NET_FILE) -> None:
    """Stores the net: a header of numbers, then one feature and its weight per line."""
    lines = [f"#scale\t{net._scale}", f"#bias\t{net.bias:.6f}", f"#net\t{net.net}"]
    lines.append(f"#veto\t{net.veto}")
    lines.append(f"#sqrt\t{int(net.sqrt)}")
    if net.judged != math.inf:
        lines.append(f"#judged\t{net.judged}")
    if net.clear_veto != -math.inf:
        lines.append(f"#clear_veto\t{net.clear_veto}")
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


# thresholds tried by --cv, per model
NET_STEPS = {
    "lr": (-1.5, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 1.5),
    "nb": (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0),
}
VETO_STEPS = {"lr": (-99.0, -3.0, -2.0, -1.0), "nb": (-99.0, -5.0, -4.0, -3.0)}


def batch(item: dict[str, Any]) -> int:
    """Which batch of the evaluation set an item is from (en.yaml 1, en_2.yaml 2, ...)."""
    _, _, number = item["file"].partition("_")
    return int(number or 1)


class _Scored:
    """Dev items with the rules' findings, and the net's scores where a net scored them."""

    def __init__(self, dev: Sequence[dict[str, Any]], rules: CrisisDetector) -> None:
        self.dev = dev
        found = [rules.scan_rules(i["text"]) for i in dev]
        self.finding = [f[0] for f in found]
        self.sentence = [f[1] for f in found]
        self.words = [f[2] for f in found]
        self.judged = [f[1] == -2 for f in found]  # rules matched and dropped it: no net
        self.long = [sum(len(w) for w in f[2]) >= MIN_WORDS for f in found]
        self.score: list[float | None] = [None] * len(dev)
        self.at_rule: list[float] = [0.0] * len(dev)  # score of the rule finding's sentence

    def score_with(self, net: StatNet, which: Sequence[int]) -> None:
        """Scores the given items with a net that did not see them."""
        for i in which:
            self.score[i] = net.score(self.words[i])
            if self.finding[i] is not None:
                k = self.sentence[i]
                self.at_rule[i] = net.score(self.words[i][k : k + 1])

    def caught(
        self, i: int, t: float, v: float, judged: float = math.inf, clear: float = -math.inf
    ) -> bool:
        """Rules and net together as CrisisDetector.scan: the net asking from t (from judged
        where rules judged a look-alike), vetoing gentle findings below v and clear ones of
        violence or recruitment below clear."""
        found = self.finding[i]
        if found is not None:
            if len(self.words[i][self.sentence[i]]) < MIN_WORDS or found.tier == "urgent":
                return True
            if found.tier == "gentle":
                return self.at_rule[i] >= v
            return found.kind in ("suicide", "selfharm") or self.at_rule[i] >= clear
        score = self.score[i]
        bar = judged if self.judged[i] else t
        return self.long[i] and score is not None and score >= bar

    def figures(self, which: Sequence[int], caught: Callable[[int], bool]) -> dict[str, Any]:
        """Recall and precision over the given items."""
        pos = [i for i in which if self.dev[i]["label"] != "none"]
        neg = [i for i in which if self.dev[i]["label"] == "none"]
        tp = sum(1 for i in pos if caught(i))
        fp = sum(1 for i in neg if caught(i))
        return {
            "recall": round(tp / max(1, len(pos)), 4),
            "precision": round(tp / max(1, tp + fp), 4),
            "fp": fp,
        }


def cross_validate(
    dev: Sequence[dict[str, Any]],
    rules: CrisisDetector,
    model: str = "lr",
    folds: int = 5,
    seed: int = 1,
    examples: bool = False,
) -> dict[str, Any]:
    """What the net adds to the rules, each dev item scored by a net that never saw it: a
    k-fold cross-validation over all of dev, and the newest batch scored by a net trained on
    the other batches only (writers the net never read)."""
    extra = training_texts(SECTIONS)
    extra_labels = [0] * len(extra)
    if examples:
        more, more_labels = own_examples()
        extra, extra_labels = extra + more, extra_labels + more_labels
    newest = max(batch(i) for i in dev)
    every = list(range(len(dev)))
    in_newest = [i for i in every if batch(dev[i]) == newest]

    def fit(train_on: Sequence[int]) -> StatNet:
        texts = [dev[i]["text"] for i in train_on] + extra
        labels = [int(dev[i]["label"] != "none") for i in train_on] + extra_labels
        return train(texts, labels, 0.0, -99.0, model)

    cv = _Scored(dev, rules)
    order = every[:]
    random.Random(seed).shuffle(order)
    for k in range(folds):
        test = set(order[k::folds])
        cv.score_with(fit([i for i in every if i not in test]), sorted(test))
    new = _Scored(dev, rules)
    new.score_with(fit([i for i in every if batch(dev[i]) != newest]), in_newest)

    def row(
        scored: _Scored, which: list[int], t: float, v: float, j: float = math.inf, c: float = -99
    ) -> dict[str, Any]:
        return scored.figures(which, lambda i: scored.caught(i, t, v, j, c))

    out: dict[str, Any] = {
        "model": model,
        "newest_batch": newest,
        "rules": {
            "dev": cv.figures(every, lambda i: cv.finding[i] is not None),
            "newest": cv.figures(in_newest, lambda i: cv.finding[i] is not None),
        },
        "net": [],
    }
    for t in NET_STEPS[model]:
        for v in VETO_STEPS[model]:
            out["net"].append(
                {
                    "net": t,
                    "veto": v,
                    "cv_dev": row(cv, every, t, v),
                    "cv_newest": row(cv, in_newest, t, v),
                    "newest_unseen": row(new, in_newest, t, v),
                }
            )
    # the net where the rules judged a look-alike, and the veto on clear findings of violence
    # and recruitment, at the shipped gentle threshold and veto
    t, v = SHIPPED["net"], SHIPPED["veto"]
    for j in JUDGED_STEPS:
        for c in CLEAR_VETO_STEPS:
            out["net"].append(
                {
                    "net": t,
                    "veto": v,
                    "judged": j,
                    "clear_veto": c,
                    "cv_dev": row(cv, every, t, v, j, c),
                    "cv_newest": row(cv, in_newest, t, v, j, c),
                    "newest_unseen": row(new, in_newest, t, v, j, c),
                }
            )
    return out


JUDGED_STEPS = (math.inf, 4.0, 3.0, 2.0)
CLEAR_VETO_STEPS = (-99.0, -6.0, -5.0, -4.0)


def train_urgent(dev: Sequence[dict[str, Any]], at: float = URGENT_AT) -> StatNet:
    """The urgency net: a logistic regression over the same features, messages marked urgent
    against every other dev message (crises that are not immediate, and look-alikes)."""
    texts = [i["text"] for i in dev]
    return train_lr(texts, [int(i["urgent"]) for i in dev], at)


def urgent_cv(
    dev: Sequence[dict[str, Any]], detector: CrisisDetector, folds: int = 5, seed: int = 1
) -> list[dict[str, Any]]:
    """The urgency net in a k-fold cross-validation on dev: each finding of the shipped detector
    (without its urgency net) raised to urgent from a threshold, by a net that never saw the
    message; share of urgent items given urgent, other items given it."""
    saved, detector.urgent_net = detector.urgent_net, None
    found = [detector.scan(i["text"]) for i in dev]
    where = [detector.scan_rules(i["text"])[1] for i in dev]
    detector.urgent_net = saved
    order = list(range(len(dev)))
    random.Random(seed).shuffle(order)
    score: dict[int, float] = {}
    for k in range(folds):
        test = set(order[k::folds])
        net = train_urgent([dev[i] for i in range(len(dev)) if i not in test])
        for i in test:
            if found[i] is not None:
                words = words_of(dev[i]["text"])
                s = where[i]
                score[i] = net.score(words[max(0, s - 1) : s + 2] if s >= 0 else words)
    urgent = [i for i, item in enumerate(dev) if item["urgent"]]
    out = []
    for at in (math.inf, 3.0, 2.0, 1.5, 1.0, 0.5, 0.0):

        def tier(i: int, at: float = at) -> str | None:
            f = found[i]
            if f is None:
                return None
            return "urgent" if f.tier == "urgent" or score.get(i, -math.inf) >= at else f.tier

        got = sum(1 for i in urgent if tier(i) == "urgent")
        crisis = sum(
            1
            for i, item in enumerate(dev)
            if not item["urgent"] and item["label"] != "none" and tier(i) == "urgent"
        )
        none = sum(1 for i, item in enumerate(dev) if item["label"] == "none" and tier(i))
        out.append(
            {
                "from": at,
                "urgent_given_urgent": round(got / max(1, len(urgent)), 4),
                "non_urgent_crises_given_urgent": crisis,
                "none_given_urgent": sum(
                    1
                    for i, item in enumerate(dev)
                    if item["label"] == "none" and tier(i) == "urgent"
                ),
                "none_caught": none,
            }
        )
    return out


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
