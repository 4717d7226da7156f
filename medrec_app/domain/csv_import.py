"""Reading an import CSV: size, encoding, header and rows, for any kind of row.

A kind of import (patients now, appointments next) is a :class:`CsvKind`: its columns,
which of them may be left out, and the key column a row is upserted by. The reader
checks what concerns the whole file and refuses it with :class:`CsvRefused` (a
sentence with the line number): too large, not UTF-8, a header with missing, unknown or
repeated columns, broken quoting. What concerns one row comes back with the row
(:attr:`CsvRow.problem`), so the caller reports it and goes on with the next.

The file is read as a stream, one physical line at a time (each at most
``MAX_LINE_BYTES``), so memory does not grow with the file. UTF-8 with or without a
byte-order mark; CRLF or LF line ends; RFC 4180 quoting, so a quoted cell may hold
commas and line breaks. Cells are returned as the text they are: a cell starting with
``=``, ``+``, ``-`` or ``@`` is never evaluated, only stored (exports escape them).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024
MAX_CELL_CHARS = 100_000
_BOM = "\ufeff"


@dataclass(frozen=True)
class CsvKind:
    """What one kind of import file holds.

    ``columns`` are all the columns, in the order the documentation lists them; every
    one must be in the header except those in ``optional``. ``key`` is the column that
    names a row in the other system (its upsert key): a key repeated in one file is
    refused on its second line.
    """

    name: str
    columns: tuple[str, ...]
    key: str
    optional: frozenset[str] = frozenset()

    def header_line(self) -> str:
        return ",".join(self.columns)


class CsvRefused(ValueError):
    """The whole file is refused; ``str()`` says why, with the line where it applies."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        self.reason = message
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class CsvRow:
    """One record of the file: the physical line it starts on, its cells by column
    (columns the header left out are absent), or what is wrong with its shape."""

    line: int
    values: dict[str, str]
    problem: str | None = None


def size_problem(size: int, limit: int = MAX_FILE_BYTES) -> str | None:
    if size > limit:
        return (
            f"the file is {size / 1024 / 1024:,.1f} MB; at most {limit // 1024 // 1024} MB "
            "can be imported at once: split it into smaller files"
        )
    return None


def read_rows(stream: BinaryIO, kind: CsvKind) -> Iterator[CsvRow]:
    """The file's data rows; ``CsvRefused`` (raised when reached) for a bad file.

    The header is checked before the first row is returned. Blank lines are skipped.
    """
    lines = _decoded_lines(stream)
    reader = csv.reader(lines, strict=True)
    columns = _header(reader, kind)
    width = len(columns)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise CsvRefused(_csv_wording(error), start) from None
        if not cells or cells == [""]:
            continue
        if len(cells) != width:
            yield CsvRow(
                start,
                {},
                f"this row has {len(cells)} cells and the header {width} columns; "
                "quote a cell that holds a comma",
            )
            continue
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            yield CsvRow(start, {}, f"a cell is longer than {MAX_CELL_CHARS:,} characters")
            continue
        yield CsvRow(start, dict(zip(columns, cells, strict=True)))


def check_file(stream: BinaryIO, kind: CsvKind) -> int:
    """Read the whole file as :func:`read_rows` does; its number of data rows, or
    ``CsvRefused`` before anything is imported."""
    return sum(1 for _ in read_rows(stream, kind))


def _decoded_lines(stream: BinaryIO) -> Iterator[str]:
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise CsvRefused(f"longer than {MAX_LINE_BYTES // 1024 // 1024} MB", number)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CsvRefused(
                f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x} at position "
                f"{error.start + 1}); save it as 'CSV UTF-8' and import it again",
                number,
            ) from None
        if number == 1 and text.startswith(_BOM):
            text = text[1:]
        yield text


def _header(reader: Iterator[list[str]], kind: CsvKind) -> list[str]:
    expected = f"the first line must name the columns: {kind.header_line()}"
    try:
        cells = next(reader)
    except StopIteration:
        raise CsvRefused(f"the file is empty; {expected}", 1) from None
    except csv.Error as error:
        raise CsvRefused(_csv_wording(error), 1) from None
    names = [cell.strip().lower() for cell in cells]
    problems = []
    if len(names) == 1 and ";" in names[0]:
        problems.append("the columns are separated by ';'; separate them with ','")
    else:
        repeated = sorted({name for name in names if name and names.count(name) > 1})
        missing = [c for c in kind.columns if c not in names and c not in kind.optional]
        unknown = [name or "(empty)" for name in names if name not in kind.columns]
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        if repeated:
            problems.append(f"repeated column(s) {', '.join(repeated)}")
    if problems:
        raise CsvRefused(f"{'; '.join(problems)}; {expected}", 1)
    return names


def _csv_wording(error: csv.Error) -> str:
    text = str(error)
    if "field larger" in text:
        return "a cell is too long (a quote that is never closed?)"
    if "unexpected end of data" in text or "EOF" in text:
        return "a quoted cell is not closed before the end of the file"
    return f"the CSV quoting is broken here ({text}); a quote inside a cell is written twice"
