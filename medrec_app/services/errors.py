"""Errors the services raise; every entry point turns them into a message for a person."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: ``str(error)`` is safe to show to the user (no PHI, no internals)."""


class NotFound(ServiceError):
    """The row does not exist, or it belongs to another clinic: callers cannot tell which."""

    def __init__(self, what: str = "record") -> None:
        self.what = what
        super().__init__(f"The {what} was not found.")


class NotSignedIn(ServiceError):
    """No valid session (signed out elsewhere, expired, disabled): sign in again."""

    def __init__(self) -> None:
        super().__init__("Your session has ended. Sign in again to go on.")


class ServiceUnavailable(ServiceError):
    """A store the service needs is unreachable (a real outage); nothing was changed.

    The only error worth retrying as it is: every other one says what to change.
    """

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "The database cannot be reached right now. Nothing was changed; "
            "try again in a moment."
        )


class RecordExists(ServiceError):
    """The appointment has its record already (one record per appointment)."""

    def __init__(self) -> None:
        super().__init__("This appointment already has a record.")


class SignInFailed(ServiceError):
    """One message for a wrong email, a wrong password or a disabled account."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message or "Email or password is incorrect. Check your details and try again."
        )


class SignInDelayed(SignInFailed):
    """Sign-in from this source is paused for ``retry_after`` seconds after failures.

    Raised alike for known and unknown emails, so it tells nothing about the account.
    """

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(
            "Too many failed sign-in attempts from this device. "
            f"Try again in {_duration(self.retry_after)}."
        )


def _duration(seconds: int) -> str:
    if seconds < 120:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    return f"{-(-seconds // 60)} minutes"


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


class StorageUnavailable(ServiceUnavailable):
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


class RecordSigned(ServiceError):
    """The record is signed: nothing may change it, on any path; nothing was changed."""

    MESSAGE = "This record is signed, so it can no longer be changed."

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


class BackupRefused(ServiceError):
    """A backup or restore that would overwrite something, or a backup that does not
    check out: nothing was written. The message says what to change."""


class BackupFailed(ServiceError):
    """A backup or restore stopped part-way (database unreachable, a program failed, the
    disk is full); the message says what failed, never a password."""
