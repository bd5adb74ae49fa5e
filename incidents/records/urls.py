from django.urls import path

from incidents.records import views

urlpatterns = [
    path("privacy/requests/", views.subject_access_list, name="subject_access_list"),
    path("privacy/requests/parents/", views.subject_access_parent_search, name="subject_access_parent_search"),
    path("privacy/requests/<int:pk>/export/", views.subject_access_export, name="subject_access_export"),
    path("privacy/disposal/", views.disposal_list, name="disposal_list"),
    path("privacy/disposal/<str:reference>/", views.case_dispose, name="case_dispose"),
    path("privacy/requests/<int:pk>/complete/", views.subject_access_complete, name="subject_access_complete"),
]
