from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("pacta.web.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("pacta.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
