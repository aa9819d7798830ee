"""Referral pages: one question page per step, check and send, and the confirmation.

Every step is a plain POST that redirects (303) to the next step, so it works without
JavaScript; htmx swaps the step in place and replaces the address. The browser holds only
an opaque draft id in the session cookie; the answers are encrypted in the database.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from portal import routing
from portal.directory.helplines import helpline, routing_helplines, signposted_lines
from portal.directory.queries import routing_services
from portal.extensions import limiter
from portal.i18n import current_language, localised_blueprint
from portal.models import Organisation, Service
from portal.pathways.forms import FinderForm
from portal.referrals import forms, store, summary
from portal.referrals.answers import (
    CHECK,
    PROFESSIONAL,
    SELF,
    STEPS,
    YOUNGEST_SELF_REFERRAL,
    first_missing_step,
    next_step,
    routing_referral,
    step_names,
    wants_no_contact,
)
from portal.staff.access import SESSION_TOKEN as STAFF_SESSION
from portal.web import cipher, db_session, leave_for_page, now, today, wants_fragment

blueprint = localised_blueprint("referrals", __name__, "/refer")
blueprint.add_app_template_global(summary.rows, "summary_rows")
blueprint.add_app_template_global(signposted_lines)

STEP_ID = "referral-step"
# Answers the pathway finder filled in, shown in the steps until the professional answers them.
PREFILLED = "prefilled"
SESSION_KEY = "referral"
SENT_KEY = "referral_sent"


def _forget_draft() -> None:
    """On quick exit: delete the answers of the form in progress, not just the cookie."""
    state = session.get(SESSION_KEY) or {}
    try:
        draft_id = uuid.UUID(state.get("draft", ""))
    except (TypeError, ValueError):
        return
    store.delete_draft(db_session(), draft_id)
    db_session().commit()


@blueprint.record_once
def _register_exit_hook(state) -> None:
    state.app.extensions.setdefault("portal.exit_hooks", []).append(_forget_draft)


def _submit_limit() -> str:
    return current_app.config["PORTAL_SUBMIT_LIMIT"]


def _step_limit() -> str:
    return current_app.config["PORTAL_STEP_LIMIT"]


# --- the form session -----------------------------------------------------------------


def _lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["PORTAL_DRAFT_MINUTES"])


def _current_draft(referrer: str):
    """The draft and answers of this browser's referral in progress, if any."""
    state = session.get(SESSION_KEY)
    if not state or state.get("referrer") != referrer:
        return None, {}
    loaded = store.load_draft(db_session(), cipher(), uuid.UUID(state["draft"]), now(), _lifetime())
    if loaded is None:
        db_session().commit()
        session.pop(SESSION_KEY, None)
        flash("expired")
        return None, {}
    return loaded


def _save(referrer: str, draft, answers: dict) -> None:
    db = db_session()
    if draft is None:
        draft = store.create_draft(db, cipher(), referrer, now())
        session[SESSION_KEY] = {
            "referrer": referrer,
            "draft": str(draft.id),
            "key": store.new_submission_key(),
        }
    store.save_draft(db, cipher(), draft, answers, now())
    db.commit()


def _step_url(referrer: str, step: str, **query) -> str:
    endpoint = "referrals.professional_step" if referrer == PROFESSIONAL else "referrals.step"
    return url_for(endpoint, step=step, **query)


def _render(template: str, status: int = 200, **context):
    name = "partials/referral_step.html" if wants_fragment(STEP_ID) else template
    response = make_response(render_template(name, **context), status)
    response.vary.add("HX-Request")
    response.vary.add("HX-Target")
    return response


# --- pages -------------------------------------------------------------------------------


@blueprint.get("")
def start():
    return render_template(
        "referrals/start.html", referrer=SELF, first=_step_url(SELF, step_names(SELF)[0])
    )


