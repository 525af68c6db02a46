"""Test helpers of 法制审核 for other apps' tests: give a major decision the review the decision gate requires.

    from zhifa.reviews.testing import approve_for_decision
    approve_for_decision(case, {"outcome": "penalty", "penalty_kinds": ["fine"], "fine_amount": "200000",
                                "facts": "...", "basis": "...", "decided_on": day})
    services.transition(head, case, "decide", **same_data)

It runs the real services (代拟稿 → 材料 → 报送 → 同意 by a reviewer of the agency); nothing is mocked.
"""

from __future__ import annotations

from decimal import Decimal


def approve_for_decision(case, decision: dict, *, handler=None, reviewer=None, flags=()):
    """Returns the 同意 opinion, or None when the decision is not in scope (then nothing is written)."""
    from zhifa.reviews.demo import review_for_decision

    data = dict(decision)
    for key in ("fine_amount", "confiscation_amount"):
        if data.get(key) not in (None, ""):
            data[key] = Decimal(str(data[key]))
    return review_for_decision(case, data, handler=handler, reviewer=reviewer, flags=flags)
