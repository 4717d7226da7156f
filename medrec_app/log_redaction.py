"""Keep secrets and patient data out of every log line, whoever writes it.

Reflex logs an event it has no handler for with the event's repr: its payload (clinical
text) and its router data, whose headers carry the session cookie. It quotes event values
in warnings, and prints a handler's traceback, whose exception messages can quote values
too (a psycopg ``DETAIL: Key (email)=(...)``, a pydantic ``input_value=...``). Granian,
SQLAlchemy, engine.io and our own code log through the same ``logging`` module, but to
handlers each library configures for itself, some created after this module is imported.

So :func:`install` replaces the log record factory, the one place every ``logging``
record of every logger passes through when it is made, whatever handler later writes it
(granian's Rust side makes its records through ``makeRecord`` too). Each record leaves
the factory as plain redacted text with no arguments and no exception object: nothing a
handler formats later can bring the values back. Warnings and uncaught exceptions are
routed into ``logging`` so they pass the same way; Reflex (0.10) itself prints nothing
at run time outside ``logging``.

A patient's name or a typed note cannot be recognised by a pattern, so what may hold
them is removed whole rather than searched: exception messages (a traceback keeps its
frames and exception types), structured values (anything in ``{...}``, such as an
event's payload and headers), the tail of the Reflex messages known to quote event data,
and warning texts. Secrets and values that can appear in plain text are matched by
shape: cookie and authorization header values, ``name=value`` pairs whose name says
session, token, secret, password or key, query-string values, bearer and ``mrt_`` API
tokens, phone upload link secrets (``mrp_``, and whatever follows ``/phone/``) and
set-password link secrets (``mrs_``, whatever follows ``/set-password/``), UUIDs
(Reflex's per-tab client token, which names the tab's page state) and the values
PostgreSQL and SQLAlchemy quote. What an operator needs stays: the
logger, the level, event and handler names, exception types, the frames where it
happened and Reflex's ``txid``.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

REDACTED = "<redacted>"

# Reflex 0.10 messages whose tail is event data or an exception message about a value.
_DATA_TAILS = [
    re.compile(p, re.DOTALL)
    for p in (
        r"(Error transforming event payload for handler \S+?:).*",
        r"([Ee]vent data:).*",
        r"(Event data must be a dictionary, but received).*",
        r"(Error updating linked client:).*",
        r"(\[Reflex Frontend Exception\]).*",
    )
]
_STRUCTURED = re.compile(r"\{.*\}")  # greedy on one line: a repr never spans lines
_SECRETS = [
    (
        re.compile(
            r"(?i)\b((?:set-)?cookie|(?:proxy-)?authorization|x-api-key)"
            r"(['\"]?\s*[:=]\s*)('[^']*'|\"[^\"]*\"|[^\n]*)"
        ),
        rf"\1\2{REDACTED}",
    ),
    (
        re.compile(
            r"(?i)\b([\w-]*(?:session|token|secret|passw(?:or)?d|api[_-]?key|signature)[\w-]*)"
            r"(['\"]?\s*[=:]\s*)('[^']*'|\"[^\"]*\"|[^\s'\",;&)}\]]+)"
        ),
        rf"\1\2{REDACTED}",
    ),
    (re.compile(r"(?i)\bBearer\s+[^\s'\",]+"), f"Bearer {REDACTED}"),
    # Query strings (a patient search, a link's parameters), should an access log be on.
    (re.compile(r"([?&][\w.\[\]-]+=)[^&\s'\"#]+"), rf"\1{REDACTED}"),
    (re.compile(r"\bmrt_[\w-]+"), f"mrt_{REDACTED}"),
    # A phone upload link's secret is a path segment: /phone/<secret>[/files].
    (re.compile(r"\bmrp_[\w-]+"), f"mrp_{REDACTED}"),
    # A set-password link's secret, also a path segment: /set-password/<secret>.
    (re.compile(r"\bmrs_[\w-]+"), f"mrs_{REDACTED}"),
    (re.compile(r"(/set-password/)[^/\s?#'\"]+"), rf"\1{REDACTED}"),
    (re.compile(r"(/phone/)(?!upload\.js\b)[^/\s?#'\"]+"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b"), "<uuid>"),
    # Values quoted by PostgreSQL and SQLAlchemy messages.
    (re.compile(r"(?m)^(\s*DETAIL:)(?!\s*Key \().*$"), rf"\1 {REDACTED}"),
    (re.compile(r"(Key \([^)]*\)=\().*\)"), rf"\1{REDACTED})"),
    (re.compile(r"(Failing row contains ).*"), rf"\1({REDACTED})"),
    (re.compile(r"(\[parameters: ).*\]"), rf"\1{REDACTED}]"),
]

_TRACEBACK_START = ("Traceback (most recent call last)", "Exception Group Traceback")
_CHAIN = ("During handling of the above exception", "The above exception was the direct cause")
# An exception group's traceback nests others behind "| " and "+-" margins.
_GROUP_MARGIN = re.compile(r"^(?:\s*[|+][-+]*\s?)*")
_GROUP_SEPARATOR = re.compile(r"^(?:\d+ )?-+$|^\.\.\.")
_EXCEPTION_TYPE = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")
_WARNING_PLACE = re.compile(r"^.*?:\d+: [\w.]+")  # "file:line: Category" of a warning


def scrub_traceback(text: str) -> str:
    """A traceback's frames and exception types, without any exception message."""
    kept: list[str] = []
    in_message = False
    for line in text.splitlines():
        margin = _GROUP_MARGIN.match(line).group()
        rest = line[len(margin) :]
        if rest.startswith(_TRACEBACK_START + _CHAIN) or _GROUP_SEPARATOR.match(rest):
            in_message = False
            kept.append(line)
        elif in_message or not rest.strip():
            continue
        elif rest.startswith("  "):  # a frame and its source line
            kept.append(line)
        else:  # the exception line: keep its type; its message runs to the next marker
            match = _EXCEPTION_TYPE.match(rest)
            kept.append(margin + (match.group(1) if match else "<exception>"))
            in_message = True
    return "\n".join(kept)


