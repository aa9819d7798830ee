"""Admin pages: the dashboard, the fallback route for a referral nobody has taken, staff
invitations and the audit log. The directory's own pages are in directory_views.py.

Administrators see counts, references and delivery states, never a referral's content.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import func, select
from wtforms.fields import SelectChoice

from portal import routing
from portal.admin import dashboard as counts
from portal.delivery import outbox
from portal.extensions import limiter
from portal.models import AuditEvent, Delivery, Organisation, StaffUser
from portal.staff import accounts, audit
from portal.staff.access import current_staff, post_limit, requires
from portal.staff.forms import InviteForm
from portal.web import db_session, not_a_post, now, requested_page, today

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE = 100


@blueprint.get("/")
@requires("admin")
def dashboard():
    config = current_app.config
    db = db_session()
    return render_template(
        "admin/dashboard.html",
        columns=counts.COLUMNS,
        providers=counts.provider_counts(db),
        failures=counts.delivery_failures(db),
        unacknowledged=counts.unacknowledged(
            db,
            now(),
            dt.timedelta(hours=config["PORTAL_CHASE_HOURS"]),
            dt.timedelta(hours=config["PORTAL_ESCALATE_HOURS"]),
        ),
        not_reviewed=counts.not_reviewed(db, today()),
        referrals=counts.referral_total(db),
    )


@blueprint.post("/deliveries/<uuid:delivery_id>/fallback")
@limiter.limit(post_limit)
@requires("admin")
def send_to_fallback(delivery_id):
    """Send a referral its provider has not taken (parked, or unacknowledged for too long)
    to the LLR-wide support service as well."""
    db = db_session()
    delivery = db.get(Delivery, delivery_id)
    if delivery is None:
        abort(404)
    made = outbox.add_fallback(db, delivery.id, routing.LLR_SUPPORT_SERVICE, now())
    if made is None:
        flash(
            f"Referral {delivery.referral.reference} already has a copy with the fallback service."
        )
    else:
        audit.record(
            db,
            "referral sent to fallback",
            by=current_staff(),
            now=now(),
            subject=delivery,
            changes={"fallback_service": routing.LLR_SUPPORT_SERVICE},
        )
        flash(f"Referral {delivery.referral.reference} is being sent to the fallback service.")
    db.commit()
    return redirect(url_for("admin.dashboard"), code=303)


# --- staff ----------------------------------------------------------------------------------


def _invite_form(formdata=None) -> InviteForm:
    form = InviteForm(formdata=formdata) if formdata is not None else InviteForm()
    form.organisation.choices = [
        SelectChoice(org.slug, org.name)
        for org in db_session().scalars(select(Organisation).order_by(Organisation.name))
    ]
    return form


@blueprint.route("/staff", methods=["GET", "POST"])
@limiter.limit(post_limit, exempt_when=not_a_post)
@requires("admin")
def staff():
    db = db_session()
    form = _invite_form()
    link = None
    if form.validate_on_submit():
        organisation = None
        if form.role.data == "provider":
            organisation = db.scalars(
                select(Organisation).where(Organisation.slug == form.organisation.data)
            ).one()
        try:
            token = accounts.invite(
                db,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                organisation=organisation,
                by=current_staff(),
                now=now(),
                policy=accounts.Policy(),
            )
        except ValueError as exc:
            form.email.errors.append(str(exc).capitalize())
        else:
            db.commit()
            link = url_for("staff.accept_invitation", token=token, _external=True)
    people = db.scalars(select(StaffUser).order_by(StaffUser.role, StaffUser.name)).all()
    return render_template("admin/staff.html", form=form, people=people, link=link)


@blueprint.post("/staff/<uuid:user_id>/deactivate")
@limiter.limit(post_limit)
@requires("admin")
def deactivate(user_id):
    db = db_session()
    user = db.get(StaffUser, user_id)
    if user is None:
        abort(404)
    if user.id == current_staff().id:
        flash("You cannot deactivate your own account.")
        return redirect(url_for("admin.staff"), code=303)
    user.active = False
    accounts.end_all_sessions(db, user, now())
    audit.record(db, "account deactivated", by=current_staff(), now=now(), subject=user)
    db.commit()
    flash(f"{user.name} can no longer sign in.")
    return redirect(url_for("admin.staff"), code=303)


@blueprint.post("/staff/<uuid:user_id>/invite-again")
@limiter.limit(post_limit)
@requires("admin")
def invite_again(user_id):
    """For a lost phone, a forgotten password or someone back at work: the account is
    deactivated at once (its sessions end) and a new invitation lets the person choose a
    new password and set up their app again, keeping the account's history."""
    db = db_session()
    user = db.get(StaffUser, user_id)
    if user is None:
        abort(404)
    if user.id == current_staff().id:
        flash("Ask another administrator to invite you again.")
        return redirect(url_for("admin.staff"), code=303)
    if user.active:
        user.active = False
        accounts.end_all_sessions(db, user, now())
        audit.record(db, "account deactivated", by=current_staff(), now=now(), subject=user)
    token = accounts.invite(
        db,
        email=user.email,
        name=user.name,
        role=user.role,
        organisation=user.organisation,
        by=current_staff(),
        now=now(),
        policy=accounts.Policy(),
    )
    db.commit()
    people = db.scalars(select(StaffUser).order_by(StaffUser.role, StaffUser.name)).all()
    link = url_for("staff.accept_invitation", token=token, _external=True)
    return render_template("admin/staff.html", form=_invite_form(), people=people, link=link)


# --- audit log --------------------------------------------------------------------------


@blueprint.get("/audit")
@requires("admin")
def audit_log():
    db = db_session()
    page = requested_page()
    total = db.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    events = db.scalars(
        select(AuditEvent)
        .order_by(AuditEvent.at.desc(), AuditEvent.id)
        .limit(AUDIT_PAGE)
        .offset((page - 1) * AUDIT_PAGE)
    ).all()
    pages = max(1, -(-total // AUDIT_PAGE))
    return render_template("admin/audit.html", events=events, page=page, pages=pages, total=total)


# The directory's pages add their routes to this blueprint.
from portal.admin import directory_views  # noqa: E402,F401
