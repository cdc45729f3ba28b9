"""Judging the whole message: message-wide modifiers, hints that need backing, the net's finding."""

from __future__ import annotations

from dataclasses import replace
from functools import reduce
from itertools import chain
from operator import or_

from bot.crisis_detect.matching import _matches
from bot.crisis_detect.model import _MSG_KEYS, Finding, _Modifier, _Pattern, _WordKeys


class _MessageJudge:
    """CrisisDetector's message-wide part: the net's finding and look-alikes, backed hints,
    message-wide modifiers."""

    def _look_alike(self, window: list[tuple[list[int], list[_WordKeys]]]) -> bool:
        """Whether the sentences the net scored hold an idiom the rules know (a modifier named
        *idiom* that drops findings: words used literally or figuratively, "the bread knife is
        in the drawer", "cut my hair"): the net keeps quiet there too. Broader look-alikes (games,
        fiction, jokes) are left to the net: in dev they silenced real crises."""
        seen = set()  # a sentence said again is looked at once (its tags give its hits)
        for tags, infos in window:
            key = tuple(tags)
            if key in seen:
                continue
            seen.add(key)
            for mod, _, _ in self._modifier_hits(tags, infos, 0, len(tags)):
                if mod.effect == "drop" and "idiom" in mod.id and not mod.rules:
                    return True
        return False

    def _net_finding(
        self, all_words: list[list[str]], window: list[tuple[list[int], list[_WordKeys]]]
    ) -> Finding:
        """The net's gentle finding: about whom by the person words where it scored highest,
        in the language most of the text's common words belong to."""
        about = "self"
        other, self_ = self._any_other, self._any_self
        for tags, _ in window:
            for i, t in enumerate(tags):
                if t & other:
                    about = "other"
                    break
                if t & self_ and not (i + 1 < len(tags) and tags[i + 1] & other):
                    break  # "I ..." (but "my friend ...")
            else:
                continue
            break
        counts = {lang: 0 for lang in self._common_words}
        for words in all_words:
            for word in words:
                for lang, common in self._common_words.items():
                    if word in common:
                        counts[lang] += 1
        lang = max(counts, key=lambda k: counts[k]) if counts else "en"
        return Finding("gentle", about, "distress", "net.gentle", lang)

    def _backed(self, found: list[tuple[Finding, bool, int]]) -> list[tuple[Finding, bool, int]]:
        """Hints (weak rules) count only together: two of them at different places in the
        message ("I have made my decision" + "none of this was your fault"), or one raised to
        urgent by a message-wide modifier ("... and now her phone is off")."""
        weak = self._weak
        places = {where for f, _, where in found if f.rule in weak}
        if not places:
            return found
        out = []
        for finding, past, where in found:
            if finding.rule in weak and len(places) < 2:
                if finding.tier != "urgent" or self._tier[finding.rule] == "urgent":
                    continue
            out.append((finding, past, where))
        return out

    def _message_wide(
        self,
        found: list[tuple[Finding, bool, int]],
        all_tags: list[tuple[list[int], list[_WordKeys]]],
    ) -> list[tuple[Finding, bool, int]]:
        """Modifiers that look at the whole message: "now she does not answer" makes a farewell
        urgent; "now I am fine" after "I used to ..." drops what was said about the past."""
        # only modifiers that would change one of the findings are looked for (what they do
        # does not depend on their order: any drop drops, any urgent raises)
        wanted: set[int] = set()
        changing = self._changing
        for finding, past, _ in found:
            key = (finding.lang, finding.kind, finding.rule, finding.tier, past)
            ids = changing.get(key)
            if ids is None:
                ids = changing[key] = frozenset(
                    id(mod) for mod in self._msg_mods if _changes(mod, finding, past)
                )
            wanted |= ids
        hits = self._message_hits(frozenset(wanted), all_tags) if wanted else []
        out = []
        for finding, past, where in found:
            for mod in hits:
                if not _reads(mod, finding.lang, finding.kind, finding.rule):
                    continue
                if mod.effect == "recovered" and past or mod.effect == "drop":
                    break
                if mod.effect == "urgent":
                    finding = replace(finding, tier="urgent")
            else:
                out.append((finding, past, where))
        return out

    def _message_hits(
        self, wanted: frozenset[int], all_tags: list[tuple[list[int], list[_WordKeys]]]
    ) -> list[_Modifier]:
        """The wanted message-wide modifiers found somewhere in the message, each once (what
        _message_wide does with them depends neither on their order nor on how often)."""
        index = self._wanted_index.get(wanted)
        if index is None:
            if len(self._wanted_index) >= 1_000:
                self._wanted_index.clear()
            index = self._wanted_index[wanted] = _restricted(self._msg_index, wanted)
        hits: list[_Modifier] = []
        if not index:
            return hits
        for tags, infos in all_tags:
            if not any(map(_MSG_KEYS, infos)):
                continue  # most sentences: no word of a message-wide modifier (speed only)
            keys = index.keys() & chain.from_iterable(map(_MSG_KEYS, infos))
            if not keys:
                continue
            present = reduce(or_, tags, 0)
            end = len(tags)
            for tag in keys:
                for rest, mod, pattern in index[tag]:
                    if rest & present == rest and mod not in hits:  # the tag itself is there
                        if _matches(pattern, tags, 0, end):
                            hits.append(mod)
        return hits


def _restricted(
    index: dict[int, list[tuple[_Modifier, _Pattern]]], wanted: frozenset[int]
) -> dict[int, list[tuple[int, _Modifier, _Pattern]]]:
    """The index with only the modifiers whose id() is wanted (and no empty entries)."""
    out = {}
    for tag, pairs in index.items():
        # with the tags a sentence needs for the pattern besides the one it is indexed under
        kept = [
            (pattern.need & ~(1 << tag), mod, pattern)
            for mod, pattern in pairs
            if id(mod) in wanted
        ]
        if kept:
            out[tag] = kept
    return out


def _changes(mod: _Modifier, finding: Finding, past: bool) -> bool:
    """Whether a message-wide modifier found in the text would drop or raise the finding (as
    _message_wide applies them)."""
    if not _reads(mod, finding.lang, finding.kind, finding.rule):
        return False
    if mod.effect == "urgent":
        return finding.tier != "urgent"
    return mod.effect == "drop" or (mod.effect == "recovered" and past)


def _reads(mod: _Modifier, lang: str, kind: str, rule: str) -> bool:
    """Whether a message-wide modifier reads a finding of this language, kind and rule (its own
    language or any, its kinds, its rules if it names some)."""
    if mod.lang != lang and not mod.any_lang:
        return False
    return kind in mod.kinds and (not mod.rules or rule in mod.rules)
