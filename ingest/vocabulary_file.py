"""Reading a per-framework vocabulary file (YAML or CSV) for ``fairhearing vocabulary import``.

YAML: a list of ``{principle, title, synonyms, examples}`` mappings, or a mapping from principle
(code, text or title) to ``{title, synonyms, examples}``; lists may be YAML lists or strings.
CSV: columns ``principle``, ``title``, ``synonyms`` (separated by ``;`` or ``|``) and ``examples``
(separated by ``|``). A missing field leaves that part of the principle as it is.
"""

from __future__ import annotations

import csv
from pathlib import Path

from fairhearing.errors import FairhearingError

FIELDS = ("title", "synonyms", "examples")


def read_vocabulary(path: str | Path) -> list[tuple[int, dict]]:
    """(entry number, {principle, title?, synonyms?, examples?}) for every entry of the file."""
    path = Path(path)
    if not path.is_file():
        raise FairhearingError("FH-E100", "file not found or not readable", file=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = [
                (i, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k})
                for i, row in enumerate(csv.DictReader(f), start=2)
            ]
        return [(i, {k: v for k, v in r.items() if k == "principle" or (k in FIELDS and v)}) for i, r in rows]
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise FairhearingError("FH-E141", f"not valid YAML: {e}", file=str(path)) from None
        if isinstance(data, dict):
            data = [
                {"principle": str(k), **(v if isinstance(v, dict) else {"title": v})} for k, v in data.items()
            ]
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise FairhearingError(
                "FH-E141", "expected a list of entries or a mapping by principle", file=str(path)
            )
        return [
            (i, {k: v for k, v in d.items() if k == "principle" or k in FIELDS})
            for i, d in enumerate(data, 1)
        ]
    raise FairhearingError("FH-E105", f"cannot tell the format of {path}: use .yaml, .yml or .csv")
