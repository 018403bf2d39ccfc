"""Errors a user can fix; the CLIs print them as one line without a traceback."""


class StudyflowError(Exception):
    """A problem with input or set-up, worded as what to do next."""


class NotesError(StudyflowError):
    """A notes file that cannot be ingested."""


class IndexMissingError(StudyflowError):
    """No index has been built yet."""


class QuestionError(StudyflowError):
    """A question that cannot be asked as it is."""


class ChromaServerError(StudyflowError):
    """The Chroma server STUDYFLOW_CHROMA_URL names is not answering."""
