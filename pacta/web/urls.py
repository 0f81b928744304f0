from django.contrib.auth import views as auth_views
from django.urls import include, path

from pacta.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password, name="password"),
    path("dispatch/", views.board, name="board"),
    path("dispatch/rows/", views.board_rows_view, name="board_rows"),
    path("reports/", include("pacta.web.reports")),
    path("inspections/", include("pacta.web.inspections")),
    path("charges/", include("pacta.web.charges")),
    path("field/", include("pacta.web.field")),
    path("finance/", include("pacta.web.finance")),
    path("intake/", include("pacta.web.intake")),
    path("portal/", include("pacta.web.portal")),
    path("finance/sepa/", include("pacta.web.sepa")),
    path("finance/payments/", include("pacta.web.payments")),
    path("finance/bank-statements/", include("pacta.web.bank_statements")),
    path("finance/disputes/", include("pacta.web.disputes")),
    path("finance/contractor-statements/", include("pacta.web.contractor_statements")),
    path("portal/quotes/", include("pacta.web.quotes")),
    path("portal/invoices/", include("pacta.web.portal_invoices")),
    path("contractor/statements/", include("pacta.web.contractors")),
]
