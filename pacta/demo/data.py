"""pacta's demo data set: a field-service company based in Madrid and its first five contracts.

Plain data, read by :mod:`pacta.demo.loader`, which writes it through the apps' services. Records
refer to each other by their natural keys (a customer by its ``ref`` here, a site by its
customer and name, a service by its code, a product by its SKU, a user by its username, a unit
by its serial number, a contract by its number).

Dates move with the day the demo is first loaded:

* :class:`InYear` is a day of the *demo year* (the year of that day): contracts run through it;
* :class:`OnDay` is a local time at a site, a number of days after (or before) that day:
  tickets were opened in the last days, work orders run from a few days ago to the next days;
* :class:`BusinessAgo` is an amount of business time before the load, on the business calendar
  of a ticket's contract: where the SLA clocks of the tickets still waiting for their first
  response (or for their next update) stand at the load does not depend on the day or the hour
  it runs.

People, companies, addresses, tax ids and serial numbers are invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

#: Every demo user's password (Django's password validators accept it).
PASSWORD = "pacta-demo"  # noqa: S105 -- published in the README: demo accounts only


@dataclass(frozen=True)
class InYear:
    """``month``/``day`` of the demo year, ``years`` later (or earlier, when negative)."""

    month: int
    day: int
    years: int = 0


@dataclass(frozen=True)
class OnDay:
    """``at`` ("HH:MM", the site's local time), ``days`` after the day the demo was loaded."""

    days: int
    at: str


@dataclass(frozen=True)
class BusinessAgo:
    """``hours`` and ``minutes`` of business time before the load, on the business calendar of
    the contract's terms in force on the day of the load."""

    hours: int
    minutes: int = 0


D = Decimal

# --- tax rates (dated values) -----------------------------------------------------------------
TAX_RATES: list[dict[str, Any]] = [
    {
        "code": "ES-IVA-GEN",
        "name": "IVA general",
        "country": "ES",
        "values": [(date(2010, 7, 1), D("18.00")), (date(2012, 9, 1), D("21.00"))],
    },
    {
        "code": "FR-TVA-NORM",
        "name": "TVA taux normal",
        "country": "FR",
        "values": [(date(2000, 4, 1), D("19.60")), (date(2014, 1, 1), D("20.00"))],
    },
    {
        "code": "RU-NDS",
        "name": "НДС (основная ставка)",
        "country": "RU",
        "values": [
            (date(2004, 1, 1), D("18.00")),
            (date(2019, 1, 1), D("20.00")),
            (date(2026, 1, 1), D("22.00")),
        ],
    },
]

# --- customers, their contacts and sites (and the equipment installed there) ------------------
# A parent comes before the customers it pays for.
CUSTOMERS: list[dict[str, Any]] = [
    {
        "ref": "panaderia",
        "values": {
            "legal_name": "Panadería Hermanos Ruiz S.L.",
            "trade_name": "Panadería Hermanos Ruiz",
            "tax_id": "B86349127",
            "country": "ES",
            "address_line1": "Calle de la Sierra Gorda, 14",
            "postal_code": "28031",
            "city": "Madrid",
            "region": "Comunidad de Madrid",
            "email": "administracion@hermanosruiz.example",
            "phone": "+34 913 324 118",
            "currency": "EUR",
            "language": "es",
            "payment_terms_days": 30,
        },
        "contacts": [
            {
                "name": "Antonio Ruiz Gómez",
                "job_title": "Gerente",
                "email": "antonio.ruiz@hermanosruiz.example",
                "phone": "+34 629 481 207",
                "is_primary": True,
            },
            {
                "name": "Rosa Ruiz Gómez",
                "job_title": "Administración",
                "email": "administracion@hermanosruiz.example",
                "phone": "+34 913 324 118",
                "is_billing": True,
            },
        ],
        "sites": [
            {
                "name": "Obrador Vallecas",
                "code": "PAN-VAL",
                "address_line1": "Calle de Luis I, 40 (Polígono Industrial Vallecas)",
                "postal_code": "28031",
                "city": "Madrid",
                "region": "Comunidad de Madrid",
                "country": "ES",
                "time_zone": "Europe/Madrid",
                "zone_code": "MAD-SUR",
                "latitude": D("40.356300"),
                "longitude": D("-3.645700"),
                "access_notes": "Entrada por el muelle de carga. El obrador trabaja desde las "
                "04:00; hornos en marcha hasta las 11:00.",
                "equipment": [],
            },
        ],
    },
    {
        "ref": "moselle",
        "values": {
            "legal_name": "Réseaux Moselle SAS",
            "tax_id": "FR58834512903",
            "country": "FR",
            "address_line1": "12 rue des Clercs",
            "postal_code": "57000",
            "city": "Metz",
            "region": "Grand Est",
            "email": "factures@reseaux-moselle.example",
            "phone": "+33 3 87 55 21 40",
            "currency": "EUR",
            "language": "fr",
            "payment_terms_days": 45,
        },
        "contacts": [
            {
                "name": "Julien Muller",
                "job_title": "Responsable d'exploitation réseau",
                "email": "j.muller@reseaux-moselle.example",
                "phone": "+33 6 12 48 77 30",
                "is_primary": True,
            },
            {
                "name": "Sophie Schmitt",
                "job_title": "Comptabilité fournisseurs",
                "email": "factures@reseaux-moselle.example",
                "phone": "+33 3 87 55 21 42",
                "is_billing": True,
            },
        ],
        "sites": [
            {
                "name": "NRO Metz-Centre",
                "code": "NRO-57463",
                "address_line1": "3 rue Serpenoise",
                "postal_code": "57000",
                "city": "Metz",
                "region": "Grand Est",
                "country": "FR",
                "time_zone": "Europe/Paris",
                "zone_code": "FR-57",
                "latitude": D("49.117500"),
                "longitude": D("6.173000"),
                "access_notes": "Badge à retirer à l'accueil ; salle NRO au sous-sol, "
                "clé au coffre n° 4.",
                "equipment": [],
            },
            {
                "name": "PM Thionville",
                "code": "PM-57672-014",
                "address_line1": "Allée de la Libération",
                "postal_code": "57100",
                "city": "Thionville",
                "region": "Grand Est",
                "country": "FR",
                "time_zone": "Europe/Paris",
                "zone_code": "FR-57",
                "latitude": D("49.357900"),
                "longitude": D("6.168400"),
                "access_notes": "Armoire de rue ; clé triangle 11 mm.",
                "equipment": [],
            },
        ],
    },
    {
        "ref": "hotel",
        "values": {
            "legal_name": "Hôtel Lumière SAS",
            "trade_name": "Hôtel Lumière",
            "tax_id": "FR21452318746",
            "country": "FR",
            "address_line1": "18 rue de la République",
            "postal_code": "69002",
            "city": "Lyon",
            "region": "Auvergne-Rhône-Alpes",
            "email": "comptabilite@hotel-lumiere.example",
            "phone": "+33 4 78 42 16 90",
            "currency": "EUR",
            "language": "fr",
            "payment_terms_days": 30,
        },
        "contacts": [
            {
                "name": "Claire Dubois",
                "job_title": "Directrice technique",
                "email": "c.dubois@hotel-lumiere.example",
                "phone": "+33 6 71 23 58 04",
                "is_primary": True,
            },
            {
                "name": "Marc Girard",
                "job_title": "Comptable",
                "email": "comptabilite@hotel-lumiere.example",
                "phone": "+33 4 78 42 16 95",
                "is_billing": True,
            },
        ],
        "sites": [
            {
                "name": "Hôtel Lumière — Presqu'île",
                "code": "HLU-LYS",
                "address_line1": "18 rue de la République",
                "postal_code": "69002",
                "city": "Lyon",
                "region": "Auvergne-Rhône-Alpes",
                "country": "FR",
                "time_zone": "Europe/Paris",
                "zone_code": "FR-69",
                "latitude": D("45.763500"),
                "longitude": D("4.835900"),
                "access_notes": "Accès toiture par l'escalier de service (clé à la réception). "
                "Pas d'intervention bruyante avant 09:00.",
                "equipment": [
                    {
                        "manufacturer": "Daikin",
                        "serial_number": "J0194417",
                        "model": "UATYQ450MCY1",
                        "name": "Rooftop n°1 (restaurant)",
                        "installed_on": date(2019, 5, 14),
                        "warranty_until": date(2021, 5, 13),
                        "notes": "Charge R-410A : 9,6 kg.",
                    },
                    {
                        "manufacturer": "Daikin",
                        "serial_number": "J0257832",
                        "model": "UATYQ550MCY1",
                        "name": "Rooftop n°2 (chambres, aile Rhône)",
                        "installed_on": InYear(4, 22, years=-1),
                        "warranty_until": InYear(4, 21, years=2),
                        "notes": "Sous garantie constructeur 3 ans.",
                    },
                    {
                        "manufacturer": "Carrier",
                        "serial_number": "4517Q60231",
                        "model": "AquaSnap 30RB-262",
                        "name": "Groupe froid (sous-sol technique)",
                        "installed_on": date(2017, 6, 2),
                        "warranty_until": date(2019, 6, 1),
                        "notes": "Charge R-410A : 2 circuits de 14 kg.",
                    },
                ],
            },
        ],
    },
    {
        "ref": "uralneft",
        "values": {
            "legal_name": "ООО «Уралнефтесервис»",
            "trade_name": "Уралнефтесервис",
            "tax_id": "5902298715",
            "country": "RU",
            "address_line1": "ул. Ленина, 64, офис 512",
            "postal_code": "614000",
            "city": "Пермь",
            "region": "Пермский край",
            "email": "buh@uralneftservis.example",
            "phone": "+7 342 210-45-18",
            "currency": "RUB",
            "language": "ru",
            "payment_terms_days": 30,
        },
        "contacts": [
            {
                "name": "Алексей Петрович Кузнецов",
                "job_title": "Начальник ЦДНГ-3",
                "email": "a.kuznetsov@uralneftservis.example",
                "phone": "+7 912 480-17-25",
                "is_primary": True,
            },
            {
                "name": "Ольга Сергеевна Власова",
                "job_title": "Главный бухгалтер",
                "email": "buh@uralneftservis.example",
                "phone": "+7 342 210-45-10",
                "is_billing": True,
            },
        ],
        "sites": [
            {
                "name": "Куст №12",
                "code": "KUST-12",
                "address_line1": "Северо-Камское месторождение, куст №12",
                "postal_code": "618320",
                "city": "Осинский район",
                "region": "Пермский край",
                "country": "RU",
                "time_zone": "Asia/Yekaterinburg",
                "zone_code": "RU-59-SEVER",
                "latitude": D("57.284100"),
                "longitude": D("55.452600"),
                "access_notes": "Доступ на куст только с 08:00 до 20:00. Персональный "
                "газоанализатор H2S обязателен. Пропуск — через диспетчерскую ЦДНГ-3 за сутки.",
                "equipment": [
                    {
                        "manufacturer": "Ижнефтемаш",
                        "serial_number": "PSHGN-2019-0473",
                        "model": "ПШГН8-3-5500",
                        "name": "Станок-качалка скважины 1207",
                        "installed_on": date(2019, 8, 20),
                        "warranty_until": date(2021, 8, 19),
                    },
                ],
            },
        ],
    },
    {
        "ref": "fundacion",
        "values": {
            "legal_name": "Fundación Sanitaria San Rafael",
            "tax_id": "G28563014",
            "country": "ES",
            "address_line1": "Calle de Serrano, 199",
            "postal_code": "28016",
            "city": "Madrid",
            "region": "Comunidad de Madrid",
            "email": "cuentas.pagar@fsanrafael.example",
            "phone": "+34 915 640 200",
            "currency": "EUR",
            "language": "es",
            "payment_terms_days": 60,
            # A foundation of the Comunidad de Madrid's public sector: FACe routes its Facturae
            # invoices by these DIR3 codes (oficina contable, órgano gestor, unidad tramitadora).
            "dir3_accounting_office": "A13002908",
            "dir3_managing_body": "A13031045",
            "dir3_processing_unit": "A13031046",
        },
        "contacts": [
            {
                "name": "Mercedes Álvarez Pardo",
                "job_title": "Cuentas a pagar",
                "email": "cuentas.pagar@fsanrafael.example",
                "phone": "+34 915 640 214",
                "is_billing": True,
                "is_primary": True,
            },
        ],
        "sites": [],
    },
    {
        "ref": "hospital",
        "parent": "fundacion",
        "values": {
            "legal_name": "Hospital Universitario San Rafael",
            "tax_id": "G85731946",
            "country": "ES",
            "address_line1": "Calle de Serrano, 199",
            "postal_code": "28016",
            "city": "Madrid",
            "region": "Comunidad de Madrid",
            "email": "electromedicina@husanrafael.example",
            "phone": "+34 915 640 300",
            "currency": "EUR",
            "language": "es",
            "payment_terms_days": 60,
        },
        "contacts": [
            {
                "name": "Raúl Medina Torres",
                "job_title": "Jefe de Electromedicina",
                "email": "raul.medina@husanrafael.example",
                "phone": "+34 660 218 947",
                "is_primary": True,
            },
            {
                "name": "Pilar Domínguez Sanz",
                "job_title": "Supervisora de Bloque Quirúrgico",
                "email": "pilar.dominguez@husanrafael.example",
                "phone": "+34 915 640 355",
            },
        ],
        "sites": [
            {
                "name": "Edificio A — Quirófanos",
                "code": "HUSR-A",
                "address_line1": "Calle de Serrano, 199 — Edificio A, planta 2",
                "postal_code": "28016",
                "city": "Madrid",
                "region": "Comunidad de Madrid",
                "country": "ES",
                "time_zone": "Europe/Madrid",
                "zone_code": "MAD-CENTRO",
                "latitude": D("40.445300"),
                "longitude": D("-3.679800"),
                "access_notes": "Zona limpia: pijama y calzas en el vestuario 2B. Coordinar "
                "con la supervisora de bloque; sin intervenciones con quirófano en uso.",
                "equipment": [
                    {
                        "manufacturer": "Philips",
                        "serial_number": "DE81452317",
                        "model": "IntelliVue MX550",
                        "name": "Monitor de paciente — Quirófano 3",
                        "installed_on": date(2022, 3, 8),
                        "warranty_until": date(2025, 3, 7),
                    },
                    {
                        "manufacturer": "Philips",
                        "serial_number": "DE81452388",
                        "model": "IntelliVue MX550",
                        "name": "Monitor de paciente — Quirófano 4",
                        "installed_on": date(2022, 3, 8),
                        "warranty_until": date(2025, 3, 7),
                    },
                    {
                        "manufacturer": "Dräger",
                        "serial_number": "ASLM-0147",
                        "model": "Evita V500",
                        "name": "Respirador — Reanimación cama 2",
                        "installed_on": date(2021, 11, 15),
                        "warranty_until": date(2023, 11, 14),
                    },
                    {
                        "manufacturer": "B. Braun",
                        "serial_number": "IS-304718",
                        "model": "Infusomat Space",
                        "name": "Bomba de infusión — Quirófano 3",
                        "installed_on": date(2023, 1, 30),
                        "warranty_until": date(2025, 1, 29),
                    },
                ],
            },
            {
                "name": "Centro de Especialidades Retiro",
                "code": "HUSR-RET",
                "address_line1": "Calle de O'Donnell, 55",
                "postal_code": "28009",
                "city": "Madrid",
                "region": "Comunidad de Madrid",
                "country": "ES",
                "time_zone": "Europe/Madrid",
                "zone_code": "MAD-CENTRO",
                "latitude": D("40.421900"),
                "longitude": D("-3.671100"),
                "access_notes": "Acceso de proveedores por la calle Lope de Rueda; "
                "firmar en el control de seguridad.",
                "equipment": [
                    {
                        "manufacturer": "Philips",
                        "serial_number": "DE81460095",
                        "model": "IntelliVue MX450",
                        "name": "Monitor de paciente — Hospital de día",
                        "installed_on": date(2023, 9, 12),
                        "warranty_until": date(2026, 9, 11),
                    },
                    {
                        "manufacturer": "B. Braun",
                        "serial_number": "IS-305262",
                        "model": "Infusomat Space",
                        "name": "Bomba de infusión — Hospital de día, puesto 6",
                        "installed_on": date(2023, 9, 12),
                        "warranty_until": date(2025, 9, 11),
                    },
                ],
            },
        ],
    },
]

# --- people -----------------------------------------------------------------------------------
CONTRACTORS: list[dict[str, Any]] = [
    {
        "name": "Instalaciones Norte S.L.",
        "tax_id": "B95874213",
        "email": "operaciones@instalacionesnorte.example",
        "phone": "+34 944 271 530",
        "country": "ES",
    },
]

#: ``contractor`` is a contractor's name, ``customer`` a customer's ``ref`` above.
USERS: list[dict[str, Any]] = [
    {
        "username": "admin",
        "role": "admin",
        "first_name": "Lucía",
        "last_name": "Fernández Ortega",
        "email": "lucia.fernandez@pacta.example",
        "language": "es",
        "time_zone": "Europe/Madrid",
    },
    {
        "username": "manager",
        "role": "manager",
        "first_name": "Javier",
        "last_name": "Morales Gil",
        "email": "javier.morales@pacta.example",
        "language": "es",
        "time_zone": "Europe/Madrid",
    },
    {
        "username": "dispatcher",
        "role": "dispatcher",
        "first_name": "Marta",
        "last_name": "Sánchez Rivas",
        "email": "marta.sanchez@pacta.example",
        "phone": "+34 910 118 402",
        "language": "es",
        "time_zone": "Europe/Madrid",
    },
    {
        "username": "finance",
        "role": "finance",
        "first_name": "Carmen",
        "last_name": "Navarro Prieto",
        "email": "carmen.navarro@pacta.example",
        "language": "es",
        "time_zone": "Europe/Madrid",
    },
    {
        "username": "tech.ana",
        "role": "technician",
        "first_name": "Ana",
        "last_name": "Jiménez López",
        "email": "ana.jimenez@pacta.example",
        "phone": "+34 654 209 318",
        "language": "es",
        "time_zone": "Europe/Madrid",
    },
    {
        "username": "tech.pierre",
        "role": "technician",
        "first_name": "Pierre",
        "last_name": "Lefèvre",
        "email": "pierre.lefevre@pacta.example",
        "phone": "+33 6 48 20 91 57",
        "language": "fr",
        "time_zone": "Europe/Paris",
    },
    {
        "username": "tech.ivan",
        "role": "technician",
        "first_name": "Иван",
        "last_name": "Соколов",
        "email": "ivan.sokolov@pacta.example",
        "phone": "+7 919 455-62-08",
        "language": "ru",
        "time_zone": "Asia/Yekaterinburg",
    },
    {
        "username": "contractor.norte",
        "role": "contractor",
        "contractor": "Instalaciones Norte S.L.",
        "first_name": "Iñaki",
        "last_name": "Etxeberria Arana",
        "email": "inaki.etxeberria@instalacionesnorte.example",
        "language": "es",
        "time_zone": "Europe/Madrid",
    },
    {
        "username": "tech.norte",
        "role": "technician",
        "contractor": "Instalaciones Norte S.L.",
        "first_name": "Álvaro",
        "last_name": "Castro Méndez",
        "email": "alvaro.castro@instalacionesnorte.example",
        "phone": "+34 688 310 742",
        "language": "es",
        "time_zone": "Europe/Madrid",
    },
    {
        "username": "customer.hospital",
        "role": "customer",
        "customer": "fundacion",
        "first_name": "Beatriz",
        "last_name": "Ortega Blanco",
        "email": "beatriz.ortega@fsanrafael.example",
        "language": "es",
        "time_zone": "Europe/Madrid",
    },
]

#: Who is proposed when a ticket at risk needs rescuing: ``zone_codes`` are the sites' regions,
#: ``members`` technicians' usernames.
TEAMS: list[dict[str, Any]] = [
    {
        "name": "Madrid — mantenimiento general",
        "zone_codes": ["MAD-SUR", "MAD-CENTRO"],
        "members": ["tech.ana"],
    },
    {
        "name": "Madrid — electromedicina",
        "zone_codes": ["MAD-CENTRO"],
        "members": ["tech.ana", "tech.norte"],
    },
    {"name": "Grand Est — fibre optique", "zone_codes": ["FR-57"], "members": ["tech.pierre"]},
    {"name": "Lyon — CVC", "zone_codes": ["FR-69"], "members": ["tech.pierre"]},
    {"name": "Пермский край — Север", "zone_codes": ["RU-59-SEVER"], "members": ["tech.ivan"]},
]

# --- catalog ----------------------------------------------------------------------------------
#: Task codes. ``tax_rate`` is a tax rate's code; ``checklist`` lists (text, kind) with kind
#: "safety" (blocks completion), "mandatory" or "" (optional).
SERVICES: list[dict[str, Any]] = [
    {
        "code": "GEN-PM",
        "name": "Visita de mantenimiento preventivo",
        "unit": "visit",
        "default_price": D("95.00"),
        "tax_rate": "ES-IVA-GEN",
        "included": "Revisión de hornos, cámaras y amasadoras según plan; limpieza de "
        "quemadores y comprobación de juntas. Hasta 2 horas en el sitio.",
        "checklist": [
            ("Comprobar estanqueidad de juntas de puerta de horno", "mandatory"),
            ("Limpiar quemadores y verificar combustión", "mandatory"),
            ("Registrar temperaturas de cámaras de fermentación", ""),
        ],
    },
    {
        "code": "GEN-CORR",
        "name": "Mano de obra correctiva",
        "unit": "hour",
        "default_price": D("48.00"),
        "tax_rate": "ES-IVA-GEN",
        "included": "Diagnóstico y reparación de averías, por hora o fracción de 30 minutos.",
    },
    {
        "code": "TEL-FIB-REP",
        "name": "Réparation fibre optique (coupure, atténuation)",
        "unit": "hour",
        "default_price": D("68.00"),
        "tax_rate": "FR-TVA-NORM",
        "included": "Localisation du défaut à l'OTDR, soudure, mesures de réception.",
        "checklist": [
            ("Consigner le câble auprès du NOC avant intervention", "safety"),
            ("Mesure OTDR avant et après réparation, courbes jointes au rapport", "mandatory"),
        ],
    },
    {
        "code": "TEL-RACC",
        "name": "Raccordement FTTH d'un nouvel abonné",
        "unit": "each",
        "default_price": D("145.00"),
        "tax_rate": "FR-TVA-NORM",
        "included": "Tirage du câble de branchement, pose de la PTO, soudure au PM, test.",
    },
    {
        "code": "TEL-SURV",
        "name": "Relevé technique de site",
        "unit": "visit",
        "default_price": D("220.00"),
        "tax_rate": "FR-TVA-NORM",
        "included": "Visite, photos, plan de cheminement et rapport sous 5 jours ouvrés.",
    },
    {
        "code": "HVAC-PM",
        "name": "Visite préventive CVC trimestrielle",
        "unit": "visit",
        "default_price": D("380.00"),
        "tax_rate": "FR-TVA-NORM",
        "included": "Contrôle des rooftops et du groupe froid, remplacement des filtres, "
        "contrôle d'étanchéité (registre fluides frigorigènes).",
        "checklist": [
            ("Consignation électrique de l'unité (cadenas et étiquette)", "safety"),
            ("Remplacement des filtres et contrôle des courroies", "mandatory"),
            ("Contrôle d'étanchéité du circuit frigorifique, saisie au registre", "mandatory"),
            ("Relevé des pressions et températures de fonctionnement", ""),
        ],
    },
    {
        "code": "HVAC-CORR",
        "name": "Dépannage CVC (main-d'œuvre)",
        "unit": "hour",
        "default_price": D("65.00"),
        "tax_rate": "FR-TVA-NORM",
        "included": "Diagnostic et réparation, par heure entamée.",
    },
    {
        "code": "HVAC-REFR",
        "name": "Intervention circuit frigorifique (fluide et pièces)",
        "unit": "hour",
        "default_price": D("78.00"),
        "tax_rate": "FR-TVA-NORM",
        "included": "Recherche de fuite, récupération et recharge de fluide par technicien "
        "certifié (catégorie I) ; fluide et pièces facturés en sus.",
    },
    {
        "code": "OG-INSP",
        "name": "Плановое обследование оборудования куста",
        "unit": "visit",
        "default_price": D("450.00"),
        "tax_rate": "RU-NDS",
        "included": "Осмотр устьевой арматуры, фланцевых соединений и приводов; "
        "замер вибрации; акт обследования.",
        "checklist": [
            ("Оформить наряд-допуск на работы повышенной опасности", "safety"),
            ("Анализ газовоздушной среды (H2S, CH4) перед началом работ", "safety"),
            ("Блокировка и маркировка источников энергии (LOTO)", "safety"),
            ("Осмотр устьевой арматуры и фланцевых соединений", "mandatory"),
            ("Замер вибрации привода станка-качалки", ""),
        ],
    },
    {
        "code": "OG-CALLOUT",
        "name": "Аварийный выезд во внерабочее время",
        "unit": "visit",
        "default_price": D("690.00"),
        "tax_rate": "RU-NDS",
        "included": "Выезд бригады с 20:00 до 08:00, в выходные и праздники; первые 4 часа "
        "на объекте.",
        "checklist": [
            ("Оформить наряд-допуск на работы повышенной опасности", "safety"),
            ("Анализ газовоздушной среды (H2S, CH4) перед началом работ", "safety"),
            ("Блокировка и маркировка источников энергии (LOTO)", "safety"),
            ("Устранить неисправность и указать причину в акте", "mandatory"),
        ],
    },
    {
        "code": "MED-PM",
        "name": "Mantenimiento preventivo de equipo electromédico",
        "unit": "visit",
        "default_price": D("120.00"),
        "tax_rate": "ES-IVA-GEN",
        "included": "Inspección, ensayo de seguridad eléctrica, verificación funcional y "
        "etiquetado, según el plan del fabricante.",
        "checklist": [
            ("Inspección visual de carcasa, cables, sensores y accesorios", "mandatory"),
            (
                "Ensayo de seguridad eléctrica según IEC 62353 "
                "(resistencia de tierra y corrientes de fuga)",
                "safety",
            ),
            ("Verificación funcional y de alarmas según el fabricante", "mandatory"),
            ("Etiquetar el equipo con la fecha de la próxima revisión", ""),
        ],
    },
    {
        "code": "MED-CORR",
        "name": "Reparación correctiva de equipo electromédico",
        "unit": "hour",
        "default_price": D("72.00"),
        "tax_rate": "ES-IVA-GEN",
        "included": "Diagnóstico y reparación; ensayo IEC 62353 tras cada reparación.",
        "checklist": [
            (
                "Ensayo de seguridad eléctrica según IEC 62353 tras la reparación",
                "safety",
            ),
        ],
    },
]

PRODUCTS: list[dict[str, Any]] = [
    {
        "sku": "PAN-JNT-HC10",
        "name": "Junta de puerta para horno de convección (10 bandejas)",
        "unit": "each",
        "price": D("42.00"),
        "tax_rate": "ES-IVA-GEN",
    },
    {
        "sku": "HVAC-FLT-F7-592",
        "name": "Filtre à poches F7 592×592×600",
        "unit": "each",
        "price": D("34.00"),
        "tax_rate": "FR-TVA-NORM",
    },
    {
        "sku": "HVAC-FLT-G4-592",
        "name": "Filtre plan G4 592×592×48",
        "unit": "each",
        "price": D("9.80"),
        "tax_rate": "FR-TVA-NORM",
    },
    {
        "sku": "HVAC-BELT-SPA1250",
        "name": "Courroie trapézoïdale SPA 1250",
        "unit": "each",
        "price": D("18.50"),
        "tax_rate": "FR-TVA-NORM",
    },
    {
        "sku": "REF-R410A-KG",
        "name": "Fluide frigorigène R-410A",
        "description": "Au kilogramme, bouteille consignée.",
        "unit": "kg",
        "price": D("46.00"),
        "tax_rate": "FR-TVA-NORM",
    },
    {
        "sku": "FIB-SPL-KIT12",
        "name": "Kit d'épissure fibre (cassette 12 FO, protections thermorétractables)",
        "unit": "each",
        "price": D("38.50"),
        "tax_rate": "FR-TVA-NORM",
    },
    {
        "sku": "OG-GSK-SNP-80",
        "name": "Прокладка спирально-навитая СНП-Д 80-63",
        "unit": "each",
        "price": D("16.00"),
        "tax_rate": "RU-NDS",
    },
    {
        "sku": "MED-BAT-MX-LI",
        "name": "Batería Li-ion para monitor de paciente IntelliVue MX",
        "unit": "each",
        "price": D("189.00"),
        "tax_rate": "ES-IVA-GEN",
    },
]

#: What a unit of each product costs us (``product``: SKU), from ``effective_on`` on: the
#: margins report costs the parts used at the cost of the day of the work. The pocket filter's
#: supplier raised its price in the spring: work before then keeps the old cost.
PRODUCT_COSTS: list[dict[str, Any]] = [
    {"product": "PAN-JNT-HC10", "unit_cost": D("24.60"), "effective_on": InYear(1, 1, -1)},
    {"product": "HVAC-FLT-F7-592", "unit_cost": D("19.40"), "effective_on": InYear(1, 1, -1)},
    {"product": "HVAC-FLT-F7-592", "unit_cost": D("21.10"), "effective_on": InYear(4, 1)},
    {"product": "HVAC-FLT-G4-592", "unit_cost": D("4.90"), "effective_on": InYear(1, 1, -1)},
    {"product": "HVAC-BELT-SPA1250", "unit_cost": D("9.75"), "effective_on": InYear(1, 1, -1)},
    {"product": "REF-R410A-KG", "unit_cost": D("27.30"), "effective_on": InYear(1, 1, -1)},
    {"product": "FIB-SPL-KIT12", "unit_cost": D("21.80"), "effective_on": InYear(1, 1, -1)},
    {"product": "OG-GSK-SNP-80", "unit_cost": D("8.40"), "effective_on": InYear(1, 1, -1)},
    {"product": "MED-BAT-MX-LI", "unit_cost": D("112.00"), "effective_on": InYear(1, 1, -1)},
]

#: ``name`` has ``{year}`` for the demo year; lines price a ``service`` (code) or a ``product``
#: (SKU) from ``effective_on``, with the ``reason`` the price was set.
PRICE_LISTS: list[dict[str, Any]] = [
    {
        "name": "HVAC {year}",
        "currency": "EUR",
        "customer": None,
        "description": "Tarif général CVC ; tarifs de pointe estivale à partir du 1er juin.",
        "lines": [
            {"service": "HVAC-PM", "unit_price": D("380.00"), "effective_on": InYear(1, 1)},
            {"service": "HVAC-CORR", "unit_price": D("65.00"), "effective_on": InYear(1, 1)},
            {
                "service": "HVAC-CORR",
                "unit_price": D("72.00"),
                "effective_on": InYear(6, 1),
                "label": "Dépannage CVC — tarif haute saison",
                "reason": "Summer peak season rates per clause 7.2",
            },
            {"service": "HVAC-REFR", "unit_price": D("78.00"), "effective_on": InYear(1, 1)},
            {"product": "REF-R410A-KG", "unit_price": D("46.00"), "effective_on": InYear(1, 1)},
            {"product": "HVAC-FLT-F7-592", "unit_price": D("34.00"), "effective_on": InYear(1, 1)},
            {"product": "HVAC-FLT-G4-592", "unit_price": D("9.80"), "effective_on": InYear(1, 1)},
            {
                "product": "HVAC-BELT-SPA1250",
                "unit_price": D("18.50"),
                "effective_on": InYear(1, 1),
            },
        ],
        # The list's surcharges (clause 7.3 of the HVAC contracts): the highest applies to a
        # minute, except the emergency one, which multiplies on top.
        "rules": [
            {
                "name": "Nuit 22:00–06:00",
                "multiplier": D("2.00"),
                "window_start": "22:00",
                "window_end": "06:00",
            },
            {"name": "Week-end", "multiplier": D("1.50"), "weekdays": ["sat", "sun"]},
            {"name": "Jours fériés", "multiplier": D("2.00"), "on_holidays": True},
            {
                "name": "Intervention d'urgence",
                "multiplier": D("1.25"),
                "emergency": True,
                "cumulative": True,
            },
        ],
    },
    {
        "name": "Réseaux Moselle {year}",
        "currency": "EUR",
        "customer": "moselle",
        "description": "Bordereau de prix unitaires négocié (niveau Or).",
        "lines": [
            {"service": "TEL-FIB-REP", "unit_price": D("62.00"), "effective_on": InYear(1, 1)},
            {"service": "TEL-RACC", "unit_price": D("132.00"), "effective_on": InYear(1, 1)},
            {"service": "TEL-SURV", "unit_price": D("195.00"), "effective_on": InYear(1, 1)},
            {"product": "FIB-SPL-KIT12", "unit_price": D("35.00"), "effective_on": InYear(1, 1)},
        ],
    },
    {
        "name": "Уралнефтесервис {year}",
        "currency": "RUB",
        "customer": "uralneft",
        "description": "Прейскурант к договору, цены без НДС.",
        "lines": [
            {"service": "OG-INSP", "unit_price": D("42000.00"), "effective_on": InYear(1, 1)},
            {
                "service": "OG-CALLOUT",
                "unit_price": D("68500.00"),
                "effective_on": InYear(1, 1),
                "label": "Доступ на объект во внерабочее время (20:00–08:00, выходные)",
            },
            {"product": "OG-GSK-SNP-80", "unit_price": D("1450.00"), "effective_on": InYear(1, 1)},
        ],
    },
]

# --- SLA: business calendars and policies ----------------------------------------------------
MON_FRI = (0, 1, 2, 3, 4)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)

