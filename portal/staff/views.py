"""Staff pages: signing in and out, a provider's referrals and their status, availability.

Views stay thin: the rules live in accounts.py, inbox.py and availability.py. Every page
here is English and private: no-store like every page, and never in the page cache (a
staff page holds a CSRF token or reads the session).
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from portal.delivery.messages import sections
from portal.extensions import limiter
from portal.models import Service, StaffUser
from portal.referrals.store import sent_content
from portal.staff import accounts, audit, inbox
from portal.staff import availability as availability_rules
from portal.staff.access import (
    SESSION_TOKEN,
    current_staff,
    policy,
    post_limit,
    requires,
    safe_next,
    staff_session,
)
from portal.staff.forms import (
    AvailabilityForm,
    ChangePasswordForm,
    CodeForm,
    NewPasswordForm,
    SignInForm,
    StatusForm,
)
from portal.web import cipher, db_session, not_a_post, now, requested_page

log = logging.getLogger(__name__)
blueprint = Blueprint("staff", __name__, url_prefix="/staff")
PENDING_SECRET = "staff_totp"  # noqa: S105 - the session key, not a secret


def _sign_in_failed() -> str:
    """The same words for every failure: wrong password, unknown address or locked account."""
    rules = policy()
    return (
        f"Those details did not work. After {rules.lockout_attempts} wrong tries in a row an "
        f"account is locked for {int(rules.lockout.total_seconds() // 60)} minutes."
    )


def _sign_in_limit() -> str:
    return current_app.config["PORTAL_SIGN_IN_LIMIT"]


def _end_on_exit() -> None:
    """The quick exit signs a member of staff out too, on the server, not only the cookie."""
    if session.get(SESSION_TOKEN):
        accounts.end_session(db_session(), session.get(SESSION_TOKEN), now())
        db_session().commit()


@blueprint.record_once
def _register_exit_hook(state) -> None:
    state.app.extensions.setdefault("portal.exit_hooks", []).append(_end_on_exit)


@blueprint.app_context_processor
def _staff_globals():
    return {"current_staff": current_staff}


def _landing(user: StaffUser) -> str:
    return url_for("admin.dashboard") if user.is_admin else url_for("staff.inbox_page")


# --- signing in ---------------------------------------------------------------------------


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, exempt_when=not_a_post)
def sign_in():
    if current_staff() is not None:
        return redirect(_landing(current_staff()))
    form = SignInForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        db = db_session()
        user = accounts.check_password(db, form.email.data, form.password.data, now(), policy())
        if user is None:
            db.commit()
            form.password.errors.append(_sign_in_failed())
        else:
            token = accounts.start_session(db, user, now())
            db.commit()
            # A new cookie at each sign-in: nothing set before it carries over.
            session.clear()
            session[SESSION_TOKEN] = token
            step = "staff.second_factor" if user.totp_secret else "staff.set_up_second_factor"
            return redirect(url_for(step, next=next_url))
    return render_template("staff/sign_in.html", form=form, next_url=next_url)


def _half_signed_in():
    """The session between the password and the code, or abort to sign in again."""
    found = staff_session()
    if found is None:
        abort(redirect(url_for("staff.sign_in")))
    return found


def _finish_sign_in(found):
    accounts.complete_session(db_session(), found, now())
    db_session().commit()
    session.pop(PENDING_SECRET, None)
    return redirect(safe_next(request.args.get("next")) or _landing(found.user))


@blueprint.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, exempt_when=not_a_post)
def second_factor():
    found = _half_signed_in()
    if found.second_factor:
        return redirect(_landing(found.user))
    if found.user.totp_secret is None:
        return redirect(url_for("staff.set_up_second_factor", next=request.args.get("next")))
    form = CodeForm()
    if form.validate_on_submit():
        db = db_session()
        if accounts.check_second_factor(db, cipher(), found.user, form.code.data, now(), policy()):
            return _finish_sign_in(found)
        db.commit()
        form.code.errors.append(
            "That code did not work. Enter the code your app shows now; each code works once."
        )
    return render_template("staff/code.html", form=form)


@blueprint.route("/sign-in/set-up", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, exempt_when=not_a_post)
def set_up_second_factor():
    found = _half_signed_in()
    if found.user.totp_secret is not None:
        return redirect(url_for("staff.second_factor", next=request.args.get("next")))
    secret = session.get(PENDING_SECRET) or accounts.new_totp_secret()
    session[PENDING_SECRET] = secret
    form = CodeForm()
    if form.validate_on_submit():
        db = db_session()
        if accounts.set_up_second_factor(
            db, cipher(), found.user, secret, form.code.data, now(), policy()
        ):
            return _finish_sign_in(found)
        db.commit()
        form.code.errors.append("That code did not work. Check the key and try the new code.")
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template(
        "staff/set_up.html",
        form=form,
        secret=spaced,
        uri=accounts.provisioning_uri(secret, found.user.email),
    )


@blueprint.post("/sign-out")
@limiter.limit(post_limit)
def sign_out():
    found = staff_session()
    accounts.end_session(db_session(), session.get(SESSION_TOKEN), now())
    if found is not None:
        audit.record(db_session(), "signed out", by=found.user, now=now(), subject=found.user)
    db_session().commit()
    session.clear()
    flash("You have signed out.")
    return _forget_this_browser(redirect(url_for("staff.sign_in"), code=303))


def _forget_this_browser(response):
    """Ask the browser to drop what it kept of the staff pages (they are no-store anyway).
    Not "cookies": the sign-in page's flash message travels in the new session cookie."""
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@blueprint.get("/account")
@requires("staff")
def account():
    return render_template("staff/account.html", user=current_staff())


