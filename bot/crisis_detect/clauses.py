"""Rules and modifiers matched clause by clause in one sentence (CrisisDetector's matching part)."""

from __future__ import annotations

from functools import reduce
from itertools import chain, compress
from operator import itemgetter, or_

from bot.crisis_detect.bound import _ScanState
from bot.crisis_detect.matching import _matches, _matches_near
from bot.crisis_detect.model import _RULE_KEYS, Finding, _Modifier, _Pattern, _Rule, _WordKeys


class _ClauseScanner:
    """CrisisDetector's per-sentence part: clause bounds, rule candidates and their matches,
    modifier hits."""

    def _sentence(
        self,
        words: list[str],
        tags: list[int],
        infos: list[_WordKeys],
        marks: tuple[frozenset[int], frozenset[int]],
        state: _ScanState,
        keys: set[int] | None = None,
    ) -> list[tuple[Finding, bool, int]]:
        """Findings of one sentence, clause by clause (each with: was it about the past, where);
        state.dropped becomes True when a rule matched and was judged away. keys, when given:
        the sentence's rule key tags, gathered as _sentence would."""
        # modifiers are looked for once a rule of their language matched (and any_lang ones)
        mods: dict[str, list[tuple[_Modifier, int, int]]] = {}
        findings: list[tuple[Finding, bool, int]] = []
        if self._breaks.isdisjoint(words):
            # most sentences: one clause, the whole sentence (as _clauses, without the call)
            if keys is None:
                keys = set(chain.from_iterable(map(_RULE_KEYS, infos)))
            if keys:
                present = reduce(or_, tags, 0)
                clause = (0, len(words), present, present)
                self._clause(words, tags, infos, marks, state, clause, keys, mods, findings)
            return findings
        clauses = self._clauses(words)
        for start, end in clauses:
            # the same set, built in the same order, as updating it word by word
            keys = set(chain.from_iterable(map(_RULE_KEYS, infos[start:end])))
            if not keys:
                continue
            present = reduce(or_, tags[start:end], 0)
            whole = present if len(clauses) == 1 else None  # the sentence's tags
            clause = (start, end, present, whole)
            self._clause(words, tags, infos, marks, state, clause, keys, mods, findings)
        return findings

    def _clause(
        self,
        words: list[str],
        tags: list[int],
        infos: list[_WordKeys],
        marks: tuple[frozenset[int], frozenset[int]],
        state: _ScanState,
        clause: tuple[int, int, int, int | None],
        keys: set[int],
        mods: dict[str, list[tuple[_Modifier, int, int]]],
        findings: list[tuple[Finding, bool, int]],
    ) -> None:
        """The findings of one clause (start, end, its tag mask, the sentence's when it is the
        only clause) added to findings: its rules' candidates in index order, each match
        judged."""
        start, end, present, whole = clause
        index = self._candidates
        placed = None  # per rule key tag the clause's words with it, once a candidate asks
        # each pattern is indexed under one tag, so none is met twice here
        floor = state.best[:2]  # tier and priority of the best finding that stays
        for tag in keys:
            near = None  # the words of the tag, once a candidate asks
            for rest, rule, pattern, reach, single, top in index[tag]:
                if rest & present != rest:  # the tag itself is there
                    continue
                # top: the highest rank a match of the rule could reach (None: a hint, which
                # is never passed over); a message-wide modifier may make it urgent
                if top is not None and top < floor:
                    top = state.raised(rule.id, top)
                    if top < floor:
                        continue  # nothing this rule finds could be the best
                if reach is None:
                    spans = _matches(pattern, tags, start, end)
                else:
                    # a match holds a word of the tag: it starts near one (speed only); a word
                    # has the tag when it is among its key tags (no test of a wide bit mask)
                    if near is None:
                        if placed is None:
                            placed = _positions(infos, start, end, 1)
                        near = placed[tag]
                    spans = _matches_near(pattern, tags, start, end, near, reach, single)
                if spans:
                    self._judge_spans(
                        rule, top, spans, words, tags, infos, marks, state, clause, mods, findings
                    )
                    floor = state.best[:2]

    def _judge_spans(
        self,
        rule: _Rule,
        top: tuple[int, int, int] | None,
        spans: list[list[int]],
        words: list[str],
        tags: list[int],
        infos: list[_WordKeys],
        marks: tuple[frozenset[int], frozenset[int]],
        state: _ScanState,
        clause: tuple[int, int, int, int | None],
        mods: dict[str, list[tuple[_Modifier, int, int]]],
        findings: list[tuple[Finding, bool, int]],
    ) -> None:
        """Each match of a rule in the clause judged (as _clause says), its finding added."""
        start = clause[0]
        offset = state.offset
        clause_mods = None
        for span in spans:
            if top is not None and (top[0], top[1], -offset - span[0], top[2]) <= state.best:
                top = state.raised(rule.id, top)
                if (top[0], top[1], -offset - span[0], top[2]) <= state.best:
                    continue  # it could not rank above the best that stays
            # a negated match is dropped before its sentence's modifiers are looked for
            if rule.negatable and self._negated(
                self._langs[rule.lang], span, tags, start, marks[0]
            ):
                state.dropped = True
                continue
            if clause_mods is None:  # the modifiers once a match of the rule is judged
                clause_mods = self._clause_mods(rule.lang, tags, infos, clause, mods)
            found = self._judge_kept(rule, span, words, tags, marks[1], start, clause_mods)
            if found is not None:
                findings.append((found[0], found[1], span[0]))
                state.take(found[0], found[1], offset + span[0])
            else:
                state.dropped = True

    def _clause_mods(
        self,
        lang: str,
        tags: list[int],
        infos: list[_WordKeys],
        clause: tuple[int, int, int, int | None],
        mods: dict[str, list[tuple[_Modifier, int, int]]],
    ) -> list[tuple[_Modifier, int, int]]:
        """The modifier hits of the language's rules that a match in the clause reads (the
        sentence's, looked for once per language), each once where its place does not matter."""
        start, end, _, whole = clause
        hits = mods.get(lang)
        if hits is None:
            hits = mods[lang] = self._modifier_hits(
                tags, infos, 0, len(tags), lang=lang, present=whole
            )
        if whole is None:
            hits = [m for m in hits if m[0].scope == "sentence" or start <= m[1] < end]
        return _compact(hits) if len(hits) > _FEW_HITS else hits

    def _clauses(self, words: list[str]) -> list[tuple[int, int]]:
        """Clause bounds: a break word ("but", "mutta", "men") starts a new clause."""
        breaks = self._breaks
        if breaks.isdisjoint(words):
            return [(0, len(words))]
        # the break words' places found in C (list.index), then looked at in order
        places = []
        for word in breaks.intersection(words):
            at = -1
            for _ in range(words.count(word)):
                at = words.index(word, at + 1)
                places.append(at)
        places.sort()
        bounds, start = [], 0
        not_after = self._not_after
        for i in places:
            word = words[i]
            if i > start and words[i - 1] not in not_after.get(word, ()):
                bounds.append((start, i))
                start = i
        bounds.append((start, len(words)))
        return bounds

    def _modifier_hits(
        self,
        tags: list[int],
        infos: list[_WordKeys],
        start: int,
        end: int,
        message: bool = False,
        lang: str | None = None,
        present: int | None = None,
        only: set[int] | None = None,
    ) -> list[tuple[_Modifier, int, int]]:
        """(modifier, first, last) for every modifier (message-wide ones if message; of one
        language and those for any language if lang; if only, those whose id() is in it) found
        in the words; present, when given, is the bit mask of the words' tags."""
        if not message and only is None and lang is not None:
            by_need = self._mod_need_lang.get(lang)
            if by_need is not None:
                return _lang_hits(by_need, tags, infos, start, end, present)
        hits: list[tuple[_Modifier, int, int]] = []
        index, which, lang = self._modifier_index(message, lang)
        keys = set(chain.from_iterable(map(itemgetter(which), infos[start:end])))
        if not keys:
            return hits
        if present is None:
            present = reduce(or_, tags[start:end], 0)
        # each pattern is in the index once (under one tag), so none is met twice here
        for tag in keys:
            for mod, pattern in index[tag]:
                if lang is not None and mod.lang != lang and not mod.any_lang:
                    continue
                if only is not None and id(mod) not in only:
                    continue
                if pattern.need & present != pattern.need:
                    continue
                for span in _matches(pattern, tags, start, end):
                    hits.append((mod, span[0], span[-1]))
        return hits

    def _modifier_index(self, message: bool, lang: str | None) -> tuple[dict, int, str | None]:
        """(index, which word keys, language still to filter by) for `_modifier_hits`."""
        if message:
            return self._msg_index, 3, lang
        if lang is not None and lang in self._mod_index_lang:
            return self._mod_index_lang[lang], 2, None  # filtered already
        return self._mod_index, 2, lang


