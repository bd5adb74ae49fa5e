from django.urls import path

from policies import template_views, version_views, views

app_name = "policies"

urlpatterns = [
    path("policy/", views.policy_read, name="policy"),
    path("policy/pdf/", views.policy_pdf, name="policy_pdf"),
    path("policy/import/", views.policy_import, name="policy_import"),
    path("policy/letters/<int:pk>/preview/", views.letter_preview, name="letter_preview"),
    path("policy/versions/", version_views.policy_versions, name="policy_versions"),
    path("policy/<int:policy_pk>/new-draft/", version_views.policy_draft_new, name="policy_draft_new"),
    path("policy/versions/<int:version_pk>/", version_views.policy_version, name="policy_version"),
    path("policy/versions/<int:version_pk>/compare/", version_views.policy_version_compare,
         name="policy_version_compare"),
    path("policy/versions/<int:version_pk>/adopt/", version_views.policy_version_adopt, name="policy_version_adopt"),
    path("policy/versions/<int:version_pk>/clauses/add/", version_views.clause_add, name="clause_add"),
    path("policy/versions/<int:version_pk>/clauses/<int:clause_pk>/", version_views.clause_edit, name="clause_edit"),
    path("policy/versions/<int:version_pk>/clauses/<int:clause_pk>/remove/", version_views.clause_remove,
         name="clause_remove"),
    path("policy/templates/", template_views.letter_templates, name="letter_templates"),
    path("policy/templates/<int:template_pk>/", template_views.letter_template_edit, name="letter_template_edit"),
    path("policy/templates/<int:template_pk>/preview/", template_views.letter_template_preview,
         name="letter_template_preview"),
]
