"""Problems found in a dropped file, each naming the file, sheet, row and column, collected up to a limit."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from openpyxl.utils import get_column_letter

from extract.filedrop.text import printable

MAX_ISSUES = 50  # enough to fix a file in one go; a file with more is usually the wrong template
MAX_SHOWN = 200  # characters of a value quoted in a report (a cell may hold a 5,000-digit "number")


@dataclass(frozen=True)
class Issue:
    """One problem: where it is, what was found there and what was expected."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None  # column letter, as Excel shows it
    message: str
    value: str | None = None
    expected: str | None = None

    def __str__(self) -> str:
        place = [self.file]
        if self.sheet is not None:
            place.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            place.append(f"row {self.row}")
        if self.column is not None:
            place.append(f"column {self.column}")
        text = f"{', '.join(place)}: {self.message}"
        if self.value is not None and self.value not in self.message:
            text += f" (found {self.value!r})"
        if self.expected:
            text += f"; expected {self.expected}"
        return text

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Issues:
    """The issues of one file; after ``limit`` they are only counted."""

    file: str
    limit: int = MAX_ISSUES
    items: list[Issue] = field(default_factory=list)
    not_listed: int = 0

    def __post_init__(self) -> None:
        self.file = printable(self.file)  # a dropped file's name may hold newlines or ANSI escapes

    def add(self, sheet: str | None, row: int | None, col: int | str | None, message: str, *,
            value: object = None, expected: str | None = None) -> None:
        if len(self.items) >= self.limit:
            self.not_listed += 1
            return
        column = get_column_letter(col) if isinstance(col, int) else col
        self.items.append(Issue(self.file, _shown(sheet), row, column, printable(message), _shown(value),
                                None if expected is None else printable(expected)))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items) + self.not_listed


def _shown(value: object) -> str | None:
    """A text as reports quote it: control characters escaped (a report is read in terminals too), cut short."""
    if value is None:
        return None
    text = printable(value)
    return text if len(text) <= MAX_SHOWN else f"{text[:MAX_SHOWN]}… ({len(text):,} characters)"
