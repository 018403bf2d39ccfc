"""Words that say nothing about what a question or an answer is about, for the checks that count the others.

One base list, and what each check skips beyond it. The extras differ on purpose, and merging them would move
measured thresholds: the relevance gate (answering.gate) also skips the filler of a question ("how would I make
...", "what should I use ..."); the grounding check (answering.grounding) also skips the words of the assistant's
own phrasing ("the notes don't cover this", "the answer uses"), which any answer shares with any passage, while a
question's "note" or "answer" is a word to look up like any other.
"""

FUNCTION_WORDS = frozenset(
    "the and for are but not you your all any can has have its was what when which who how why with does this that "
    "these those there their then than them they from into also only just use".split()
)

QUESTION_FILLER = FUNCTION_WORDS | frozenset(
    "about above after again against because been before being below between both could did doing done each few get "
    "had having her here him his let like made make makes may more most need new now old one onto other our out over "
    "own put same say see she should some such too two under until very want way where while whom will would "
    "yours".split()
)

ANSWER_FILLER = FUNCTION_WORDS | frozenset(
    "were don't doesn't used uses using note notes cover covers covered answer question".split()
)

# Capitalised words a question uses without being about them, which the relevance gate never counts as names the
# notes lack: days and months ("a job that runs every Monday"), and the fictitious companies certification exams
# set their scenarios in ("You are a data scientist at Contoso, Ltd.").
NAMES_OF_NO_SUBJECT = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december contoso fabrikam litware northwind tailspin tailwind woodgrove wingtip "
    "adatum proseware fourth coffee ltd inc".split()
)
