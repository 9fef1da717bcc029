"""Django settings for cityops, read from environment variables (see README: Configuration)."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cityops.core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CITYOPS_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The secret from the environment, or one generated once and kept in var/secret_key."""
    key = env_str("CITYOPS_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("CITYOPS_SECRET_KEY must be at least 32 characters long.")
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("CITYOPS_DEBUG", False)
ALLOWED_HOSTS = env_list("CITYOPS_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CITYOPS_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "cityops.core.views.csrf_failure"
HTTPS = env_bool("CITYOPS_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True  # a plain-HTTP request is sent to https://, except the health check
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Reverse proxies whose X-Real-IP header names the client (rate limits, the audit trail).
CITYOPS_TRUSTED_PROXIES = env_list("CITYOPS_TRUSTED_PROXIES")
# HTTP Strict Transport Security: browsers refuse plain HTTP to this host for this long (docs/deployment.md).
SECURE_HSTS_SECONDS = env_int("CITYOPS_HSTS_SECONDS", 0, minimum=0)
# Names under cityops' own host (ops.town.gov.cn covers *.ops.town.gov.cn, not its siblings) as well.
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The browsers' HSTS preload list is for names on the public internet; cityops runs on an intranet,
# whose host names the list cannot hold, so the check that asks for it is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "cityops.core",
    "cityops.audit",
    "cityops.geo",
    "cityops.org",
    "cityops.accounts",
    "cityops.cases",
    "cityops.iot",
    "cityops.video",
    "cityops.databrain",
    "cityops.egov",
    "cityops.security",
    "cityops.ops",
    "cityops.backup",
    "cityops.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cityops.core.middleware.RequestContextMiddleware",
    "cityops.core.middleware.ContentSecurityPolicyMiddleware",
    "cityops.core.middleware.NulRefusedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cityops.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cityops.accounts.middleware.PasswordPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cityops.urls"
WSGI_APPLICATION = "cityops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cityops" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cityops.core.context_processors.site",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'cityops.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CITYOPS_DB_CONN_MAX_AGE", 60))
    }
except (ValueError, dj_database_url.UnknownSchemeError) as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL ({exc}); use e.g. postgres://user@host:5432/cityops"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the one writer work at once; IMMEDIATE takes the write lock at BEGIN,
    # so concurrent writers queue on busy_timeout instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# A read-only streaming replica of the primary (docs/deployment.md, "Scale-out"): the big screen's
# figures and map and the operations reports read from it; every other read and every write go to
# the primary. CITYOPS_REPLICA_READS=false keeps the alias but reads the primary (a replica that lags).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
CITYOPS_REPLICA_READS = env_bool("CITYOPS_REPLICA_READS", True)
if DATABASE_REPLICA_URL:
    try:
        DATABASES["replica"] = dj_database_url.parse(
            DATABASE_REPLICA_URL, conn_max_age=env_int("CITYOPS_DB_CONN_MAX_AGE", 60)
        )
    except (ValueError, dj_database_url.UnknownSchemeError) as exc:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URL is not a database URL ({exc}); use e.g. postgres://user@replica:5432/cityops"
        ) from None
    # tests: the replica is the test database itself, read through a connection of its own
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Reads go to the replica only inside cityops.core.replica.replica_reads (and never without one).
DATABASE_ROUTERS = ["cityops.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["cityops.accounts.backends.LockoutBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("CITYOPS_PASSWORD_MIN_LENGTH", 12, minimum=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "cityops.accounts.passwords.StaffComplexityValidator"},
]
# Staff password policy: character classes required and maximum age (0 = no rotation).
CITYOPS_STAFF_PASSWORD_CLASSES = env_int("CITYOPS_STAFF_PASSWORD_CLASSES", 3, minimum=1)
CITYOPS_PASSWORD_MAX_AGE_DAYS = env_int("CITYOPS_PASSWORD_MAX_AGE_DAYS", 90, minimum=0)
# Sign-in throttling (docs/architecture.md, login security), each counted per window of
# CITYOPS_LOCKOUT_MINUTES: failures of one name from one address, of one name from all addresses
# (the account locks), and of any names from one address (the address is refused).
CITYOPS_LOCKOUT_ATTEMPTS = env_int("CITYOPS_LOCKOUT_ATTEMPTS", 5, minimum=1)
CITYOPS_LOCKOUT_ACCOUNT_ATTEMPTS = env_int("CITYOPS_LOCKOUT_ACCOUNT_ATTEMPTS", 20, minimum=1)
CITYOPS_LOGIN_ADDRESS_FAILURES = env_int("CITYOPS_LOGIN_ADDRESS_FAILURES", 20, minimum=1)
CITYOPS_LOCKOUT_MINUTES = env_int("CITYOPS_LOCKOUT_MINUTES", 15, minimum=1)
CITYOPS_TOKEN_DAYS = env_int("CITYOPS_TOKEN_DAYS", 90, minimum=1)
# Access reviews: a staff account with no sign-in (nor use of its tokens) for this many days is
# dormant; it is told so, and disabled this many days later unless it signs in or is signed off.
CITYOPS_DORMANT_DAYS = env_int("CITYOPS_DORMANT_DAYS", 90, minimum=1)
CITYOPS_DORMANT_NOTICE_DAYS = env_int("CITYOPS_DORMANT_NOTICE_DAYS", 14, minimum=1)

