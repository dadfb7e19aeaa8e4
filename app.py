"""WSGI entry point: ``FAIRHEARING_DB=path.db`` selects the database (default ./fairhearing.db).

Serve with ``fairhearing serve`` (waitress). Under another WSGI server set ``FAIRHEARING_HOST`` to
the address it listens on (a non-loopback one makes every page need a login unless
``FAIRHEARING_PUBLIC=1``). ``flask --app app run`` or ``python app.py`` is for a local look
(127.0.0.1:5000, never with --debug).
"""

from web import create_app
from web.db import one_native_thread_per_request, preload_search

app = create_app()
one_native_thread_per_request()
preload_search(app)  # the first search must not wait for the query embedder to load

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000, debug=False)
