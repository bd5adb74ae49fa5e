"""factory_boy factories for the standing cast and the school's data, and sample files."""

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.models import Case, Child, Concern, Parent, ParentGroup, User
from incidents.roles import Role, ensure_role_groups
from policies.models import School


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("name",)

    name = "Hillside Primary School"
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
        if create and extracted:
            ensure_role_groups()
            self.groups.add(Group.objects.get(name=Role(extracted).value))


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
    reference = factory.Sequence(lambda n: f"CB-2026-{n + 1:04d}")
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
