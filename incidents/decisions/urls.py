from django.urls import path

from incidents.decisions import views

urlpatterns = [
    path("cases/<str:reference>/recommend/", views.recommendation_create, name="recommendation_create"),
    path("cases/<str:reference>/decide/", views.decision_create, name="decision_create"),
    # Before the step's own pattern, whose <to> would take the word.
    path("cases/<str:reference>/sanctions/<int:pk>/review-attended/", views.ban_review_participation,
         name="ban_review_participation"),
    path("cases/<str:reference>/sanctions/<int:pk>/<str:to>/", views.sanction_step, name="sanction_step"),
    path("cases/<str:reference>/complaints/new/", views.complaint_create, name="complaint_create"),
    path("cases/<str:reference>/complaints/<int:pk>/refer/", views.complaint_refer, name="complaint_refer"),
    path("cases/<str:reference>/complaints/<int:pk>/outcome/", views.complaint_outcome, name="complaint_outcome"),
]
