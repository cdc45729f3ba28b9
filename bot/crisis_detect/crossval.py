"""What the nets add to the rules, measured on dev only (train.py --cv, --urgent-cv): k-fold
cross-validation, the newest batch scored by a net trained on the other batches, the urgency net."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from bot.crisis_detect.engine import CrisisDetector
from bot.crisis_detect.evaluate import training_texts
from bot.crisis_detect.fitting import (
    ROOT,
    SECTIONS,
    SHIPPED,
    train,
    train_urgent,
    words_of,
)
from bot.crisis_detect.net import MIN_WORDS, StatNet

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
