"""Read queries by area, for pages, exports and reports (all SQL parameterised).

Themes, sentiment and mappings come from the current run (``store.queries.runs``). Lists of ids
are passed to SQLite as one JSON parameter (``json_each``), never spliced into SQL.
"""