_MOD_KEYS = itemgetter(2)


def _lang_hits(
    index: dict[int, list[tuple[int, _Modifier, _Pattern, tuple[int, int] | None, bool]]],
    tags: list[int],
    infos: list[_WordKeys],
    start: int,
    end: int,
    present: int | None,
) -> list[tuple[_Modifier, int, int]]:
    """_modifier_hits for the modifiers one language's rules read (the index filtered already,
    each pattern with its needed tags, reach and whether it is one slot of its tag): the same
    hits in the same order."""
    hits: list[tuple[_Modifier, int, int]] = []
    keys = set(chain.from_iterable(map(_MOD_KEYS, infos[start:end])))
    if not keys:
        return hits
    if present is None:
        present = reduce(or_, tags[start:end], 0)
    placed = None  # per modifier key tag the words with it, once a pattern asks
    for tag in keys:
        near = None  # the words of the tag, once a pattern asks
        for rest, mod, pattern, reach, single in index[tag]:
            if rest & present != rest:  # the tag itself is there
                continue
            if reach is None:
                spans = _matches(pattern, tags, start, end)
            else:
                # a match holds a word of the tag: it starts near one (speed only); a word has
                # the tag when it is among its key tags (no test of a wide bit mask)
                if near is None:
                    if placed is None:
                        placed = _positions(infos, start, end, 2)
                    near = placed[tag]
                spans = _matches_near(pattern, tags, start, end, near, reach, single)
            for span in spans:
                hits.append((mod, span[0], span[-1]))
    return hits


