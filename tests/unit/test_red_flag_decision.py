"""The red-flag decision from both layers (bot.domain.safety.decide): lexicon findings and the
classifier's probabilities; an emergency always wins."""
from __future__ import annotations

from bot.domain.safety import ADVERSE_EFFECT, EMERGENCY, Thresholds, cues, decide, scan

NOTHING = {"none": 0.99, EMERGENCY: 0.0, ADVERSE_EFFECT: 0.01}


def test_without_a_classifier_the_lexicon_decides():
    decision = decide(scan("I can't swallow since my botox yesterday"))
    assert (decision.kind, decision.layer) == (EMERGENCY, "lexicon")
    assert decide(scan("what are your hours?")) is None


def test_a_lexicon_emergency_wins_whatever_the_classifier_says():
    decision = decide(scan("since the botox I cant breathe properly"), NOTHING, NOTHING)
    assert decision.kind == EMERGENCY


def test_the_classifier_alone_raises_a_flag_it_is_sure_of():
    sure = {"none": 0.2, EMERGENCY: 0.1, ADVERSE_EFFECT: 0.7}
    decision = decide(scan("I feel like a monster since last tuesdays treatment"), sure, sure)
    assert (decision.kind, decision.layer) == (ADVERSE_EFFECT, "classifier")


def test_the_classifier_upgrades_to_an_emergency():
    emergency = {"none": 0.1, EMERGENCY: 0.8, ADVERSE_EFFECT: 0.3}
    decision = decide(scan("my eyelid droops since the botox and now my arms feel weak"), emergency, emergency)
    assert decision.kind == EMERGENCY


def test_a_suppressed_hit_counts_when_the_classifier_agrees():
    text = "I dont have any bruising since the botox"
    assert [f.suppressed_by for f in scan(text)] == ["negation"]
    assert decide(scan(text), NOTHING, NOTHING) is None
    agrees = {"none": 0.5, EMERGENCY: 0.0, ADVERSE_EFFECT: 0.4}
    assert decide(scan(text), agrees, agrees).layer == "both"


def test_a_lexicon_emergency_is_dropped_only_when_the_classifier_is_all_but_certain():
    text = "trouble swallowing after botox, how common is that?"
    assert decide(scan(text)).kind == EMERGENCY  # the rules alone miss this question
    certain = {"none": 0.999, EMERGENCY: 0.0, ADVERSE_EFFECT: 0.001}
    assert decide(scan(text), certain, certain) is None
    assert decide(scan(text), NOTHING, NOTHING).kind == EMERGENCY


def test_a_sure_classifier_vetoes_a_lexicon_adverse_effect_but_never_an_emergency():
    text = "my eyebrow is droopy since my botox last week"
    assert decide(scan(text), NOTHING, NOTHING, Thresholds(veto=0.98)) is None
    assert decide(scan(text), NOTHING, NOTHING, Thresholds(veto=1.01)).kind == ADVERSE_EFFECT


def test_the_classifier_alone_says_nothing_about_a_short_message():
    """"after 4" to "when is best to call?" is a time, however the classifier scores it."""
    sure = {"none": 0.1, EMERGENCY: 0.8, ADVERSE_EFFECT: 0.1}
    assert decide(scan("after 3 pm"), sure, sure, words=3) is None
    assert decide(scan("cant swallow"), NOTHING, NOTHING, words=2).kind == EMERGENCY  # the lexicon still does
    assert decide(scan("after 3 pm"), sure, sure).kind == EMERGENCY  # words unknown: the classifier counts


def test_an_effect_told_as_over_needs_a_classifier_all_but_sure():
    text = "last year I had a droopy eyelid after botox but it went away"
    assert [f.suppressed_by.split("[")[0] for f in scan(text)] == ["resolved"]
    fairly = {"none": 0.38, EMERGENCY: 0.0, ADVERSE_EFFECT: 0.62}
    assert decide(scan(text), fairly, fairly, words=13) is None  # a screening answer, not an alert
    again = "it went away but now my eyelid is drooping again since tuesday's botox"
    certain = {"none": 0.01, EMERGENCY: 0.0, ADVERSE_EFFECT: 0.98}
    assert decide(scan(again), certain, certain, words=13).kind == ADVERSE_EFFECT


def _with_cues(text, probabilities):
    return decide(scan(text), probabilities, probabilities, words=len(text.split()), cues=cues(text))


