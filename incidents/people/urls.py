from django.urls import path

from incidents.people import views

urlpatterns = [
    path("people/import/", views.people_import_upload, name="people_import"),
    path("people/import/preview/", views.people_import_preview, name="people_import_preview"),
    path("people/import/confirm/", views.people_import_confirm, name="people_import_confirm"),
]
