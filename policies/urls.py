from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("policy/", views.policy_read, name="policy"),
    path("policy/pdf/", views.policy_pdf, name="policy_pdf"),
    path("policy/import/", views.policy_import, name="policy_import"),
    path("policy/letters/<int:pk>/preview/", views.letter_preview, name="letter_preview"),
]
