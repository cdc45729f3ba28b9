"""The crisis detector (bot/crisis_detect): tiers, negation, idioms, forms, languages, quoting."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.crisis_detect import CrisisDetector, Finding, quoting_check
from bot.crisis_detect.evaluate import (
    default_paths,
    evaluate,
    is_holdout,
    load_items,
    split,
    training_texts,
)
from bot.crisis_detect.net import MIN_WORDS, StatNet, word_features
from bot.crisis_detect.text import fold, sentences
from bot.features.safety.net import shared_detector
from tests.crisis_examples import EN, EN_MORE, FI, FI_MORE, PARAPHRASES, ROUND2, SV, SV_MORE

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "crisis"


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    # The bot's own detector of this process (CrisisDetector.default(), loaded once: 0.5 s).
    return shared_detector()


def _outcome(found: Finding | None) -> str:
    if found is None:
        return "none"
    return ("urgent-" if found.tier == "urgent" else "") + found.about


# --- the API the safety feature builds on


def test_finding_fields(detector):
    found = detector.scan("I want to die")
    assert found == Finding("clear", "self", "suicide", "en.want_die", "en")
    assert found.rule.startswith(found.lang + ".")


def test_empty_and_plain_text(detector):
    assert detector.scan("") is None
    assert detector.scan("   ") is None
    assert detector.scan("The workshop is on Thursday at 17.") is None


# --- every tier in every language


@pytest.mark.parametrize(
    "text, tier",
    [
        ("I'm so tired of everything", "gentle"),
        ("I want to kill myself", "clear"),
        ("I took all my pills, I'm so sleepy", "urgent"),
        ("he has a knife and is coming to my room", "urgent"),
        ("haluaisin vaan kadota", "gentle"),
        ("haluan kuolla", "clear"),
        ("otin kaikki lääkkeet mitä löysin", "urgent"),
        ("jag orkar inte mer", "gentle"),
        ("jag vill dö", "clear"),
        ("jag har tagit alla tabletter", "urgent"),
    ],
)
def test_tiers(detector, text, tier):
    found = detector.scan(text)
    assert found is not None and found.tier == tier, (text, found)


def test_urgent_only_for_immediate_danger(detector):
    assert detector.scan("I have thought about ending my life").tier == "clear"
    assert detector.scan("I am going to end my life tonight").tier == "urgent"
    assert detector.scan("my friend wants to die").tier == "clear"
    assert detector.scan("my friend wrote goodbye forever and now she does not answer").tier == (
        "urgent"
    )


# --- who it is about, and what kind


@pytest.mark.parametrize(
    "text, about, kind",
    [
        ("I want to die", "self", "suicide"),
        ("my brother wants to kill himself", "other", "suicide"),
        ("I cut myself again", "self", "selfharm"),
        ("my daughter is cutting herself", "other", "selfharm"),
        ("my husband threatened to kill me", "self", "danger"),
        ("I'm going to stab him tomorrow", "self", "violence"),
        ("they tried to recruit me to join ISIS", "self", "recruitment"),
        ("mun kaveri haluaa tappaa itsensä", "other", "suicide"),
        ("mä tapan itteni", "self", "suicide"),
        ("han vill ta livet av sig", "other", "suicide"),
        ("jag vill ta livet av mig", "self", "suicide"),
    ],
)
def test_about_and_kind(detector, text, about, kind):
    found = detector.scan(text)
    assert found is not None and (found.about, found.kind) == (about, kind), (text, found)


# --- negation, topic talk and idioms lower the signal ...


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal",
        "I'm not suicidal, just very tired",
        "we talked about suicide prevention",
        "itsemurhien ehkäisy oli koulutuksen aiheena",
        "vi pratade om att förebygga självmord",
        "my feet are killing me",
        "tämä helle tappaa minut",
        "what a bomb of a session!",
        "mennään pommiin taas, anteeksi myöhästyminen",
        "jag dör av skratt",
        "I'm dying to see the new room",
        "this heat is killing me",
        "In the role play I played a girl who says she wants to die.",
        "We watched Dead Poets Society with the youth group",
    ],
)
def test_lowered_to_nothing(detector, text):
    assert detector.scan(text) is None, (text, detector.scan(text))


# --- ... but never silence a clear first-person statement


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal but I want to die",
        "we talked about suicide prevention and I want to kill myself",
        "my feet are killing me and honestly I want to die",
        "ei oo mitään itsari-ajatuksia. tai no, haluan kuolla",
        "jag är inte självmordsbenägen men jag vill dö",
        "lol I want to kill myself",
        "The workshop was fine. I don't want to live anymore.",
    ],
)
def test_clear_first_person_never_silenced(detector, text):
    found = detector.scan(text)
    assert found is not None and found.about == "self", (text, found)


def test_negation_in_one_sentence_does_not_silence_another(detector):
    found = detector.scan("I'm not suicidal. I just want to die.")
    assert found is not None and found.tier == "clear"
    assert detector.scan("I'm not suicidal. I'm just tired.") is None


# --- language forms


@pytest.mark.parametrize(
    "text",
    [
        "I want to really, really die",  # words in between
        "en halua enää elää",
        "en mä halua enää oikeesti elää",
        "jag vill verkligen dö",
        "att hon inte vill leva längre",  # Swedish subordinate word order
        "viiltelin taas",  # Finnish forms and consonant gradation
        "oon viillelly käsiä",
        "se on uhannut tappaa mut",
        "otin yliannoksen",
        "han hotade att döda mig",
    ],
)
def test_inflection_and_word_order(detector, text):
    assert detector.scan(text) is not None, text


@pytest.mark.parametrize(
    "plain, folded",
    [
        ("en halua elaa enaa", "en halua elää enää"),
        ("jag vill do", "jag vill dö"),
        ("haluan kuolla", "HALUAN KUOLLA"),
        ("sjalvmordstankar", "självmordstankar"),
    ],
)
def test_diacritics_and_case_folded(detector, plain, folded):
    a, b = detector.scan(plain), detector.scan(folded)
    assert a is not None and a == b


def test_quotes_and_commas_are_marked():
    words, commas, quotes = sentences("no, my friend wrote 'I want to die'")[0]
    assert words == ["no", "my", "friend", "wrote", "i", "want", "to", "die"]
    assert commas == {1} and quotes == {4}


def test_quoted_words_are_about_the_writer_of_them(detector):
    assert detector.scan("my friend wrote 'I want to die'").about == "other"
    assert detector.scan("they keep telling me that I should just die").about == "self"


def test_fold():
    assert fold("Ärger ÅÖ façade naïve Straße can’t") == "arger ao facade naive strasse cant"
    words, _, _ = sentences("I wnat to dieeee, su1c1de")[0]
    assert words == ["i", "wnat", "to", "dieeee", "suicide"]


@pytest.mark.parametrize(
    "text",
    [
        "i wnat to die",  # typo
        "I keep thinking about suicde",
        "olen miettinyt itsemurahaa",
        "självmordstankar hela tiden",
        "sjalvmorstankar hela tiden",
        "kms",  # slang
        "thinking abt unaliving myself ngl",
        "mä haluun kuolla",
        "tapan itteni",
        "mietin itsaria",
        "i want to dieeee",
    ],
)
def test_typos_and_slang(detector, text):
    assert detector.scan(text) is not None, text


@pytest.mark.parametrize(
    "text",
    [
        "ma en jaksa enaa, I just want it all to end",
        "honestly I just want to die, jag klarar inte av det här längre",
        "mun kaveri sanoi että se haluaa tappaa itsensä, what should I do",
        "my friend wrote 'jag vill dö', how can I help her",
    ],
)
def test_mixed_language(detector, text):
    assert detector.scan(text) is not None, text


def test_long_message_judged_by_worst_part(detector):
    ordinary = (
        "The workshop went well, we were twelve and talked about sleep and stress. "
        "Next time we need a bigger room and more tea. "
    ) * 25
    assert detector.scan(ordinary) is None
    text = ordinary + "Personally I am not ok. I took all my pills an hour ago. " + ordinary
    found = detector.scan(text)
    assert found is not None and found.tier == "urgent"
    gentle_then_clear = "I'm so tired of everything. " + ordinary + "I want to kill myself."
    assert detector.scan(gentle_then_clear).tier == "clear"


# --- quoting the training material


def test_training_texts_stay_at_gentle_or_below(detector):
    texts = training_texts(ROOT / "content" / "sections")
    assert len(texts) > 100
    assert quoting_check(texts, detector) == []


def test_training_texts_are_silent(detector):
    texts = training_texts(ROOT / "content" / "sections")
    fired = [(t[:60], f.rule) for t in texts if (f := detector.scan(t)) is not None]
    assert fired == []


@pytest.mark.parametrize(
    "text",
    [
        "The bite said: if someone talks about suicide, ask directly. I liked that.",
        "Palasessa sanottiin: jos joku puhuu itsemurhasta, kysy suoraan. Tämä oli hyvä.",
        "I biten stod det: om någon pratar om självmord, fråga rakt ut. Det gillade jag.",
        "If a participant says they want to die, stay calm and ask directly.",
    ],
)
def test_reflection_quoting_a_bite_is_gentle_at_most(detector, text):
    found = detector.scan(text)
    assert found is None or found.tier == "gentle", (text, found)


# --- own examples (written for these tests; not the evaluation set)


@pytest.mark.parametrize("text, expected", EN + EN_MORE + FI + FI_MORE + SV + SV_MORE)
def test_own_examples(detector, text, expected):
    got = _outcome(detector.scan(text))
    if not expected.startswith("urgent-"):
        got = got.removeprefix("urgent-")
    assert got == expected, text


@pytest.mark.parametrize("text, expected", ROUND2)
def test_round2_examples(detector, text, expected):
    got = _outcome(detector.scan(text))
    if not expected.startswith("urgent-"):
        got = got.removeprefix("urgent-")
    assert got == expected, text


@pytest.mark.parametrize("text, about", PARAPHRASES)
def test_paraphrases(detector, text, about):
    found = detector.scan(text)
    assert found is not None and found.about == about, (text, found)


# --- the evaluation set, whole (no time is asserted here; see bench/crisis.py)


def test_evaluation_set(detector):
    paths = default_paths(DATA)
    if not paths:
        pytest.skip("no evaluation set in tests/data/crisis")
    result = evaluate(detector, load_items(paths))
    # figures only: the failing texts include the held-aside fifth, which nobody should tune on
    # (bench/crisis.py lists the dev misses)
    figures = {k: result[k] for k in ("recall", "precision", "tp", "fp", "positives")}
    assert result["recall"] >= 0.95, figures
    assert result["precision"] >= 0.90, figures


# --- robustness


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_raises_and_is_deterministic(text):
    detector = _shared()
    first = detector.scan(text)
    assert first == detector.scan(text)
    if first is not None:
        assert first.tier in ("gentle", "clear", "urgent")
        assert first.about in ("self", "other")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "I",
                "want",
                "to",
                "die",
                "not",
                "kill",
                "myself",
                "haluan",
                "kuolla",
                "en",
                "jag",
                "vill",
                "dö",
                "inte",
                ",",
                ".",
                "lol",
                "if",
                "someone",
                "my",
                "friend",
                "pills",
                "took",
                "all",
                "now",
                "suicide",
                "prevention",
                "mig",
                "itseni",
            ]
        ),
        max_size=30,
    )
)
def test_random_crisis_words_never_raise(words):
    detector = _shared()
    text = " ".join(words)
    assert detector.scan(text) == detector.scan(text)


_DETECTOR: CrisisDetector | None = None


def _shared() -> CrisisDetector:
    global _DETECTOR
    if _DETECTOR is None:
        _DETECTOR = shared_detector()
    return _DETECTOR


def test_rules_reject_bad_input():
    with pytest.raises(ValueError):
        CrisisDetector(
            [
                {
                    "lang": "xx",
                    "words": {"A": ["a"]},
                    "rules": [{"id": "r", "kind": "nope", "seq": "A"}],
                }
            ]
        )
    with pytest.raises(ValueError):
        CrisisDetector(
            [{"lang": "xx", "rules": [{"id": "r", "kind": "suicide", "seq": "UNKNOWN"}]}]
        )
    with pytest.raises(ValueError):
        CrisisDetector([{"lang": "xx", "words": {"A": [True]}}])


# --- round 2: hints that count together, calm, clause breaks across languages, negation scope


def test_a_hint_alone_is_not_enough_two_are(detector):
    assert detector.scan("I have made my decision.") is None
    found = detector.scan("I have made my decision. None of this was your fault.")
    assert found is not None and found.tier == "clear" and found.about == "self"


def test_a_hint_and_no_answer_is_urgent(detector):
    text = "she wrote 'you've been the best friend ever' and now her phone is off"
    found = detector.scan(text)
    assert found is not None and found.tier == "urgent"
    assert detector.scan("you've been the best friend ever, see you on monday") is None


@pytest.mark.parametrize(
    "text",
    ["I took all my pills yesterday", "otin eilen kaikki lääkkeet", "jag tog alla tabletter igår"],
)
def test_yesterday_is_not_urgent(detector, text):
    found = detector.scan(text)
    assert found is not None and found.tier == "clear", (text, found)


def test_a_break_word_of_another_language_does_not_split():
    found = _shared().scan("a guy is telling young men to go fight overseas")
    assert found is not None and found.kind == "recruitment"


def test_negation_of_the_main_clause_stays_there(detector):
    found = detector.scan("hooyo vet inte att jag skär mig")
    assert found is not None and (found.about, found.kind) == ("self", "selfharm")
    assert detector.scan("jag har inga tankar på att skada mig själv") is None
    assert detector.scan("I have no thoughts of hurting myself") is None


def test_questions_to_you_and_words_about_words_are_not_signals(detector):
    assert detector.scan("Onko sinulla itsemurha-ajatuksia?") is None
    assert detector.scan("Har du självmordstankar?") is None
    assert detector.scan("Are you having thoughts of suicide?") is None
    assert detector.scan("Is the word 'suicide' too direct for the parents?") is None


# --- the statistical net (net.py): a gentle check under the rules, and a veto on look-alikes


@cache
def _rules_only_loaded() -> CrisisDetector:
    return CrisisDetector.default(net=False)


def _rules_only() -> CrisisDetector:
    """CrisisDetector.default(net=False) of its own, without loading the rules again (0.5 s):
    a shallow copy shares the rules and the word cache, which no net changes; nets set on it
    are its own."""
    return copy.copy(_rules_only_loaded())


def _with_net(weights: dict[str, int]) -> CrisisDetector:
    detector = _rules_only()
    detector.net = StatNet(weights, 1, 0.0, net=2.0, veto=-2.0)
    return detector


def test_net_asks_gently_when_no_rule_matched():
    detector = _with_net({f: 1 for f in word_features("zorbly")})
    assert _rules_only().scan("my friend feels so zorbly these days") is None
    found = detector.scan("my friend feels so zorbly these days")
    assert found == Finding("gentle", "other", "distress", "net.gentle", "en")
    found = detector.scan("jag känner mig så zorbly nu för tiden")
    assert found is not None and (found.about, found.lang) == ("self", "sv")
    assert detector.scan("so zorbly") is None  # under MIN_WORDS words: left to the rules
    assert MIN_WORDS == 4


def test_net_stays_quiet_where_the_rules_judged_a_look_alike():
    detector = _with_net({f: 1 for f in word_features("zorbly")})
    assert detector.scan("we talked about suicide prevention, so zorbly today") is None


def test_net_drops_a_gentle_rule_finding_in_a_look_alike_sentence():
    rules_only = _rules_only()
    text = "I'm so tired of everything"
    assert rules_only.scan(text).tier == "gentle"
    vetoing = _with_net({f: -9 for w in ("tired", "everything") for f in word_features(w)})
    assert vetoing.scan(text) is None
    # clear findings are the rules' alone
    assert vetoing.scan("I'm so tired of everything, I want to die").tier == "clear"


def test_net_drops_a_clear_finding_of_violence_in_topic_talk_never_of_suicide():
    rules_only = _rules_only()
    topic = "my cousin was recruited by an extremist group online"
    assert rules_only.scan(topic).tier == "clear"
    detector = _with_net({f: -9 for f in word_features("cousin")})
    detector.net.clear_veto = -6.0
    assert detector.scan(topic) is None
    # suicide and self-harm findings are the rules' alone, whatever the net says
    detector = _with_net({f: -9 for f in word_features("tired") + word_features("everything")})
    detector.net.clear_veto = -6.0
    assert detector.scan("I'm so tired of everything, I want to die").tier == "clear"
    # off by default (a net stored without the setting)
    assert _with_net({f: -9 for f in word_features("cousin")}).scan(topic).tier == "clear"


def test_net_asks_where_rules_judged_only_from_its_own_bar():
    detector = _with_net({f: 1 for f in word_features("zorbly")})
    text = "we talked about suicide prevention, so zorbly today"
    assert detector.scan(text) is None  # off by default
    detector.net.judged = 3.0
    assert detector.scan(text) == Finding("gentle", "self", "distress", "net.gentle", "en")


def _with_urgent(weights: dict[str, int], at: float = 1.0) -> CrisisDetector:
    detector = _rules_only()
    detector.urgent_net = StatNet(weights, 1, 0.0, net=at, veto=-99.0)
    return detector


def test_urgency_net_raises_a_finding_but_not_past_ones_nor_look_alikes():
    rules_only = _rules_only()
    assert rules_only.urgent_net is None and rules_only.net is None
    text = "I want to die, zorbly"
    assert rules_only.scan(text).tier == "clear"
    detector = _with_urgent({f: 1 for f in word_features("zorbly")})
    assert detector.scan(text).tier == "urgent"
    assert detector.scan("I want to die").tier == "clear"  # the net reads nothing there
    assert detector.scan("we had a zorbly day at the workshop") is None  # it only raises
    # "yesterday": not happening now, whatever the urgency net reads
    found = detector.scan("I took all my pills yesterday zorbly")
    assert found is not None and found.tier == "clear"


def test_shipped_urgency_net_is_small_and_in_use(detector):
    from bot.crisis_detect.net import URGENT_FILE

    assert detector.urgent_net is not None and 0 < detector.urgent_net.size <= 20_000
    assert URGENT_FILE.stat().st_size < 200_000


def test_shipped_net_is_small_and_trained_on_dev_only():
    from bot.crisis_detect.net import NET_FILE

    net = StatNet.load()
    assert net is not None and 0 < net.size <= 20_000
    assert NET_FILE.stat().st_size < 200_000
    assert net.veto < net.net
    from bot.crisis_detect.train import DATA as TRAIN_DATA
    from bot.crisis_detect.train import training_set

    dev, hold = split(load_items(default_paths(TRAIN_DATA)))
    texts, _ = training_set(dev)
    assert hold and not any(is_holdout(t) for t in texts[: len(dev)])
    assert not {i["text"] for i in hold} & set(texts)


def test_net_training_is_deterministic(tmp_path):
    from bot.crisis_detect.train import train, write

    texts = ["I want to die tonight", "we had tea", "haluan kuolla", "kiva päivä", "jag vill dö"]
    texts += [
        "I want to die. Really.",
        "we had tea and cake",
        "haluan kuolla nyt",
        "jag vill dö nu",
    ]
    texts = texts * 2
    labels = [1, 0, 1, 0, 1, 1, 0, 1, 1] * 2
    for model in ("lr", "nb"):
        a, b = train(texts, labels, 1.0, -2.0, model), train(texts, labels, 1.0, -2.0, model)
        write(a, tmp_path / "a.tsv.gz")
        write(b, tmp_path / "b.tsv.gz")
        assert a.size > 0
        assert (tmp_path / "a.tsv.gz").read_bytes() == (tmp_path / "b.tsv.gz").read_bytes()
        loaded = StatNet.load(tmp_path / "a.tsv.gz")
        words = [["i", "want", "to", "die"]]
        assert loaded.score(words) == pytest.approx(a.score(words))
        assert loaded.sqrt == (model == "nb")
        assert loaded.score(words) > loaded.score([["we", "had", "tea"]])


def test_net_training_is_the_same_in_every_process(tmp_path):
    """Set order differs between processes (string hashing); the net must not."""
    import subprocess
    import sys

    code = (
        "import sys; from bot.crisis_detect.train import train, write; "
        "t = ['I want to die tonight', 'we had tea', 'haluan kuolla', 'kiva päivä'] * 3; "
        "write(train(t, [1, 0, 1, 0] * 3, 0.0, -2.0), sys.argv[1])"
    )
    for k, seed in enumerate(("1", "2")):
        env = {"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / f"{k}.gz")], check=True, env=env, cwd=ROOT
        )
    assert (tmp_path / "0.gz").read_bytes() == (tmp_path / "1.gz").read_bytes()
