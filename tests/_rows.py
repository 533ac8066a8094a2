"""A verdict row for page and tally tests (tests/test_book_pages.py, tests/test_answer.py)."""
from toponet.verdict_record import Verdict


def row(claim_id, verdict="reproduced", data="MNIST (real)", **kw):
    fields = dict(claim="a claim", paper="Fig. 2", ours="top H1 0.9", scale="4 x 100 (smoke)", chapter="MNIST")
    fields.update(kw)
    return Verdict(claim_id=claim_id, verdict=verdict, data=data, **fields)
