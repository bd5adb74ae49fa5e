"""Property (issue 25.3): whatever schools and roles a person holds, whichever school their session
asks for, no page or export shows another school's data: no case reference, title, parent's name or
reported concern of a school other than the one in hand.

Three schools, each with an ordinary case, a restricted safeguarding case and a concern reported online;
the person is, at random, also the lead of every case of every school and a governor on its panel (so
only the school in hand keeps the others out).
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from incidents.access.schools import SCHOOL_CHOSEN
from incidents.cases import services as case_services
from incidents.models import Case
from incidents.reporting import services as reporting_services
from incidents.roles import Role
from tests import factories

SCHOOLS = [("Hillside Primary School", "HIL", "Alderton"), ("Oakfield Academy", "OAK", "Birchwood"),
           ("Riverside School", "RIV", "Cloverdale")]
PAGES = [("incidents:home", {}), ("incidents:case_list", {}), ("incidents:case_list", {"q": "{surname}"}),
         ("incidents:case_list", {"parent": "{surname}"}), ("incidents:letter_register", {}),
         ("incidents:deadline_list", {}), ("incidents:reports", {}), ("incidents:report_cases_csv", {}),
         ("incidents:emails_not_sent", {}), ("incidents:reported_list", {}), ("incidents:subject_access_list", {}),
         ("incidents:subject_access_parent_search", {"q": "{surname}"}), ("incidents:disposal_list", {}),
         ("incidents:concern_parent_search", {"q": "{surname}"}), ("incidents:concern_open_cases", {}),
         ("incidents:user_list", {}), ("incidents:settings", {})]

memberships = st.dictionaries(st.integers(0, 2), st.sets(st.sampled_from(list(Role)), min_size=1, max_size=3),
                              min_size=1, max_size=3)


def _school_world(name: str, code: str, surname: str) -> dict:
    school = factories.SchoolFactory(name=name, code=code)
    office = factories.UserFactory(username=f"{code.lower()}-office")
    factories.give_role(office, Role.OFFICE, school=school)
    parent = factories.ParentFactory(school=school, first_name="Quentin", last_name=surname)
    secrets = {surname, f"Reported at {name}"}
    for safeguarding in (False, True):
        concern = case_services.concern_log(
            school=school, by=office, received_at=timezone.now() - datetime.timedelta(hours=1), channel="whatsapp",
            description=f"Posted about a teacher at {name}.", parents=[parent], safeguarding=safeguarding)
        Case.objects.filter(pk=concern.case_id).update(title=f"Messages at {name}", restricted=safeguarding)
        secrets.add(concern.case.reference)
    reporting_services.concern_report(
        school=school, description=f"Reported at {name}", channel="whatsapp", where_detail="", happened_on=None,
        about="", reporter_is="parent", name="", contact="", anonymous_to_parent=False, files=[])
    return {"school": school, "surname": surname, "secrets": secrets}


def test_no_page_or_export_shows_another_schools_data(db, client):
    worlds = [_school_world(*school) for school in SCHOOLS]

    # No shrinking: a failure names its page and what leaked, and each example is a dozen pages.
    @settings(max_examples=10, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(held=memberships, asked=st.integers(0, 2), leads_everything=st.booleans())
    def check(held: dict[int, set[Role]], asked: int, leads_everything: bool) -> None:
        with transaction.atomic():
            user = factories.UserFactory(username="someone")
            for index, roles in held.items():
                for role in roles:
                    factories.give_role(user, role, school=worlds[index]["school"])
            if leads_everything:
                Case.objects.update(lead=user)
                for case in Case.objects.all():
                    case.governors.add(user)
            client.force_login(user)
            session = client.session
            session[SCHOOL_CHOSEN] = worlds[asked]["school"].pk  # asked for, whether a member there or not
            session.save()
            in_hand = asked if asked in held else min(held, key=lambda index: worlds[index]["school"].name)
            others = {secret for index, world in enumerate(worlds) if index != in_hand for secret in world["secrets"]}
            for name, query in PAGES:
                data = {key: value.format(surname=worlds[(in_hand + 1) % 3]["surname"]) for key, value in query.items()}
                response = client.get(reverse(name), data)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                text = body.decode(errors="replace")
                # A search page repeats the name searched for in its box: that is the asker's own words.
                leaked = sorted(secret for secret in others - set(data.values()) if secret in text)
                assert not leaked, f"{name} {data} with {worlds[in_hand]['school'].code} in hand shows {leaked}"
            transaction.set_rollback(True)

    check()