def redact_text(text: str) -> str:
    """``text`` without what may hold secrets or patient data (see the module doc)."""
    starts = [at for start in _TRACEBACK_START if (at := text.find(start)) >= 0]
    at = min(starts, default=len(text))
    head = text[:at]
    for pattern in _DATA_TAILS:
        head = pattern.sub(rf"\1 {REDACTED}", head)
    text = _STRUCTURED.sub("{…}", head) + scrub_traceback(text[at:])
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def redact_record(record: logging.LogRecord) -> None:
    """Turn ``record`` into plain redacted text, in place."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format must not let the arguments through
        message = f"{record.msg} (arguments dropped: they did not format)"
    if record.name == "py.warnings":
        place = _WARNING_PLACE.match(message)
        message = place.group() if place else "a warning"
    if record.exc_info and record.exc_info[1] is not None:
        message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
    record.msg, record.args = redact_text(message), None
    record.exc_info, record.exc_text = None, None


RecordFactory = Callable[..., logging.LogRecord]


REQUEST_LOGGER = "medrec.requests"
"""The one logger whose records pass as they are: ``request_log.py`` builds each of its
lines (JSON, which the rule on structured values would blank) from ids, a status, a
duration and names that went through :func:`redact_text`."""


def _redacting_factory(base: RecordFactory) -> RecordFactory:
    def make(*args: object, **kwargs: object) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if record.name != REQUEST_LOGGER:
            redact_record(record)
        return record

    make.redacts = True  # type: ignore[attr-defined]
    return make


_uncaught = logging.getLogger("medrec.uncaught")


def _log_uncaught(
    kind: type[BaseException], error: BaseException | None, tb: TracebackType | None
) -> None:
    if issubclass(kind, SystemExit):  # as Python's own hooks: an exit is no error
        return
    _uncaught.critical("uncaught exception", exc_info=(kind, error, tb))


def install() -> None:
    """Redact every log record made in this process from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacts", False):
        logging.setLogRecordFactory(_redacting_factory(factory))
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = lambda a: _log_uncaught(a.exc_type, a.exc_value, a.exc_traceback)
    sys.unraisablehook = lambda u: _log_uncaught(u.exc_type, u.exc_value, u.exc_traceback)
