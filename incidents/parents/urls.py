from django.urls import path

from incidents.parents import views

# The token is the whole key: `<random>.<signature>`, or a paper letter's short code (parents.links);
# anything else opens the plain page. /p/<code>/ is the short address printed on paper; the page's
# forms then post under /letter/<code>/ like any other key.
urlpatterns = [
    path("p/<str:token>/", views.letter_page, name="parent_letter_short"),
    path("letter/<str:token>/", views.letter_page, name="parent_letter"),
    path("letter/<str:token>/letter.pdf", views.letter_page_pdf, name="parent_letter_pdf"),
    path("letter/<str:token>/got-it/", views.letter_page_acknowledge, name="parent_letter_acknowledge"),
    path("letter/<str:token>/code/", views.letter_page_code, name="parent_letter_code"),
    path("letter/<str:token>/check-code/", views.letter_page_verify, name="parent_letter_verify"),
    path("letter/<str:token>/reply/", views.letter_page_representations, name="parent_letter_representations"),
    path("letter/<str:token>/meeting/", views.letter_page_meeting, name="parent_letter_meeting"),
    path("letters/<int:pk>/parent-link/revoke/", views.parent_links_revoke, name="parent_links_revoke"),
    path("letters/<int:pk>/paper-copy/", views.letter_paper_copy, name="letter_paper_copy"),
]
