"""The chat's quote of the key sentence (answering.key_sentence), shown under the sources while the model starts.

Notes are untrusted text: everything from them is HTML-escaped, and the quote is one raw HTML block (no blank
line inside), so the markdown renderer leaves it alone too: a `[link](javascript:...)` or `*` in a note stays text.
"""

from __future__ import annotations

import html
import re

TITLE = "Key sentence of the notes"  # the message's title; harness.browser tells it from the answer by it
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def _quote(text: str, code: bool) -> str:
    escaped = html.escape(text)
    if code:
        return f"<code>{escaped}</code>"
    # Backticks are the notes' own code marks; inside escaped text the span holds no markup of the note's.
    return _CODE_SPAN.sub(r"<code>\1</code>", escaped).replace("\n", "<br>")


def key_sentence_html(found: dict) -> str:
    """The quote and its citation ([n] chapter · file:lines, n as in the sources); "" when there is none."""
    if not found or not found.get("text"):
        return ""
    citation = f"[{found['n']}] {found['chapter']} · {found['source']}:{found['lines']}"
    return f"<blockquote>{_quote(found['text'], bool(found.get('code')))}</blockquote><p>— {html.escape(citation)}</p>"
