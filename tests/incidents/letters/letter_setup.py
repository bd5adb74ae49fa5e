"""A realistic case with the default letter templates, for the letter tests."""

import datetime

from django.utils import timezone

from incidents.cases import services as case_services
from policies.defaults import load_defaults
from policies.models import Clause
from tests import factories


def realistic_case(*, school, office, lead):
    """A case about Karl Dunn (two children) posting about a teacher, with clauses breached."""
    load_defaults(school=school, today=datetime.date(2025, 9, 1))
    child_a = factories.ChildFactory(school=school, first_name="Amy", last_name="Dunn", class_name="Year 4")
    child_b = factories.ChildFactory(school=school, first_name="Ben", last_name="Dunn", class_name="Year 1")
    parent = factories.ParentFactory(school=school, title="Mr", first_name="Karl", last_name="Dunn",
                                     email="karl.dunn@parents.example")
    parent.children.set([child_a, child_b])
    group = factories.ParentGroupFactory(school=school, name="Year 4 parents")
    concern = case_services.concern_log(
        school=school, by=office, received_at=timezone.now() - datetime.timedelta(days=2), channel="whatsapp",
        description="Posted that Mrs Patel is useless and should be sacked.", parents=[parent],
        raised_by_name="Ruth Adeyemi", group=group,
    )
    case = concern.case
    clauses = list(Clause.objects.filter(version=case.policy_version).order_by("position")[:2])
    case_services.case_update(
        case=case, by=lead, expected_version=case.version, lead=lead, clauses=clauses,
        summary="On Monday evening Mr Dunn posted in the Year 4 parents group that Mrs Patel is useless.",
    )
    case.refresh_from_db()
    return case, parent


def decided_sanction(case, *, lead, head, code: str):
    """The case investigated, recommended and decided with the school's `code` response: its one sanction."""
    from incidents.decisions import services as decision_services
    from policies.models import ResponseType

    case_services.case_transition(case=case, to="investigating", by=lead)
    response = ResponseType.objects.get(school=case.school, code=code)
    decision_services.recommendation_submit(case=case, by=lead, responses=[response], clauses=list(case.clauses.all()),
                                            facts_found="Mr Dunn posted that Mrs Patel is useless.",
                                            reasons="Proportionate.")
    decision = decision_services.decision_record(case=case, by=head, responses=[response],
                                                 reasons="The posts named a teacher and were seen by 30 parents.",
                                                 justification="Staff felt unsafe.")
    return decision.sanctions.get()