def _positions(infos: list[_WordKeys], start: int, end: int, which: int) -> dict[int, list[int]]:
    """Per key tag (rule keys: which 1, modifier keys: 2), the places of the words from start
    to end that have it, in order: one pass however many tags ask (a long clause has many)."""
    out: dict[int, list[int]] = {}
    for i in compress(range(start, end), map(itemgetter(which), infos[start:end])):
        for tag in infos[i][which]:
            if tag in out:
                out[tag].append(i)
            else:
                out[tag] = [i]
    return out


_FEW_HITS = 16  # more modifier hits than this (a long clause): each counted once where it can


def _compact(hits: list[tuple[_Modifier, int, int]]) -> list[tuple[_Modifier, int, int]]:
    """The hits as judging reads them (_effects: a set of effects), each modifier once where
    its place does not matter: anywhere in the clause or sentence once, "before" at its first
    place; "span" ones all (whether one overlaps a match depends on where)."""
    out: list[tuple[_Modifier, int, int]] = []
    seen: dict[int, int] = {}  # id() of a modifier kept once: its place in out
    for hit in hits:
        mod = hit[0]
        if mod.scope == "span":
            out.append(hit)
            continue
        at = seen.get(id(mod))
        if at is None:
            seen[id(mod)] = len(out)
            out.append(hit)
        elif mod.scope == "before" and hit[1] < out[at][1]:
            out[at] = hit
    return out
