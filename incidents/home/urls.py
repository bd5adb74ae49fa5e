from django.urls import path

from incidents.home import views

urlpatterns = [
    path("", views.home, name="home"),
    path("deadlines/", views.deadline_list, name="deadline_list"),
]
