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