def test_the_classifier_alone_needs_a_treatment_for_an_adverse_effect():
    sure = {"none": 0.15, EMERGENCY: 0.0, ADVERSE_EFFECT: 0.85}
    assert _with_cues("my left eyelid has always sat a bit lower than the other one, will botox show it more?",
                      sure) is None
    decision = _with_cues("they put way too much on the left and now I look like a stranger to myself", sure)
    assert (decision.kind, decision.layer) == (ADVERSE_EFFECT, "classifier")
    assert _with_cues("talking for a few minutes makes my mouth tired since my lip flip", sure).kind == ADVERSE_EFFECT


def test_the_classifier_alone_is_overruled_by_all_is_well_but_not_an_emergency_it_does_not_deny():
    adverse = {"none": 0.2, EMERGENCY: 0.05, ADVERSE_EFFECT: 0.75}
    assert _with_cues("everything went well after my forehead treatment, no drooping and my brows are fine",
                      adverse) is None
    emergency = {"none": 0.2, EMERGENCY: 0.75, ADVERSE_EFFECT: 0.05}
    decision = _with_cues("everything went well after my neck treatment, it all feels fine, just odd", emergency)
    assert (decision.kind, decision.layer) == (EMERGENCY, "classifier")  # all is well denies no symptom
    # Denying the emergency symptoms themselves is the one case where the classifier's emergency is dropped.
    assert _with_cues("everything went well after my neck treatment, voice is normal and swallowing's fine",
                      emergency) is None
    decision = _with_cues("my voice is fine but i can't swallow since my botox yesterday", emergency)
    assert (decision.kind, decision.layer) == (EMERGENCY, "lexicon")


def test_someone_elses_story_or_a_question_needs_the_classifier_sure_for_an_adverse_effect():
    doubtful = {"none": 0.4, EMERGENCY: 0.01, ADVERSE_EFFECT: 0.59}
    assert _with_cues("My mum had her forehead done elsewhere and her eyebrows dropped for a month", doubtful) is None
    assert _with_cues("Does the migraine treatment cause drooping eyelids? I'm booking next week", doubtful) is None


def test_cues_of_a_message():
    assert cues("ever since the appointment there is a heavy pressure in my head").treated
    assert cues("my side effects are pretty bad, will they get better?").treated
    assert not cues("can botox lift my brows? my face looks tired and heavy lately").treated
    assert cues("all good, no side effects at all").all_clear
    assert not cues("my voice sounds hoarse since the injections").all_clear
    assert cues("Had my masseters done 10 days ago. Chewing fine, no pain. Do I need a check-up?").all_clear
    assert not cues("since my masseter botox chewing hurts on one side").all_clear


def test_a_negated_hit_the_classifier_agrees_with_is_overruled_by_all_is_well():
    agree = {"none": 0.4, EMERGENCY: 0.1, ADVERSE_EFFECT: 0.5}
    text = "I had my botox 2 weeks ago and everything is fine, no drooping, no headache"
    assert "negation" in [f.suppressed_by for f in scan(text)]
    assert _with_cues(text, agree) is None


SURE_ADVERSE = {"none": 0.3, EMERGENCY: 0.05, ADVERSE_EFFECT: 0.65}
SURE_EMERGENCY = {"none": 0.2, EMERGENCY: 0.7, ADVERSE_EFFECT: 0.1}


def test_the_classifier_alone_does_not_override_a_denied_or_questioned_effect():
    """A symptom the lexicon found denied or asked about needs the classifier at `doubted_effect`."""
    for text in ("no droopy lids, no bruising after my forehead botox, can I still top up the brows?",
                 "how long does bruising last after crows feet botox, I have a wedding"):
        assert decide(scan(text), SURE_ADVERSE, SURE_ADVERSE, cues=cues(text)) is None, text
        certain = {"none": 0.1, EMERGENCY: 0.0, ADVERSE_EFFECT: 0.9}
        assert decide(scan(text), certain, certain, cues=cues(text)).kind == ADVERSE_EFFECT, text


def test_a_classifier_emergency_in_a_message_that_denies_every_emergency_symptom_is_dropped():
    for text in ("not having any problems breathing or swallowing since my neck botox, can I fly on friday?",
                 "after my neck injections my voice is normal and swallowing is fine, when is the next one due"):
        assert decide(scan(text), SURE_EMERGENCY, SURE_EMERGENCY, cues=cues(text)) is None, text


