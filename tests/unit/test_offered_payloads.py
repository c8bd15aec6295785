"""The gateway's memory of what each conversation's latest reply offered (bot.web.offers)."""
from bot.web.offers import OfferedPayloads


def test_a_settled_turn_is_remembered_and_a_new_turn_forgets_it():
    offers = OfferedPayloads()
    assert offers.recall("c1") is None
    offers.begin("c1")
    assert offers.recall("c1") is None  # in flight: not known
    offers.settle("c1", ["/affirm", "/deny"])
    assert offers.recall("c1") == {"/affirm", "/deny"}
    offers.begin("c1")
    assert offers.recall("c1") is None
    offers.settle("c1", [])
    assert offers.recall("c1") == frozenset()  # known: nothing offered


def test_a_failed_turn_leaves_the_conversation_unknown():
    offers = OfferedPayloads()
    offers.begin("c1")
    offers.settle("c1", ["/affirm"])
    offers.begin("c1")
    offers.settle("c1", None)
    assert offers.recall("c1") is None


def test_overlapping_turns_are_not_remembered_whichever_ends_first():
    for first_to_end in ("a", "b"):
        offers = OfferedPayloads()
        offers.begin("c1")
        offers.begin("c1")
        offers.settle("c1", [f"/{first_to_end}"])
        assert offers.recall("c1") is None
        offers.settle("c1", ["/other"])
        assert offers.recall("c1") is None
        offers.begin("c1")  # the next turn on its own is remembered again
        offers.settle("c1", ["/next"])
        assert offers.recall("c1") == {"/next"}


def test_the_least_recently_used_conversation_is_evicted_beyond_capacity():
    offers = OfferedPayloads(capacity=2)
    for conversation in ("a", "b"):
        offers.begin(conversation)
        offers.settle(conversation, [f"/{conversation}"])
    assert offers.recall("a") == {"/a"}  # "a" is now the most recent
    offers.begin("c")
    offers.settle("c", ["/c"])
    assert offers.recall("b") is None and offers.recall("a") == {"/a"} and offers.recall("c") == {"/c"}
