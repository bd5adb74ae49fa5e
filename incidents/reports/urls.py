from django.urls import path

from incidents.reports import views

urlpatterns = [
    path("reports/", views.report_overview, name="reports"),
    path("reports/cases.csv", views.report_cases_csv, name="report_cases_csv"),
    path("reports/termly.pdf", views.report_termly_pdf, name="report_termly_pdf"),
]
