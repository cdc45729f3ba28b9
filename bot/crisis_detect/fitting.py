"""Fitting the nets (net.py) for train.py: the features of a text's windows, a Naive Bayes and a
logistic regression over them, the urgency net, and writing a net and the frequent words."""

from __future__ import annotations

import gzip
import math
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.crisis_detect.engine import FREQUENT_FILE
from bot.crisis_detect.evaluate import training_texts
from bot.crisis_detect.net import NET_FILE, StatNet, text_features
from bot.crisis_detect.text import sentences

ROOT = Path(__file__).resolve().parents[2]
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


def train_urgent(dev: Sequence[dict[str, Any]], at: float = URGENT_AT) -> StatNet:
    """The urgency net: a logistic regression over the same features, messages marked urgent
    against every other dev message (crises that are not immediate, and look-alikes)."""
    texts = [i["text"] for i in dev]
    return train_lr(texts, [int(i["urgent"]) for i in dev], at)