# Idle timeout: the session cookie lives this long and is renewed on every request.
SESSION_COOKIE_AGE = env_int("CITYOPS_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "cityops" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
# zh_Hans: numbers grouped by three with a comma (Django's own groups nothing); see the module
FORMAT_MODULE_PATH = ["cityops.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "cityops" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"  # never served directly: photos go through a view that checks scope
# Caches shared by the web processes of one machine. "ratelimit" holds the counts of the limits
# checked on every request (the API's per-token limit, core/ratelimit.py), so that counting them
# writes nothing to the database; its entries expire with their window and are never culled early.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    },
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "ratelimit"),
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    },
}
# Where those per-request counts live: "cache" (the machine's own, above) or "database" (the
# RateCounter table, one count for several web machines that share a PostgreSQL database).
CITYOPS_RATELIMIT_STORE = env_str("CITYOPS_RATELIMIT_STORE", "cache").strip().lower()
if CITYOPS_RATELIMIT_STORE not in ("cache", "database"):
    raise ImproperlyConfigured(
        f"CITYOPS_RATELIMIT_STORE={CITYOPS_RATELIMIT_STORE!r} is not one of cache, database."
    )
# Requests to /api/v1/ with one API token or data-brain consumer key in a minute (0: no limit).
CITYOPS_API_REQUESTS_PER_MINUTE = env_int("CITYOPS_API_REQUESTS_PER_MINUTE", 600, minimum=0)
# The largest request body read into memory (a GeoJSON import of a whole district fits).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CITYOPS_MAX_BODY_MB", 20, minimum=1) * 1024 * 1024
WHITENOISE_USE_FINDERS = DEBUG

# Map: an intranet tile server, e.g. http://tiles.intranet/{z}/{x}/{y}.png. Empty: no base map,
# the grids are drawn from cityops' own data alone.
CITYOPS_TILE_URL = env_str("CITYOPS_TILE_URL")
CITYOPS_TILE_ATTRIBUTION = env_str("CITYOPS_TILE_ATTRIBUTION")
CITYOPS_TILE_MAX_ZOOM = env_int("CITYOPS_TILE_MAX_ZOOM", 18, minimum=1)
# How often a process checks whether the geography changed (seconds) to rebuild its locate index.
CITYOPS_GEO_REFRESH_SECONDS = env_int("CITYOPS_GEO_REFRESH_SECONDS", 5, minimum=0)
# The locate index's raster: cells per side (more cells: more memory, fewer exact polygon tests).
CITYOPS_GEO_LOCATE_CELLS = env_int("CITYOPS_GEO_LOCATE_CELLS", 256, minimum=8)
# Overlaps and overhangs smaller than this many square metres are tolerated on import.
CITYOPS_GEO_TOLERANCE_M2 = env_int("CITYOPS_GEO_TOLERANCE_M2", 50, minimum=0)

