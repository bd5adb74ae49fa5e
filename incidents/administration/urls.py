from django.urls import path

from incidents.administration import users, views

urlpatterns = [
    path("settings/", views.settings_overview, name="settings"),
    path("settings/profile/", views.settings_profile, name="settings_profile"),
    path("settings/rules/", views.settings_rules, name="settings_rules"),
    path("settings/reporting/", views.settings_reporting, name="settings_reporting"),
    path("settings/terms/", views.settings_terms, name="settings_terms"),
    path("settings/terms/<int:pk>/remove/", views.settings_term_remove, name="settings_term_remove"),
    path("settings/logo/", views.settings_logo, name="settings_logo"),
    path("settings/sample-letter/", views.settings_sample_letter, name="settings_sample_letter"),
    path("settings/history/", views.settings_history, name="settings_history"),
    path("users/", users.user_list, name="user_list"),
    path("users/invite/", users.user_invite, name="user_invite"),
    path("users/<int:pk>/", users.user_detail, name="user_detail"),
    path("users/<int:pk>/deactivate/", users.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", users.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/invitation/resend/", users.user_invitation_resend, name="user_invitation_resend"),
    path("users/<int:pk>/invitation/withdraw/", users.user_invitation_withdraw, name="user_invitation_withdraw"),
    path("users/<int:pk>/two-factor-reset/", users.user_two_factor_reset, name="user_two_factor_reset"),
]
