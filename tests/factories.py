"""factory_boy factories for the standing cast and the school's data, and sample files."""

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.decisions import services as decision_services
from incidents.models import Case, Child, Concern, Membership, Parent, ParentGroup, User
from incidents.roles import Role, ensure_role_groups
from policies.models import ResponseType, School
from policies.selectors import school_code_suggested


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("name",)

    name = "Hillside Primary School"
    code = factory.LazyAttribute(lambda school: school_code_suggested(name=school.name))
    address = "1 School Lane\nHillside\nExampletown"
    postcode = "EX1 2MP"
    phone = "01234 567890"
    email = "office@hillside.example"
    head_teacher_name = "Helen Hart"
    chair_of_governors_name = "Grace Gordon"
    safeguarding_lead_name = "Daniel Shah"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@school.example")
    password = factory.django.Password("pw")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """`role=Role.HEAD` makes them a member of `role__school` (default: the first school, made if
        there is none) with that role."""
        if create and extracted:
            school = kwargs.get("school") or School.objects.order_by("pk").first() or SchoolFactory()
            give_role(self, Role(extracted), school=school)


def give_role(user: User, role: Role, *, school: School) -> User:
    """Add `role` at `school` to the user's roles (a membership made if needed); returns the user, with
    their roles read afresh."""
    ensure_role_groups()
    membership, _ = Membership.objects.get_or_create(user=user, school=school)
    membership.roles.add(Group.objects.get(name=role.value))
    user.__dict__.pop("_only_school", None)
    return user.at(getattr(user, "_school_in_hand", None))


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    school = factory.SubFactory(SchoolFactory)
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    class_name = "Year 4"


class ParentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parent

    school = factory.SubFactory(SchoolFactory)
    title = "Ms"
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda p: f"{p.first_name}.{p.last_name}@parents.example".lower())
    phone = "07700 900123"
    address = "12 Orchard Road\nHillside\nExampletown"
    postcode = "EX1 4AB"


class ParentGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParentGroup

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Year {n % 6 + 1} parents")
    class_name = "Year 4"


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    reference = factory.Sequence(lambda n: f"HIL-2026-{n + 1:04d}")
    title = "Abusive messages about a teacher"
    summary = "Messages posted in the Year 4 group naming a teacher."
    incident_date = factory.LazyFunction(lambda: datetime.date(2026, 10, 12))
    created_by = factory.SubFactory(UserFactory)


class ConcernFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Concern
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    received_at = factory.LazyFunction(timezone.now)
    channel = Concern.Channel.WHATSAPP
    raised_by_name = "A parent in the group"
    description = "Posted that the deputy head is useless and named her."
    logged_by = factory.SubFactory(UserFactory)


# A valid 1×1 PNG, for evidence uploads.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82")

# --- the ladder of responses -------------------------------------------------------------------


# (code, name, level, has_duration, is_referral, needs_letter)
TEST_LADDER = [
    (ResponseType.Code.NO_FURTHER_ACTION, "No further action", 0, False, False, True),
    (ResponseType.Code.MODERATOR_REQUEST, "Request to group moderators", 1, False, False, True),
    (ResponseType.Code.WARNING, "Cautionary notice", 2, False, False, True),
    (ResponseType.Code.MEETING, "Invitation to meet", 3, False, False, True),
    (ResponseType.Code.AUTHORITIES, "Referral to the police", 4, False, True, False),
    (ResponseType.Code.LEGAL_ADVICE, "Legal advice", 5, False, True, False),
    (ResponseType.Code.PROVISIONAL_BAN, "Provisional ban from the site", 6, True, False, True),
    (ResponseType.Code.CONFIRMED_BAN, "Confirmed ban", 7, True, False, True),
    (ResponseType.Code.BAN_LIFTED, "Ban lifted", 8, False, False, True),
]


class ResponseTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResponseType
        django_get_or_create = ("school", "code")

    school = factory.SubFactory(SchoolFactory)
    code = ResponseType.Code.WARNING
    name = "Cautionary notice"
    level = 2


def ladder_for(school) -> dict[str, ResponseType]:
    """The whole test ladder for a school, by code."""
    return {
        code: ResponseTypeFactory(school=school, code=code, name=name, level=level, has_duration=duration,
                                  is_referral=referral, needs_letter=letter)
        for code, name, level, duration, referral, letter in TEST_LADDER
    }


def case_awaiting_decision(*, school, lead, parent=None, recommend=ResponseType.Code.WARNING):
    """A case opened, investigated and submitted to the Head Teacher with a recommendation."""

    ladder = ladder_for(school)
    parent = parent or ParentFactory(school=school)
    case = case_services.case_open(school=school, by=lead, title="Abusive messages about a teacher",
                                   incident_date=timezone.localdate(), parents=[parent], lead=lead)
    case_services.case_transition(case=case, to=Case.Status.INVESTIGATING, by=lead)
    decision_services.recommendation_submit(case=case, by=lead, responses=[ladder[recommend]], clauses=[],
                                            facts_found="Posted that the teacher is useless, naming her.",
                                            reasons="A first breach; the parent apologised.")
    return case


def decided_case(*, school, lead, head, codes=(ResponseType.Code.WARNING,), parent=None, justification="Serious."):
    """A case with the Head Teacher's decision ordering these responses. Returns (case, decision)."""

    case = case_awaiting_decision(school=school, lead=lead, parent=parent)
    ladder = ladder_for(school)
    decision = decision_services.decision_record(case=case, by=head, responses=[ladder[c] for c in codes],
                                                 reasons="The posts named a teacher.", justification=justification)
    case.refresh_from_db()
    return case, decision