# Office hours of working days, for deadlines in working hours (HH:MM-HH:MM periods, in order).
CITYOPS_WORK_HOURS = env_str("CITYOPS_WORK_HOURS", "08:30-12:00,14:00-17:30")
# How often a process checks whether the holiday calendar changed (seconds).
CITYOPS_CALENDAR_REFRESH_SECONDS = env_int("CITYOPS_CALENDAR_REFRESH_SECONDS", 5, minimum=0)
# How often a process checks whether the patrol items or the workstations changed (seconds): intake
# reads them from a per-process cache.
CITYOPS_CATALOGUE_REFRESH_SECONDS = env_int("CITYOPS_CATALOGUE_REFRESH_SECONDS", 5, minimum=0)
# A kiosk left alone this long goes back to its start page, emptied (government services).
CITYOPS_KIOSK_IDLE_SECONDS = env_int("CITYOPS_KIOSK_IDLE_SECONDS", 60, minimum=5)
# Application look-ups by tracking number and phone (kiosk, public page, API) per IP address and hour.
CITYOPS_APPLICATION_LOOKUPS_PER_HOUR = env_int("CITYOPS_APPLICATION_LOOKUPS_PER_HOUR", 30, minimum=1)
# 好差评 (docs/egov.md): a concluded application not rated within the period is rated by default at
# the level given (Guangdong: 7 natural days, 基本满意); a reminder goes out part-way (0: none); a bad
# rating is followed up: the applicant contacted and the fault put right within working days.
CITYOPS_RATING_DAYS = env_int("CITYOPS_RATING_DAYS", 7, minimum=1)
CITYOPS_RATING_WORKING_DAYS = env_bool("CITYOPS_RATING_WORKING_DAYS", False)
CITYOPS_RATING_DEFAULT_LEVEL = env_int("CITYOPS_RATING_DEFAULT_LEVEL", 3, minimum=3)
if CITYOPS_RATING_DEFAULT_LEVEL > 5:
    raise ImproperlyConfigured("CITYOPS_RATING_DEFAULT_LEVEL is a level from 3 (基本满意) to 5 (非常满意).")
CITYOPS_RATING_REMIND_DAYS = env_int("CITYOPS_RATING_REMIND_DAYS", 3, minimum=0)
CITYOPS_RATING_CONTACT_DAYS = env_int("CITYOPS_RATING_CONTACT_DAYS", 5, minimum=1)
CITYOPS_RATING_RECTIFY_DAYS = env_int("CITYOPS_RATING_RECTIFY_DAYS", 15, minimum=1)
# Grid governance: duplicate reports, photos, escalation.
CITYOPS_DUPLICATE_RADIUS_M = env_int("CITYOPS_DUPLICATE_RADIUS_M", 50, minimum=0)
CITYOPS_DUPLICATE_HOURS = env_int("CITYOPS_DUPLICATE_HOURS", 72, minimum=0)
CITYOPS_MAX_PHOTO_MB = env_int("CITYOPS_MAX_PHOTO_MB", 10, minimum=1)
CITYOPS_ESCALATE_TOWN_AFTER_DAYS = env_int("CITYOPS_ESCALATE_TOWN_AFTER_DAYS", 1, minimum=1)
# The public resident pages: reports and tracking look-ups allowed per IP address and hour.
CITYOPS_RESIDENT_REPORTS_PER_HOUR = env_int("CITYOPS_RESIDENT_REPORTS_PER_HOUR", 5, minimum=1)
CITYOPS_TRACK_LOOKUPS_PER_HOUR = env_int("CITYOPS_TRACK_LOOKUPS_PER_HOUR", 60, minimum=1)
# Service requests one Open311 api_key may file in an hour (a whole town's hotline stays far below).
CITYOPS_OPEN311_POSTS_PER_HOUR = env_int("CITYOPS_OPEN311_POSTS_PER_HOUR", 1000, minimum=1)
# The demo town: how many cases of history and how many days of patrols seed-demo writes.
CITYOPS_DEMO_HISTORY_CASES = env_int("CITYOPS_DEMO_HISTORY_CASES", 310_000, minimum=0)
CITYOPS_DEMO_PATROL_DAYS = env_int("CITYOPS_DEMO_PATROL_DAYS", 14, minimum=0)
CITYOPS_DEMO_DATA_RECORDS = env_int("CITYOPS_DEMO_DATA_RECORDS", 1_100_000, minimum=0)
# Service applications of the last 90 days (a town of about 100,000 a year).
CITYOPS_DEMO_APPLICATIONS = env_int("CITYOPS_DEMO_APPLICATIONS", 25_000, minimum=0)
# The demo's live trickle: a new case this often, run by `cityops worker` (0: off, as in production).
CITYOPS_DEMO_TRICKLE_SECONDS = env_int("CITYOPS_DEMO_TRICKLE_SECONDS", 0, minimum=0)
# Background jobs: how long the record of each run is kept (docs/architecture.md, "Background work").
CITYOPS_JOB_HISTORY_DAYS = env_int("CITYOPS_JOB_HISTORY_DAYS", 7, minimum=1)
# The big screen's live feed (docs/ops.md): how long its events are kept, how long one
# stream connection lives before the browser reconnects, and how many missed events a reconnect
# replays before the page is told to reload its figures instead.
CITYOPS_SCREEN_EVENT_DAYS = env_int("CITYOPS_SCREEN_EVENT_DAYS", 7, minimum=1)
CITYOPS_SCREEN_STREAM_SECONDS = env_int("CITYOPS_SCREEN_STREAM_SECONDS", 300, minimum=5)
CITYOPS_SCREEN_REPLAY_MAX = env_int("CITYOPS_SCREEN_REPLAY_MAX", 200, minimum=1)
# Streams one server process holds at most; `cityops serve` adds as many threads to each worker.
CITYOPS_SCREEN_STREAMS = env_int("CITYOPS_SCREEN_STREAMS", 64, minimum=1)
# How long the big screen's figures and map of a unit are shared by every screen that would get the
# same answer (seconds; 0: built per request).
CITYOPS_SCREEN_SHARED_SECONDS = env_int("CITYOPS_SCREEN_SHARED_SECONDS", 5, minimum=0)

