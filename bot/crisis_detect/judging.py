"""Judging a rule's match: negation, who it is about, and what the modifiers do to it."""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

from bot.crisis_detect.model import (
    _CUE_WINDOW,
    _NEG_BEFORE,
    _RANK,
    TIERS,
    Finding,
    _Lang,
    _Modifier,
    _Rule,
)


class _Judge:
    """CrisisDetector's judging part: negation, who a match is about, modifier effects."""

    def _judge(
        self,
        rule: _Rule,
        span: list[int],
        words: list[str],
        tags: list[int],
        marks: tuple[frozenset[int], frozenset[int]],
        clause_start: int,
        mods: list[tuple[_Modifier, int, int]],
    ) -> tuple[Finding, bool] | None:
        lang = self._langs[rule.lang]
        if rule.negatable and self._negated(lang, span, tags, clause_start, marks[0]):
            return None
        return self._judge_kept(rule, span, words, tags, marks[1], clause_start, mods)

    def _judge_kept(
        self,
        rule: _Rule,
        span: list[int],
        words: list[str],
        tags: list[int],
        quotes: frozenset[int],
        clause_start: int,
        mods: list[tuple[_Modifier, int, int]],
    ) -> tuple[Finding, bool] | None:
        """_judge of a match that no negation cancels (the modifiers and who it is about)."""
        lang = self._langs[rule.lang]
        first, last = span[0], span[-1]
        # what the modifiers do does not depend on their order: any drop drops, and so on
        effects = _effects(rule, first, last, mods)
        if "drop" in effects:
            return None
        if "hypothetical" in effects and "real" not in effects:
            return None  # "how do I help someone who ...": dropped unless a real person is named
        # who it is about only for a match that is kept (most dropped ones are idioms or topics)
        about = self._who(rule, lang, span, words, tags, clause_start, quotes)
        generic = about == "generic"
        if generic or "other" in effects:
            about = "other"
        rank = 3 if "urgent" in effects and rule.plan else _RANK[rule.tier]
        # "someone wants to die": nobody in particular, as in training texts; ask gently
        cap = 1 if generic or "gentle" in effects or "past" in effects else 3
        if "calm" in effects:
            cap = min(cap, 2)  # "yesterday": not happening now
        rank = min(rank - ("demote" in effects), cap)
        if rank < 1:
            return None
        return Finding(TIERS[rank - 1], about, rule.kind, rule.id, rule.lang), "past" in effects

    def _negated(
        self,
        lang: _Lang,
        span: list[int],
        tags: list[int],
        clause_start: int,
        commas: frozenset[int],
    ) -> bool:
        """Whether a negation word stands in the match or just before it (not across a comma)."""
        first, last = span[0], span[-1]
        neg = lang.neg
        # no negation word anywhere the loops below could look: most matches (speed only)
        if not reduce(or_, tags[max(clause_start, first - _NEG_BEFORE) : last + 1], 0) & neg:
            return False
        persons = self._persons[lang.code]
        lo = first
        while lo > clause_start and first - lo < _NEG_BEFORE and lo not in commas:
            if tags[lo - 1] & lang.complementizer and tags[lo] & persons:
                # "she doesn't know that I cut myself": the negation is the main clause's
                # (but "no thoughts of hurting myself" reads on); "ettei" (that not) is both
                lo -= 1 if tags[lo - 1] & lang.neg else 0
                break
            lo -= 1
        matched = set(span)
        for i in range(lo, last + 1):
            if i not in matched and tags[i] & lang.neg:
                return True
        return False

    def _who(
        self,
        rule: _Rule,
        lang: _Lang,
        span: list[int],
        words: list[str],
        tags: list[int],
        clause_start: int,
        quotes: frozenset[int],
    ) -> str:
        """Who a rule's match is about, as the rule says to read it ("generic": nobody named)."""
        about = rule.about
        if about == "self":
            if rule.kind in ("suicide", "selfharm", "distress") and self._reported(
                lang, span[0], tags, clause_start, quotes
            ):
                return "other"  # "my friend texted 'thank you for everything, goodbye'"
            return "self"
        if about == "auto":
            return self._about(
                lang, span[-1:] if rule.anchor_last else span, words, tags, clause_start, quotes
            )
        if about == "object":
            return self._object(lang, span, tags) or self._about(
                lang, span, words, tags, clause_start, quotes
            )
        if about in ("victim", "target"):
            return self._victim(lang, span, words, tags, clause_start, about == "target")
        return about

    def _about(
        self,
        lang: _Lang,
        span: list[int],
        words: list[str],
        tags: list[int],
        clause_start: int,
        quotes: frozenset[int] = frozenset(),
    ) -> str:
        """Who a match is about: reflexive words, then the nearest person word, then verb endings;
        "my friend wrote 'I want to die'" is about the friend."""
        who = self._person(lang, span, words, tags, clause_start)
        if who == "self" and self._reported(lang, span[0], tags, clause_start, quotes):
            return "other"
        return who

    def _reported(
        self, lang: _Lang, first: int, tags: list[int], start: int, quotes: frozenset[int]
    ) -> bool:
        """True when the words come after "<someone else> said/wrote/texted" (a quotation, or
        no "that" between: "they say that I must ..." is about the writer). The frame may be in
        another language than the quoted words ("she wrote 'jag vill dö'")."""
        report, other, self_ = self._any_report, self._any_other, self._any_self
        # without a "said/wrote" word before the match nothing is reported (most matches; speed
        # only: one union of the words' masks instead of a loop)
        if not reduce(or_, tags[max(start, first - 12) : first], 0) & report:
            return False
        quoted = False
        first_person = False  # "they said I'd be a soldier": without quotes, I is the writer
        for i in range(first, max(start, first - 12) - 1, -1):
            if i in quotes:
                quoted = True
            if tags[i] & self_ and not tags[i] & report:
                first_person = True
            if i == first:
                continue
            if tags[i] & lang.complementizer and not quoted and first_person:
                return False  # "they say that I must ...": about the writer
            if tags[i] & report and first_person and not quoted:
                return False
            if tags[i] & report:
                for j in range(i - 1, max(start, i - 6) - 1, -1):
                    if tags[j] & other:
                        return True
                    if tags[j] & self_ and j == i - 1:
                        return False  # "I said ..."; but "my group posted", "sent me a message"
        return False

    def _person(
        self,
        lang: _Lang,
        span: list[int],
        words: list[str],
        tags: list[int],
        clause_start: int,
    ) -> str:
        first, last = span[0], span[-1]
        inside = range(first, last + 1)
        return (
            _first_of(tags, inside, (lang.reflexive_self, "self"), (lang.reflexive_other, "other"))
            or _subject(lang, tags[first])
            or _person_before(lang, words, tags, first, clause_start)
            or (_suffix_person(lang, words[first]) if tags[first] & lang.suffix_tags else None)
            or _first_of(tags, inside, (lang.self_cue, "self"), (lang.other_cue, "other"))
            # nothing near: the nearest person in the clause ("he has started saying that ...")
            or _first_of(
                tags,
                range(first - _CUE_WINDOW - 1, clause_start - 1, -1),
                (lang.other_cue, "other"),
                (lang.self_cue, "self"),
            )
            or _possessive(lang, words, tags, first, last)
            or "self"
        )

    def _object(self, lang: _Lang, span: list[int], tags: list[int]) -> str | None:
        """Who the object of the matched words is ("recruit me", "recruiting her"), if said."""
        for i in range(span[0], min(span[-1] + 4, len(tags))):
            if tags[i] & lang.agent:
                break  # "invited by people from the forum": they are not the object
            if tags[i] & lang.object_self:
                return "self"
            if tags[i] & lang.object_other:
                return "other"
        for i in range(span[0] - 1, max(0, span[0] - 3) - 1, -1):
            # "saada mut lähtemään": the object before an infinitive
            if tags[i] & lang.object_self:
                return "self"
            if tags[i] & lang.object_other:
                return "other"
        return None

    def _victim(
        self,
        lang: _Lang,
        span: list[int],
        words: list[str],
        tags: list[int],
        clause_start: int,
        writer_default: bool = False,
    ) -> str:
        """Who is in danger: the object ("me", "minut", "henne"), else "my husband ..." means me."""
        first, last = span[0], span[-1]
        positions = range(first, min(last + 4, len(tags)))
        found = _first_of(tags, positions, (lang.object_self, "self"), (lang.object_other, "other"))
        if found is not None:
            return found
        if writer_default:
            return "self"
        passive = any(tags[i] & lang.passive for i in range(first, last + 1))
        lo = max(clause_start, first - _CUE_WINDOW)
        if passive:  # "mun kaveria uhkaillaan": the one named is the one threatened
            positions = range(last, lo - 1, -1)
            found = _first_of(tags, positions, (lang.other_cue, "other"), (lang.self_cue, "self"))
            if found is not None:
                return found
        return self._named_victim(lang, words, tags, first, lo, passive)

    def _named_victim(
        self, lang: _Lang, words: list[str], tags: list[int], first: int, lo: int, passive: bool
    ) -> str:
        """Who is in danger by the person named before the match (the writer if nobody)."""
        for i in range(first, lo - 1, -1):
            t = tags[i]
            if t & lang.self_cue:
                return "self"
            if t & lang.other_cue:
                if passive:
                    return "other"  # "mun kaveria uhkaillaan": my friend is the one threatened
                if i > 0 and tags[i - 1] & lang.self_cue:
                    return "self"  # "my husband threatens ..." is about the writer
                if lang.possessive_self and words[i].endswith(lang.possessive_self):
                    return "self"  # Finnish "mieheni" (my husband)
                return "other"
        return "self"


