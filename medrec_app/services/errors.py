"""Errors the services raise; every entry point turns them into a message for a person."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: ``str(error)`` is safe to show to the user (no PHI, no internals)."""


class NotFound(ServiceError):
    """The row does not exist, or it belongs to another clinic: callers cannot tell which."""

    def __init__(self, what: str = "record") -> None:
        super().__init__(f"The {what} was not found.")


class SignInFailed(ServiceError):
    """One message for wrong email, wrong password, disabled account or throttling."""

    def __init__(self) -> None:
        super().__init__(
            "Email or password is incorrect, or sign-in is paused after repeated failures. "
            "Check your details and try again in a few minutes."
        )


class ValidationFailed(ServiceError):
    """Input was refused; ``messages`` says what is wrong, one line per problem."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("; ".join(messages) if messages else "The input is not valid.")


class RevisionMismatch(ServiceError):
    """The record changed since the revision the caller based its edit on; nothing was saved."""

    def __init__(self, current: int) -> None:
        self.current = current
        super().__init__(
            f"The record has changed (it is now at revision {current}). "
            "Read it again and re-apply your change."
        )


class UploadRefused(ValidationFailed):
    """An uploaded file was refused by the checks; ``kind`` says which sort of refusal.

    ``kind`` is a ``domain.uploads.Refusal`` value: ``too_large``, ``unsupported_type``
    or ``invalid_content``, so HTTP can answer 413, 415 or 422.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__([message])
        self.kind = kind


class StorageUnavailable(ServiceError):
    """The file store failed; nothing was saved and the user may try again."""

    def __init__(self) -> None:
        super().__init__(
            "The file could not be stored right now. Nothing was saved; try again in a moment."
        )


class FileInUse(ServiceError):
    """The file may not be deleted: a signed record uses it."""

    def __init__(self) -> None:
        super().__init__(
            "This file is used by a signed record, so it cannot be deleted: a signed "
            "record keeps the files it was signed with."
        )
