"""The directory's administration: organisations and their services.

Each change is checked (a valid address, at least one area...), recorded in the audit log
with the fields that changed, stamps the service's last-reviewed date, and marks the record
as edited so that `load-directory` leaves it as the administrator made it. The rules live in
directory_edit.py; these views only read the form, call them and answer.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.admin import directory_edit as edit
from portal.admin.directory_forms import OrganisationForm, ServiceForm
from portal.admin.views import blueprint
from portal.extensions import limiter
from portal.models import Organisation, Service
from portal.staff.access import current_staff, post_limit, requires
from portal.web import db_session, not_a_post, now, today


@blueprint.get("/organisations")
@requires("admin")
def organisations():
    orgs = (
        db_session()
        .scalars(
            select(Organisation)
            .options(selectinload(Organisation.services))
            .order_by(Organisation.name)
        )
        .all()
    )
    return render_template("admin/organisations.html", organisations=orgs)


def _found(model, record_id):
    record = db_session().get(model, record_id)
    if record is None:
        abort(404)
    return record


def _form_page(template: str, form, **context):
    """The form again: 400 with its messages when it was posted and is wrong."""
    status = 400 if form.errors else 200
    return render_template(
        template, form=form, page_has_errors=bool(form.errors), **context
    ), status


def _saved(message: str, endpoint: str, **values):
    flash(message)
    return redirect(url_for(endpoint, **values), code=303)


# --- organisations ------------------------------------------------------------------------


@blueprint.route("/organisations/new", methods=["GET", "POST"])
@limiter.limit(post_limit, exempt_when=not_a_post)
@requires("admin")
def new_organisation():
    db = db_session()
    form = OrganisationForm(creating=True)
    if form.validate_on_submit():
        try:
            organisation = edit.create_organisation(
                db, form.values(), by=current_staff(), now=now(), today=today()
            )
        except edit.Invalid as exc:
            form.add_problems(exc.problems)
        else:
            db.commit()
            return _saved(
                f"{organisation.name} added.",
                "admin.edit_organisation",
                organisation_id=organisation.id,
            )
    return _form_page("admin/organisation_form.html", form, organisation=None)


@blueprint.route("/organisations/<uuid:organisation_id>", methods=["GET", "POST"])
@limiter.limit(post_limit, exempt_when=not_a_post)
@requires("admin")
def edit_organisation(organisation_id):
    db = db_session()
    organisation = _found(Organisation, organisation_id)
    form = OrganisationForm.for_organisation(organisation)
    if form.validate_on_submit():
        try:
            changes = edit.update_organisation(
                db, organisation, form.values(), by=current_staff(), now=now(), today=today()
            )
        except edit.Invalid as exc:
            form.add_problems(exc.problems)
        else:
            db.commit()
            return _saved(
                f"{organisation.name} saved."
                if changes
                else "Nothing had changed, so nothing was saved.",
                "admin.edit_organisation",
                organisation_id=organisation.id,
            )
    return _form_page("admin/organisation_form.html", form, organisation=organisation)


# --- services -----------------------------------------------------------------------------


@blueprint.route("/organisations/<uuid:organisation_id>/services/new", methods=["GET", "POST"])
@limiter.limit(post_limit, exempt_when=not_a_post)
@requires("admin")
def new_service(organisation_id):
    db = db_session()
    organisation = _found(Organisation, organisation_id)
    form = ServiceForm(creating=True)
    if form.validate_on_submit():
        try:
            service = edit.create_service(
                db, organisation, form.values(), by=current_staff(), now=now(), today=today()
            )
        except edit.Invalid as exc:
            form.add_problems(exc.problems)
        else:
            db.commit()
            return _saved(f"{service.name} added.", "admin.edit_service", service_id=service.id)
    return _form_page("admin/service_form.html", form, organisation=organisation, service=None)


@blueprint.route("/services/<uuid:service_id>", methods=["GET", "POST"])
@limiter.limit(post_limit, exempt_when=not_a_post)
@requires("admin")
def edit_service(service_id):
    db = db_session()
    service = _found(Service, service_id)
    form = ServiceForm.for_service(service)
    if form.validate_on_submit():
        try:
            changes = edit.update_service(
                db, service, form.values(), by=current_staff(), now=now(), today=today()
            )
        except edit.Invalid as exc:
            form.add_problems(exc.problems)
        else:
            db.commit()
            message = (
                f"{service.name} saved, and marked as reviewed today."
                if changes
                else "Nothing had changed, so nothing was saved. If you checked the facts, "
                "use “Facts checked”."
            )
            return _saved(message, "admin.edit_service", service_id=service.id)
    return _form_page(
        "admin/service_form.html", form, organisation=service.organisation, service=service
    )


@blueprint.post("/services/<uuid:service_id>/reviewed")
@limiter.limit(post_limit)
@requires("admin")
def mark_reviewed(service_id):
    db = db_session()
    service = _found(Service, service_id)
    edit.mark_reviewed(db, service, by=current_staff(), now=now(), today=today())
    db.commit()
    return _saved(
        f"{service.name} marked as reviewed today.", "admin.edit_service", service_id=service.id
    )