# IoT ingest and storage tiers (docs/iot.md). Messages larger than this are dead-lettered whole.
CITYOPS_IOT_MAX_MESSAGE_BYTES = env_int("CITYOPS_IOT_MAX_MESSAGE_BYTES", 256 * 1024, minimum=1024)
# Readings stamped further in the future or the past than this are refused (clock faults, replays).
CITYOPS_IOT_MAX_FUTURE_SECONDS = env_int("CITYOPS_IOT_MAX_FUTURE_SECONDS", 300, minimum=0)
CITYOPS_IOT_MAX_PAST_DAYS = env_int("CITYOPS_IOT_MAX_PAST_DAYS", 30, minimum=1)
# How long a process trusts its cached devices, quantities and datastreams (seconds).
CITYOPS_IOT_CACHE_SECONDS = env_int("CITYOPS_IOT_CACHE_SECONDS", 30, minimum=0)
# The project's MQTT broker and the ingest worker's session on it.
CITYOPS_IOT_MQTT_HOST = env_str("CITYOPS_IOT_MQTT_HOST", "127.0.0.1")
CITYOPS_IOT_MQTT_PORT = env_int("CITYOPS_IOT_MQTT_PORT", 1883, minimum=1)
CITYOPS_IOT_MQTT_USER = env_str("CITYOPS_IOT_MQTT_USER", "cityops-ingest")
CITYOPS_IOT_MQTT_PASSWORD = env_str("CITYOPS_IOT_MQTT_PASSWORD")
CITYOPS_IOT_MQTT_CLIENT_ID = env_str("CITYOPS_IOT_MQTT_CLIENT_ID", "cityops-ingest")
CITYOPS_IOT_MQTT_SHARED = env_bool("CITYOPS_IOT_MQTT_SHARED", False)
CITYOPS_IOT_MQTT_SESSION_EXPIRY_S = env_int("CITYOPS_IOT_MQTT_SESSION_EXPIRY_S", 7 * 86400, minimum=60)
# Unacknowledged messages the broker may hand the worker at once (MQTT 5 receive maximum).
CITYOPS_IOT_MQTT_RECEIVE_MAXIMUM = env_int("CITYOPS_IOT_MQTT_RECEIVE_MAXIMUM", 20000, minimum=1)
# A batch is stored when it holds this many messages or its first message waited this long.
CITYOPS_IOT_BATCH_MESSAGES = env_int("CITYOPS_IOT_BATCH_MESSAGES", 5000, minimum=1)
CITYOPS_IOT_BATCH_MS = env_int("CITYOPS_IOT_BATCH_MS", 100, minimum=1)
CITYOPS_IOT_STATUS_SECONDS = env_int("CITYOPS_IOT_STATUS_SECONDS", 60, minimum=0)
# A period is rolled up this long after it closes, so that slightly late readings are in it.
CITYOPS_IOT_ROLLUP_DELAY_SECONDS = env_int("CITYOPS_IOT_ROLLUP_DELAY_SECONDS", 300, minimum=0)
# A cleared alarm of the same device and rule is not raised again for this long (unless worse).
CITYOPS_IOT_ALARM_QUIET_S = env_int("CITYOPS_IOT_ALARM_QUIET_S", 300, minimum=0)
# The SensorThings API's page size: the largest $top it honours.
CITYOPS_STA_MAX_TOP = env_int("CITYOPS_STA_MAX_TOP", 100, minimum=1)
# The most requests one SensorThings $batch may hold.
CITYOPS_STA_MAX_BATCH = env_int("CITYOPS_STA_MAX_BATCH", 1000, minimum=1)
# How deep a SensorThings $expand may nest (Things?$expand=Datastreams/Observations is 2).
CITYOPS_STA_MAX_EXPAND_DEPTH = env_int("CITYOPS_STA_MAX_EXPAND_DEPTH", 5, minimum=1)
# The most entities one SensorThings response may hold, expanded ones included; a $batch's
# requests share one such budget. Counted while the response is built: beyond it, a 400.
CITYOPS_STA_MAX_ENTITIES = env_int("CITYOPS_STA_MAX_ENTITIES", 5000, minimum=1)
# The SensorThings MQTT extension: new Observations published to v1.1/… topics on the project broker.
CITYOPS_STA_MQTT = env_bool("CITYOPS_STA_MQTT", False)
# The address users reach this server at, for links in messages that leave a request (MQTT payloads).
CITYOPS_PUBLIC_URL = env_str("CITYOPS_PUBLIC_URL", "http://127.0.0.1:8000")
# Where SensorThings clients reach the broker for those notifications, e.g. mqtt://broker.town:1883:
# when set, the service root advertises it (set it where the workers have CITYOPS_STA_MQTT on).
CITYOPS_STA_MQTT_ENDPOINT = env_str("CITYOPS_STA_MQTT_ENDPOINT", "")

