"""Crisis detector equivalence check: every result on a fixed set of texts, saved or compared.

    python bench/crisis_equivalence.py --write /tmp/ref.json   # results of the current code
    python bench/crisis_equivalence.py --check /tmp/ref.json   # exits 1 if any result differs

The texts: every item of tests/data/crisis/*.yaml, the training texts, and long messages
(items, and items in ordinary text, joined to about 4,000 characters; one item said again
and again; long texts without punctuation; a fixed seed). Recorded
per text: scan() (every field of the Finding), scan_rules()'s finding and sentence number,
the same scan without the statistical net, and for a sample explain().
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crisis import TARGET_CHARS, joined, stress_texts  # noqa: E402
from bot.crisis_detect import CrisisDetector, Finding  # noqa: E402
from bot.crisis_detect.evaluate import default_paths, load_items, training_texts  # noqa: E402


def texts() -> list[str]:
    """The fixed texts: items, training texts, long messages."""
    items = load_items(default_paths(ROOT / "tests" / "data" / "crisis"))
    trainings = training_texts(ROOT / "content" / "sections")
    pool = [i["text"] for i in items]
    rng = random.Random(2026)
    out = pool + trainings
    out += joined(pool, 400, rng)
    for lang in ("en", "fi", "sv"):
        out += joined([i["text"] for i in items if i["lang"] == lang], 100, rng)
    filler = trainings + [i["text"] for i in items if i["label"] == "none"]
    signals = [i["text"] for i in items if i["label"] != "none"]
    for text in joined(filler, 300, rng):
        cut = rng.randrange(len(text))
        out.append((text[:cut] + " " + rng.choice(signals) + " " + text[cut:])[:TARGET_CHARS])
    out += stress_texts(pool, rng)
    return out


def _finding(found: Finding | None) -> list[str] | None:
    return None if found is None else [found.tier, found.about, found.kind, found.rule, found.lang]


def results(detector: CrisisDetector, all_texts: list[str]) -> list[dict[str, Any]]:
    """Every recorded result per text (see the module docstring)."""
    out = []
    net = detector.net
    for n, text in enumerate(all_texts):
        best, sentence, _, _ = detector.scan_rules(text)
        row: dict[str, Any] = {
            "scan": _finding(detector.scan(text)),
            "rules": [_finding(best), sentence],
        }
        detector.net = None
        row["no_net"] = _finding(detector.scan(text))
        detector.net = net
        if n % 25 == 0:
            row["explain"] = detector.explain(text)
        out.append(row)
    return out


def main() -> int:
    """Writes or checks the reference results; prints a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="save the current results here")
    group.add_argument("--check", type=Path, help="compare with results saved here")
    args = parser.parse_args()
    all_texts = texts()
    got = results(CrisisDetector.default(), all_texts)
    if args.write:
        args.write.write_text(json.dumps({"texts": all_texts, "results": got}, ensure_ascii=False))
        print(f"wrote {len(got)} results to {args.write}")
        return 0
    ref = json.loads(args.check.read_text(encoding="utf-8"))
    if ref["texts"] != all_texts:
        print("the texts differ from the reference's")
        return 1
    bad = [n for n, (a, b) in enumerate(zip(ref["results"], got, strict=True)) if a != b]
    for n in bad[:10]:
        print(f"differs: {all_texts[n][:80]!r}: {ref['results'][n]} != {got[n]}")
    print(f"{len(got) - len(bad)} of {len(got)} texts identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