#: ``hours`` are (weekdays, from, until): weekdays from 0 (Monday) to 6 (Sunday), "24:00" may
#: end a window; public holidays are those of ``holiday_country`` (and ``holiday_subdivision``);
#: ``closed_days`` are (day, name) besides them.
CALENDARS: list[dict[str, Any]] = [
    {
        "name": "Madrid — horario de oficina",
        "time_zone": "Europe/Madrid",
        "holiday_country": "ES",
        "holiday_subdivision": "MD",
        "hours": [(MON_FRI, "08:00", "14:00"), (MON_FRI, "15:00", "18:00")],
        "closed_days": [(InYear(12, 24), "Nochebuena"), (InYear(12, 31), "Nochevieja")],
        "notes": "Lunes a viernes, de 08:00 a 14:00 y de 15:00 a 18:00; festivos nacionales y "
        "de la Comunidad de Madrid.",
    },
    {
        "name": "Lyon — heures ouvrées",
        "time_zone": "Europe/Paris",
        "holiday_country": "FR",
        "holiday_subdivision": "",
        "hours": [(MON_FRI, "08:00", "12:00"), (MON_FRI, "13:30", "17:30")],
        "closed_days": [],
        "notes": "Du lundi au vendredi, 08:00–12:00 et 13:30–17:30 ; jours fériés nationaux.",
    },
    {
        "name": "24/7 (Europe/Paris)",
        "time_zone": "Europe/Paris",
        "holiday_country": "",
        "holiday_subdivision": "",
        "hours": [(EVERY_DAY, "00:00", "24:00")],
        "closed_days": [],
        "notes": "Astreinte 24 h/24, 7 j/7, jours fériés compris.",
    },
    {
        "name": "Пермский край — будни 08:00–20:00",
        "time_zone": "Asia/Yekaterinburg",
        "holiday_country": "RU",
        "holiday_subdivision": "",
        "hours": [(MON_FRI, "08:00", "20:00")],
        "closed_days": [],
        "notes": "Доступ на куст с 08:00 до 20:00 по рабочим дням; праздники по "
        "производственному календарю РФ.",
    },
]

