import datetime

from incidents.access.permissions import holds_a_staff_role
from policies import selectors


def policy_review(request) -> dict:
    """`policy_review_warning` for templates: computed only when a template uses it (the home page)."""
    user = getattr(request, "user", None)
    if user is None or not holds_a_staff_role(user):
        return {}

    def warning() -> str | None:
        school = getattr(request, "school", None)
        if school is None:
            return None
        return selectors.policy_review_warning(school=school, today=datetime.date.today())

    # A callable: the template engine calls it on first use, so other pages pay nothing.
    return {"policy_review_warning": warning}
