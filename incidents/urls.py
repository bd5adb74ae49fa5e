from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.home, name="home"),
    path("deadlines/", views.deadline_list, name="deadline_list"),
    path("concerns/new/", views.concern_create, name="concern_create"),
    path("concerns/open-cases/", views.concern_open_cases, name="concern_open_cases"),
    path("concerns/parents/", views.concern_parent_search, name="concern_parent_search"),
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
    path("privacy/requests/", views.subject_access_list, name="subject_access_list"),
    path("privacy/requests/parents/", views.subject_access_parent_search, name="subject_access_parent_search"),
    path("privacy/requests/<int:pk>/export/", views.subject_access_export, name="subject_access_export"),
    path("privacy/disposal/", views.disposal_list, name="disposal_list"),
    path("privacy/disposal/<str:reference>/", views.case_dispose, name="case_dispose"),
    path("privacy/requests/<int:pk>/complete/", views.subject_access_complete, name="subject_access_complete"),
]

from incidents import letter_views  # noqa: E402

urlpatterns += [
    path("letters/", letter_views.letter_register, name="letter_register"),
    path("cases/<str:reference>/letters/new/", letter_views.letter_create, name="letter_create"),
    path("letters/<int:pk>/", letter_views.letter_detail, name="letter_detail"),
    path("letters/<int:pk>/edit/", letter_views.letter_edit, name="letter_edit"),
    path("letters/<int:pk>/render/", letter_views.letter_render, name="letter_render"),
    path("letters/<int:pk>/status/", letter_views.letter_status, name="letter_status"),
    path("letters/<int:pk>/approve/", letter_views.letter_approve, name="letter_approve"),
    path("letters/<int:pk>/send-back/", letter_views.letter_send_back, name="letter_send_back"),
    path("letters/<int:pk>/issue/", letter_views.letter_issue, name="letter_issue"),
    path("letters/<int:pk>/acknowledge/", letter_views.letter_acknowledge, name="letter_acknowledge"),
    path("letters/<int:pk>/new-version/", letter_views.letter_new_version, name="letter_new_version"),
    path("letters/<int:pk>/<str:filename>", letter_views.letter_pdf, name="letter_pdf"),
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

# Recommendations, decisions, sanctions and contests (issue 5).
urlpatterns += [
    path("cases/<str:reference>/recommend/", views.recommendation_create, name="recommendation_create"),
    path("cases/<str:reference>/decide/", views.decision_create, name="decision_create"),
    path("cases/<str:reference>/sanctions/<int:pk>/<str:to>/", views.sanction_step, name="sanction_step"),
    path("cases/<str:reference>/complaints/new/", views.complaint_create, name="complaint_create"),
    path("cases/<str:reference>/complaints/<int:pk>/refer/", views.complaint_refer, name="complaint_refer"),
    path("cases/<str:reference>/complaints/<int:pk>/outcome/", views.complaint_outcome, name="complaint_outcome"),
]

# Reports and notification settings (issue 8).
from incidents import report_views  # noqa: E402

urlpatterns += [
    path("reports/", report_views.report_overview, name="reports"),
    path("reports/cases.csv", report_views.report_cases_csv, name="report_cases_csv"),
    path("reports/termly.pdf", report_views.report_termly_pdf, name="report_termly_pdf"),
    path("accounts/notifications/", report_views.notification_settings, name="notification_settings"),
]