@blueprint.route("/professional", methods=["GET", "POST"])
@limiter.limit(_step_limit, methods=["POST"])
def professional_start():
    """The professional referral's start. Arriving from the pathway finder (its answers in the
    query), the page offers to start with them filled in; that is a POST, since it begins a
    form session."""
    first = _step_url(PROFESSIONAL, step_names(PROFESSIONAL)[0])
    finder = FinderForm(request.args if request.method == "GET" else request.form)
    prefill = finder.answers_by_step() if finder.is_filled() and finder.validate() else None
    if request.method == "POST":
        start_form = forms.StartForm()
        if prefill and start_form.validate():
            draft, answers = _current_draft(PROFESSIONAL)
            _save(PROFESSIONAL, draft, {**answers, PREFILLED: prefill})
        return redirect(first, code=303)
    return render_template(
        "referrals/start.html",
        referrer=PROFESSIONAL,
        first=first,
        finder=finder if prefill else None,
        start_form=forms.StartForm() if prefill else None,
    )


@blueprint.route("/<step>", methods=["GET", "POST"])
@limiter.limit(_step_limit, methods=["POST"])
def step(step: str):
    return _step(SELF, step)


@blueprint.route("/professional/<step>", methods=["GET", "POST"])
@limiter.limit(_step_limit, methods=["POST"])
def professional_step(step: str):
    return _step(PROFESSIONAL, step)


@blueprint.route("/check", methods=["GET", "POST"], endpoint="check")
@limiter.limit(_submit_limit, methods=["POST"])
def check_self():
    return _check(SELF)


@blueprint.route("/professional/check", methods=["GET", "POST"], endpoint="professional_check")
@limiter.limit(_submit_limit, methods=["POST"])
def check_professional():
    return _check(PROFESSIONAL)


@blueprint.get("/sent")
def sent():
    # Shown once: the form session ends here (its CSRF token too), so the cookie is deleted
    # and nothing about the request is left in the browser; a reload or Back leads to the
    # start. A staff sign-in on the same browser is left alone.
    sent_state = session.pop(SENT_KEY, None)
    for key in [key for key in session if key != STAFF_SESSION]:
        session.pop(key)
    if not sent_state:
        return redirect(url_for("referrals.start"))
    return render_template(
        "referrals/sent.html",
        reference=sent_state["reference"],
        no_contact=sent_state["no_contact"],
        providers=_provider_contacts(sent_state["services"]),
    )


@blueprint.get("/young-people")
def young_people():
    return render_template(
        "referrals/young_people.html",
        lines=[helpline("childline"), helpline("nspcc"), helpline("emergency")],
    )


# --- steps -----------------------------------------------------------------------------


def _step(referrer: str, name: str):
    if name not in step_names(referrer):
        abort(404)
    draft, answers = _current_draft(referrer)
    missing = first_missing_step(referrer, answers)
    names = step_names(referrer)
    if missing is not None and names.index(name) > names.index(missing):
        return redirect(_step_url(referrer, missing), code=303)

    form_class = getattr(forms, next(s.form for s in STEPS[referrer] if s.name == name))
    professional = referrer == PROFESSIONAL
    if request.method == "GET":
        form = form_class(formdata=None, professional=professional)
        # A step not yet answered shows what the pathway finder filled in, if anything.
        form.load(answers.get(name) or answers.get(PREFILLED, {}).get(name, {}))
        _ensure_child_rows(form)
        return _render_step(referrer, name, form, answers)

    form = form_class(professional=professional)
    if _changes_child_rows(form):
        return _render_step(referrer, name, form, answers)
    if not form.validate():
        return _render_step(referrer, name, form, answers, status=422)
    answers[name] = form.answers()
    _save(referrer, draft, answers)
    if name == "about-you" and referrer == SELF and answers[name]["age"] < YOUNGEST_SELF_REFERRAL:
        return leave_for_page(url_for("referrals.young_people"), STEP_ID)
    if request.args.get("return") == CHECK:
        target = first_missing_step(referrer, answers) or CHECK
    else:
        target = next_step(referrer, name, answers)
    return redirect(_step_url(referrer, target), code=303)


def _ensure_child_rows(form) -> None:
    """The who-with step always offers one empty row to fill in."""
    if isinstance(form, forms.WhoWithForm) and not form.children.entries:
        form.children.append_entry()


def _changes_child_rows(form) -> bool:
    """Handle "Add another child" and "Remove": re-show the step, without error messages."""
    if not isinstance(form, forms.WhoWithForm):
        return False
    if "add_child" in request.form:
        if len(form.children.entries) < forms.MAX_CHILDREN:
            form.children.append_entry()
        return True
    remove = request.form.get("remove_child")
    if remove is not None and remove.isdigit():
        index = int(remove)
        kept = [e.data for i, e in enumerate(form.children.entries) if i != index]
        while form.children.entries:
            form.children.pop_entry()
        for data in kept or [{}]:
            form.children.append_entry(data)
        return True
    return False


