"""Study mode's own errors: a bank file or a progress database a user can fix or start again."""

from core.errors import StudyflowError


class BankError(StudyflowError):
    """A question bank file that cannot be used as it is (names the file and line)."""


class DamagedStoreError(StudyflowError):
    """The progress database was unreadable: it was moved aside and a fresh one started."""

    def __init__(self, message: str, moved_to: str) -> None:
        super().__init__(message)
        self.moved_to = moved_to


class StoreVersionError(StudyflowError):
    """The progress database was written by a newer studyflow: left untouched."""
