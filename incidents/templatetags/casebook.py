from django import forms, template
from django.utils.html import format_html, format_html_join

from incidents.decisions.selectors import sanction_in_brief
from incidents.models import Case, Sanction
from incidents.people.confidentiality import ParentFacing

register = template.Library()

_STATUS_COLOURS = {
    "new": "secondary", "investigating": "info", "awaiting_decision": "warning",
    "decided": "primary", "sanction_in_force": "danger", "closed": "dark",
}
_SEVERITY_COLOURS = {"low": "success", "medium": "warning", "high": "danger"}


@register.filter
def status_colour(status: str) -> str:
    return _STATUS_COLOURS.get(status, "secondary")


@register.filter
def status_label(status: str) -> str:
    return Case.Status(status).label if status in Case.Status.values else status


@register.filter
def for_reader(value: str, people: ParentFacing | None) -> str:
    """A name or free text as the person reading the page may see it (people.confidentiality
    .people_as_seen_by): as typed for staff, an anonymous raiser withheld for a governor."""
    return people.person(value) if people is not None and value else value


@register.filter
def in_brief(sanction: Sanction) -> str:
    """A response on one line: "Site ban: awaiting representations until 15 Jan"."""
    return sanction_in_brief(sanction)


def _anchor(field: forms.BoundField) -> str:
    """The id a summary link jumps to: the field's control, or the first of a group of tick boxes or
    radio buttons (their group has no single control). Hidden fields have nothing to jump to."""
    if field.is_hidden or not field.auto_id:
        return ""
    return field.id_for_label or f"{field.auto_id}_0"


@register.inclusion_tag("incidents/_error_summary.html")
def error_summary(form) -> dict:
    """The form's errors as (anchor, text) pairs, in the order of its fields: those about the whole
    form first, without a link; each field's with its label, linking to the field."""
    if form is None or not getattr(form, "errors", None):
        return {"items": []}
    items: list[tuple[str, str]] = [("", str(error)) for error in form.non_field_errors()]
    for field in form:
        label = field.label or field.name.replace("_", " ").capitalize()
        items.extend((_anchor(field), f"{label}: {error}") for error in field.errors)
    return {"items": items}


@register.filter
def deadline_wording(deadline, today) -> str:
    """A deadline worded for the day: overdue, due today, due soon or due later (deadlines.Deadline.wording)."""
    return deadline.wording(today)


@register.filter
def deadline_urgency(deadline, today) -> str:
    return deadline.urgency(today)


@register.filter
def severity_colour(severity: str) -> str:
    return _SEVERITY_COLOURS.get(severity, "secondary")


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for sorting and paging links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def _choices(field: forms.ChoiceField) -> list[tuple]:
    if isinstance(field, forms.ModelChoiceField):
        # A plain query: Django's own choice iterator opens a server-side cursor on PostgreSQL,
        # three round trips for a list of a dozen rows.
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        assert field.queryset is not None  # a ModelChoiceField is always given its query
        return empty + [(obj.pk, field.label_from_instance(obj)) for obj in field.queryset]
    # Django hands back the choices normalised to pairs; the stubs give the getter the setter's wider type.
    return list(field.choices)  # type: ignore[arg-type]


@register.simple_tag
def filter_field(field) -> str:
    """One field of a list's filter form, as Bootstrap markup (label, control, errors).

    Written out here rather than through crispy-forms because the case list is the busiest page:
    rendering nine fields through widget templates took ~17 ms of a 50 ms budget; this
    takes well under one. Text, date and select widgets only — what the filter forms use.
    """
    widget = field.field.widget
    current = field.value()
    if isinstance(current, list | tuple):  # the sort field holds a list
        values = {str(value) for value in current}
    else:
        values = {"" if current is None else str(current)}
    invalid = bool(field.errors)
    control_attrs = format_html(
        'name="{}" id="{}"{}', field.html_name, field.id_for_label,
        format_html(' aria-invalid="true" aria-describedby="{}_error"', field.id_for_label) if invalid else "",
    )
    if isinstance(widget, forms.Select):
        options = format_html_join("", '<option value="{}"{}>{}</option>', (
            (value, " selected" if str(value) in values else "", label) for value, label in _choices(field.field)))
        control = format_html('<select {} class="form-select{}">{}</select>', control_attrs,
                              " is-invalid" if invalid else "", options)
    else:
        value = "" if current in (None, "") else format_html(' value="{}"', current)
        control = format_html('<input type="{}" {}{} class="form-control{}">', widget.input_type, control_attrs,
                              value, " is-invalid" if invalid else "")
    errors = format_html('<div id="{}_error" class="invalid-feedback">{}</div>', field.id_for_label,
                         format_html_join("", "<p>{}</p>", ((error,) for error in field.errors))) if invalid else ""
    return format_html('<div class="mb-3"><label for="{}" class="form-label">{}</label>{}{}</div>',
                       field.id_for_label, field.label, control, errors)
