from django.urls import path

from incidents.notifications import views

urlpatterns = [
    path("accounts/notifications/", views.notification_settings, name="notification_settings"),
]
