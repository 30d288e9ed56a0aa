"""The identity scorer on clusterings small enough to count by hand."""

import pytest

from ecomgen.identity_scores import normalized_phone, score


def ids(*names: str) -> list[tuple[str, str]]:
    return [("phone", n) for n in names]


def test_pairwise_and_b_cubed_scores_match_a_hand_count():
    a, b, c, d, e, h, z, x = ids("a", "b", "c", "d", "e", "h", "z", "x")
    truth = {a: "P1", b: "P1", c: "P1", d: "P2", e: "P2", h: "", z: "P3"}  # z never seen; h belongs to nobody
    predicted = {a: "C1", b: "C1", c: "C2", d: "C2", e: "C2", h: None, x: "C9"}  # x unknown to the truth
    s = score(predicted, truth)
    assert s.identifiers == 6 and s.truth_seen == pytest.approx(6 / 7)
    # predicted pairs ab, cd, ce, de; true pairs ab, ac, bc, de; both: ab, de
    assert (s.pairwise_precision, s.pairwise_recall) == (pytest.approx(2 / 4), pytest.approx(2 / 4))
    # B³ precision: a, b 2/2 each; c 1/3; d, e 2/3 each; h 1  → (2 + 1/3 + 4/3 + 1) / 6
    assert s.b3_precision == pytest.approx((2 + 1 / 3 + 4 / 3 + 1) / 6)
    # B³ recall: a, b 2/3 each; c 1/3; d, e 2/2 each; h 1 → (4/3 + 1/3 + 2 + 1) / 6
    assert s.b3_recall == pytest.approx((4 / 3 + 1 / 3 + 2 + 1) / 6)


def test_a_hub_glued_to_a_person_costs_precision_not_recall():
    a, b, h = ids("a", "b", "h")
    truth = {a: "P1", b: "P1", h: ""}
    assert score({a: "C1", b: "C1", h: None}, truth).pairwise_precision == 1.0
    glued = score({a: "C1", b: "C1", h: "C1"}, truth)
    assert glued.pairwise_precision == pytest.approx(1 / 3) and glued.pairwise_recall == 1.0


@pytest.mark.parametrize("raw", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 13812345678",
                                 "+86-138-1234-5678", "8613812345678"])
def test_phone_spellings_normalise_to_one_number(raw):
    assert normalized_phone(raw) == "13812345678"
