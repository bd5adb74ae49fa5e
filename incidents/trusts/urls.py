from django.urls import path

from incidents.trusts import views

urlpatterns = [
    path("trust/", views.trust_statistics, name="trust_statistics"),
]
