from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.home, name="home"),
    path("concerns/new/", views.concern_create, name="concern_create"),
    path("concerns/open-cases/", views.concern_open_cases, name="concern_open_cases"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/edit/", views.case_edit, name="case_edit"),
    path("cases/<str:reference>/history/", views.case_history, name="case_history"),
    path("cases/<str:reference>/status/", views.case_transition, name="case_transition"),
    path("cases/<str:reference>/restrict/", views.case_restrict, name="case_restrict"),
    path("cases/<str:reference>/evidence/new/", views.evidence_create, name="evidence_create"),
    path("cases/<str:reference>/evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("cases/<str:reference>/statements/new/", views.statement_create, name="statement_create"),
    path("cases/<str:reference>/contacts/new/", views.contact_create, name="contact_create"),
    path("parents/<int:pk>/", views.parent_detail, name="parent_detail"),
]

# --- chats exported from WhatsApp (issue 7) ---
from incidents import chat_views  # noqa: E402

urlpatterns += [
    path("cases/<str:reference>/chats/<int:pk>/", chat_views.chat_detail, name="chat_detail"),
    path("cases/<str:reference>/chats/<int:pk>/date-order/", chat_views.chat_date_order, name="chat_date_order"),
    path("cases/<str:reference>/chats/<int:pk>/rebuild/", chat_views.chat_rebuild, name="chat_rebuild"),
    path("cases/<str:reference>/chats/<int:pk>/messages/<int:message_pk>/mark/", chat_views.chat_message_mark,
         name="chat_message_mark"),
    path("cases/<str:reference>/chats/<int:pk>/messages/<int:message_pk>/marks/<int:mark_pk>/remove/",
         chat_views.chat_mark_remove, name="chat_mark_remove"),
    path("cases/<str:reference>/chats/<int:pk>/media/<int:media_pk>/", chat_views.chat_media, name="chat_media"),
]
