"""The deterministic red-flag detector (bot/safety.py + clinic/red_flags.yml)."""
from __future__ import annotations

import copy

import pytest
import yaml

from bot.domain.safety import (
    ADVERSE_EFFECT,
    DEFAULT_LEXICON_PATH,
    EMERGENCY,
    RedFlagLexiconError,
    cues,
    detect_red_flag,
    load_lexicon,
    parse_lexicon,
    scan,
)

EMERGENCIES = [
    ("my husband had jaw botox on monday and right now he is choking on every sip", "swallowing"),
    ("since the neck botox I have to tilt my head to get food down", "swallowing"),
    ("my mum can barely talk since her botox this morning", "speaking"),
    ("what if it's the botox, I can't breathe properly right now", "breathing"),
    ("had my 11s done yesterday and tonight everything looks doubled on the tv", "vision"),
    # (message, category)
    ("I can't swallow", "swallowing"),
    ("cant swalow", "swallowing"),
    ("it hurts to swallow", "swallowing"),
    ("difficulty swallowing since my botox", "swallowing"),
    ("I'm not able to swallow properly", "swallowing"),
    ("it's hard to breathe", "breathing"),
    ("I'm short of breath since the injections", "breathing"),
    ("I’m short-of-breath", "breathing"),
    ("trouble breething", "breathing"),
    ("Iam having dificulty breathing", "breathing"),
    ("I can barely breathe", "breathing"),
    ("HELP I CANT BREATH", "breathing"),
    ("can't catch my breath", "breathing"),
    ("gasping for air", "breathing"),
    ("my throat feels tight", "breathing"),
    ("it feels like my throat is closing up", "breathing"),
    ("No I can't breathe", "breathing"),
    ("I don't know what's happening I can't breathe", "breathing"),
    ("I have asthma and I can't breathe", "breathing"),
    ("can you help me I can't breathe", "breathing"),
    ("my words come out slurred", "speaking"),
    ("my speech is slurred", "speaking"),
    ("I'm having trouble speaking", "speaking"),
    ("my voice sounds hoarse", "voice"),
    ("my voice is horse since the shots", "voice"),
    ("my voice has changed since the botox", "voice"),
    ("my whole body feels weak", "muscle_weakness"),
    ("my arms feel weak", "muscle_weakness"),
    ("I feel really weak", "muscle_weakness"),
    ("I can't hold my head up", "muscle_weakness"),
    ("I have double vision", "vision"),
    ("blury vision since yesterday", "vision"),
    ("my vision is blurry", "vision"),
    ("I'm seeing double", "vision"),
    ("everything looks blurry", "vision"),
    ("I lost control of my bladder", "bladder"),
    ("i peed myself", "bladder"),
    ("I'm wheezing", "wheezing"),
    ("I have welts all over my arms", "hives"),
    ("I broke out in hives", "hives"),
    ("my lips are swelling", "swelling"),
    ("my tongue feels swollen", "swelling"),
    ("my face is swelling up", "swelling"),
    ("is my throat swelling?", "swelling"),
    ("no swelling, but my lips are swelling now", "swelling"),
    ("I fainted after the injection", "fainting"),
    ("I passed out this morning", "fainting"),
    ("i feel like i'm going to faint", "fainting"),
    ("I think I'm having an allergic reaction", "allergic_reaction"),
    ("what if it's the botox, my throat is closing", "breathing"),
]

