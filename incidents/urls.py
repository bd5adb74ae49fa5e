"""Every page of a case's process, each part's URLs kept in its own package. Names stay in the
`incidents:` namespace (incidents:case_detail, incidents:letter_detail, …)."""

from incidents.administration import urls as administration_urls
from incidents.cases import urls as cases_urls
from incidents.chats import urls as chats_urls
from incidents.decisions import urls as decisions_urls
from incidents.evidence import urls as evidence_urls
from incidents.home import urls as home_urls
from incidents.letters import urls as letters_urls
from incidents.notifications import urls as notifications_urls
from incidents.parents import urls as parents_urls
from incidents.people import urls as people_urls
from incidents.records import urls as records_urls
from incidents.reporting import urls as reporting_urls
from incidents.reports import urls as reports_urls
from incidents.trusts import urls as trusts_urls

app_name = "incidents"

urlpatterns = [
    *home_urls.urlpatterns,
    *cases_urls.urlpatterns,
    *evidence_urls.urlpatterns,
    *chats_urls.urlpatterns,
    *decisions_urls.urlpatterns,
    *letters_urls.urlpatterns,
    *records_urls.urlpatterns,
    *reports_urls.urlpatterns,
    *trusts_urls.urlpatterns,
    *notifications_urls.urlpatterns,
    *people_urls.urlpatterns,
    *parents_urls.urlpatterns,
    *reporting_urls.urlpatterns,
    *administration_urls.urlpatterns,
]
