"""Roles, what each may do, and at which level of the hierarchy each may be scoped."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DUTY_OFFICER = "duty_officer", _("Command-centre duty officer")
    DISPATCHER = "dispatcher", _("Workstation dispatcher")
    INSPECTOR = "inspector", _("Comprehensive inspector")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    RESIDENT = "resident", _("Resident")
    WINDOW_CLERK = "window_clerk", _("Service-window clerk")
    DATA_STEWARD = "data_steward", _("Data steward")
    AUDITOR = "auditor", _("Auditor")
    SECURITY_OFFICER = "security_officer", _("Security officer")
    FOOD_SAFETY = "food_safety", _("School food-safety officer")
    SERVICE_SUPERVISOR = "service_supervisor", _("Service-centre supervisor")
    SYSADMIN = "sysadmin", _("System administrator")

    @property
    def colour(self) -> str:
        return ROLE_COLOURS[self.value]


ROLE_COLOURS = {
    "duty_officer": "#cf1322",
    "dispatcher": "#ad4e00",
    "inspector": "#237804",
    "department_handler": "#1d39c4",
    "resident": "#595959",
    "window_clerk": "#006d75",
    "data_steward": "#531dab",
    "auditor": "#614700",
    "security_officer": "#00474f",
    "food_safety": "#a8071a",
    "sysadmin": "#262626",
    "service_supervisor": "#874d00",
}


class ScopeLevel(models.TextChoices):
    TOWN = "town", _("Town")
    AREA = "area", _("Area")
    VILLAGE = "village", _("Village")
    GRID = "grid", _("Grid")


# databrain.view: the data catalogue, its records and loads; databrain.change: catalogue resources,
# edit their metadata, load their records, manage sharing for every resource (the data steward);
# databrain.share: ask for resources on behalf of one's own department and decide the sharing requests
# for the resources one's own department provides.
_STAFF_READ = {"geo.view", "org.view", "databrain.view", "egov.view"}

# egov.view: the government service item catalogue and its guides (the public reads published guides
# at the kiosk without signing in); egov.manage: edit, publish and import items (a department-bound
# user only those of their own departments).
# egov.applications: read service applications (办件) and the department dashboard; egov.process: the
# window clerk's work on them (take, check materials, 补正, accept, decide, fees, delivery);
# egov.approve: approve or refuse the extension of an application's time limit (a department's
# handler, for their own departments); egov.apply: apply online for oneself (a resident).
# egov.follow_up: follow up a bad rating (好差评) of one's own departments: contact the applicant,
# rectify, appeal; egov.supervise: decide those appeals (the service centre's supervisor). Ratings and
# their figures are read with egov.applications.
_EGOV_READ = {"egov.applications"}

_CASES = {"cases.view"}

# iot.view: devices, readings and alarms; iot.alarm: acknowledge, clear and comment on alarms;
# iot.change: register devices, types and rules, issue device secrets; iot.admin: dead letters.
_IOT_READ = {"iot.view"}

# video.view: cameras, their health, online rates and AI alerts; video.live: watch a camera live;
# video.change: the camera registry and its imports, alert kinds; video.kitchen: the bright-kitchen
# pages (a food-safety officer sees only the schools they are an officer of).
_VIDEO_READ = {"video.view", "video.kitchen"}

# ops.view: the operations centre's big screen and decision support; ops.duty: keep the duty
# roster and the handover log; ops.command: raise incidents, activate plans, direct the response;
# ops.reports: the operations reports and their archive.
_OPS_READ = {"ops.view", "ops.reports"}

# accounts.review: the access reviews (open one, decide its items); only the auditor signs a review.
# audit.view: the audit trail, its exports and its verification.
# security.view: the register of information systems, the terminals and the network security
# incidents (the security officer and the auditor only: the incidents name systems, weaknesses and
# people); security.register: keep the register and import the terminals; security.respond: register
# incidents and record their response. The operations centre sees open incidents by grade on its
# screen (``ops.view``), with no titles or names.
_SECURITY_READ = {"security.view"}

# jobs.view: the background jobs page (what ran, what failed and why), for those who keep the town running.
_JOBS = {"jobs.view"}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.SYSADMIN: frozenset(
        _STAFF_READ
        | _CASES
        | {
            "geo.change",
            "org.change",
            "accounts.view",
            "accounts.change",
            "accounts.review",
            "audit.view",
            "admin.access",
            "cases.catalogue",
            "iot.view",
            "iot.change",
            "iot.alarm",
            "iot.admin",
            "video.change",
            "video.live",
            "databrain.change",
            "databrain.share",
            "egov.manage",
            "egov.applications",
            "ops.duty",
            "ops.command",
        }
        | _VIDEO_READ
        | _OPS_READ
        | _JOBS
    ),
    Role.DUTY_OFFICER: frozenset(
        _STAFF_READ
        | _CASES
        | _IOT_READ
        | _VIDEO_READ
        | _OPS_READ
        | _JOBS
        | _EGOV_READ
        | {"accounts.view", "cases.intake", "iot.alarm", "video.live", "ops.duty", "ops.command"}
    ),
    Role.DISPATCHER: frozenset(
        _STAFF_READ
        | _CASES
        | _IOT_READ
        | _VIDEO_READ
        | {"accounts.view", "cases.intake", "iot.alarm", "video.live", "ops.view"}
    ),
    Role.INSPECTOR: frozenset(_STAFF_READ | _CASES | {"cases.intake"}),
    Role.DEPARTMENT_HANDLER: frozenset(
        _STAFF_READ
        | _CASES
        | _EGOV_READ
        | {"databrain.share", "egov.manage", "egov.approve", "egov.follow_up"}
    ),
    Role.WINDOW_CLERK: frozenset(_STAFF_READ | _EGOV_READ | {"egov.process"}),
    Role.DATA_STEWARD: frozenset(
        _STAFF_READ
        | _IOT_READ
        | _VIDEO_READ
        | {
            "geo.change",
            "admin.access",
            "cases.catalogue",
            "iot.change",
            "video.change",
            "databrain.change",
            "databrain.share",
        }
    ),
    Role.AUDITOR: frozenset(
        _STAFF_READ
        | _CASES
        | _IOT_READ
        | _VIDEO_READ
        | _OPS_READ
        | _SECURITY_READ
        | _EGOV_READ
        | {"accounts.view", "accounts.review", "audit.view", "admin.access"}
    ),
    # 安全管理员: the security side of the three separated administrators (system, audit, security)
    Role.SECURITY_OFFICER: frozenset(
        {"geo.view", "org.view"} | _SECURITY_READ | {"security.register", "security.respond"}
    ),
    Role.FOOD_SAFETY: frozenset({"video.kitchen"}),
    Role.SERVICE_SUPERVISOR: frozenset(_STAFF_READ | _EGOV_READ | {"egov.supervise"}),
    Role.RESIDENT: frozenset({"egov.apply"}),
}

# What a superuser (the system administrator) does not get by being one: the security officer's
# register and incidents (三权分立: the system, audit and security administrators each do their own
# work; the auditor reads the security officer's, the system administrator does not).
SEPARATED_ACTIONS = frozenset({"security.view", "security.register", "security.respond"})

ROLE_LEVELS: dict[str, frozenset[str]] = {
    Role.SYSADMIN: frozenset({"town"}),
    Role.DUTY_OFFICER: frozenset({"town", "area"}),
    Role.DISPATCHER: frozenset({"area", "village"}),
    Role.INSPECTOR: frozenset({"grid"}),
    Role.DEPARTMENT_HANDLER: frozenset({"town"}),
    Role.WINDOW_CLERK: frozenset({"town", "village"}),
    Role.DATA_STEWARD: frozenset({"town"}),
    Role.AUDITOR: frozenset({"town"}),
    Role.SECURITY_OFFICER: frozenset({"town"}),
    Role.FOOD_SAFETY: frozenset({"town"}),
    Role.SERVICE_SUPERVISOR: frozenset({"town"}),
    Role.RESIDENT: frozenset({"town"}),
}

# Roles whose scope is narrowed further to the departments the user belongs to.
DEPARTMENT_BOUND = frozenset({Role.DEPARTMENT_HANDLER})
STAFF_ROLES = frozenset(set(Role) - {Role.RESIDENT})
