"""Duka settings, entirely from environment variables (12-factor), with development defaults.

Fail-safe: DEBUG is off unless DJANGO_DEBUG is set to a true value, and with DEBUG off a real
DJANGO_SECRET_KEY is required (the development key signs nothing in production). With DJANGO_DEBUG=1
(which `make run` and `make test` set) nothing else is required: without DATABASE_URL an embedded
PostgreSQL under `.data/pg` is used, without REDIS_URL a local-memory cache and eager Celery tasks.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static

from duka_app.databases import POOLERS, pooler_settings_apply, replica_aliases, replica_databases
from duka_app.redis_urls import next_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()

# Off by default: a forgotten variable must never serve debug pages or sign JWTs with the public development key.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
_DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a real secret unless DJANGO_DEBUG=1 (development, as `make run` sets)."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The back office's theme: before django.contrib.admin, whose templates and site it replaces.
    "unfold",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django.contrib.postgres",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "core",
    "accounts",
    "store",
    "payments",
    "fulfilment",
    "pricing",
    "backoffice",
    "storefront",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise so a blacklisted IP is refused on every path, static files included.
    "core.middleware.RequestSecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Anonymous catalog reads the catalog response cache holds, answered here: after the blacklist, the request
    # log and CORS, before the session, authentication and DRF they do not need.
    "store.middleware.CatalogCacheHitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ApiNotFoundMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "duka_app.urls"
WSGI_APPLICATION = "duka_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: persistent connections with health checks, so a PostgreSQL restart costs no failed request.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    from duka_app.embedded_db import embedded_database_settings

    # The embedded cluster's directory; relative paths are taken from the project directory.
    EMBEDDED_DB_DIR = BASE_DIR / env.str("EMBEDDED_DB_DIR", default=str(DATA_DIR / "pg"))
    DATABASES = {"default": embedded_database_settings(EMBEDDED_DB_DIR)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's PostgreSQL backend, whose health check reads the socket instead of sending `SELECT 1` each request.
DATABASES["default"]["ENGINE"] = "duka_app.postgresql"
# Read replicas (comma-separated URLs): catalog reads of GET requests go to one of them, see duka_app/db_routing.py.
DATABASE_REPLICA_URLS = env.list("DATABASE_REPLICA_URLS", default=[])
DATABASES.update(replica_databases([env.db_url_config(url) for url in DATABASE_REPLICA_URLS], DATABASES["default"]))
DATABASE_REPLICA_ALIASES = replica_aliases(len(DATABASE_REPLICA_URLS))
# The models whose reads may be served by a replica: the catalog, which every visitor reads and managers write.
DATABASE_REPLICA_MODELS = frozenset(
    f"store.{name}"
    for name in (
        "Category",
        "Product",
        "ProductImage",
        "Attribute",
        "AttributeValue",
        "ProductAttributeValue",
    )
)
# After a write, the client's reads go to the primary for this long (longer than the replicas' lag).
DATABASE_REPLICA_STICKY_SECONDS = env.int("DATABASE_REPLICA_STICKY_SECONDS", default=10)
DATABASE_ROUTERS = ["duka_app.db_routing.PrimaryReplicaRouter"] if DATABASE_REPLICA_URLS else []
if DATABASE_REPLICA_URLS:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("core.middleware.RequestSecurityMiddleware") + 1, "duka_app.db_routing.ReadRoutingMiddleware"
    )
# "pgbouncer": every database is reached through PgBouncer in transaction mode (duka_app/databases.py).
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER and DATABASE_POOLER not in POOLERS:
    raise ImproperlyConfigured(
        f"DATABASE_POOLER must be one of {', '.join(POOLERS)} (or unset), not {DATABASE_POOLER!r}."
    )
if DATABASE_POOLER:
    for _database in DATABASES.values():
        pooler_settings_apply(_database)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: REDIS_URL holds the Celery broker and the request log buffer. The cache lives in a database of its own
# (REDIS_CACHE_URL, by default REDIS_URL's database + 1), because clearing a Django Redis cache flushes its whole
# database. Short socket timeouts, so a dead Redis never stalls a request.
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=next_database_url(REDIS_URL) if REDIS_URL else "")
if REDIS_CACHE_URL and REDIS_CACHE_URL == REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_CACHE_URL must name another database than REDIS_URL: clearing the cache would "
        "flush the Celery broker and the request log buffer with it."
    )
REDIS_SOCKET_TIMEOUT_SECONDS = env.float("REDIS_SOCKET_TIMEOUT_SECONDS", default=0.5)
# After a Redis failure, skip Redis for this long (per process) instead of waiting on it again.
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=5.0)
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "duka_app.ops.cache.FailOpenRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="duka"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "duka"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded files (product images): the filesystem under MEDIA_ROOT by default, served by `runserver` in
# development; MEDIA_STORAGE=s3 keeps them in any S3-compatible store (AWS, MinIO, R2...) through django-storages.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="filesystem")
if MEDIA_STORAGE not in {"filesystem", "s3"}:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be filesystem or s3, not {MEDIA_STORAGE!r}.")
S3_STORAGE_OPTIONS = {
    "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default=""),
    "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
    "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
    "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
    "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
    "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
    # Public URLs, the same for every reader (the catalog's images are public); names are never reused.
    "querystring_auth": False,
    "file_overwrite": False,
}
if MEDIA_STORAGE == "s3" and not S3_STORAGE_OPTIONS["bucket_name"]:
    raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
STORAGES = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": S3_STORAGE_OPTIONS}
    if MEDIA_STORAGE == "s3"
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The back office (Django admin with the unfold theme): its home page is the dashboard of backoffice/dashboard.py.
UNFOLD = {
    "SITE_TITLE": "Duka back office",
    "SITE_HEADER": "Duka",
    "SITE_SUBHEADER": "Back office",
    "SITE_SYMBOL": "storefront",
    # A local icon, so browsers do not ask for a missing /favicon.ico.
    "SITE_FAVICONS": [
        {"rel": "icon", "type": "image/svg+xml", "href": lambda request: static("backoffice/favicon.svg")},
    ],
    "DASHBOARD_CALLBACK": "backoffice.dashboard.dashboard_callback",
    "SHOW_VIEW_ON_SITE": False,
}

# How many reverse proxies in front of the server may be trusted to append to X-Forwarded-For.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Every address of those proxies (e.g. all load balancer nodes), as networks: none can be blacklisted. The
# proxies a request came through are protected anyway; this also covers the others, and the auto-blacklist.
TRUSTED_PROXY_NETWORKS = env.list("TRUSTED_PROXY_NETWORKS", default=[])
for _network in TRUSTED_PROXY_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXY_NETWORKS: {error}") from error

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "duka_app.api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "duka_app.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "duka_app.api.errors.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "duka_app.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["duka_app.api.renderers.OrjsonRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "COERCE_DECIMAL_TO_STRING": True,
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("THROTTLE_LOGIN_RATE", default="20/minute"),
        "register": env.str("THROTTLE_REGISTER_RATE", default="10/minute"),
        "password_reset": env.str("THROTTLE_PASSWORD_RESET_RATE", default="10/hour"),
        "password_reset_email": env.str("THROTTLE_PASSWORD_RESET_EMAIL_RATE", default="3/hour"),
        "email_verification": env.str("THROTTLE_EMAIL_VERIFICATION_RATE", default="3/hour"),
        "guest_cart": env.str("THROTTLE_GUEST_CART_RATE", default="30/hour"),
        "voucher_user": env.str("THROTTLE_VOUCHER_USER_RATE", default="10/minute"),
        "voucher_ip": env.str("THROTTLE_VOUCHER_IP_RATE", default="30/minute"),
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    # Tokens carry a digest of the password hash: a password change refuses every token issued before it.
    "CHECK_REVOKE_TOKEN": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": SECRET_KEY,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Duka API",
    "DESCRIPTION": (
        "The REST API of the Duka online store: catalog, cart, checkout, orders and security.\n\n"
        'Authenticate with `Authorization: Bearer <access>` (from `POST /api/auth/token/`; "Authorize" above). '
        "Validation errors are `{field: [messages]}`; every other error is `{detail, code}`, plus the data a "
        "client needs. Lists are paginated `{count, next, previous, results}` with `page` and `page_size` "
        "(at most 100). Money is a string with two decimals. A blacklisted client IP gets 403 `ip_blacklisted` "
        "on every path."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Tags start collapsed: with about 140 operations, Swagger UI stopped rendering the expanded list part way
    # (its browser test caught it); a tag renders its operations when opened, and deep links open theirs.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "docExpansion": "none", "deepLinking": True},
    "COMPONENT_SPLIT_REQUEST": True,
    # The documented contract: JSON bodies and bearer tokens (forms and sessions serve the browsable API only).
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    "AUTHENTICATION_WHITELIST": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "ENUM_NAME_OVERRIDES": {
        "UserRoleEnum": "accounts.models.User.Role",
        "PayableProviderEnum": "payments.serializers.PAYABLE_PROVIDERS",
        "OrderStatusEnum": "store.models.Order.Status",
        "OrderEventKindEnum": "store.models.OrderEvent.Kind",
        "StockMovementReasonEnum": "store.models.StockMovement.Reason",
        "StockAdjustmentReasonEnum": "store.serializers.stock.MANUAL_REASONS",
        "RestockOrderStatusEnum": "store.models.RestockOrder.Status",
        "AttributeKindEnum": "store.models.Attribute.Kind",
        "HealthStateEnum": "duka_app.ops.health.HealthState",
        "ShipmentStatusEnum": "fulfilment.models.Shipment.Status",
        "TrackingEventStatusEnum": "fulfilment.serializers.EVENT_STATUSES",
        "ReturnStatusEnum": "fulfilment.models.ReturnRequest.Status",
    },
    "TAGS": [
        {
            "name": "auth",
            "description": "Registration, JWT tokens (obtain, rotate), logout (one device or all), password change "
            "and reset, email verification.",
        },
        {"name": "profile", "description": "The caller's account and shipping details."},
        {
            "name": "addresses",
            "description": "The caller's address book (customers and admins; managers get 403): at most one default "
            "shipping address, which checkout uses when not given an `address_id`.",
        },
        {
            "name": "catalog",
            "description": "Categories and products. Anyone reads the active catalog; managers and admins also "
            "see inactive products and write.",
        },
        {
            "name": "restocking",
            "description": "Orders to suppliers, received into stock through the stock ledger (managers and admins).",
        },
        {
            "name": "fulfilment",
            "description": "Shipments of paid orders with their tracking timeline (managers create and update them, "
            "carriers report through a signed webhook, customers read their own), and returns of delivered items.",
        },
        {"name": "cart", "description": "The caller's cart (customers and admins; managers get 403)."},
        {
            "name": "wishlist",
            "description": "Products the caller saved for later, newest first; moved to the cart with the cart's "
            "rules (customers and admins; managers get 403).",
        },
        {
            "name": "checkout",
            "description": "Turn the cart into an order in one transaction; retries are safe with `Idempotency-Key`.",
        },
        {
            "name": "orders",
            "description": "Customers see and cancel their own orders; managers and admins see every order and move "
            "it along pending → paid → shipped → delivered.",
        },
        {
            "name": "payments",
            "description": "Paying orders with Stripe, M-Pesa (STK push) or, in development, the fake provider; "
            "the providers' notifications; refunds and manual (cash, bank transfer) payments.",
        },
        {
            "name": "pricing",
            "description": "Shipping zones and methods, tax rates and vouchers (managers and admins). Customers see "
            "their effect in the cart summary and at checkout.",
        },
        {
            "name": "security",
            "description": "Traffic dashboard, IP blacklist and suspicious IPs (managers and admins).",
        },
        {"name": "operations", "description": "Health of the service, for load balancers and monitors."},
    ],
}

# Celery: Redis as broker when configured; otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL

# Product images: uploads above MAX_IMAGE_MB are refused before decoding, and so are images of more pixels than
# MAX_IMAGE_PIXELS (decompression bombs). Renditions of these widths (WebP, never upscaled) are made by a job.
MAX_IMAGE_MB = env.int("MAX_IMAGE_MB", default=5)
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=40_000_000)
IMAGE_RENDITION_WIDTHS = (200, 600, 1200)

# A customer's wishlist holds at most this many products; saving one more is 409 `wishlist_full`.
WISHLIST_MAX_ITEMS = env.int("WISHLIST_MAX_ITEMS", default=500)

# Facets (GET /api/products/facets/) under attribute or price filters count over an in-memory copy of the
# catalog's faceted columns, checked against the database's facet revision on every request
# (store/selectors/facet_snapshot.py); off, one SQL query answers them. A copy a catalog write made stale is read
# again at most this often (it costs about half a second at 100,000 products); in between, SQL answers.
FACETS_IN_MEMORY = env.bool("FACETS_IN_MEMORY", default=True)
FACETS_RELOAD_SECONDS = env.float("FACETS_RELOAD_SECONDS", default=5.0)

# Jobs (see store/jobs.py, core/tasks.py and duka_app/ops/tasks.py).
LOW_STOCK_THRESHOLD = env.int("LOW_STOCK_THRESHOLD", default=5)
# A product's back-in-stock emails go out at most once in this many minutes, however often it sells out and returns.
BACK_IN_STOCK_COOLDOWN_MINUTES = env.int("BACK_IN_STOCK_COOLDOWN_MINUTES", default=60)
# The site's public address, for links in emails (the low-stock digest links to the proposed restock order).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
ORDER_REMINDER_AFTER_HOURS = env.int("ORDER_REMINDER_AFTER_HOURS", default=12)
REQUEST_LOG_RETENTION_DAYS = env.int("REQUEST_LOG_RETENTION_DAYS", default=90)
# Test stages only: every periodic job of the beat schedule runs every this many seconds instead (duka_app/celery.py).
BEAT_PERIOD_SECONDS = env.float("BEAT_PERIOD_SECONDS", default=None)
# /api/health/ reports the worker down when its last heartbeat (every minute) is older than this.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env.int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", default=180)

# Payments (payments/). One store currency; every amount is a Decimal in it.
STORE_CURRENCY = env.str("STORE_CURRENCY", default="KES").upper()
# An unpaid order is cancelled, and its stock restored, this long after checkout (the reminder comes before it),
# unless a payment attempt younger than PAYMENT_IN_PROGRESS_MINUTES is still open.
ORDER_PAYMENT_TIMEOUT_MINUTES = env.int("ORDER_PAYMENT_TIMEOUT_MINUTES", default=1440)
PAYMENT_IN_PROGRESS_MINUTES = env.int("PAYMENT_IN_PROGRESS_MINUTES", default=30)
MAX_PENDING_ORDERS_PER_CUSTOMER = env.int("MAX_PENDING_ORDERS_PER_CUSTOMER", default=3)
# Pricing (pricing/): shelf prices include tax (VAT shops) unless this is off, when tax is added at checkout.
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=True)
# The address book (accounts.Address): how many addresses one user may keep.
MAX_ADDRESSES_PER_USER = env.int("MAX_ADDRESSES_PER_USER", default=50)
# A guest cart (POST /api/cart/guest/) is deleted this many days after its last change, unless merged before.
GUEST_CART_DAYS = env.int("GUEST_CART_DAYS", default=30)
# Fulfilment (fulfilment/). A customer may ask to return delivered items for this many days after delivery.
RETURN_WINDOW_DAYS = env.int("RETURN_WINDOW_DAYS", default=30)
# Each carrier whose webhook is accepted, with its shared secret: "dhl=secret1,g4s=secret2". Its events are signed
# with a hex HMAC-SHA256 of the raw body in X-Carrier-Signature.
CARRIER_WEBHOOK_SECRETS = env.dict("CARRIER_WEBHOOK_SECRETS", default={})
for _name in ("MAX_IMAGE_MB", "MAX_IMAGE_PIXELS", "WISHLIST_MAX_ITEMS", "MAX_ADDRESSES_PER_USER", "GUEST_CART_DAYS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
for _name in ("BACK_IN_STOCK_COOLDOWN_MINUTES", "RETURN_WINDOW_DAYS", "LOW_STOCK_THRESHOLD"):
    if globals()[_name] < 0:
        raise ImproperlyConfigured(f"{_name} must be 0 or more.")
_weak_carrier_secrets = sorted(carrier for carrier, secret in CARRIER_WEBHOOK_SECRETS.items() if len(secret) < 32)
if _weak_carrier_secrets:
    raise ImproperlyConfigured(
        f"CARRIER_WEBHOOK_SECRETS: each secret needs at least 32 characters ({', '.join(_weak_carrier_secrets)})."
    )
if ORDER_REMINDER_AFTER_HOURS * 60 >= ORDER_PAYMENT_TIMEOUT_MINUTES:
    raise ImproperlyConfigured("ORDER_REMINDER_AFTER_HOURS must come before ORDER_PAYMENT_TIMEOUT_MINUTES.")
PAYMENT_PROVIDER_TIMEOUT_SECONDS = env.float("PAYMENT_PROVIDER_TIMEOUT_SECONDS", default=10.0)
# Stripe: on when STRIPE_SECRET_KEY is set. STRIPE_API_BASE points the client elsewhere (the tests' fake server).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
# Where the storefront loads Stripe.js from, when a customer chooses to pay by card.
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
# M-Pesa (Daraja STK push): on when MPESA_CONSUMER_KEY is set. Callbacks arrive on a secret path,
# {MPESA_CALLBACK_BASE_URL}/api/payments/webhooks/mpesa/{MPESA_CALLBACK_TOKEN}/, optionally only from the listed IPs.
MPESA_API_BASE = env.str("MPESA_API_BASE", default="https://sandbox.safaricom.co.ke")
MPESA_CONSUMER_KEY = env.str("MPESA_CONSUMER_KEY", default="")
MPESA_CONSUMER_SECRET = env.str("MPESA_CONSUMER_SECRET", default="")
MPESA_SHORTCODE = env.str("MPESA_SHORTCODE", default="")
MPESA_PASSKEY = env.str("MPESA_PASSKEY", default="")
MPESA_TRANSACTION_TYPE = env.str("MPESA_TRANSACTION_TYPE", default="CustomerPayBillOnline")
MPESA_CALLBACK_BASE_URL = env.str("MPESA_CALLBACK_BASE_URL", default="")
MPESA_CALLBACK_TOKEN = env.str("MPESA_CALLBACK_TOKEN", default="")
MPESA_CALLBACK_ALLOWED_IPS = env.list("MPESA_CALLBACK_ALLOWED_IPS", default=[])
# The fake provider completes payments on request, for development and tests: on by default only with DEBUG on
# and no real provider configured, and never with DEBUG off.
PAYMENTS_FAKE_PROVIDER = env.bool(
    "PAYMENTS_FAKE_PROVIDER", default=DEBUG and not (STRIPE_SECRET_KEY or MPESA_CONSUMER_KEY)
)
if PAYMENTS_FAKE_PROVIDER and not DEBUG:
    raise ImproperlyConfigured("PAYMENTS_FAKE_PROVIDER takes payments without money: it is refused with DEBUG off.")
if MPESA_CONSUMER_KEY and len(MPESA_CALLBACK_TOKEN) < 32:
    raise ImproperlyConfigured("M-Pesa needs MPESA_CALLBACK_TOKEN, a secret of at least 32 characters.")

# Email: printed to the console unless EMAIL_URL names a server, e.g. smtp+tls://user:password@smtp.example.com:587.
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Duka <shop@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Account emails link to the storefront's pages ({STOREFRONT_URL}/reset-password?uid=&token=, /verify-email?...),
# which post the uid and token back to the API. The links work once, for PASSWORD_RESET_TIMEOUT seconds.
STOREFRONT_URL = env.str("STOREFRONT_URL", default="http://127.0.0.1:8000/shop")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=60 * 60 * 24 * 3)
# On: checkout answers 403 email_not_verified until the customer has verified their email address.
REQUIRE_VERIFIED_EMAIL_FOR_CHECKOUT = env.bool("REQUIRE_VERIFIED_EMAIL_FOR_CHECKOUT", default=False)
if not STOREFRONT_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("STOREFRONT_URL must be an http:// or https:// address: the account emails link to it.")
if PASSWORD_RESET_TIMEOUT <= 0:
    raise ImproperlyConfigured("PASSWORD_RESET_TIMEOUT_SECONDS must be positive.")

# Logs go to stdout, one JSON object per line with LOG_FORMAT=json (for log collectors), plain text otherwise.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
# The catalog response cache (store/catalog_cache.py); switched off, catalog reads still carry ETags. Entries
# live CATALOG_CACHE_SECONDS at most (a bound on staleness should a version bump be lost while Redis was
# unreachable); clients and shared caches may keep an anonymous catalog answer CATALOG_CACHE_MAX_AGE_SECONDS,
# and serve it stale while revalidating for CATALOG_CACHE_STALE_WHILE_REVALIDATE_SECONDS more.
CATALOG_CACHE_ENABLED = env.bool("CATALOG_CACHE_ENABLED", default=True)
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=300)
CATALOG_CACHE_MAX_AGE_SECONDS = env.int("CATALOG_CACHE_MAX_AGE_SECONDS", default=5)
CATALOG_CACHE_STALE_WHILE_REVALIDATE_SECONDS = env.int("CATALOG_CACHE_STALE_WHILE_REVALIDATE_SECONDS", default=30)

# Request logging and IP security (SPEC section 5).
REQUEST_LOG_BUFFER_KEY = env.str("REQUEST_LOG_BUFFER_KEY", default="duka:request-log-buffer")
REQUEST_LOG_FLUSH_SECONDS = env.float("REQUEST_LOG_FLUSH_SECONDS", default=0.05)
REQUEST_LOG_FLUSH_SIZE = env.int("REQUEST_LOG_FLUSH_SIZE", default=500)
REQUEST_LOG_OUTBOX_MAX = env.int("REQUEST_LOG_OUTBOX_MAX", default=20_000)
# Entries past this many in the Redis buffer are dropped (with a warning), so a stalled drain cannot fill Redis.
REQUEST_LOG_BUFFER_MAX = env.int("REQUEST_LOG_BUFFER_MAX", default=500_000)
REQUEST_LOG_DRAIN_BATCH_SIZE = env.int("REQUEST_LOG_DRAIN_BATCH_SIZE", default=5000)
# A batch taken by a drain that has not finished within this time is handed to the next drain (its worker died).
REQUEST_LOG_DRAIN_LEASE_SECONDS = env.float("REQUEST_LOG_DRAIN_LEASE_SECONDS", default=60.0)
REQUEST_LOG_EXCLUDED_PREFIXES = ["/" + STATIC_URL.lstrip("/"), "/api/health/", "/favicon.ico"]
BLACKLIST_LOCAL_TTL_SECONDS = env.float("BLACKLIST_LOCAL_TTL_SECONDS", default=0.5)
BLACKLIST_CACHE_SECONDS = env.int("BLACKLIST_CACHE_SECONDS", default=300)
IPINFO_TOKEN = env.str("IPINFO_TOKEN", default="")
IPINFO_TIMEOUT_SECONDS = env.float("IPINFO_TIMEOUT_SECONDS", default=2.0)
SECURITY_ANALYZE = {
    "WINDOW_MINUTES": env.int("SECURITY_WINDOW_MINUTES", default=10),
    "MAX_REQUESTS": env.int("SECURITY_MAX_REQUESTS", default=600),
    "MAX_ERRORS": env.int("SECURITY_MAX_ERRORS", default=50),
    "MAX_FAILED_LOGINS": env.int("SECURITY_MAX_FAILED_LOGINS", default=10),
    # Refused or throttled POST /api/cart/voucher/ (codes being guessed).
    "MAX_FAILED_VOUCHERS": env.int("SECURITY_MAX_FAILED_VOUCHERS", default=20),
    "AUTO_BLACKLIST": env.bool("SECURITY_AUTO_BLACKLIST", default=False),
    "BLACKLIST_REQUESTS": env.int("SECURITY_BLACKLIST_REQUESTS", default=3000),
    "BLACKLIST_ERRORS": env.int("SECURITY_BLACKLIST_ERRORS", default=300),
    "BLACKLIST_FAILED_LOGINS": env.int("SECURITY_BLACKLIST_FAILED_LOGINS", default=50),
    "AUTO_BLACKLIST_MINUTES": env.int("SECURITY_AUTO_BLACKLIST_MINUTES", default=60),
}

# Login back-off: django-axes locks a (username, client IP) pair, never a username alone.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "core.login_backoff.login_username"
# Request logging middleware switch (logging on vs off is one of the `make bench` figures).
REQUEST_LOGGING_ENABLED = env.bool("REQUEST_LOGGING_ENABLED", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "duka_app.log_format.JsonFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO").upper()},
    # Django's own console handler would print every django.* record a second time.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        # stripe logs every response body at DEBUG, client secrets included: never below INFO, whatever LOG_LEVEL.
        "stripe": {"level": "INFO"},
    },
}

# Load balancers probe health over plain HTTP on the private network: a redirect to HTTPS would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