#: ``targets`` give each priority's business time for the first response and the resolution;
#: ``updates``, where given, the business time the customer may go without an update while a
#: ticket of that priority is open; ``pausing_statuses`` stop the clocks while the ticket waits
#: on the customer; the clocks warn
#: at ``warning_percent`` and turn critical at ``critical_percent`` of a target used (75 and 90
#: unless given); ``escalate_on`` raises the priority at that risk ("" never).
SLA_POLICIES: list[dict[str, Any]] = [
    {
        "name": "Básico — horario de oficina",
        "pausing_statuses": ["waiting"],
        "escalate_on": "",
        "notes": "Respuesta y resolución en horas laborables del calendario de oficina.",
        "targets": {
            "critical": (timedelta(hours=2), timedelta(hours=9)),
            "high": (timedelta(hours=4), timedelta(hours=18)),
            "normal": (timedelta(hours=9), timedelta(hours=45)),
            "low": (timedelta(hours=18), timedelta(hours=90)),
        },
    },
    {
        "name": "Electromedicina hospitalaria",
        "pausing_statuses": ["waiting"],
        "escalate_on": "critical",
        "notes": "Equipos de quirófano y hospital de día: si un plazo entra en zona crítica, "
        "la prioridad sube un escalón.",
        "targets": {
            "critical": (timedelta(hours=1), timedelta(hours=9)),
            "high": (timedelta(hours=2), timedelta(hours=27)),
            "normal": (timedelta(hours=4), timedelta(hours=45)),
            "low": (timedelta(hours=9), timedelta(hours=90)),
        },
    },
    {
        "name": "Fibre — niveau Or 24/7",
        "pausing_statuses": ["waiting"],
        "escalate_on": "critical",
        "notes": "GTR 4 h sur les coupures (priorité critique), 24 h/24, 7 j/7 ; point "
        "d'avancement au client au moins toutes les deux heures tant que la coupure dure.",
        "targets": {
            "critical": (timedelta(minutes=30), timedelta(hours=4)),
            "high": (timedelta(hours=1), timedelta(hours=8)),
            "normal": (timedelta(hours=4), timedelta(hours=120)),
            "low": (timedelta(hours=8), timedelta(hours=240)),
        },
        "updates": {"critical": timedelta(hours=2)},
    },
    {
        "name": "CVC — heures ouvrées",
        "pausing_statuses": ["waiting"],
        "escalate_on": "",
        "notes": "Délais en heures ouvrées du calendrier de Lyon.",
        "targets": {
            "critical": (timedelta(hours=1), timedelta(hours=8)),
            "high": (timedelta(hours=2), timedelta(hours=16)),
            "normal": (timedelta(hours=4), timedelta(hours=24)),
            "low": (timedelta(hours=8), timedelta(hours=80)),
        },
    },
    {
        "name": "Нефтепромысел — рабочие часы",
        "pausing_statuses": ["waiting"],
        "escalate_on": "",
        "notes": "Сроки считаются в часы доступа на куст (будни, 08:00–20:00).",
        "targets": {
            "critical": (timedelta(hours=1), timedelta(hours=24)),
            "high": (timedelta(hours=2), timedelta(hours=36)),
            "normal": (timedelta(hours=4), timedelta(hours=60)),
            "low": (timedelta(hours=12), timedelta(hours=120)),
        },
    },
]