def _render_step(referrer: str, name: str, form, answers: dict, status: int = 200):
    names = step_names(referrer)
    return _render(
        "referrals/step.html",
        status,
        referrer=referrer,
        step=name,
        form=form,
        number=names.index(name) + 1,
        total=len(names) + 1,
        back=_step_url(referrer, names[names.index(name) - 1])
        if names.index(name)
        else (
            url_for(
                "referrals.professional_start" if referrer == PROFESSIONAL else "referrals.start"
            )
        ),
        returning=request.args.get("return") == CHECK,
        page_has_errors=bool(form.errors),
    )


# --- check and send ----------------------------------------------------------------------


def _decide(referrer: str, answers: dict):
    referral = routing_referral(referrer, answers)
    services = routing_services(db_session(), today())
    decision = routing.decide(referral, services, routing_helplines())
    return referral, decision, routing.recipients(decision, referral)


def _check(referrer: str):
    if request.method == "POST":
        key = request.form.get("submission_key", "")
        if key:
            done = store.find_by_submission_key(db_session(), key)
            if done is not None:
                return _after_sending(done)
    draft, answers = _current_draft(referrer)
    missing = first_missing_step(referrer, answers)
    if missing is not None:
        return redirect(_step_url(referrer, missing), code=303)
    referral, decision, recipients = _decide(referrer, answers)
    services = _services_by_slug([r.service for r in decision.routes])
    form = forms.CheckForm()
    form.share_with.choices = [
        forms.SelectChoice(r.service, services[r.service].name) for r in recipients
    ]
    form.submission_key.data = session[SESSION_KEY]["key"]
    if request.method == "POST" and form.validate():
        if form.website.data:
            # Only software fills in the hidden box. Say so plainly and offer the helplines.
            return render_template("referrals/not_sent.html"), 400
        chosen = [r for r in recipients if r.service in form.share_with.data]
        sent_referral = store.submit(
            db_session(),
            cipher(),
            referrer=referrer,
            language=current_language().code,
            content={
                "referrer": referrer,
                "answers": {k: v for k, v in answers.items() if k != PREFILLED},
                "routing": decision.as_contract(),
                "shared_with": [r.service for r in chosen],
            },
            routes=chosen,
            submission_key=session[SESSION_KEY]["key"],
            now=now(),
        )
        store.delete_draft(db_session(), draft.id)
        db_session().commit()
        return _after_sending(sent_referral)
    return _render(
        "referrals/step.html",
        422 if form.errors else 200,
        referrer=referrer,
        step=CHECK,
        form=form,
        answers=answers,
        referral=referral,
        decision=decision,
        recipients=recipients,
        services=services,
        number=len(step_names(referrer)) + 1,
        total=len(step_names(referrer)) + 1,
        back=_step_url(referrer, step_names(referrer)[-1]),
        page_has_errors=bool(form.errors),
    )


def _after_sending(sent_referral):
    """End the form session and show the confirmation (also for a repeated submission)."""
    content = store.sent_content(cipher(), sent_referral)
    session.pop(SESSION_KEY, None)
    session[SENT_KEY] = {
        "reference": sent_referral.reference,
        "no_contact": bool(content and wants_no_contact(content["answers"])),
        "services": [d.service_slug for d in sent_referral.deliveries],
    }
    return leave_for_page(url_for("referrals.sent"), STEP_ID)


def _services_by_slug(slugs: list[str]) -> dict[str, Service]:
    from sqlalchemy import select

    rows = db_session().scalars(select(Service).where(Service.slug.in_(slugs)))
    return {s.slug: s for s in rows}


def _provider_contacts(service_slugs: list[str]) -> list[dict]:
    """Who to call when the person asked not to be contacted: the provider's own number
    where the directory has one, else the LLR helpline, who can reach them."""
    services = _services_by_slug(service_slugs)
    contacts = []
    for slug in service_slugs:
        service = services.get(slug)
        if service is None:
            continue
        organisation: Organisation = service.organisation
        contacts.append(
            {"service": service.name, "organisation": organisation.name, "phone": service.phone}
        )
    return contacts
