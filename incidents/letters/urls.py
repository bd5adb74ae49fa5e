from django.urls import path

from incidents.letters import views

urlpatterns = [
    path("letters/", views.letter_register, name="letter_register"),
    path("cases/<str:reference>/letters/new/", views.letter_create, name="letter_create"),
    path("letters/<int:pk>/", views.letter_detail, name="letter_detail"),
    path("letters/<int:pk>/edit/", views.letter_edit, name="letter_edit"),
    path("letters/<int:pk>/render/", views.letter_render, name="letter_render"),
    path("letters/<int:pk>/status/", views.letter_status, name="letter_status"),
    path("letters/<int:pk>/approve/", views.letter_approve, name="letter_approve"),
    path("letters/<int:pk>/send-back/", views.letter_send_back, name="letter_send_back"),
    path("letters/<int:pk>/issue/", views.letter_issue, name="letter_issue"),
    path("letters/<int:pk>/acknowledge/", views.letter_acknowledge, name="letter_acknowledge"),
    path("letters/<int:pk>/new-version/", views.letter_new_version, name="letter_new_version"),
    path("letters/<int:pk>/<str:filename>", views.letter_pdf, name="letter_pdf"),
]
