"""Extension instances, created unbound and initialised in create_app (one per process)."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect
from htmx_flask import Htmx

babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()
# Counts requests per client address; only the referral POSTs are limited (see their views).
limiter = Limiter(key_func=get_remote_address)
