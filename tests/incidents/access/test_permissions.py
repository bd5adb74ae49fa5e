"""Who may act on a case they can see (incidents.access.permissions)."""

import pytest

from incidents.access import permissions
from incidents.models import Case
from incidents.roles import Role

pytestmark = pytest.mark.django_db


def test_permissions_office_staff_work_on_a_case_only_while_assigned(case, office):
    case = Case.objects.get(pk=case.pk)
    assert not permissions.can_work_on_case(office, case)

    case.assignees.add(office)
    assert permissions.can_work_on_case(office, case)  # the same object: what it knew is not kept

    case.assignees.remove(office)
    assert not permissions.can_work_on_case(office, case)


def test_permissions_a_page_asking_several_times_reads_the_assignees_once(case, office,
                                                                          django_assert_num_queries):
    case.assignees.add(office)
    case = Case.objects.get(pk=case.pk)
    office = type(office).objects.get(pk=office.pk)
    assert office.has_role(Role.OFFICE)  # roles are read once per request, before the page asks
    with django_assert_num_queries(1):
        answers = [permissions.can_work_on_case(office, case) for _ in range(4)]
    assert answers == [True] * 4
