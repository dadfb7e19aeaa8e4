"""Errors with searchable codes (FH-Exxx), naming the file and line or row they concern."""

from __future__ import annotations

# Every code a user can meet, with a one-line meaning. The README lists them; a test checks that.
CODES: dict[str, str] = {
    "FH-E100": "file not found or not readable",
    "FH-E101": "file is empty",
    "FH-E102": "file is larger than the size limit",
    "FH-E103": "file looks binary where text was expected",
    "FH-E104": "text is not valid UTF-8 (or the declared encoding)",
    "FH-E105": "format could not be detected; pass --format",
    "FH-E106": "unknown format name",
    "FH-E110": "malformed CSV row",
    "FH-E111": "spreadsheet has no usable free-text column",
    "FH-E112": "named column does not exist",
    "FH-E113": "a row has more columns than the limit (16,384, Excel's own)",
    "FH-E114": "a field (cell) is longer than the limit",
    "FH-E120": "malformed JSON / JSONL",
    "FH-E130": "archive (DOCX/XLSX) is corrupt or unsafe (zip bomb)",
    "FH-E131": "PDF could not be read",
    "FH-E140": "no responses found in the file",
    "FH-E141": "framework or codebook could not be parsed",
    "FH-E200": "database schema is newer than this program",
    "FH-E210": "backup could not be made (no database, target exists, or the copy failed its check)",
    "FH-E300": "analysis has not been run on this database",
    "FH-E301": "an optional dependency is missing",
    "FH-E302": "model package is not installed",
    "FH-E303": "unknown embedder, tagger, mapper or theme model name",
    "FH-E304": "the responses changed while analysis ran; nothing was written, run it again",
    "FH-E305": "database file does not exist (only ingest and demo create one)",
    "FH-E400": "the database is busy with another write; try again shortly",
    "FH-E310": "submission is over the check's size limit (characters or points)",
    "FH-E311": "the embedder does not match the analysis' stored vectors",
    "FH-E330": "no analysis run with that id",
    "FH-E331": "the two runs belong to different consultations; only runs of one consultation compare",
    "FH-E332": "the run kept no figures to compare (failed, still running, or replaced before runs were kept)",
}


class FairhearingError(Exception):
    """Base error: carries a code, a message, and where in which file it happened."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        row: int | None = None,
    ) -> None:
        assert code in CODES, code
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.row = row
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
            elif self.row is not None:
                where += f": row {self.row}"
            where += ": "
        return f"{where}[{self.code}] {self.message}"


class IngestError(FairhearingError):
    """A file could not be ingested; nothing from it was stored."""


class AnalysisError(FairhearingError):
    """The analysis stage could not run."""
