from django import template

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
    from incidents.models import Case

    return Case.Status(status).label if status in Case.Status.values else status


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