ADVERSE_EFFECTS = [
    ("I can't hold my phone properly since my palm botox on monday", "hand_weakness"),
    ("since my botox on monday I've had a fever and feel awful", "feeling_unwell"),
    ("since my forehead botox I get headaches every afternoon", "headache"),
    ("my eyelid is drooping since my botox", "drooping_eyelid"),
    ("droopy eye lid after botox", "drooping_eyelid"),
    ("My eyelid droops. I had Botox on Monday.", "drooping_eyelid"),
    ("I got botox last week and now my left eyebrow is droopy", "drooping_brow"),
    ("got botox yesterday, brow is drooping", "drooping_brow"),
    ("since my botox my eyebrow has dropped", "drooping_brow"),
    ("my forehead feels heavy since the treatment", "drooping_brow"),
    ("one eyebrow is higher than the other after the injections", "asymmetry"),
    ("my face looks lopsided after treatment", "asymmetry"),
    ("my smile is uneven since the injections", "asymmetry"),
    ("my brows look asymetrical after my shots", "asymmetry"),
    ("I have a headache after my botox", "headache"),
    ("I was injected on monday and now I have a headache", "headache"),
    ("headach since my tox appointment", "headache"),
    ("my headache isn't getting better since botox", "headache"),
    ("bad bruising since the injections yesterday", "bruising"),
    ("I have a bruise at the injection site", "bruising"),
    ("my jaw feels weak when I chew since the masseter injections", "chewing_weakness"),
    ("it's hard to chew after my masseter botox", "chewing_weakness"),
    # effects told in plain words, with the treatment said in passing
    ("my side effects are awful since the botox on friday", "side_effects"),
    ("the 11s were done four days ago and I can't move my forehead at all", "frozen"),
    ("masseter botox a month ago and now my cheeks look hollow", "sagging"),
    ("had my palms treated last week, now my grip is weak and I drop my cup", "hand_weakness"),
    ("neck bands done 10 days ago and my neck feels heavy and tired by noon", "neck_fatigue"),
    ("since my acne botox on the 3rd my chin broke out badly", "skin_reaction"),
    ('my first "baby botox" was monday, now there are itchy red spots on my forehead', "skin_reaction"),
    ("my heel is swollen around the injection sites since tuesday's jab", "injection_site"),
    ("lip flip was on friday, now I can't drink through a straw", "lip_weakness"),
    ("since my palm injections my fingers feel weak on the keyboard", "hand_weakness"),
    ("botox 4 days ago and I have been dizzy and feverish since", "feeling_unwell"),
    ("underarms treated last month and now I sweat on my back instead", "compensatory_sweating"),
    ("day 6 after my forehead, eyelid droop on the left", "drooping_noun"),
    ("my eyebrows look permanently surprised since the injections", "frozen"),
]

NOT_FLAGS = [
    # questions about other people, allergies that are no fever, headaches the visitor already has
    ("hiya so ive had realy bad sweaty hands since i was a teen, like i cant hold my phone or shake hands "
     "at work without wiping them on my jeans first. my freind said botox helps?"),
    "my wife had her 11s done, she loves it but had some bruising. I'd like mine done too, do men bruise more?",
    "I get hay fever every spring, can I still have botox for my forehead lines?",
    "my forehead botox was great. I already get headaches, would more units make them worse?",
    # concern descriptions
    "I sweat a lot",
    "I'm so sweaty my shirts are drenched",
    "I have hyperhidrosis on my palms and feet",
    "migraines 15 days a month",
    "I get headaches 15 days a month",
    "my jaw aches when I grind",
    "I clench my teeth at night and my jaw is sore",
    "I'd like botox for my masseter, I grind at night and my jaw gets tired",
    "I have a faint line on my forehead",
    "I have a heavy brow and want botox",
    "my eyelids droop a little",
    "neck bands and jowls",
    "I have plantar fasciitis and my heel hurts",
    # booking chatter and questions
    "I'd like to book a consultation for Tuesday",
    "what time do you close on Friday?",
    "I can't talk right now, can you email me?",
    "I can't make it Tuesday",
    "can botox cause trouble breathing?",
    "is hoarseness a side effect?",
    "are there side effects like trouble breathing or blurry vision?",
    "can botox cause trouble swallowing, blurry vision or weakness?",
    "what should I do if my throat feels tight after treatment?",
    "is it normal to have bruising after botox?",
    "will I bruise after the injections?",
    "can botox fix uneven eyebrows?",
    "I'm scared of getting a droopy eyelid",
    # screening answers, negated or historical
    "no",
    "not that I know of",
    "no trouble breathing",
    "I don't have any swallowing problems",
    "never had a reaction",
    "nope, no trouble swallowing or breathing",
    "no double vision or blurry vision",
    "breathing trouble: none",
    "Any trouble swallowing? Nope.",
    "I bruise easily",
    "I'm allergic to penicillin, I get hives",
    "I have asthma and sometimes get short of breath when I exercise",
    "I used to faint as a kid",
    "yes, I'm on blood thinners",
    # treatment mentioned, but no adverse effect now
    "I had botox last year and loved it",
    "I got botox for my headaches last year",
    "no bruising after my last botox",
    "my headaches are so much better since my botox",
    "I haven't had botox yet but my brows are uneven",
    # asked about, worried about, someone else's, over, or the treatment wearing off
    "what if I get the jaw botox and then I can't chew a steak for weeks?",
    "I'm scared that after the neck injections I'll feel short of breath at night",
    "there's a thread about people choking after neck botox, is that real?",
    "my sister's lip flip went wrong and she couldn't drink through a straw",
    "I saw a video where a man's voice went hoarse after platysma botox",
    "do people get bruises from foot injections? my skin marks easily",
    "my brow drooped for about two weeks after my first botox, fine ever since",
    "a headache for two days after the last round, then it settled",
    "it's eleven weeks since my migraine botox and the headaches are creeping back",
    "I get blurry vision before the migraines start, never had any botox",
    "my jaw feels weaker when I chew since the masseter botox, which I know is the idea",
    "once I had a heavy brow from botox, back in 2022, it wore off in a month",
    "a review where someone had a headache for a week after forehead botox, is that common?",
    "day 3 after migraine botox, no side effects, should I keep my headache diary?",
]


