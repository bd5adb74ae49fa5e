"""Property (issue 25.3): whatever schools and roles a person holds, whichever school their session
asks for, no page or export shows another school's data: no case reference, title, parent's name or
reported concern of a school other than the one in hand.

Three schools, each with an ordinary case, a restricted safeguarding case, an unrestricted safeguarding
case and a concern reported online; Hillside and Oakfield belong to a trust, Riverside to none. The person
holds, at random, roles at any of the schools and either trust role; they are also, at random, the lead of
every case of their schools and a governor on its panel (so only the school in hand keeps the others out).

What the trust roles allow: the trust's safeguarding lead, at a trust school where they hold no role of
their own, sees its unrestricted safeguarding case (its reference, title and parent) and nothing else of
it; the trust leader's statistics show nothing that names a case or a person, of any school.
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from incidents.access.schools import SCHOOL_CHOSEN
from incidents.cases import services as case_services
from incidents.models import Case, TrustMembership
from incidents.reporting import services as reporting_services
from incidents.roles import Role
from policies.models import Trust
from tests import factories

SCHOOLS = [("Hillside Primary School", "HIL", "Alderton"), ("Oakfield Academy", "OAK", "Birchwood"),
           ("Riverside School", "RIV", "Cloverdale")]
PAGES = [("incidents:home", {}), ("incidents:case_list", {}), ("incidents:case_list", {"q": "{surname}"}),
         ("incidents:case_list", {"parent": "{surname}"}), ("incidents:letter_register", {}),
         ("incidents:deadline_list", {}), ("incidents:reports", {}), ("incidents:report_cases_csv", {}),
         ("incidents:emails_not_sent", {}), ("incidents:reported_list", {}), ("incidents:subject_access_list", {}),
         ("incidents:subject_access_parent_search", {"q": "{surname}"}), ("incidents:disposal_list", {}),
         ("incidents:concern_parent_search", {"q": "{surname}"}), ("incidents:concern_open_cases", {}),
         ("incidents:user_list", {}), ("incidents:settings", {}), ("incidents:trust_statistics", {})]
NAMES_NOTHING = {"incidents:trust_statistics"}  # anonymised: no school's secrets, the one in hand's neither
IN_TRUST = {0, 1}

memberships = st.dictionaries(st.integers(0, 2), st.sets(st.sampled_from(list(Role)), min_size=1, max_size=3),
                              min_size=0, max_size=3)
trust_roles = st.sets(st.sampled_from(["safeguarding_lead", "leader"]))


def _school_world(name: str, code: str, surname: str, trust: Trust | None) -> dict:
    school = factories.SchoolFactory(name=name, code=code, trust=trust)
    office = factories.UserFactory(username=f"{code.lower()}-office")
    factories.give_role(office, Role.OFFICE, school=school)
    parent = factories.ParentFactory(school=school, first_name="Quentin", last_name=surname)
    secrets, safeguarding_lead_sees = {surname, f"Reported at {name}"}, {surname}
    for kind, safeguarding, restricted in (("ordinary", False, False), ("restricted", True, True),
                                           ("safeguarding", True, False)):
        concern = case_services.concern_log(
            school=school, by=office, received_at=timezone.now() - datetime.timedelta(hours=1), channel="whatsapp",
            description=f"Posted about a teacher at {name}.", parents=[parent], safeguarding=safeguarding)
        title = f"Messages {kind} at {name}"
        Case.objects.filter(pk=concern.case_id).update(title=title, restricted=restricted)
        secrets |= {concern.case.reference, title}
        if kind == "safeguarding":
            safeguarding_lead_sees |= {concern.case.reference, title}
    reporting_services.concern_report(
        school=school, description=f"Reported at {name}", channel="whatsapp", where_detail="", happened_on=None,
        about="", reporter_is="parent", name="", contact="", anonymous_to_parent=False, files=[])
    return {"school": school, "surname": surname, "secrets": secrets, "safeguarding_lead_sees": safeguarding_lead_sees}


def _in_hand(worlds: list[dict], reachable: set[int], asked: int) -> int:
    """The school the request works in: the one asked for if reachable, else the first reachable by name,
    else the installation's first (where one holds no role)."""
    if asked in reachable:
        return asked
    return min(reachable, key=lambda index: worlds[index]["school"].name) if reachable else 0


def test_no_page_or_export_shows_another_schools_data(db, client):
    trust = Trust.objects.create(name="Northern Trust")
    worlds = [_school_world(*school, trust if index in IN_TRUST else None) for index, school in enumerate(SCHOOLS)]

    # No shrinking: a failure names its page and what leaked, and each example is a dozen pages.
    @settings(max_examples=14, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(held=memberships, of_trust=trust_roles, asked=st.integers(0, 2), leads_everything=st.booleans())
    def check(held: dict[int, set[Role]], of_trust: set[str], asked: int, leads_everything: bool) -> None:
        with transaction.atomic():
            user = factories.UserFactory(username="someone")
            for index, roles in held.items():
                for role in roles:
                    factories.give_role(user, role, school=worlds[index]["school"])
            if of_trust:
                TrustMembership.objects.create(user=user, trust=trust, **dict.fromkeys(of_trust, True))
            if leads_everything:
                for case in Case.objects.filter(school__in=[worlds[index]["school"] for index in held]):
                    case.lead = user
                    case.save()
                    case.governors.add(user)
            client.force_login(user)
            session = client.session
            session[SCHOOL_CHOSEN] = worlds[asked]["school"].pk  # asked for, whether a member there or not
            session.save()
            reachable = set(held) | (IN_TRUST if "safeguarding_lead" in of_trust else set())
            in_hand = _in_hand(worlds, reachable, asked)
            if in_hand in held:
                allowed = worlds[in_hand]["secrets"]
            elif in_hand in reachable:  # there as the trust's safeguarding lead only
                allowed = worlds[in_hand]["safeguarding_lead_sees"]
            else:
                allowed = set()
            every = {secret for world in worlds for secret in world["secrets"]}
            for name, query in PAGES:
                data = {key: value.format(surname=worlds[(in_hand + 1) % 3]["surname"]) for key, value in query.items()}
                response = client.get(reverse(name), data)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                text = body.decode(errors="replace")
                forbidden = every if name in NAMES_NOTHING else every - allowed
                # A search page repeats the name searched for in its box: that is the asker's own words.
                leaked = sorted(secret for secret in forbidden - set(data.values()) if secret in text)
                assert not leaked, (f"{name} {data} with {worlds[in_hand]['school'].code} in hand, trust roles "
                                    f"{sorted(of_trust)}, shows {leaked}")
                if name in NAMES_NOTHING:
                    assert response.status_code == (200 if "leader" in of_trust else 403)
            transaction.set_rollback(True)

    check()
