"""The floor bench/load.py compares the portal with: a bare Flask app, one route, a small page.

Served by the same gunicorn command as the portal (`gunicorn ... bench.bare_app:app`), it
shows what the server, the WSGI layer and Flask cost alone; whatever the portal's pages cost
above that is the portal's own work (database, templates, translations, headers).
"""

from flask import Flask

PAGE = (
    "<!doctype html>\n<html lang=en><meta charset=utf-8><title>Bare</title>"
    "<h1>Bare Flask</h1><p>One route, no database, no template.</p></html>\n"
)

app = Flask(__name__)


@app.get("/")
def page() -> str:
    return PAGE
