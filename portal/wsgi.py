"""The production entry point for a WSGI server, behind a reverse proxy that ends TLS:

    gunicorn --workers 3 --bind 127.0.0.1:8000 portal.wsgi:app

with the PORTAL_* settings in the environment (production needs PORTAL_SECRET_KEY and
PORTAL_DATA_KEY; see portal/config.py). Sync workers, one per core and one more: a request
is mostly Python work (templates, the database through the ORM), so more workers than cores
add no speed, and the extra one keeps both cores busy while a worker waits on the disk (each
referral step is a database write). A sync worker is busy for as long as its client takes to
send and read, so the proxy in front must buffer requests and responses (nginx does by
default). Measure with bench/load.py before changing the count.

A missing or malformed setting raises ConfigError here, so the server refuses to start
rather than serve a half-configured portal.

Behind the proxy (PORTAL_PROXIES=1), the visitor's address and scheme come from the
X-Forwarded-For and X-Forwarded-Proto headers it adds, trusting as many as there are proxies:
the per-address limits on referrals then count each visitor rather than the proxy, and HTTPS
is recognised (secure cookies, HSTS) even when the proxy is on another host.
"""

from werkzeug.middleware.proxy_fix import ProxyFix

from portal import create_app

app = create_app()
if app.config["PORTAL_PROXIES"]:
    app.wsgi_app = ProxyFix(
        app.wsgi_app, x_for=app.config["PORTAL_PROXIES"], x_proto=app.config["PORTAL_PROXIES"]
    )
