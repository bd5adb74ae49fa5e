from django.urls import path

from incidents.cases import views

urlpatterns = [
    path("concerns/new/", views.concern_create, name="concern_create"),
    path("concerns/open-cases/", views.concern_open_cases, name="concern_open_cases"),
    path("concerns/parents/", views.concern_parent_search, name="concern_parent_search"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/edit/", views.case_edit, name="case_edit"),
    path("cases/<str:reference>/access-log.csv", views.case_access_log_csv, name="case_access_log_csv"),
    path("cases/<str:reference>/history/", views.case_history, name="case_history"),
    path("cases/<str:reference>/status/", views.case_transition, name="case_transition"),
    path("cases/<str:reference>/restrict/", views.case_restrict, name="case_restrict"),
    path("parents/<int:pk>/", views.parent_detail, name="parent_detail"),
]