# Sealed secrets (camera passwords …): comma-separated keys, newest first; unset: derived from the
# SECRET_KEY. Changing it without keeping the old key as the second one makes sealed secrets unreadable.
CITYOPS_SEAL_KEY = env_str("CITYOPS_SEAL_KEY", "")

# Video (docs/video.md). GB/T 28181 centre codes a channel ID may start with: GB/T 2260 division
# prefixes of the town (2, 4, 6 or 8 digits).
CITYOPS_VIDEO_DIVISIONS = env_list("CITYOPS_VIDEO_DIVISIONS", "441900")
# The prober: one sweep every this many seconds; a channel is offline after this many failed probes
# in a row (GB/T 28181's keepalive convention: 60 s × 3).
CITYOPS_VIDEO_SWEEP_SECONDS = env_int("CITYOPS_VIDEO_SWEEP_SECONDS", 60, minimum=5)
CITYOPS_VIDEO_OFFLINE_AFTER = env_int("CITYOPS_VIDEO_OFFLINE_AFTER", 3, minimum=1)
CITYOPS_VIDEO_PROBE_CONCURRENCY = env_int("CITYOPS_VIDEO_PROBE_CONCURRENCY", 500, minimum=1)
CITYOPS_VIDEO_CONNECT_TIMEOUT_MS = env_int("CITYOPS_VIDEO_CONNECT_TIMEOUT_MS", 2000, minimum=50)
CITYOPS_VIDEO_READ_TIMEOUT_MS = env_int("CITYOPS_VIDEO_READ_TIMEOUT_MS", 3000, minimum=50)
# An outage longer than this opens a maintenance case (0: never).
CITYOPS_VIDEO_OUTAGE_CASE_MINUTES = env_int("CITYOPS_VIDEO_OUTAGE_CASE_MINUTES", 30, minimum=0)
# The patrol item of that case (the standard catalogue's 视频监控（故障）, as the demo town has it).
CITYOPS_VIDEO_OUTAGE_ITEM = env_str("CITYOPS_VIDEO_OUTAGE_ITEM", "BJ060801")
# Snapshots through ffmpeg: on or off, the time allowed and the largest picture kept.
CITYOPS_VIDEO_SNAPSHOTS = env_bool("CITYOPS_VIDEO_SNAPSHOTS", False)
CITYOPS_VIDEO_SNAPSHOT_TIMEOUT_S = env_int("CITYOPS_VIDEO_SNAPSHOT_TIMEOUT_S", 10, minimum=1)
CITYOPS_VIDEO_SNAPSHOT_MAX_BYTES = env_int("CITYOPS_VIDEO_SNAPSHOT_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
# Live view: the media server's HLS address of a channel; {gb_id} and {stream} (main/sub) are filled.
CITYOPS_VIDEO_HLS_URL = env_str("CITYOPS_VIDEO_HLS_URL", "")
# AI alerts: the shared HMAC key of the analytics webhook, and how old an event may be.
CITYOPS_VIDEO_WEBHOOK_KEY = env_str("CITYOPS_VIDEO_WEBHOOK_KEY", "")
CITYOPS_VIDEO_WEBHOOK_WINDOW_S = env_int("CITYOPS_VIDEO_WEBHOOK_WINDOW_S", 300, minimum=10)
# The GB/T 28181 access point (`cityops video-sip`, docs/video-sip.md): the platform's own 20-digit
# ID (type 200) and SIP domain (the digest realm), where it listens (UDP and TCP), the shared device
# password (a device's own sealed password wins), whether an unknown device that knows the shared
# password is added on its first REGISTER, and the project that channels new in a catalog join
# (empty: new channels are reported and skipped).
CITYOPS_VIDEO_SIP_ID = env_str("CITYOPS_VIDEO_SIP_ID", "44190000002000000001")
CITYOPS_VIDEO_SIP_DOMAIN = env_str("CITYOPS_VIDEO_SIP_DOMAIN", "4419000000")
CITYOPS_VIDEO_SIP_HOST = env_str("CITYOPS_VIDEO_SIP_HOST", "0.0.0.0")
CITYOPS_VIDEO_SIP_PORT = env_int("CITYOPS_VIDEO_SIP_PORT", 5060, minimum=0)
CITYOPS_VIDEO_SIP_PASSWORD = env_str("CITYOPS_VIDEO_SIP_PASSWORD", "")
CITYOPS_VIDEO_SIP_AUTO_ADD = env_bool("CITYOPS_VIDEO_SIP_AUTO_ADD", False)
CITYOPS_VIDEO_SIP_PROJECT = env_str("CITYOPS_VIDEO_SIP_PROJECT", "")

# Backups (docs/deployment.md, "Backup and restore"): where `cityops backup` writes its archives when
# no --out is given (copy them off the machine), and the directory of pg_dump, pg_restore and psql
# when they are not where Debian's PostgreSQL packages put them (set: looked for there only).
CITYOPS_BACKUP_DIR = Path(env_str("CITYOPS_BACKUP_DIR", str(VAR_DIR / "backups")))
CITYOPS_PG_BINDIR = env_str("CITYOPS_PG_BINDIR", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CITYOPS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every step of every PDF (and of its own style sheets) at INFO
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# the data brain's upstream sync to the city-level platform (docs/databrain.md, "Upstream sync")
CITYOPS_DATABRAIN_SYNC_URL = env_str("CITYOPS_DATABRAIN_SYNC_URL", "")
CITYOPS_DATABRAIN_SYNC_TOKEN = env_str("CITYOPS_DATABRAIN_SYNC_TOKEN", "")
CITYOPS_DATABRAIN_SYNC_SOURCE = env_str("CITYOPS_DATABRAIN_SYNC_SOURCE", "cityops")
CITYOPS_DATABRAIN_SYNC_BATCH = env_int("CITYOPS_DATABRAIN_SYNC_BATCH", 500, minimum=1)
CITYOPS_DATABRAIN_SYNC_TIMEOUT = env_int("CITYOPS_DATABRAIN_SYNC_TIMEOUT", 30, minimum=1)
CITYOPS_DATABRAIN_SYNC_INTERVAL = env_int("CITYOPS_DATABRAIN_SYNC_INTERVAL", 60, minimum=0)
CITYOPS_DATABRAIN_SYNC_KEEP_DAYS = env_int("CITYOPS_DATABRAIN_SYNC_KEEP_DAYS", 30, minimum=1)

# Network security (docs/security.md). The operator the town is, for the first report's time limit of
# a 较大 or graver incident (国家网络安全事件报告管理办法 第四条): "other" 4 hours to the provincial
# cyberspace administration, "central" (a central or state organ's unit) 2 hours, "cii" (critical
# information infrastructure) 1 hour. The register warns this many days before an assessment falls
# due; a terminal whose agent has not reported for this many days counts as offline.
CITYOPS_SECURITY_OPERATOR = env_str("CITYOPS_SECURITY_OPERATOR", "other")
if CITYOPS_SECURITY_OPERATOR not in ("other", "central", "cii"):
    raise ImproperlyConfigured(
        f"CITYOPS_SECURITY_OPERATOR={CITYOPS_SECURITY_OPERATOR!r} is not one of other, central, cii."
    )
CITYOPS_SECURITY_ASSESSMENT_WARN_DAYS = env_int("CITYOPS_SECURITY_ASSESSMENT_WARN_DAYS", 30, minimum=1)
CITYOPS_SECURITY_OFFLINE_DAYS = env_int("CITYOPS_SECURITY_OFFLINE_DAYS", 7, minimum=1)
