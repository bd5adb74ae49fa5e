import pytest
from django.core.exceptions import ValidationError

from policies.models import Clause, PolicyVersion
from policies.services import policy_import_text

OAKFIELD = """\
Oakfield Primary School – Parent WhatsApp Group Code of Conduct

Purpose
This code sets out how we expect parents and carers to behave in class groups.

Rules for using class WhatsApp groups
• Keep messages relevant to the class;
• Don't share screenshots of emails from
  teachers, and
• No politics or contentious topics, please.

As a parent or carer we ask that you:
a) treat staff, children and other parents with respect
b) model positive behaviour for the children

Unacceptable behaviour includes:
* Swearing or offensive language
* Threats towards staff or other parents
* Posting defamatory comments about the school

Other points
- Abusive emails to staff will be treated seriously.
- Please label your child's lost property.

What will happen if the code is broken
1. A warning letter
2. A ban from the school premises, in cases of libel or threats
"""


def test_policy_import_splits_and_classifies_a_pasted_policy(policy, administrator):
    version = policy_import_text(policy=policy, text=OAKFIELD, by=administrator)

    assert version.status == PolicyVersion.Status.DRAFT
    assert version.created_by == administrator
    assert version.text.startswith("Oakfield Primary School")
    clauses = list(version.clauses.order_by("position").values_list("number", "kind", "text"))
    assert clauses == [
        ("1.1", Clause.Kind.GUIDELINE, "Keep messages relevant to the class"),
        ("1.2", Clause.Kind.GUIDELINE, "Don't share screenshots of emails from teachers"),
        ("1.3", Clause.Kind.GUIDELINE, "No politics or contentious topics, please."),
        ("2.1", Clause.Kind.EXPECTATION, "Treat staff, children and other parents with respect"),
        ("2.2", Clause.Kind.EXPECTATION, "Model positive behaviour for the children"),
        ("3.1", Clause.Kind.INAPPROPRIATE, "Swearing or offensive language"),
        ("3.2", Clause.Kind.INAPPROPRIATE, "Threats towards staff or other parents"),
        ("3.3", Clause.Kind.INAPPROPRIATE, "Posting defamatory comments about the school"),
        # Under a heading that says nothing of its kind, keywords decide; lost property is not a clause.
        ("3.4", Clause.Kind.INAPPROPRIATE, "Abusive emails to staff will be treated seriously."),
    ]


def test_policy_import_leaves_out_the_schools_list_of_responses(policy):
    version = policy_import_text(policy=policy, text=OAKFIELD, by=None)
    texts = " ".join(version.clauses.values_list("text", flat=True))
    assert "warning letter" not in texts
    assert "ban from the school premises" not in texts


def test_policy_import_of_text_with_no_lists_is_refused(policy):
    with pytest.raises(ValidationError, match="No clauses were found"):
        policy_import_text(policy=policy, text="Please be nice to each other.", by=None)
    assert not policy.versions.exists()


def test_policy_import_page_makes_a_draft_for_administrators(client_for, administrator, school):
    response = client_for(administrator).post(
        "/policy/import/", {"title": "Oakfield code of conduct", "text": OAKFIELD}, follow=False
    )
    version = PolicyVersion.objects.get(policy__title="Oakfield code of conduct")
    assert response.status_code == 302
    assert response.url == f"/policy/versions/{version.pk}/"
    assert version.clauses.count() == 9


def test_policy_import_page_is_for_administrators_only(client_for, head, school):
    assert client_for(head).get("/policy/import/").status_code == 403
