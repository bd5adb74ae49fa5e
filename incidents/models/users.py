from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import Exists, Q
from django.utils.functional import cached_property

from incidents.roles import Role
from policies.models import School, Trust


class User(AbstractUser):
    class NotificationMode(models.TextChoices):
        IMMEDIATE = "immediate", "At once"
        DIGEST = "digest", "A daily digest"

    notification_mode = models.CharField(
        max_length=10, choices=NotificationMode, default=NotificationMode.IMMEDIATE
    )
    # The chair reviews a ban with the Head Teacher, so sees the ban cases under review
    # (visibility.cases_visible_to). Only counts for a user who holds the Governor role.
    is_chair_of_governors = models.BooleanField(
        "chair of governors", default=False,
        help_text="Sees the ban cases under review with the Head Teacher. Give it to a governor only.",
    )

    class Meta:
        db_table = "auth_casebook_user"

    def at(self, school: School | None) -> "User":
        """This user as they are at `school`: their roles there, the cases they may see there. Set on
        each request from the school in hand (access.schools.SchoolMiddleware), and by tasks from the
        object they work on. Returns the user."""
        self._school_in_hand = school
        self.__dict__.pop("role_names", None)
        self.__dict__.pop("_visible_ids_sql", None)
        self.__dict__.pop("_perm_cache", None)
        self.__dict__.pop("_group_perm_cache", None)
        return self

    @property
    def school_in_hand(self) -> School | None:
        """The school set by `at`; else the user's only school; else None (no roles anywhere)."""
        school = getattr(self, "_school_in_hand", None)
        return school if school is not None else self._only_school

    @cached_property
    def _only_school(self) -> School | None:
        if "memberships" in getattr(self, "_prefetched_objects_cache", {}):
            memberships = list(self.memberships.all())
        else:
            memberships = list(self.memberships.select_related("school")[:2])
        return memberships[0].school if len(memberships) == 1 else None

    @cached_property
    def role_names(self) -> frozenset[str]:
        """The user's roles at the school in hand (none without one): their membership's, and Safeguarding
        lead where they are their trust's safeguarding lead (TrustMembership)."""
        school = self.school_in_hand
        if school is None:
            return frozenset()
        # From prefetch_related("memberships__roles", "trust_memberships") when the caller read many users at
        # once, else one query.
        prefetched = getattr(self, "_prefetched_objects_cache", {})
        if "memberships" in prefetched and (school.trust_id is None or "trust_memberships" in prefetched):
            names = frozenset(role.name for membership in self.memberships.all() if membership.school_id == school.pk
                              for role in membership.roles.all())
            if any(held.trust_id == school.trust_id and held.safeguarding_lead for held in
                   (self.trust_memberships.all() if school.trust_id is not None else ())):
                names |= {Role.DSL.value}
            return names
        held = Q(memberships__user=self, memberships__school=school)
        if school.trust_id is not None:
            # A trust safeguarding lead is the Safeguarding lead in each of the trust's schools: asked in
            # the same query, so a page of a trust's school reads roles no more often than any other.
            held |= Q(Exists(TrustMembership.objects.filter(user=self, trust_id=school.trust_id,
                                                            safeguarding_lead=True)), name=Role.DSL.value)
        return frozenset(Group.objects.filter(held).values_list("name", flat=True))

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
    def is_chair(self) -> bool:
        """The chair of governors: the flag, on a user who holds the Governor role."""
        return self.is_chair_of_governors and self.has_role(Role.GOVERNOR)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def name_and_roles(self) -> str:
        """How a picker of people names someone: "Full Name (Role, Role)", never the username alone."""
        roles = [str(role.label) for role in Role if self.has_role(role)]
        if self.is_chair_of_governors and self.has_role(Role.GOVERNOR):
            roles[roles.index(str(Role.GOVERNOR.label))] = "Chair of governors"
        return f"{self.display_name} ({', '.join(roles) or 'no role'})"


class Membership(models.Model):
    """A user's place in one school, with their roles there: someone who works in two schools has two.

    The roles are the role groups (incidents.roles), whose permissions count only at this school
    (access.backends.MembershipBackend); a user's own `groups` are not used."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    roles = models.ManyToManyField(Group, blank=True, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "school"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} at {self.school}"


class TrustMembership(models.Model):
    """A user's roles across one trust's schools, given by a superuser in Django's admin.

    - a trust safeguarding lead works as Safeguarding lead in each of the trust's schools (switching
      between them like anyone in several schools): the safeguarding cases there, by the one rule
      (visibility.cases_visible_to), and nothing of a school outside the trust;
    - a trust leader reads anonymised statistics across the trust's schools (/trust/) and no case.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trust_memberships")
    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="memberships")
    safeguarding_lead = models.BooleanField(
        "trust safeguarding lead", default=False,
        help_text="Works as Safeguarding lead in every school of the trust: their safeguarding cases.")
    leader = models.BooleanField(
        "trust leader", default=False,
        help_text="Reads anonymised statistics across the trust's schools; sees no case.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "trust"], name="trust_membership_unique")]

    def __str__(self) -> str:
        roles = [label for held, label in ((self.safeguarding_lead, "Trust safeguarding lead"),
                                           (self.leader, "Trust leader")) if held]
        return f"{self.user} at {self.trust}: {', '.join(roles) or 'no role'}"


class TwoFactorReset(models.Model):
    """An administrator's recorded reset of someone's two-factor sign-in (a lost phone, no recovery codes).

    The person then enrols a new phone with their password alone, so who allowed it, and why, is kept.
    """

    class Channel(models.TextChoices):
        ADMIN = "admin", "Administration site"
        COMMAND = "command", "Command line"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="two_factor_resets")
    by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="two_factor_resets_done",
        help_text="The administrator; empty when done on the server's command line without naming one.",
    )
    channel = models.CharField(max_length=10, choices=Channel)
    reason = models.TextField()
    devices_removed = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Two-factor reset of {self.user} on {self.created_at:%Y-%m-%d %H:%M}"