def _effects(
    rule: _Rule, first: int, last: int, mods: list[tuple[_Modifier, int, int]]
) -> set[str]:
    """The effects of the modifiers (found at m_first..m_last) that touch a rule's match at
    first..last."""
    effects = set()
    for mod, m_first, m_last in mods:
        # a modifier reads its own language ("manga" is a comic in English, "many" in Swedish)
        if mod.lang != rule.lang and not mod.any_lang:
            continue
        if rule.kind not in mod.kinds or (mod.rules and rule.id not in mod.rules):
            continue
        if mod.scope == "span" and (m_last < first or m_first > last or rule.firm):
            continue
        if mod.scope == "before" and m_first >= first:
            continue
        effects.add(mod.effect)
    return effects


def _subject(lang: _Lang, head: int) -> str | None:
    """The person when a match starts with its subject ("I should just die")."""
    if head & lang.self_cue and not head & lang.object_self:
        return "self"
    if head & lang.other_cue and not head & lang.object_other:
        return "other"
    return None


def _suffix_person(lang: _Lang, word: str) -> str | None:
    """The person a verb's ending tells (Finnish "ajattelin": I)."""
    if word.endswith(lang.suffix_self):
        return "self"
    if word.endswith(lang.suffix_other):
        return "other"
    return None


