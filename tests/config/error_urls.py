"""The site's URLs plus one page that fails, for the test of the 500 page."""

from django.urls import path

from config.urls import urlpatterns as site


def broken(request):
    raise RuntimeError("SECRET-DETAIL-FROM-THE-DATABASE")


urlpatterns = [path("broken/", broken), *site]
