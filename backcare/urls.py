from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from backcare.articles import views as article_views
from backcare.articles.sitemaps import PagesSitemap
from backcare.core import views as core_views
from backcare.core.pagecache import public_page
from backcare.offline import views as offline_views

urlpatterns = [
    path("", article_views.home, name="home"),
    path("", include("backcare.articles.urls")),
    path("check/", include("backcare.triage.urls")),
    path("privacy/", core_views.privacy, name="privacy"),
    path("feedback/", include("backcare.governance.urls")),
    path("about-this-site/", core_views.about, name="about"),
    path("robots.txt", core_views.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        public_page(sitemap),
        {"sitemaps": {"pages": PagesSitemap}},
        name="sitemap",
    ),
    path("healthz", core_views.healthz, name="healthz"),
    # At the root, so the service worker may look after every page of the site.
    path("sw.js", offline_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline_views.manifest, name="manifest"),
    path("offline/", offline_views.offline, name="offline"),
    path("my-plan/", offline_views.my_plan, name="my_plan"),
    path("preview/", include("backcare.articles.preview_urls")),
    path(settings.BACKCARE_ADMIN_PATH, admin.site.urls),
]

handler400 = "backcare.core.views.bad_request"
handler500 = "backcare.core.views.server_error"