# --- contracts --------------------------------------------------------------------------------
#: ``customer`` is a customer's ``ref``; ``sites`` are (customer ref, site name); ``equipment``
#: serial numbers; each version's ``scope`` is (service code, coverage, limit per period), its
#: ``calendar`` and ``sla_policy`` names (an amendment keeps those of the terms before it).
#: Versions are given while the contract is a draft; the contract is then activated.
CONTRACTS: list[dict[str, Any]] = [
    {
        "number": "ES-PAN-001",
        "title": "Mantenimiento básico",
        "customer": "panaderia",
        "sites": [("panaderia", "Obrador Vallecas")],
        "equipment": [],
        "starts_on": InYear(1, 1),
        "ends_on": InYear(12, 31),
        "signed_on": InYear(12, 12, years=-1),
        "notes": "Horario de atención: lunes a viernes, de 08:00 a 14:00 y de 15:00 a 18:00; "
        "plazos de SLA en ese horario.",
        "versions": [
            {
                "effective_on": InYear(1, 1),
                "subscription_fee": D("150.00"),
                "billing_period": "month",
                "price_list": None,
                "calendar": "Madrid — horario de oficina",
                "sla_policy": "Básico — horario de oficina",
                "scope": [("GEN-PM", "included", D("3")), ("GEN-CORR", "billable", None)],
                "surcharge_rules": [
                    {
                        "name": "Fuera de horario (18:00–08:00)",
                        "multiplier": D("1.50"),
                        "window_start": "18:00",
                        "window_end": "08:00",
                        "services": ["GEN-CORR"],
                    },
                ],
                "allowances": [
                    {
                        "code": "visitas-incluidas",
                        "kind": "included_visits",
                        "label": "Tres visitas preventivas al mes",
                        "quantity": D("3"),
                        "services": ["GEN-PM"],
                    },
                ],
                "reason": "Initial terms as signed",
            },
        ],
    },
    {
        "number": "FR-RMO-001",
        "title": "Fibre — niveau Or",
        "customer": "moselle",
        "sites": [("moselle", "NRO Metz-Centre"), ("moselle", "PM Thionville")],
        "equipment": [],
        "starts_on": InYear(1, 1),
        "ends_on": InYear(12, 31, years=1),
        "signed_on": InYear(11, 28, years=-1),
        "notes": "Niveau Or : réparation des coupures incluse 24 h/24, 7 j/7. Raccordements et "
        "relevés sur bon de commande, au bordereau de prix du client.",
        "versions": [
            {
                "effective_on": InYear(1, 1),
                "subscription_fee": D("4800.00"),
                "billing_period": "quarter",
                "price_list": "Réseaux Moselle {year}",
                "calendar": "24/7 (Europe/Paris)",
                "sla_policy": "Fibre — niveau Or 24/7",
                "scope": [
                    ("TEL-FIB-REP", "included", None),
                    ("TEL-RACC", "billable", None),
                    ("TEL-SURV", "billable", None),
                ],
                "reason": "Initial terms as signed",
            },
        ],
    },
    {
        "number": "FR-HLU-001",
        "title": "Maintenance CVC — rooftops et groupe froid",
        "customer": "hotel",
        "sites": [("hotel", "Hôtel Lumière — Presqu'île")],
        "equipment": ["J0194417", "J0257832", "4517Q60231"],
        "starts_on": InYear(1, 1),
        "ends_on": InYear(12, 31),
        "signed_on": InYear(12, 5, years=-1),
        "notes": "Une visite préventive par trimestre. Clause 7.2 : redevance et tarifs de "
        "haute saison du 1er juin au 31 décembre.",
        "versions": [
            {
                "effective_on": InYear(1, 1),
                "subscription_fee": D("1350.00"),
                "billing_period": "quarter",
                "price_list": "HVAC {year}",
                "calendar": "Lyon — heures ouvrées",
                "sla_policy": "CVC — heures ouvrées",
                "scope": [
                    ("HVAC-PM", "included", D("1")),
                    ("HVAC-CORR", "billable", None),
                    ("HVAC-REFR", "billable", None),
                ],
                "reason": "Initial terms as signed",
            },
            {
                "effective_on": InYear(6, 1),
                "subscription_fee": D("1590.00"),
                "reason": "Summer peak season: fee and rates per clause 7.2",
            },
        ],
    },
    {
        "number": "RU-UNS-001",
        "title": "Техническое обслуживание куста №12",
        "customer": "uralneft",
        "sites": [("uralneft", "Куст №12")],
        "equipment": ["PSHGN-2019-0473"],
        "starts_on": InYear(1, 1),
        "ends_on": InYear(12, 31, years=1),
        "signed_on": InYear(12, 20, years=-1),
        "notes": "Работы на кусте — только по наряду-допуску. Доступ с 08:00 до 20:00; "
        "аварийные выезды вне этого времени по тарифу «внерабочее время».",
        "versions": [
            {
                "effective_on": InYear(1, 1),
                "subscription_fee": D("385000.00"),
                "billing_period": "month",
                "price_list": "Уралнефтесервис {year}",
                "calendar": "Пермский край — будни 08:00–20:00",
                "sla_policy": "Нефтепромысел — рабочие часы",
                "scope": [("OG-INSP", "included", D("2")), ("OG-CALLOUT", "billable", None)],
                "surcharge_rules": [
                    {
                        "name": "Вне допуска на куст (до 08:00 и после 20:00)",
                        "multiplier": D("1.80"),
                        "outside_access": True,
                    },
                ],
                "reason": "Initial terms as signed",
            },
        ],
    },
    {
        "number": "ES-FSR-001",
        "title": "Mantenimiento de electromedicina — Hospital Universitario San Rafael",
        "customer": "fundacion",
        "sites": [
            ("hospital", "Edificio A — Quirófanos"),
            ("hospital", "Centro de Especialidades Retiro"),
        ],
        "equipment": [
            "DE81452317",
            "DE81452388",
            "ASLM-0147",
            "IS-304718",
            "DE81460095",
            "IS-305262",
        ],
        "starts_on": InYear(1, 1),
        "ends_on": InYear(12, 31, years=1),
        "signed_on": InYear(12, 18, years=-1),
        "notes": "Firma del cliente obligatoria en cada orden de trabajo. Los nombres de "
        "pacientes deben enmascararse en los informes.",
        "versions": [
            {
                "effective_on": InYear(1, 1),
                "subscription_fee": D("2950.00"),
                "billing_period": "month",
                "price_list": None,
                "calendar": "Madrid — horario de oficina",
                "sla_policy": "Electromedicina hospitalaria",
                "scope": [("MED-PM", "included", None), ("MED-CORR", "billable", None)],
                "allowances": [
                    {
                        "code": "bolsa-horas",
                        "kind": "prepaid_hours",
                        "label": "Bolsa de 20 horas de correctivo al mes",
                        "quantity": D("20"),
                        "services": ["MED-CORR"],
                        "allows_overage": True,
                        "overage_unit_price": D("68.00"),
                        "rolls_over": True,
                        "rollover_limit": D("10"),
                    },
                ],
                "reason": "Initial terms as signed",
            },
        ],
    },
]

