"""Log redaction on records shaped like the ones Reflex, psycopg, SQLAlchemy, Python's
warnings and our own code make: no secret, no patient data, and still the event name,
the exception type and the place it happened."""

from __future__ import annotations

import io
import logging
import sys
import threading
import warnings
from collections.abc import Callable, Iterator

import psycopg
import pytest
from reflex_base.event import Event
from sqlalchemy.exc import IntegrityError

from medrec_app import log_redaction

COOKIE = "medrec_session=ZY-S2F3_ds-jzZqLRDFcvXpPF0AIeTsQcTJ57Z0nk08"
CLIENT_TOKEN = "d72de5f9-8025-4eb2-9dd3-ecbe56cf4d0b"
API_TOKEN = "mrt_Qx3vYtW9kP0aLmN4bC7dE2fG5hJ8iK1lO6pR9sT3uV0"
PHI = "Maria Garcia, painful left knee"
EVENT = "reflex___state____state.medrec_app___pages___record___state____editor_state.gone"


@pytest.fixture
def logs() -> Iterator[Callable[[], str]]:
    """Redaction installed (and undone after the test), and what a logger of its own,
    with its own handler and no propagation (as engine.io and granian set theirs up),
    wrote."""
    saved = (
        logging.getLogRecordFactory(),
        sys.excepthook,
        threading.excepthook,
        sys.unraisablehook,
    )
    log_redaction.install()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    for name in ("lib", "py.warnings", "medrec.uncaught"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.propagate = False
    try:
        yield out.getvalue
    finally:
        for name in ("lib", "py.warnings", "medrec.uncaught"):
            logging.getLogger(name).removeHandler(handler)
            logging.getLogger(name).propagate = True
        logging.captureWarnings(False)
        factory, sys.excepthook, threading.excepthook, sys.unraisablehook = saved
        logging.setLogRecordFactory(factory)


def unhandled_event() -> Event:
    headers = {"host": "localhost", "cookie": COOKIE, "user-agent": "Chrome"}
    return Event(
        name=EVENT,
        router_data={"pathname": "/appointments/1017", "headers": headers, "token": CLIENT_TOKEN},
        payload={"text": PHI},
    )


def test_an_unhandled_event_keeps_its_name_and_loses_headers_and_payload(logs):
    event = unhandled_event()
    try:
        try:
            {}[event.name]
        except KeyError as missing:
            raise KeyError(f"No registered handler found for event: {event.name}") from missing
    except KeyError:
        # What Reflex 0.10's event processor logs.
        logging.getLogger("lib").exception(
            f"Error processing event queue entry for {event} [txid=221709a4e296]:"
        )
    text = logs()
    for secret in (COOKIE.split("=")[1], CLIENT_TOKEN, PHI):
        assert secret not in text
    assert f"Event(name='{EVENT}'" in text
    assert "[txid=221709a4e296]" in text
    assert text.count("\nKeyError") == 2  # both exceptions of the chain, by type
    assert "The above exception was the direct cause" in text
    assert f'File "{__file__}"' in text  # where it happened


def test_a_psycopg_detail_and_sqlalchemy_parameters_lose_their_values(logs):
    email = "maria.garcia@example.com"
    orig = psycopg.errors.UniqueViolation(
        'duplicate key value violates unique constraint "users_email_key"\n'
        f"DETAIL:  Key (email)=({email}) already exists."
    )
    error = IntegrityError("INSERT INTO users (email) VALUES (%(email)s)", {"email": email}, orig)
    log = logging.getLogger("lib")
    try:
        raise error
    except IntegrityError:
        log.exception("saving the user failed")
    log.error("saving the user failed: %s", error)  # someone logging the message itself
    text = logs()
    assert email not in text
    assert "sqlalchemy.exc.IntegrityError" in text
    assert "Key (email)=(<redacted>)" in text
    assert "[parameters: <redacted>]" in text
    assert "[SQL: INSERT INTO users (email) VALUES (%(email)s)]" in text


def test_a_handler_traceback_keeps_frames_and_types_but_no_exception_message(logs):
    def set_field(value: str) -> None:
        raise ValueError(f"cannot save {value!r}\nsecond line {value}")

    try:
        try:
            set_field(PHI)
        except ValueError as error:
            raise RuntimeError(f"while saving {PHI}") from error
    except RuntimeError as error:
        # Reflex's default backend exception handler puts the traceback in the message.
        import traceback

        formatted = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        logging.getLogger("lib").error(f"[Reflex Backend Exception]\n {formatted}\n")
    text = logs()
    assert PHI not in text
    assert "in set_field" in text
    assert "\nValueError\n" in text
    assert "\nRuntimeError" in text


def test_an_exception_group_shows_each_type_and_no_message(logs):
    def save(value: str) -> None:
        raise ValueError(value)

    try:
        save(PHI)
    except ValueError as raised:
        failed = raised  # a sub-exception with a traceback of its own
    try:
        raise ExceptionGroup(f"saves of {PHI}", [failed, KeyError(PHI)])
    except ExceptionGroup:
        logging.getLogger("lib").exception("autosave failed")
    text = logs()
    assert PHI not in text
    assert "| ExceptionGroup\n" in text
    assert "in save" in text
    assert "| ValueError\n" in text
    assert "| KeyError\n" in text


def test_headers_and_tokens_in_plain_text_are_redacted(logs):
    log = logging.getLogger("lib")
    log.warning("request headers: Cookie: %s; theme=dark", COOKIE)
    log.warning("Authorization: Bearer %s", API_TOKEN)
    log.warning("set-cookie=%s; HttpOnly", COOKIE)
    log.warning("token %s used, session_token=%s", API_TOKEN, "abc123")
    log.warning("Attempting to send delta to disconnected client %r", CLIENT_TOKEN)
    log.warning('127.0.0.1 - "GET /api/patients?q=Garcia&page=2 HTTP/1.1" 200')
    text = logs()
    for secret in (COOKIE.split("=")[1], API_TOKEN[4:], "abc123", CLIENT_TOKEN, "Garcia"):
        assert secret not in text
    assert "/api/patients?q=<redacted>&page=<redacted>" in text


def test_reflex_messages_that_quote_event_values_keep_only_their_subject(logs):
    log = logging.getLogger("lib")
    log.warning(
        "Error transforming event payload for handler EditorState.need_background: "
        f"Error transforming event argument 'file_id' with value '{PHI}' and type hint "
        "'<class 'int'>'"
    )
    log.warning(f"Received event data as a string. Event data: {PHI}\nnext line {PHI}")
    log.error(f"[Reflex Frontend Exception]\n TypeError: cannot read {PHI}\n at render")
    text = logs()
    assert PHI not in text
    assert "handler EditorState.need_background: <redacted>" in text
    assert "[Reflex Frontend Exception] <redacted>" in text


def test_warnings_keep_their_place_and_category_only(logs):
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"Expected `int` but got `str` with value `{PHI}`", UserWarning, 1)
    text = logs()
    assert PHI not in text
    assert f"{__file__}:" in text
    assert "UserWarning" in text


