"""Typed domain errors: every refusal of a rule carries a code, a Chinese message and the article it enforces.

Views render `message` (and `citation`) to the user; the API returns `as_dict()` as structured JSON.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused a change. Nothing was written (the service's transaction rolled back)."""

    status = 400
    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, citation: str = "", details=None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.citation = citation
        self.details = details or {}

    def as_dict(self) -> dict:
        data = {"code": self.code, "message": self.message}
        if self.citation:
            data["citation"] = self.citation
        if self.details:
            data["details"] = self.details
        return data

    def __str__(self) -> str:
        return f"{self.message}（{self.citation}）" if self.citation else self.message


class ValidationFailed(DomainError):
    code = "validation_failed"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
