"""The refcore exception tree.

Every error refcore raises on purpose is a ``RefcoreError``; the edges turn it
into a user message (one line and exit 2 in the CLI, one JSON error shape over
HTTP).  The tree::

    RefcoreError
    ├── GuidelineError
    │   ├── GuidelineNotFound         no guideline with that id in the source
    │   ├── InvalidGuideline          a guideline file that cannot be used at all
    │   ├── UnknownTarget             a target (program) the guideline does not define
    │   └── GuidelineSourceError      the source (directory, URL, cache) cannot be read
    │       └── GuidelinesUnavailable the server's source failed; it tries again later (503)
    ├── ResultsError
    │   └── ResultsParseError         a results file that is corrupt or of no known format
    ├── ScoringError                  a worksheet or criteria block that cannot be used
    ├── ProfileError                  an invalid product profile (verdicts)
    ├── RunnerError                   the Tempest runner or the cloud it talks to failed
    ├── HistoryError                  a contribution history (git log) that cannot be read
    ├── DatabaseBusy                  the database stayed locked past the lock timeout (503)
    └── ServiceError                  a use case refused (raised by refcore.services)
        ├── NotFound
        ├── Conflict
        ├── Forbidden
        ├── Unauthorized
        └── InvalidInput
            ├── PayloadTooLarge       a request body over the server's limit (413)
            └── UnsupportedMediaType  a request body of a content type not accepted (415)

``ServiceError`` subclasses carry an HTTP-ish ``status`` so the API maps them
in one place; nothing below the services layer knows about HTTP.
"""

from __future__ import annotations

__all__ = [
    "Conflict",
    "DatabaseBusy",
    "Forbidden",
    "GuidelineError",
    "GuidelineNotFound",
    "GuidelineSourceError",
    "GuidelinesUnavailable",
    "HistoryError",
    "InvalidGuideline",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "ProfileError",
    "RefcoreError",
    "ResultsError",
    "ResultsParseError",
    "RunnerError",
    "ScoringError",
    "ServiceError",
    "Unauthorized",
    "UnknownTarget",
    "UnsupportedMediaType",
]


class RefcoreError(Exception):
    """Base class of every error refcore raises on purpose."""

    #: status used when the error crosses the HTTP edge
    status: int = 400

    def __init__(self, message: str, *, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: further detail lines (e.g. every schema violation), may be empty
        self.errors: list[str] = list(errors or [])

    def __str__(self) -> str:
        return self.message


class GuidelineError(RefcoreError):
    """A problem with a guideline or the place guidelines come from."""


class GuidelineNotFound(GuidelineError):
    status = 404


class InvalidGuideline(GuidelineError):
    status = 422


class UnknownTarget(GuidelineError):
    status = 400


class GuidelineSourceError(GuidelineError):
    status = 502


class GuidelinesUnavailable(GuidelineSourceError):
    """What a server's user sees of a failed guideline source: no detail (that goes to the
    log), and when the server tries again (``Retry-After``)."""

    status = 503

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"The guidelines cannot be loaded right now; the server tries again in {retry_after} s."
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class ResultsError(RefcoreError):
    """A problem with a test run."""


class ResultsParseError(ResultsError):
    status = 400


class ScoringError(RefcoreError):
    status = 422


class ProfileError(RefcoreError):
    status = 422


class RunnerError(RefcoreError):
    status = 500


class HistoryError(RefcoreError):
    """A contribution history (``git log --numstat``) that cannot be read."""

    status = 422


class DatabaseBusy(RefcoreError):
    """Another transaction held the lock a statement needed for longer than the lock
    timeout (SQLite's busy timeout, PostgreSQL's ``lock_timeout``): nothing was changed,
    and the same request may simply be sent again a moment later."""

    status = 503

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        #: seconds a client should wait before sending the request again
        self.retry_after = max(1, retry_after)
        #: extra response headers the HTTP edge sends with the error
        self.headers = {"Retry-After": str(self.retry_after)}


class ServiceError(RefcoreError):
    """A use case refused by the services layer."""


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Forbidden(ServiceError):
    status = 403


class Unauthorized(ServiceError):
    status = 401


class InvalidInput(ServiceError):
    status = 400


class PayloadTooLarge(InvalidInput):
    status = 413


class UnsupportedMediaType(InvalidInput):
    status = 415
