from django.urls import path

from incidents.notifications import views

urlpatterns = [
    path("accounts/notifications/", views.notification_settings, name="notification_settings"),
    path("emails/not-sent/", views.emails_not_sent, name="emails_not_sent"),
    path("emails/<int:pk>/retry/", views.email_retry, name="email_retry"),
]