# --- tickets and their work orders ------------------------------------------------------------
#: ``site`` is (customer ref, site name); ``service`` a code; ``equipment`` a serial number;
#: ``contract`` a number. A ticket opens as new (``opened`` on a day, or a business time before
#: the load: then it has no response and no work yet), is answered when ``responded``, and then
#: takes ``status`` at ``status_since``; once its work orders are there the customer gets the
#: ``updates`` (when, on a day or a business time before the load, and what they were told),
#: and the ticket takes ``status`` at the load if it has no ``status_since``.
#: Work orders go to a ``technician`` (username); a contractor's technician brings its company
#: along.
#:
#: Where the SLA clocks stand at the load, by design: every resolved ticket met both targets;
#: the bakery's oven is at warning on its first response, the hotel's chiller alarm critical on
#: it, the Gold-tier cable cut breached its 4-hour repair time (a street-works cut the evening
#: before) and went the night without its two-hourly update (its update clock breached once, its
#: current cycle on track), the hospital's preventive visit waits on the ward (its clocks
#: paused), and the other open tickets are on track.
TICKETS: list[dict[str, Any]] = [
    # 1. Panadería: a preventive visit done, a breakdown just called in.
    {
        "site": ("panaderia", "Obrador Vallecas"),
        "contract": "ES-PAN-001",
        "service": "GEN-PM",
        "subject": "Visita preventiva mensual",
        "description": "Visita del plan: hornos, cámaras de fermentación y amasadoras.",
        "priority": "low",
        "channel": "dispatcher",
        "opened": OnDay(-8, "09:10"),
        "responded": OnDay(-8, "09:25"),
        "status": "resolved",
        "status_since": OnDay(-6, "10:30"),
        "work_orders": [
            {
                "technician": "tech.ana",
                "start": OnDay(-6, "08:30"),
                "end": OnDay(-6, "10:30"),
                "status": "completed",
                "notes": "Junta de puerta del horno 2 cuarteada: sustituida.",
                "time_entries": [
                    {"kind": "travel", "start": OnDay(-6, "08:00"), "end": OnDay(-6, "08:30")},
                    {
                        "kind": "work",
                        "start": OnDay(-6, "08:30"),
                        "end": OnDay(-6, "10:15"),
                        "note": "Revisión completa según plan; junta sustituida.",
                    },
                ],
                "parts": [{"product": "PAN-JNT-HC10", "quantity": D("1")}],
            },
        ],
    },
    {
        "site": ("panaderia", "Obrador Vallecas"),
        "contract": "ES-PAN-001",
        "service": "GEN-CORR",
        "subject": "El horno 1 no alcanza temperatura",
        "description": "Se queda en 180 °C y tarda más de una hora; hay que cocer a las 04:00.",
        "priority": "high",
        "channel": "dispatcher",
        "opened": BusinessAgo(3, 10),
        "status": "new",
        "work_orders": [],
    },
    # 2. Réseaux Moselle: a cut being repaired today, a connection tomorrow, a survey done.
    {
        "site": ("moselle", "NRO Metz-Centre"),
        "contract": "FR-RMO-001",
        "service": "TEL-FIB-REP",
        "subject": "Coupure câble 144 FO — travaux de voirie rue Serpenoise",
        "description": "Câble arraché par une pelleteuse ; 38 abonnés professionnels coupés.",
        "priority": "critical",
        "channel": "api",
        "opened": OnDay(-1, "16:05"),
        "responded": OnDay(-1, "16:20"),
        "updates": [
            (
                OnDay(-1, "18:00"),
                "Équipe sur place, chambre ouverte ; 144 fibres à ressouder, point à 20:00.",
            ),
            (
                BusinessAgo(1),
                "Soudures en cours : 96 fibres sur 144 rétablies ; prochain point dans deux "
                "heures.",
            ),
        ],
        "status": "in_progress",
        "work_orders": [
            {
                "technician": "tech.pierre",
                "start": OnDay(0, "08:00"),
                "end": OnDay(0, "12:00"),
                "status": "en_route",
                "notes": "Prévoir la soudeuse et deux kits d'épissure.",
                "time_entries": [],
                "parts": [],
            },
        ],
    },
    {
        "site": ("moselle", "PM Thionville"),
        "contract": "FR-RMO-001",
        "service": "TEL-RACC",
        "subject": "Raccordement FTTH — boulangerie Weber, 4 place du Marché",
        "description": "Nouvel abonné professionnel ; PTO à poser en arrière-boutique.",
        "priority": "normal",
        "channel": "portal",
        "opened": OnDay(-2, "11:20"),
        "responded": OnDay(-2, "11:45"),
        "status": "assigned",
        "work_orders": [
            {
                "technician": "tech.pierre",
                "start": OnDay(1, "09:00"),
                "end": OnDay(1, "11:00"),
                "status": "scheduled",
                "time_entries": [],
                "parts": [],
            },
        ],
    },
    {
        "site": ("moselle", "PM Thionville"),
        "contract": "FR-RMO-001",
        "service": "TEL-SURV",
        "subject": "Relevé d'atténuation du PM après inondation",
        "description": "Armoire inondée lors de l'orage ; contrôler les cassettes et mesurer.",
        "priority": "normal",
        "channel": "email",
        "opened": OnDay(-5, "07:45"),
        "responded": OnDay(-5, "08:10"),
        "status": "resolved",
        "status_since": OnDay(-4, "16:45"),
        "work_orders": [
            {
                "technician": "tech.pierre",
                "start": OnDay(-4, "13:30"),
                "end": OnDay(-4, "16:30"),
                "status": "completed",
                "notes": "Une cassette oxydée refaite ; atténuation conforme après reprise.",
                "time_entries": [
                    {"kind": "travel", "start": OnDay(-4, "13:00"), "end": OnDay(-4, "13:35")},
                    {
                        "kind": "work",
                        "start": OnDay(-4, "13:35"),
                        "end": OnDay(-4, "16:10"),
                        "note": "Mesures OTDR, reprise d'une cassette.",
                    },
                    {"kind": "travel", "start": OnDay(-4, "16:10"), "end": OnDay(-4, "16:45")},
                ],
                "parts": [{"product": "FIB-SPL-KIT12", "quantity": D("1")}],
            },
        ],
    },
    # 3. Hôtel Lumière: a refrigerant leak fixed, the quarterly visit planned, a new alarm.
    {
        "site": ("hotel", "Hôtel Lumière — Presqu'île"),
        "contract": "FR-HLU-001",
        "service": "HVAC-REFR",
        "equipment": "J0194417",
        "subject": "Rooftop n°1 : air tiède au restaurant, manque de fluide",
        "description": "Basse pression en défaut depuis ce matin ; salle pleine ce midi.",
        "priority": "high",
        "channel": "dispatcher",
        "opened": OnDay(-7, "08:50"),
        "responded": OnDay(-7, "09:05"),
        "status": "resolved",
        "status_since": OnDay(-7, "14:30"),
        "work_orders": [
            {
                "technician": "tech.pierre",
                "start": OnDay(-7, "10:30"),
                "end": OnDay(-7, "14:30"),
                "status": "completed",
                "notes": "Fuite sur raccord flare du détendeur, refait. Recharge 2,5 kg "
                "R-410A (registre fluides complété). Courroie du ventilateur remplacée.",
                "time_entries": [
                    {"kind": "travel", "start": OnDay(-7, "10:00"), "end": OnDay(-7, "10:30")},
                    {
                        "kind": "work",
                        "start": OnDay(-7, "10:30"),
                        "end": OnDay(-7, "14:00"),
                        "note": "Recherche de fuite, tirage au vide, recharge.",
                    },
                ],
                "parts": [
                    {"product": "REF-R410A-KG", "quantity": D("2.5")},
                    {"product": "HVAC-BELT-SPA1250", "quantity": D("1")},
                ],
            },
        ],
    },
    {
        "site": ("hotel", "Hôtel Lumière — Presqu'île"),
        "contract": "FR-HLU-001",
        "service": "HVAC-PM",
        "subject": "Visite préventive trimestrielle — rooftops et groupe froid",
        "description": "Visite du trimestre : filtres F7 et G4 à remplacer sur les deux rooftops.",
        "priority": "low",
        "channel": "dispatcher",
        "opened": OnDay(-3, "10:00"),
        "responded": OnDay(-3, "10:20"),
        "status": "assigned",
        "work_orders": [
            {
                "technician": "tech.pierre",
                "start": OnDay(2, "09:00"),
                "end": OnDay(2, "13:00"),
                "status": "scheduled",
                "time_entries": [],
                "parts": [],
            },
        ],
    },
    {
        "site": ("hotel", "Hôtel Lumière — Presqu'île"),
        "contract": "FR-HLU-001",
        "service": "HVAC-CORR",
        "equipment": "4517Q60231",
        "subject": "Groupe froid : alarme haute pression circuit B",
        "description": "Alarme remontée par la GTB ; le circuit A assure seul.",
        "priority": "normal",
        "channel": "email",
        "opened": BusinessAgo(3, 40),
        "status": "new",
        "work_orders": [],
    },
    # 4. Уралнефтесервис: an inspection done, a night call-out answered this morning, a new one.
    {
        "site": ("uralneft", "Куст №12"),
        "contract": "RU-UNS-001",
        "service": "OG-INSP",
        "equipment": "PSHGN-2019-0473",
        "subject": "Плановое обследование куста №12",
        "description": "Обследование по графику: арматура, фланцы, приводы, вибрация.",
        "priority": "normal",
        "channel": "dispatcher",
        "opened": OnDay(-6, "09:00"),
        "responded": OnDay(-6, "09:20"),
        "status": "resolved",
        "status_since": OnDay(-4, "16:15"),
        "work_orders": [
            {
                "technician": "tech.ivan",
                "start": OnDay(-4, "09:30"),
                "end": OnDay(-4, "15:00"),
                "status": "completed",
                "notes": "Заменены 4 прокладки на выкидной линии скв. 1207. Вибрация в норме.",
                "time_entries": [
                    {"kind": "travel", "start": OnDay(-4, "08:00"), "end": OnDay(-4, "09:30")},
                    {
                        "kind": "work",
                        "start": OnDay(-4, "09:30"),
                        "end": OnDay(-4, "14:45"),
                        "note": "Наряд-допуск №318, газоанализ — норма.",
                    },
                    {"kind": "travel", "start": OnDay(-4, "14:45"), "end": OnDay(-4, "16:15")},
                ],
                "parts": [{"product": "OG-GSK-SNP-80", "quantity": D("4")}],
            },
        ],
    },
    {
        "site": ("uralneft", "Куст №12"),
        "contract": "RU-UNS-001",
        "service": "OG-CALLOUT",
        "subject": "Пропуск на фланцевом соединении выкидной линии скв. 1207",
        "description": "Оператор обнаружил подтекание при обходе в 22:30; скважина остановлена.",
        "priority": "critical",
        "channel": "dispatcher",
        "opened": OnDay(-1, "22:40"),
        "responded": OnDay(-1, "22:50"),
        "status": "in_progress",
        "work_orders": [
            {
                "technician": "tech.ivan",
                "start": OnDay(0, "08:00"),
                "end": OnDay(0, "12:00"),
                "status": "en_route",
                "notes": "Доступ на куст с 08:00. Взять комплект прокладок СНП-Д 80.",
                "time_entries": [],
                "parts": [],
            },
        ],
    },
    {
        "site": ("uralneft", "Куст №12"),
        "contract": "RU-UNS-001",
        "service": "OG-INSP",
        "equipment": "PSHGN-2019-0473",
        "subject": "Повышенный шум редуктора станка-качалки скв. 1207",
        "description": "Оператор отмечает стук при ходе вниз.",
        "priority": "normal",
        "channel": "email",
        "opened": BusinessAgo(1),
        "status": "new",
        "work_orders": [],
    },
    # 5. Hospital San Rafael: a repair by the contractor, a preventive waiting on the ward, one
    # on its way.
    {
        "site": ("hospital", "Edificio A — Quirófanos"),
        "contract": "ES-FSR-001",
        "service": "MED-CORR",
        "equipment": "DE81452317",
        "subject": "Monitor del quirófano 3 se apaga al desconectar la red",
        "description": "La batería no mantiene el monitor; detectado antes de la primera "
        "intervención.",
        "priority": "high",
        "channel": "portal",
        "opened": OnDay(-3, "07:20"),
        "responded": OnDay(-3, "07:35"),
        "status": "resolved",
        "status_since": OnDay(-2, "17:00"),
        "work_orders": [
            {
                "technician": "tech.norte",
                "start": OnDay(-2, "15:00"),
                "end": OnDay(-2, "17:00"),
                "status": "completed",
                "notes": "Batería sustituida; ensayo IEC 62353 correcto. Firmado por la "
                "supervisora de bloque.",
                "time_entries": [
                    {"kind": "travel", "start": OnDay(-2, "14:30"), "end": OnDay(-2, "15:00")},
                    {
                        "kind": "work",
                        "start": OnDay(-2, "15:00"),
                        "end": OnDay(-2, "16:20"),
                        "note": "Sustitución de batería y ensayo de seguridad eléctrica.",
                    },
                ],
                "parts": [{"product": "MED-BAT-MX-LI", "quantity": D("1")}],
            },
        ],
    },
    {
        "site": ("hospital", "Edificio A — Quirófanos"),
        "contract": "ES-FSR-001",
        "service": "MED-PM",
        "equipment": "ASLM-0147",
        "subject": "Mantenimiento preventivo semestral — respirador Reanimación cama 2",
        "description": "Preventivo del fabricante con ensayo IEC 62353; coordinar con "
        "Reanimación para liberar el equipo. A la espera de que Reanimación confirme el día.",
        "priority": "normal",
        "channel": "dispatcher",
        "opened": OnDay(-4, "12:00"),
        "responded": OnDay(-4, "12:30"),
        "status": "waiting",
        "status_since": OnDay(-4, "13:00"),
        "work_orders": [
            {
                "technician": "tech.ana",
                "start": OnDay(1, "08:00"),
                "end": OnDay(1, "11:00"),
                "status": "scheduled",
                "time_entries": [],
                "parts": [],
            },
        ],
    },
    {
        "site": ("hospital", "Centro de Especialidades Retiro"),
        "contract": "ES-FSR-001",
        "service": "MED-CORR",
        "equipment": "IS-305262",
        "subject": "Bomba de infusión con alarma de oclusión intermitente",
        "description": "Alarma de oclusión sin oclusión real en el puesto 6 del hospital de día.",
        "priority": "high",
        "channel": "portal",
        "opened": OnDay(-1, "13:05"),
        "responded": OnDay(-1, "13:20"),
        "status": "in_progress",
        "work_orders": [
            {
                "technician": "tech.norte",
                "start": OnDay(0, "08:30"),
                "end": OnDay(0, "10:30"),
                "status": "en_route",
                "notes": "Llevar bomba de sustitución para no dejar el puesto sin equipo.",
                "time_entries": [],
                "parts": [],
            },
        ],
    },
]

