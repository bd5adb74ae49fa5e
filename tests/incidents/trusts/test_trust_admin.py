"""Issue 25.2: trusts, the schools in them and who holds a trust role are managed by superusers in
Django's admin, and shown there plainly."""

import pytest

from incidents.models import TrustMembership
from policies.models import Trust
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_superuser_sees_trusts_their_schools_and_trust_roles_in_the_admin(client, superuser, school):
    trust = Trust.objects.create(name="Northern Trust")
    school.trust = trust
    school.save()
    tess = factories.UserFactory(username="tess", first_name="Tess", last_name="Trust")
    TrustMembership.objects.create(user=tess, trust=trust, safeguarding_lead=True)
    client.force_login(superuser)

    roles = client.get("/admin/incidents/trustmembership/").content.decode()
    assert "tess" in roles and "Northern Trust" in roles and "Trust safeguarding lead" in roles
    assert "Hillside Primary School" in client.get(f"/admin/policies/trust/{trust.pk}/change/").content.decode()
    user_page = client.get(f"/admin/incidents/user/{tess.pk}/change/").content.decode()
    assert "Trust roles" in user_page and "Northern Trust" in user_page
    assert client.get("/admin/incidents/trustmembership/add/").status_code == 200

