"""Console pages of the billing package: billing details, invoices, the printable invoice, payments.

Operators only (app.console.access.operator_required); every change is one service call that
commits together with its console event.
"""
from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from app.billing import services
from app.billing.forms import (
    MAX_LINES,
    ActionForm,
    BillingDetailsForm,
    CreditForm,
    InvoiceForm,
    PaidForm,
    SubscriptionInvoiceForm,
)
from app.billing.models import Invoice, InvoiceKind
from app.billing.services import BillingError
from app.console.access import operator_required
from app.console.nav import register_console_nav
from app.extensions import db
from app.web.htmx import is_htmx, page_or_fragment

bp = Blueprint("billing", __name__, url_prefix="/invoices")

register_console_nav("console.billing.index", _l("Invoices"), 30)

KIND_LABELS = {
    InvoiceKind.SUBSCRIPTION: _l("Subscription"),
    InvoiceKind.CUSTOM: _l("Invoice"),
    InvoiceKind.CREDIT: _l("Credit invoice"),
}


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"money": services.money, "kind_labels": KIND_LABELS}


def _practice_choices() -> list[tuple[int, str]]:
    return [(p.id, f"{p.name} ({p.slug})") for p in services.practices()]


def _int_arg(name: str) -> int | None:
    """A whole-number filter from the query string; anything else counts as no filter."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


# --- the list ---------------------------------------------------------------------------------


@bp.get("/")
@operator_required
def index() -> Response:
    """Every invoice, newest first, filtered by practice, paid status and year."""
    practice_id, year = _int_arg("practice"), _int_arg("year")
    paid = {"paid": True, "unpaid": False}.get(request.args.get("status", ""))
    invoices = services.find_invoices(practice_id, paid, year)
    return page_or_fragment(
        "billing/index.html", "billing/_invoices.html",
        invoices=invoices, practices=_practice_choices(), years=services.invoice_years(),
        chosen={"practice": practice_id, "status": request.args.get("status", ""), "year": year},
    )


# --- billing details ---------------------------------------------------------------------------


@bp.get("/billing-details")
@operator_required
def details_index() -> str:
    """Every practice, with whether its billing details are entered."""
    details = services.all_billing_details()
    rows = [(p, details.get(p.id)) for p in services.practices()]
    return render_template("billing/details_index.html", rows=rows)


@bp.route("/billing-details/<int:practice_id>", methods=["GET", "POST"])
@operator_required
def details_edit(practice_id: int) -> Response | str | tuple[str, int]:
    """Enter or change a practice's billing details (issued invoices keep their own copy)."""
    practice = services.get_practice_or_404(practice_id)
    current = services.billing_details_of(practice.id)
    form = BillingDetailsForm(obj=current)
    if form.validate_on_submit():
        db.session.commit()
        services.save_billing_details(practice, form.details())
        flash(_("The billing details of %(name)s are saved.", name=practice.name), "success")
        return redirect(url_for("console.billing.details_index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("billing/details_edit.html", billed=practice, form=form, current=current), status


# --- issuing --------------------------------------------------------------------------------


def _invoice_form_page(form: InvoiceForm, status: int = 200, error: str | None = None) -> Response:
    return page_or_fragment(
        "billing/new.html", "billing/_invoice_form.html", status, form=form, error=error, max_lines=MAX_LINES
    )


@bp.route("/new", methods=["GET", "POST"])
@operator_required
def new() -> Response:
    """A free-form invoice; "add a line" gives the form one more row (htmx swaps the form in place)."""
    form = InvoiceForm()
    form.set_practices(_practice_choices())
    if request.method == "GET":
        chosen = _int_arg("practice")
        if chosen is not None:
            form.practice_id.data = chosen
        return _invoice_form_page(form)
    if "add_line" in request.form:
        if len(form.lines.entries) < MAX_LINES:
            form.lines.append_entry()
        return _invoice_form_page(form)
    if not form.validate_on_submit():
        return _invoice_form_page(form, 422)
    practice = services.get_practice_or_404(form.practice_id.data)
    try:
        db.session.commit()
        invoice = services.create_invoice(practice, form.invoice_lines(), form.invoice_date.data, form.period())
    except BillingError as error:
        return _invoice_form_page(form, 422, str(error))
    return _to_invoice(invoice, _("Invoice %(number)s is issued.", number=invoice.number))


@bp.route("/new/subscription", methods=["GET", "POST"])
@operator_required
def new_subscription() -> Response | tuple[str, int]:
    """Invoice whole months of a practice's current subscription."""
    form = SubscriptionInvoiceForm()
    form.set_practices(_practice_choices())
    if request.method == "GET" and _int_arg("practice") is not None:
        form.practice_id.data = _int_arg("practice")
    error = None
    if form.validate_on_submit():
        practice = services.get_practice_or_404(form.practice_id.data)
        try:
            db.session.commit()
            invoice = services.create_subscription_invoice(
                practice, form.period_start.data, form.period_end.data, form.invoice_date.data
            )
        except BillingError as refused:
            error = str(refused)
        else:
            return _to_invoice(invoice, _("Invoice %(number)s is issued.", number=invoice.number))
    status = 422 if form.is_submitted() else 200
    return render_template("billing/new_subscription.html", form=form, error=error), status


def _to_invoice(invoice: Invoice, message: str) -> Response:
    flash(message, "success")
    location = url_for("console.billing.detail", invoice_id=invoice.id)
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, 303)


# --- one invoice ----------------------------------------------------------------------------


def _detail_page(invoice: Invoice, status: int = 200, **forms: Any) -> tuple[str, int]:
    context = {
        "invoice": invoice,
        "credit": services.credit_of(invoice),
        "paid_form": forms.get("paid_form") or PaidForm(formdata=None),
        "credit_form": forms.get("credit_form") or CreditForm(formdata=None),
        "unpaid_form": ActionForm(formdata=None),
        "error": forms.get("error"),
        "issuer": {
            key.removeprefix("OPERATOR_").lower(): current_app.config.get(key, "")
            for key in ("OPERATOR_NAME", "OPERATOR_ADDRESS", "OPERATOR_EMAIL", "OPERATOR_VAT_NUMBER",
                        "OPERATOR_COC_NUMBER", "OPERATOR_IBAN")
        },
        "deletion_date": services.deletion_date(invoice.invoice_date),
    }
    return render_template("billing/detail.html", **context), status


@bp.get("/<int:invoice_id>")
@operator_required
def detail(invoice_id: int) -> tuple[str, int]:
    """The invoice as it was issued: a printable page (print to PDF from the browser)."""
    return _detail_page(services.get_invoice_or_404(invoice_id))


@bp.post("/<int:invoice_id>/paid")
@operator_required
def mark_paid(invoice_id: int) -> Response | tuple[str, int]:
    """Record the date the invoice was paid."""
    invoice = services.get_invoice_or_404(invoice_id)
    form = PaidForm()
    if form.validate_on_submit():
        try:
            db.session.commit()
            services.mark_paid(invoice, form.paid_on.data)
        except BillingError as error:
            form.paid_on.errors = [str(error)]
        else:
            flash(_("Invoice %(number)s is marked paid.", number=invoice.number), "success")
            return redirect(url_for("console.billing.detail", invoice_id=invoice.id), 303)
    return _detail_page(invoice, 422, paid_form=form)


@bp.post("/<int:invoice_id>/unpaid")
@operator_required
def mark_unpaid(invoice_id: int) -> Response | tuple[str, int]:
    """Clear a payment recorded by mistake."""
    invoice = services.get_invoice_or_404(invoice_id)
    if not ActionForm().validate_on_submit():
        return _detail_page(invoice, 422, error=_("This form has expired. Reload the page and try again."))
    db.session.commit()
    services.mark_unpaid(invoice)
    flash(_("Invoice %(number)s is marked unpaid.", number=invoice.number), "success")
    return redirect(url_for("console.billing.detail", invoice_id=invoice.id), 303)


@bp.post("/<int:invoice_id>/credit")
@operator_required
def credit(invoice_id: int) -> Response | tuple[str, int]:
    """Cancel the invoice with a credit invoice (an issued invoice is never edited)."""
    invoice = services.get_invoice_or_404(invoice_id)
    form = CreditForm()
    if form.validate_on_submit():
        try:
            db.session.commit()
            credit_invoice = services.create_credit_invoice(invoice, form.invoice_date.data)
        except BillingError as error:
            form.invoice_date.errors = [str(error)]
        else:
            return _to_invoice(
                credit_invoice,
                _("Credit invoice %(number)s cancels invoice %(original)s.",
                  number=credit_invoice.number, original=invoice.number),
            )
    return _detail_page(invoice, 422, credit_form=form)
