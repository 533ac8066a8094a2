import pytest

from toponet.book.pages import verdict_table
from toponet import verdict_record
from toponet.verdict_record import Verdict, load, record


def make(claim_id="F2", verdict="reproduced"):
    return Verdict(claim_id=claim_id, claim="primary circle | layer 1", paper="one long H1 bar",
                   ours="0.9 +- 0.1 (n = 4)", scale="16 x M^1_2K(64,32,64), default", data="MNIST (real)",
                   verdict=verdict, chapter="MNIST")


def test_record_load_render_roundtrip(tmp_path):
    record(make("F2b"), tmp_path)
    record(make("F2"), tmp_path)
    record(make("F2", "partly"), tmp_path)   # a re-run overwrites its row
    rows = load(tmp_path)
    assert [r.claim_id for r in rows] == ["F2", "F2b"] and rows[0].verdict == "partly"
    table = verdict_table(rows)
    assert table.count('class="verdict-row"') == 2 and "primary circle | layer 1" in table


def test_empty_table_says_so():
    assert "No chapter" in verdict_table([])


def test_bad_verdicts_are_refused():
    with pytest.raises(ValueError, match="verdict must be one of"):
        make(verdict="yes")
    with pytest.raises(ValueError, match="claim_id"):
        make(claim_id="a/b")


def test_rows_carry_the_second_order_answer_of_their_nulls():
    from toponet.verdict_record import beyond_of

    base = dict(claim_id="F2", claim="c", paper="p", ours="o", scale="s", data="MNIST (real)", verdict="reproduced",
                chapter="MNIST")
    assert Verdict(**base, nulls={"directions": {"p": 0.01, "draws": 99}}).beyond_second_order == "yes"
    assert Verdict(**base, nulls={"directions": {"p": 0.3, "draws": 99}}).beyond_second_order == "not shown"
    # the directions null wins over the older covariance null; no second-order null: None
    assert beyond_of({"covariance": {"p": 0.01}, "directions": {"p": 0.5}}) == "not shown"
    assert Verdict(**base, nulls={"gaussian": {"p": 0.01, "draws": 99}}).beyond_second_order is None
    with pytest.raises(ValueError, match="beyond_second_order"):
        Verdict(**base, beyond_second_order="maybe")


def test_a_row_built_before_it_is_recorded_takes_the_inputs_read_until_then(monkeypatch):
    row = Verdict(claim_id="U1", claim="c", paper="p", ours="o", scale="s", data="two linked tori (synthetic)",
                  verdict="partly", chapter="UMass")
    monkeypatch.setattr(verdict_record, "ledger", lambda: {"artifacts": {"abc": "sha"}, "clouds": {}})
    assert verdict_record.with_inputs(row).inputs == {"artifacts": {"abc": "sha"}}
    stamped = Verdict(**{**row.__dict__, "inputs": {"artifacts": {"old": "sha0"}}})
    assert verdict_record.with_inputs(stamped) is stamped