def test_an_emergency_symptom_that_is_not_denied_still_wins():
    text = "swallowing is fine but since the botox my voice sounds hoarse"
    assert decide(scan(text), NOTHING, NOTHING, cues=cues(text)).kind == EMERGENCY
    text = "my voice is fine but I feel weird since my neck botox"
    assert decide(scan(text), SURE_EMERGENCY, SURE_EMERGENCY, cues=cues(text)) is None  # said fine, nothing named
    text = "I feel really strange since my neck botox and my chest feels odd"
    assert decide(scan(text), SURE_EMERGENCY, SURE_EMERGENCY, cues=cues(text)).kind == EMERGENCY


def test_an_effect_told_as_history_needs_the_classifier_all_but_sure():
    text = "I got hives from botox many years ago, it was the numbing cream, fine since then"
    assert decide(scan(text), SURE_EMERGENCY, SURE_EMERGENCY, cues=cues(text)) is None


def test_expected_effects_and_wearing_off_are_no_report_for_the_classifier_alone():
    for text in ("my forehead feels a bit tight since the botox on monday, which they told me to expect",
                 "it's been three months since my botox and the lines are coming back, can I rebook"):
        assert cues(text).all_clear, text
        assert decide(scan(text), SURE_ADVERSE, SURE_ADVERSE, cues=cues(text)) is None, text


def test_a_classifier_emergency_the_lexicon_read_as_asked_about_needs_it_all_but_sure():
    """An emergency symptom only asked about ("can botox make it hard to swallow?") is no
    emergency on the classifier's word unless it is at `asked_emergency`."""
    certain = {"none": 0.05, EMERGENCY: 0.93, ADVERSE_EFFECT: 0.02}
    for text in ("can botox make it hard to swallow?",
                 "what happens if i cant breathe after botox",
                 "Im very nervous. what if the neck botox spreads to my throat and I can't breathe in the night?"):
        assert "hypothetical" in [(f.suppressed_by or "").split("[")[0] for f in scan(text)], text
        assert decide(scan(text), SURE_EMERGENCY, SURE_EMERGENCY, cues=cues(text)) is None, text
        assert decide(scan(text), certain, certain, cues=cues(text)).kind == EMERGENCY, text


def test_an_emergency_only_asked_about_leaves_the_adverse_effect_the_message_reports():
    text = "my eyelid droops since my botox last week, could it make it hard to swallow?"
    decision = decide(scan(text), SURE_EMERGENCY, SURE_EMERGENCY, cues=cues(text))
    assert decision is not None and decision.kind == ADVERSE_EFFECT


def test_someone_elses_emergency_beside_the_visitor_still_wins_on_the_classifier():
    text = "my sister just had injections at your clinic and her lips and tongue are swelling up"
    assert decide(scan(text), SURE_EMERGENCY, SURE_EMERGENCY, cues=cues(text)).kind == EMERGENCY
    text = "what if it's the botox, my throat is closing"  # the visitor turns to themselves: no question
    assert decide(scan(text), NOTHING, NOTHING, cues=cues(text)).kind == EMERGENCY


def test_symptoms_listed_as_a_question_by_someone_untreated_are_no_emergency_when_the_classifier_is_sure():
    """A lexicon emergency in a message that asks something and names no treatment had ("what
    are the risks? voice change, trouble swallowing?") gives way at `veto_asked_untreated`."""
    sure_not = {"none": 0.94, EMERGENCY: 0.05, ADVERSE_EFFECT: 0.01}
    for text in ("What are the risks with platysma injections? Voice change, weak neck, trouble swallowing?",
                 "just read the leaflet for migraine botox. breathing problems?? are those common?"):
        assert any(f.flag.kind == EMERGENCY and f.suppressed_by is None for f in scan(text)), text
        assert decide(scan(text), sure_not, sure_not, cues=cues(text)) is None, text
    unsure = {"none": 0.85, EMERGENCY: 0.1, ADVERSE_EFFECT: 0.05}
    text = "What are the risks? trouble swallowing?"
    assert decide(scan(text), unsure, unsure, cues=cues(text)).kind == EMERGENCY
    # Treated, or asking nothing: the stricter veto stands.
    for text in ("since my neck botox trouble swallowing? is that normal?",
                 "my throat feels tight and I have trouble swallowing"):
        assert decide(scan(text), sure_not, sure_not, cues=cues(text)).kind == EMERGENCY, text