# --- documents and inspections (issue 5) ----------------------------------------------------
#: Inspection templates: ``service`` a task code (or None: offered on every work order);
#: parameters are (label, kind, unit, minimum, maximum).
INSPECTION_TEMPLATES: list[dict[str, Any]] = [
    {
        "code": "EXT-PS6",
        "name": "Extintor de polvo 6 kg",
        "service": "GEN-PM",
        "parameters": [
            ("Presión del manómetro", "numeric", "bar", D("12.0"), D("15.0")),
            ("Precinto intacto", "pass_fail", "", None, None),
            ("Manguera y boquilla sin daños", "pass_fail", "", None, None),
        ],
    },
]
#: How the reports read: ``contract`` a contract number, or None for the general wording.
REPORT_WORDINGS: list[dict[str, Any]] = [
    {
        "kind": "closure",
        "language": "es",
        "contract": None,
        "title": "Informe de cierre {{ work_order_reference }}",
        "introduction": "Trabajo realizado para {{ customer_name }} en {{ site_name }}.",
        "closing": "Gracias por confiar en nosotros. Si algo no es correcto, responda al correo "
        "con el que recibió este informe.",
    },
    {
        "kind": "closure",
        "language": "es",
        "contract": "ES-FSR-001",
        "title": "Parte de intervención de electromedicina {{ work_order_reference }}",
        "introduction": "Contrato {{ contract_number }} — {{ customer_name }}.\n"
        "Intervención en {{ site_name }}: {{ subject }}",
        "closing": "Documento sin datos de pacientes, según la cláusula de protección de datos "
        "del contrato {{ contract_number }}.",
    },
]
#: What a contract's documents mask.
REDACTION_RULES: list[dict[str, Any]] = [
    {
        "contract": "ES-FSR-001",
        "label": "Nombres de pacientes",
        "pattern": r"\b[Pp]aciente\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+(?:\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)?",
        "replacement": "[paciente]",
    },
]

