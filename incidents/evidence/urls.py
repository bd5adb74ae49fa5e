from django.urls import path

from incidents.evidence import views

urlpatterns = [
    path("cases/<str:reference>/evidence/new/", views.evidence_create, name="evidence_create"),
    path("cases/<str:reference>/evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("cases/<str:reference>/statements/new/", views.statement_create, name="statement_create"),
    path("cases/<str:reference>/contacts/new/", views.contact_create, name="contact_create"),
]
