from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.home, name="home"),
    path("concerns/new/", views.concern_create, name="concern_create"),
    path("concerns/open-cases/", views.concern_open_cases, name="concern_open_cases"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/edit/", views.case_edit, name="case_edit"),
    path("cases/<str:reference>/history/", views.case_history, name="case_history"),
    path("cases/<str:reference>/status/", views.case_transition, name="case_transition"),
    path("cases/<str:reference>/restrict/", views.case_restrict, name="case_restrict"),
    path("cases/<str:reference>/evidence/new/", views.evidence_create, name="evidence_create"),
    path("cases/<str:reference>/evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("cases/<str:reference>/statements/new/", views.statement_create, name="statement_create"),
    path("cases/<str:reference>/contacts/new/", views.contact_create, name="contact_create"),
    path("parents/<int:pk>/", views.parent_detail, name="parent_detail"),
]

# Recommendations, decisions, sanctions and contests (issue 5).
urlpatterns += [
    path("cases/<str:reference>/recommend/", views.recommendation_create, name="recommendation_create"),
    path("cases/<str:reference>/decide/", views.decision_create, name="decision_create"),
    path("cases/<str:reference>/sanctions/<int:pk>/<str:to>/", views.sanction_step, name="sanction_step"),
    path("cases/<str:reference>/complaints/new/", views.complaint_create, name="complaint_create"),
    path("cases/<str:reference>/complaints/<int:pk>/refer/", views.complaint_refer, name="complaint_refer"),
    path("cases/<str:reference>/complaints/<int:pk>/outcome/", views.complaint_outcome, name="complaint_outcome"),
]
