"""The summary-of-responses report: built as plain data from the store, written as DOCX or HTML.

``reports.summary.build(db)`` gathers it (no SQL here: queries live in ``store/``);
``reports.docx_writer`` and ``reports.html_writer`` write it. The web app and the CLI call these.
"""
