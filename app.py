"""WSGI entry point: ``FAIRHEARING_DB=path.db`` selects the database (default ./fairhearing.db).

Serve with any WSGI server, e.g. ``flask --app app run`` for a local look (never with --debug),
or ``python app.py`` for 127.0.0.1:5000.
"""

from web import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000, debug=False)