def _person_before(
    lang: _Lang, words: list[str], tags: list[int], first: int, clause_start: int
) -> str | None:
    """The nearest person word in the few words before a match ("generic": "someone")."""
    for i in range(first - 1, max(clause_start, first - _CUE_WINDOW) - 1, -1):
        t = tags[i]
        if t & lang.object_self and not t & lang.reflexive_self:
            continue  # "he showed me a photo": me is not who it is about
        if t & lang.self_cue:
            return "self"
        if t & lang.other_cue:
            return "other"
        if t & lang.generic_cue:
            return "generic"
        if i == first - 1 and t & lang.suffix_tags:
            # "ajattelin lopettaa": the verb before an infinitive tells the person
            found = _suffix_person(lang, words[i])
            if found is not None:
                return found
    return None


def _possessive(
    lang: _Lang, words: list[str], tags: list[int], first: int, last: int
) -> str | None:
    """ "other" when a Finnish possessive says the match is someone else's."""
    if not lang.possessive_other:
        return None
    after = last + 1
    if after < len(tags) and tags[after] & lang.other_cue and words[after].endswith("n"):
        return "other"  # "viiltoja osallistujan käsivarsissa" (the participant's)
    for i in range(first, last + 1):
        if len(words[i]) > 6 and words[i].endswith(lang.possessive_other):
            return "other"  # Finnish "elämänsä" (his/her life)
    return None


def _first_of(
    tags: list[int], positions: Iterable[int], a: tuple[int, str], b: tuple[int, str]
) -> str | None:
    """At the first of the positions whose word has a's tags or b's: a's name or b's (a's when
    both)."""
    for i in positions:
        if tags[i] & a[0]:
            return a[1]
        if tags[i] & b[0]:
            return b[1]
    return None
