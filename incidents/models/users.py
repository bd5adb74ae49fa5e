from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property

from incidents.roles import Role


class User(AbstractUser):
    class NotificationMode(models.TextChoices):
        IMMEDIATE = "immediate", "At once"
        DIGEST = "digest", "A daily digest"

    notification_mode = models.CharField(
        max_length=10, choices=NotificationMode, default=NotificationMode.IMMEDIATE
    )

    class Meta:
        db_table = "auth_casebook_user"

    @cached_property
    def role_names(self) -> frozenset[str]:
        # From prefetch_related("groups") when the caller read many users at once, else one query.
        if "groups" in getattr(self, "_prefetched_objects_cache", {}):
            return frozenset(group.name for group in self.groups.all())
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, role: Role) -> bool:
        return role.value in self.role_names

    @property
    def primary_role(self) -> str:
        """The role shown in the navigation bar: the most senior one held."""
        for role in (Role.HEAD, Role.DSL, Role.LEAD, Role.GOVERNOR, Role.OFFICE, Role.ADMIN):
            if self.has_role(role):
                return str(role.label)  # a plain string: the roles' labels are not translated
        return "No role"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
