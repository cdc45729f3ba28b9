"""Crisis-signal detection in free text (en / fi / sv): word classes, rules per clause, modifiers.

    detector = CrisisDetector.default()   # load once (0.1 s from the cache, stored.py; 0.5 s to build)
    finding = detector.scan(text)         # Finding(tier, about, kind, rule, lang) or None

Rules live in rules/*.yaml (format: the header of rules/en.yaml). Under them a small statistical
net (net.py, trained on the evaluation set's dev part by train.py, stored in net.tsv.gz) asks
gently when no rule matched and drops a gentle rule finding (or a clear one of violence or
recruitment) in a clear look-alike; an urgency net of the same kind (urgent.tsv.gz) raises a
finding to urgent when its words read as immediate danger. Nothing here imports other bot
modules; PyYAML is the only dependency.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.crisis_detect.engine import CrisisDetector, Finding

__all__ = ["CrisisDetector", "Finding", "quoting_check"]


def quoting_check(
    texts: Iterable[str], detector: CrisisDetector | None = None
) -> list[tuple[str, Finding]]:
    """Texts (training bites, prompts) that trigger anything above gentle on their own."""
    detector = detector or CrisisDetector.default()
    out = []
    for text in texts:
        found = detector.scan(text)
        if found is not None and found.tier != "gentle":
            out.append((text, found))
    return out
