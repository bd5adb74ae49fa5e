import datetime

import pytest
from django.utils import timezone

from incidents import services
from tests import factories

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def parent(school):
    return factories.ParentFactory(school=school, first_name="Karl", last_name="Dunn")


@pytest.fixture
def log_concern(school, office):
    """log_concern(**overrides) → a Concern logged by office staff, opening a new case."""

    def log(**overrides):
        values = {
            "school": school, "by": office, "received_at": timezone.now() - datetime.timedelta(hours=1),
            "channel": "whatsapp", "description": "Posted that the deputy head is useless.",
            "raised_by_name": "Ruth Adeyemi",
        }
        values.update(overrides)
        if "parents" not in values:
            values["parents"] = [factories.ParentFactory(school=school)]
        return services.concern_log(**values)

    return log


@pytest.fixture
def case(log_concern, parent, lead):
    case = log_concern(parents=[parent]).case
    case.lead = lead
    case.save()
    return case