# --- finance (issue 6) -------------------------------------------------------------------------
#: What an hour of each technician costs the company, from 1 January (costs and margins).
COST_RATES: list[dict[str, Any]] = [
    {"technician": "tech.ana", "hourly_cost": D("31.50"), "currency": "EUR"},
    {"technician": "tech.pierre", "hourly_cost": D("34.00"), "currency": "EUR"},
    {"technician": "tech.ivan", "hourly_cost": D("1850.00"), "currency": "RUB"},
    {"technician": "tech.norte", "hourly_cost": D("38.00"), "currency": "EUR"},
]
#: Our account that collects direct debits, and the mandate the bakery signed with its contract.
SEPA_CREDITOR: dict[str, Any] = {
    "name": "Pacta Servicios Tecnicos S.L.",
    "creditor_id": "ES97ZZZB12345678",
    "iban": "ES76 2077 0024 0031 0257 5766",
    "bic": "CVALESVVXXX",
    "pain_version": "pain.008.001.08",
    "is_default": True,
}
SEPA_MANDATES: list[dict[str, Any]] = [
    {
        "customer": "panaderia",
        "reference": "PAN-MND-001",
        "signed_on": InYear(12, 12, years=-1),
        "debtor_name": "Panaderia Hermanos Ruiz S.L.",
        "iban": "ES91 2100 0418 4502 0005 1332",
        "bic": "CAIXESBBXXX",
        "recurring": True,
    },
]
#: How the customers paid the invoices the demo issued (every period up to the month before
#: last; last month's are left as drafts for finance to review): each pays on the due day, by
#: direct debit where it signed a mandate, else by transfer — except the latest invoice due of
#: these customers, which the hotel paid half of and the oil company has not paid (overdue).
PAID_PART_OF_LATEST: dict[str, Decimal] = {"hotel": D("0.5"), "uralneft": D("0")}