def test_an_uncaught_thread_exception_is_logged_redacted(logs):
    def work() -> None:
        raise ValueError(PHI)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    text = logs()
    assert PHI not in text
    assert "medrec.uncaught CRITICAL" in text
    assert "in work" in text


def test_installing_twice_redacts_once_and_plain_words_stay(logs):
    factory = logging.getLogRecordFactory()
    log_redaction.install()
    assert logging.getLogRecordFactory() is factory
    logging.getLogger("lib").warning("record %s saved by user %s", 12, 3)
    assert logs() == "lib WARNING record 12 saved by user 3\n"


def test_a_phone_upload_link_secret_in_a_path_is_redacted(logs):
    secret = "mrp_Zq8xW3vB5nM7kL0jH2gF4dS6aP9oI1uY3tR5eW7qQ0"
    log = logging.getLogger("lib")
    log.warning('127.0.0.1 - "GET /phone/%s HTTP/1.1" 200', secret)
    log.warning('127.0.0.1 - "POST /phone/%s/files HTTP/1.1" 201', secret)
    log.warning("link %s issued", secret)
    log.warning('"GET /phone/%s HTTP/1.1" 404', "not-a-secret-but-still-hidden")
    log.warning('"GET /phone/upload.js HTTP/1.1" 200')
    text = logs()
    assert secret not in text and secret[4:] not in text and "still-hidden" not in text
    assert "POST /phone/<redacted>/files" in text and "/phone/upload.js" in text


def test_a_set_password_link_secret_is_redacted(logs):
    secret = "mrs_Qw8xE3vR5nT7kY0jU2gI4dO6aP9sD1fG3hJ5kL7zX0"
    log = logging.getLogger("lib")
    log.warning('127.0.0.1 - "GET /set-password/%s HTTP/1.1" 200', secret)
    log.warning("event router path /set-password/%s", "typed-by-hand-secret")
    log.warning("link %s issued", secret)
    text = logs()
    assert secret not in text and secret[4:] not in text and "typed-by-hand" not in text
    assert "GET /set-password/<redacted> HTTP/1.1" in text
