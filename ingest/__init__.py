"""Notes -> chunks -> vectors -> Chroma index, and the read side (search). The errors a caller may catch are
exported here; `ingest.errors` is the package's own module."""

from ingest.errors import ChromaServerError, FilterError, IndexMissingError, NotesError, QueryError

__all__ = ["ChromaServerError", "FilterError", "IndexMissingError", "NotesError", "QueryError"]
