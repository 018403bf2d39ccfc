"""Print a Q&A flow result readably: `pf flow test ... | python -m answering.show` (used by `make ask`)."""

import json
import re
import sys

from core.errors import StudyflowError, cli_exit
from core.text import strip_controls

# pf's failure line: "pf.flow.test failed with UserErrorException: QuestionError: Execution failure in 'question':
# (QuestionError) the question is empty; ..."; the student needs only its end.
_PF_FAILURE = re.compile(r"^.*?Execution failure in '[^']+': \(\w+\) ")


def flow_output(text: str) -> dict | None:
    """The JSON object `pf flow test` prints after its log lines, if any."""
    start = text.find("\n{")
    start = 0 if text.startswith("{") else start + 1 if start >= 0 else -1
    if start < 0:
        return None
    try:
        return json.loads(text[start:])
    except json.JSONDecodeError:
        return None


def render(result: dict) -> str:
    lines = [result.get("answer", "").strip()]
    if result.get("citations"):
        lines.append("")
        lines.append("Sources:")
        lines.extend(f"  [{c['n']}] {c['chapter']} ({c['source']}:{c['lines']})" for c in result["citations"])
    # The answer echoes notes and questions: an escape sequence in either must not reach the terminal raw.
    return strip_controls("\n".join(lines))


def main() -> int:
    text = sys.stdin.read()
    result = flow_output(text)
    if result is None:
        failure = [line for line in text.splitlines() if "failed with" in line]
        if not failure:
            raise StudyflowError("the flow printed no result; run it with pf flow test to see why")
        raise StudyflowError(_PF_FAILURE.sub("", failure[-1]))
    print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(cli_exit(main))