@blueprint.route("/account/password", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, exempt_when=not_a_post)
@requires("staff")
def change_password():
    user = current_staff()
    form = ChangePasswordForm(email=user.email)
    if form.validate_on_submit():
        db = db_session()
        problem = accounts.change_password(
            db,
            cipher(),
            user,
            form.current.data,
            form.password.data,
            form.code.data,
            now(),
            policy(),
            keep_token=session.get(SESSION_TOKEN),
        )
        db.commit()
        if problem is None:
            flash("Your password is changed. You are signed out on every other device.")
            return redirect(url_for("staff.account"), code=303)
        if problem == "current":
            form.current.errors.append("That is not your current password")
        else:
            form.code.errors.append("That code did not work. Enter the code your app shows now.")
    return render_template("staff/change_password.html", form=form)


@blueprint.post("/sign-out-everywhere")
@limiter.limit(post_limit)
@requires("staff")
def sign_out_everywhere():
    accounts.end_all_sessions(db_session(), current_staff(), now())
    db_session().commit()
    session.clear()
    flash("You have signed out on every device.")
    return _forget_this_browser(redirect(url_for("staff.sign_in"), code=303))


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, exempt_when=not_a_post)
def accept_invitation(token: str):
    db = db_session()
    invitation = accounts.find_invite(db, token, now())
    if invitation is None:
        return render_template("staff/invitation_gone.html"), 404
    form = NewPasswordForm(email=invitation.email)
    if form.validate_on_submit():
        try:
            user = accounts.accept_invite(db, invitation, form.password.data, now())
        except ValueError as exc:
            form.password.errors.append(str(exc).capitalize())
        else:
            new_token = accounts.start_session(db, user, now())
            db.commit()
            session.clear()
            session[SESSION_TOKEN] = new_token
            return redirect(url_for("staff.set_up_second_factor"), code=303)
    return render_template("staff/invitation.html", form=form, invitation=invitation)


# --- the inbox ----------------------------------------------------------------------------


@blueprint.get("/")
@requires("staff")
def home():
    return redirect(_landing(current_staff()))


