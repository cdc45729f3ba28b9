"""The detector's vocabulary: tiers, kinds, effects, scopes, Finding and the compiled rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import itemgetter

TIERS = ("gentle", "clear", "urgent")
KINDS = ("suicide", "selfharm", "violence", "recruitment", "danger", "distress")
EFFECTS = (
    "drop",
    "gentle",
    "demote",
    "urgent",
    "calm",
    "other",
    "past",
    "recovered",
    "hypothetical",
    "real",
)
MESSAGE_EFFECTS = ("drop", "urgent", "recovered")
# span: overlaps the match; before: starts before it in the clause; clause, sentence: anywhere
# there; message: anywhere in the message (effects urgent and recovered only)
SCOPES = ("span", "clause", "sentence", "before", "message")
# auto: the person words near the match; victim: the object ("kills me"/"hits her"), else who is
# named before; target: the object, else the writer
# object: the object, else as auto
ABOUTS = ("self", "other", "auto", "victim", "target", "object")
_RANK = {tier: rank for rank, tier in enumerate(TIERS, start=1)}
_DEFAULT_GAP = 2
_CUE_WINDOW = 7  # words before a match searched for who it is about
_NEG_BEFORE = 3  # words before a match (not across a comma) where a negation word cancels it


@dataclass(frozen=True, slots=True)
class Finding:
    """What the detector found: how serious, about whom, what kind, which rule, which language."""

    tier: str  # "gentle" | "clear" | "urgent"
    about: str  # "self" | "other"
    kind: str  # "suicide" | "selfharm" | "violence" | "recruitment" | "danger" | "distress"
    rule: str  # id of the rule that decided ("en.want_die"), never the person's text
    lang: str  # language of that rule


@dataclass(frozen=True, slots=True)
class _Slot:
    tags: int  # bit mask of the slot's tag (one tag; see _alternatives)
    ids: frozenset[int]
    optional: bool
    gap: int  # most words allowed between this slot and the previous matched one
    at_end: bool = False  # "$": the clause ends here


@dataclass(frozen=True, slots=True)
class _Pattern:
    slots: tuple[_Slot, ...]
    key_ids: frozenset[int]  # tags of the slot that indexes the pattern
    need: int  # bit mask, the tag of every required slot: all must be in a clause to match
    window: int = 0  # > 0: the slots in any order, all within this many words ("&" patterns)


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    lang: str
    kind: str
    tier: str
    about: str  # one of ABOUTS
    negatable: bool
    plan: bool
    firm: bool  # a first-person statement: word-level modifiers (topic, idiom) leave it alone
    weak: bool  # a hint only: counts when a second hint or a message-wide modifier backs it
    priority: int  # breaks ties between findings of the same tier
    # who it is about is read before the last matched word ("my friend ... suicidal")
    anchor_last: bool
    patterns: tuple[_Pattern, ...]


@dataclass(frozen=True, slots=True)
class _Modifier:
    id: str
    lang: str
    effect: str
    scope: str
    kinds: frozenset[str]
    rules: frozenset[str]  # when given, only these rules are touched
    any_lang: bool  # also lowers or raises rules of the other languages
    patterns: tuple[_Pattern, ...]


@dataclass(frozen=True, slots=True)
class _Lang:
    code: str
    neg: int  # these are bit masks of tags
    self_cue: int
    other_cue: int
    generic_cue: int
    reflexive_self: int
    reflexive_other: int
    suffix_self: tuple[str, ...]
    suffix_other: tuple[str, ...]
    suffix_tags: int  # word classes whose endings tell the person (Finnish verbs)
    object_self: int
    object_other: int
    possessive_self: tuple[str, ...]
    possessive_other: tuple[str, ...]
    report: int  # "said", "wrote", "sanoi", "skrev": what follows may be a quote
    passive: int  # "uhkaillaan" (is threatened): the person named before is the victim
    complementizer: int  # "that", "että", "att": indirect speech, the pronouns are the writer's
    agent: int  # "by", "av": who did it to the object follows


_ELEMENT = re.compile(r"^~(\d+)$")
# a word: its tags (bit mask), and its key tags as numbers: of rules, of modifiers, of
# message-wide modifiers
_WordKeys = tuple[int, tuple[int, ...], tuple[int, ...], tuple[int, ...]]
_TAGS, _RULE_KEYS, _MSG_KEYS = itemgetter(0), itemgetter(1), itemgetter(3)
