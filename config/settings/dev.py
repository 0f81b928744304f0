"""`make run`: the embedded SQLite database, DEBUG on, e-mail to the console."""

from config import env
from config.settings.base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = [*env.ALLOWED_HOSTS, "0.0.0.0", "[::1]"]  # noqa: S104

# The demo company, so that `make run` writes e-invoices (a deployment sets its own in
# config/settings/base.py's PACTA_SELLER or a settings module of its own).
PACTA_SELLER = {
    "name": "Pacta Servicios Técnicos S.L.",
    "vat_id": "ESB12345678",
    "address": "Calle de Alcalá 100",
    "address_2": "",
    "postal_code": "28009",
    "city": "Madrid",
    "region": "Madrid",
    "country": "ES",
    "email": "facturas@pacta.example",
    "iban": "ES76 2077 0024 0031 0257 5766",
}
