"""Reads of the school's configuration."""

from django.core.exceptions import ImproperlyConfigured

from policies.models import School


def current_school() -> School:
    """The school this installation serves (one per installation for now)."""
    school = School.objects.order_by("pk").first()
    if school is None:
        raise ImproperlyConfigured("No school profile yet: run `python manage.py seed_demo` or add one in the admin.")
    return school
