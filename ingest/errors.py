"""The ingest side's errors: problems with notes files, the index and the Chroma server a user can fix."""

from core.errors import StudyflowError


class NotesError(StudyflowError):
    """A notes file that cannot be ingested."""


class IndexMissingError(StudyflowError):
    """No index has been built yet."""


class ChromaServerError(StudyflowError):
    """The Chroma server STUDYFLOW_CHROMA_URL names is not answering."""


class FilterError(StudyflowError):
    """A source or chapter filter that matches no passage of the index."""


class QueryError(StudyflowError):
    """A search query with nothing to search for."""
