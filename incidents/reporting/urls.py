from django.urls import path

from incidents.reporting import views

urlpatterns = [
    path("report/", views.report_form, name="online_report"),
    path("report/thanks/", views.report_thanks, name="online_report_thanks"),
    # One school's form, by its short code (HIL), where the installation serves several.
    path("report/<str:code>/", views.report_form, name="online_report_at"),
    path("reported/", views.reported_list, name="reported_list"),
    path("reported/<int:pk>/", views.reported_detail, name="reported_detail"),
    path("reported/<int:pk>/file/", views.reported_file, name="reported_file"),
    path("reported/<int:pk>/not-a-concern/", views.reported_dismiss, name="reported_dismiss"),
    path("reported/<int:pk>/files/<int:file_pk>/", views.reported_file_download, name="reported_file_download"),
]