@blueprint.get("/referrals")
@requires("provider")
def inbox_page():
    user = current_staff()
    page = requested_page()
    rows, total = inbox.list_referrals(db_session(), user.organisation_id, page)
    pages = max(1, -(-total // inbox.PAGE_SIZE))
    return render_template(
        "staff/inbox.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        statuses=inbox.STATUSES,
        organisation=user.organisation,
    )


def _own_delivery(delivery_id):
    user = current_staff()
    delivery = inbox.find(db_session(), user.organisation_id, delivery_id)
    if delivery is None:
        # Another organisation's referral, or none: the same answer, and a line in the log
        # (an account trying ids is worth noticing).
        log.warning("referral not found for provider staff %s", user.id)
        abort(404)
    return user, delivery


@blueprint.route("/referrals/<uuid:delivery_id>", methods=["GET", "POST"])
@limiter.limit(post_limit, exempt_when=not_a_post)
@requires("provider")
def referral(delivery_id):
    user, delivery = _own_delivery(delivery_id)
    db = db_session()
    form = StatusForm(status=delivery.provider_status, reason=delivery.closed_reason)
    if form.validate_on_submit():
        inbox.set_status(db, delivery, form.status.data, user, now(), form.reason.data)
        db.commit()
        flash(f"Status set: {inbox.STATUSES[form.status.data]}.")
        return redirect(url_for("staff.referral", delivery_id=delivery.id), code=303)
    content = sent_content(cipher(), delivery.referral)
    if content is not None and request.method == "GET":
        inbox.record_view(db, delivery, user, now())
        db.commit()
    answers = content["answers"] if content is not None else {}
    routes = content["routing"]["routes"] if content is not None else []
    reasons = next((r["reasons"] for r in routes if r["service"] == delivery.service_slug), [])
    service = db.query(Service).filter_by(slug=delivery.service_slug).one_or_none()
    return render_template(
        "staff/referral.html",
        delivery=delivery,
        referral=delivery.referral,
        service=service,
        content=content,
        sections=sections(delivery.referral.referrer, answers) if content is not None else [],
        do_not_contact=bool(answers.get("contact", {}).get("do_not_contact")),
        reasons=reasons,
        history=inbox.history(db, delivery),
        form=form,
        statuses=inbox.STATUSES,
        reasons_closed=inbox.CLOSED_REASONS,
    )


@blueprint.route("/referrals/<uuid:delivery_id>/received", methods=["GET", "POST"])
@limiter.limit(post_limit, exempt_when=not_a_post)
@requires("provider")
def acknowledge(delivery_id):
    """Where the e-mail's link lands: one button to say the referral has arrived."""
    user, delivery = _own_delivery(delivery_id)
    if request.method == "POST":
        # CSRFProtect has checked the token before the view runs.
        db = db_session()
        inbox.acknowledge(db, delivery, user, now())
        db.commit()
        flash(f"Referral {delivery.referral.reference} marked as received.")
        return redirect(url_for("staff.referral", delivery_id=delivery.id), code=303)
    return render_template("staff/acknowledge.html", delivery=delivery, referral=delivery.referral)


# --- availability -------------------------------------------------------------------------


@blueprint.get("/availability")
@requires("staff")
def availability():
    user = current_staff()
    services = availability_rules.services_for(db_session(), user)
    forms = {
        service.id: AvailabilityForm(
            formdata=None,
            prefix=str(service.id),
            availability=service.availability,
            spaces=service.spaces_now,
        )
        for service in services
    }
    return _availability_page(services, forms)


def _availability_page(services, forms, status: int = 200):
    return (
        render_template(
            "staff/availability.html",
            services=services,
            forms=forms,
            has_spaces=availability_rules.has_spaces,
            labels=availability_rules.AVAILABILITY,
        ),
        status,
    )


@blueprint.post("/availability/<uuid:service_id>")
@limiter.limit(post_limit)
@requires("staff")
def set_availability(service_id):
    user = current_staff()
    db = db_session()
    service = db.get(Service, service_id)
    if service is None or not availability_rules.may_set(user, service):
        abort(404)
    form = AvailabilityForm(prefix=str(service.id))
    if form.validate_on_submit():
        availability_rules.set_availability(
            db, service, form.availability.data, form.spaces.data, user, now()
        )
        db.commit()
        flash(f"{service.name}: {availability_rules.AVAILABILITY[form.availability.data]}.")
        return redirect(url_for("staff.availability") + f"#service-{service.id}", code=303)
    services = availability_rules.services_for(db, user)
    forms = {
        other.id: form
        if other.id == service.id
        else AvailabilityForm(
            formdata=None,
            prefix=str(other.id),
            availability=other.availability,
            spaces=other.spaces_now,
        )
        for other in services
    }
    return _availability_page(services, forms, 400)
