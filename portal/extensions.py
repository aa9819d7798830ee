"""Extension instances, created unbound and initialised in create_app (one per process)."""

from flask_babel import Babel
from flask_wtf import CSRFProtect
from htmx_flask import Htmx

babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()

ALL = (babel, csrf, htmx)