@pytest.mark.parametrize("text,category", EMERGENCIES)
def test_emergency(text, category):
    flag = detect_red_flag(text)
    assert flag is not None and flag.kind == EMERGENCY, scan(text)
    assert flag.category == category


@pytest.mark.parametrize("text,category", ADVERSE_EFFECTS)
def test_adverse_effect(text, category):
    flag = detect_red_flag(text)
    assert flag is not None and flag.kind == ADVERSE_EFFECT, scan(text)
    assert flag.category == category


@pytest.mark.parametrize("text", NOT_FLAGS)
def test_not_a_flag(text):
    assert detect_red_flag(text) is None, [f for f in scan(text) if f.suppressed_by is None]


def test_enough_examples():
    assert len(EMERGENCIES) >= 30 and len(ADVERSE_EFFECTS) >= 15 and len(NOT_FLAGS) >= 30


def test_emergency_wins_over_adverse_effect():
    text = "I had botox 2 weeks ago and now my eyelid droops and I have double vision"
    flag = detect_red_flag(text)
    assert (flag.kind, flag.category, flag.matched) == (EMERGENCY, "vision", "double vision")
    assert any(f.flag.kind == ADVERSE_EFFECT and f.suppressed_by is None for f in scan(text))


def test_matched_phrase_and_offsets_refer_to_the_original_text():
    text = "Hi... I  CANT swalow!!"
    flag = detect_red_flag(text)
    assert flag.matched == "CANT swalow"
    assert text[flag.start:flag.end] == flag.matched


def test_adverse_effect_needs_treatment_context():
    assert detect_red_flag("my eyebrow is droopy") is None
    assert detect_red_flag("my eyebrow is droopy since the injections").kind == ADVERSE_EFFECT


def test_scan_explains_why_a_hit_was_dropped():
    reasons = {f.suppressed_by for f in scan("no trouble breathing")}
    assert reasons == {"negation"}
    [finding] = [f for f in scan("my eyebrow is droopy") if f.flag.category == "drooping_brow"][:1]
    assert finding.suppressed_by == "no_treatment_context"
    assert finding.rule.startswith("adverse_effect.drooping_brow[")


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_message(text):
    assert detect_red_flag(text) is None


def test_lexicon_is_loaded_once():
    assert load_lexicon() is load_lexicon(DEFAULT_LEXICON_PATH)


def _raw_lexicon():
    return yaml.safe_load(DEFAULT_LEXICON_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutate,key", [
    (lambda d: d["emergency"]["swallowing"].__setitem__(1, "(unclosed"), "emergency.swallowing[1]"),
    (lambda d: d["suppress"]["history"].__setitem__("scope", "paragraph"), "suppress.history.scope"),
    (lambda d: d["suppress"]["hypothetical"].__setitem__("kinds", ["urgent"]), "suppress.hypothetical.kinds"),
    (lambda d: d["negation"].__setitem__("window", 0), "negation.window"),
    (lambda d: d["negation"]["words"].__setitem__(0, False), "negation.words[0]"),
    (lambda d: d.pop("treatment_context"), "treatment_context"),
])
def test_bad_lexicon_names_the_key(mutate, key):
    data = copy.deepcopy(_raw_lexicon())
    mutate(data)
    with pytest.raises(RedFlagLexiconError) as error:
        parse_lexicon(data)
    assert error.value.key == key
    assert key in str(error.value)


def test_custom_lexicon_path(tmp_path):
    data = _raw_lexicon()
    data["emergency"]["hives"].append(r"\bitchy bumps\b")
    path = tmp_path / "red_flags.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    custom = load_lexicon(path)
    assert detect_red_flag("itchy bumps everywhere", custom).category == "hives"
    assert detect_red_flag("itchy bumps everywhere") is None


@pytest.mark.parametrize("text,treated", [
    ("I've never had botox. Would the migraine botox help my attacks?", False),
    ("I have not had any injections yet, would the shots hurt?", False),
    ("my friend said botox helps with sweaty hands", False),
    ("my sister told me botox fixed her headaches", False),
    ("I'd never had botox before Friday and since my botox my eyelid droops", True),
    ("no trouble breathing after my first migraine botox on Monday", True),
    ("my botox was last week", True),
])
def test_treatment_had_is_read_from_the_message(text, treated):
    """Treatment denied outright ("I've never had botox") outweighs the message calling it "the
    botox"; hearsay ("my friend said botox") is no treatment; a first time told ("never had botox
    before Friday") and symptoms denied beside it still are."""
    assert cues(text).treated is treated
