"""Answer quality of the Q&A flow on the dev set with the configured model: right answers (every key term
present), wrong abstentions (declined an answerable question), and declines of the questions the notes don't cover."""

import sys
from pathlib import Path

from answering.decline import is_decline
from bench.common import has_key_terms, load_qa_flow, says_not_covered
from harness.questions import DEV_SET, load_questions


def main(path: Path = DEV_SET, verbose: bool = True) -> dict:
    flow = load_qa_flow()
    right = wrong_abstain = declined_uncovered = fixed_reply = cited = 0
    answerable = uncovered = 0
    for q in load_questions(path):
        out = flow(question=q["question"])
        answer = out["answer"]
        declined = is_decline(answer) or says_not_covered(answer)
        if q["chapter"] is None:
            uncovered += 1
            declined_uncovered += declined
            fixed_reply += is_decline(answer)
            verdict = "declined" if declined else "ANSWERED"
        else:
            answerable += 1
            ok = has_key_terms(answer, q["key_terms"])
            right += ok
            wrong_abstain += declined
            cited += bool(out["citations"])
            verdict = "right" if ok else ("WRONG-ABSTAIN" if declined else "MISS")
        if verbose:
            print(f"  {q['id']} {verdict:13s} {' '.join(answer.split())[:140]}", flush=True)
    result = {
        "right": right / answerable,
        "wrong_abstentions": wrong_abstain,
        "cited": cited / answerable,
        "uncovered_declined": f"{declined_uncovered}/{uncovered}",
        "declined_with_fixed_reply": fixed_reply,
        "answerable": answerable,
    }
    print(
        f"answers on {path.name}: {right}/{answerable} right ({result['right']:.2f}, goal >= 0.90), "
        f"{wrong_abstain} wrong abstentions (goal 0), {cited}/{answerable} with citations, "
        f"uncovered declined {declined_uncovered}/{uncovered} ({fixed_reply} with the fixed reply of the gate or the "
        "grounding check, goal all)"
    )
    return result


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEV_SET)
