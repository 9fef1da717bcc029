"""Enums of the data brain's catalogue, loads and quality checks, each with the colour pages show it
in (text colours dark enough for 4.5:1 on white and on a 10 % tint of themselves)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CategoryLevel(models.IntegerChoices):
    """The four levels of the GB/T 21063.4 classification: 类 (1 digit), 项 (2), 目 (3), 细目."""

    CLASS = 1, _("Class (类)")
    ITEM = 2, _("Item (项)")
    HEADING = 3, _("Heading (目)")
    SUBHEADING = 4, _("Subheading (细目)")


class ShareType(models.TextChoices):
    """共享属性 (国发〔2016〕51号): 无条件共享 / 有条件共享 / 不予共享."""

    UNCONDITIONAL = "unconditional", _("Unconditional sharing")
    CONDITIONAL = "conditional", _("Conditional sharing")
    NONE = "none", _("Not shared")

    @property
    def colour(self) -> str:
        return {"unconditional": "#237804", "conditional": "#ad4e00", "none": "#a8071a"}[self.value]


class ShareMethod(models.TextChoices):
    API = "api", _("Interface (API)")
    FILE = "file", _("File download")
    EXCHANGE = "exchange", _("Database exchange")
    QUERY = "query", _("Online query")


class OpenType(models.TextChoices):
    """开放属性: 无条件开放 / 有条件开放 / 不予开放."""

    OPEN = "open", _("Open unconditionally")
    CONDITIONAL = "conditional", _("Open on conditions")
    CLOSED = "closed", _("Not open")

    @property
    def colour(self) -> str:
        return {"open": "#237804", "conditional": "#ad4e00", "closed": "#595959"}[self.value]


class ResourceFormat(models.TextChoices):
    """资源格式大类 as public catalogue implementations list them."""

    DOCUMENT = "document", _("Electronic document")
    SPREADSHEET = "spreadsheet", _("Spreadsheet")
    DATABASE = "database", _("Database")
    IMAGE = "image", _("Graphics and images")
    STREAM = "stream", _("Streaming media")
    SELF_DESCRIBING = "self_describing", _("Self-describing format")
    SERVICE = "service", _("Service interface")


class UpdateCycle(models.TextChoices):
    REALTIME = "realtime", pgettext_lazy("update cycle", "Real time")
    DAILY = "daily", pgettext_lazy("update cycle", "Daily")
    WEEKLY = "weekly", pgettext_lazy("update cycle", "Weekly")
    MONTHLY = "monthly", pgettext_lazy("update cycle", "Monthly")
    QUARTERLY = "quarterly", pgettext_lazy("update cycle", "Quarterly")
    HALF_YEARLY = "half_yearly", pgettext_lazy("update cycle", "Half-yearly")
    YEARLY = "yearly", pgettext_lazy("update cycle", "Yearly")
    IRREGULAR = "irregular", pgettext_lazy("update cycle", "Irregular")


class FieldType(models.TextChoices):
    """The data type of an information item (信息项)."""

    TEXT = "text", _("Text")
    INTEGER = "integer", _("Integer")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")

    @property
    def numeric(self) -> bool:
        return self.value in ("integer", "number")


class Rule(models.TextChoices):
    """The quality rule a field's values are checked against."""

    NONE = "", _("No check")
    RESIDENT_ID = "resident_id", _("Resident ID (GB 11643)")
    CREDIT_CODE = "credit_code", _("Unified social credit code (GB 32100)")
    MOBILE = "mobile", _("Mobile number")
    DIVISION = "division", _("Administrative division code (GB/T 2260)")


class LoadStatus(models.TextChoices):
    STAGED = "staged", _("Waiting for the column mapping")
    QUEUED = "queued", _("Waiting to load in the background")
    RUNNING = "running", _("Loading")
    DONE = "done", _("Loaded")
    REFUSED = "refused", _("Refused, nothing written")

    @property
    def colour(self) -> str:
        return {
            "staged": "#0958d9",
            "queued": "#0958d9",
            "running": "#ad4e00",
            "done": "#237804",
            "refused": "#a8071a",
        }[self.value]


class PullKind(models.TextChoices):
    HTTP = "http", _("HTTP API")
    SQL = "sql", _("SQL query")


class PullFormat(models.TextChoices):
    JSON = "json", "JSON"
    CSV = "csv", "CSV"


class Paging(models.TextChoices):
    NONE = "none", _("No paging")
    PAGE = "page", _("Page number and size")
    OFFSET = "offset", _("Offset and limit")
    NEXT = "next", _("Next link")


class Problem(models.TextChoices):
    """What a quality check found in a value (the value is kept; the record is flagged)."""

    REQUIRED = "required", _("Required value missing")
    DUPLICATE = "duplicate", _("Duplicate key")
    DATE = "date", _("Not a date")
    NUMBER = "number", _("Not a number")
    TOO_LONG = "too_long", _("Longer than the field allows")
    RESIDENT_ID = "resident_id", _("Invalid resident ID")
    CREDIT_CODE = "credit_code", _("Invalid unified social credit code")
    MOBILE = "mobile", _("Invalid mobile number")
    DIVISION = "division", _("Unknown administrative division code")


class ConsumerKind(models.TextChoices):
    """Who uses shared data: a department of the town, or an outside system."""

    DEPARTMENT = "department", _("Department")
    SYSTEM = "system", _("External system")


class RequestStatus(models.TextChoices):
    """A sharing request: waiting for the provider, then granted, refused or withdrawn."""

    PENDING = "pending", _("Awaiting decision")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @property
    def colour(self) -> str:
        return {"pending": "#0958d9", "granted": "#237804", "refused": "#a8071a", "withdrawn": "#595959"}[
            self.value
        ]


class AccessChannel(models.TextChoices):
    """Where a read of records came from (the usage log)."""

    API = "api", _("Query API")
    KEY = "key", _("Consumer key")
    CKAN = "ckan", _("CKAN API")
    PAGE = "page", _("Records page")
    EXPORT = "export", _("Export")


class ChangeKind(models.TextChoices):
    """What an outbox row of the upstream sync stands for."""

    CATALOGUE = "catalogue", _("Catalogue entry")
    RECORDS = "records", _("Records of a load")
    DELETIONS = "deletions", _("Records deleted")
    WITHDRAWAL = "withdrawal", _("Resource withdrawn")


class BatchStatus(models.TextChoices):
    """How one attempt to push a batch upstream ended."""

    ACKED = "acked", _("Acknowledged")
    FAILED = "failed", _("Failed, will be retried")
    REJECTED = "rejected", _("Rejected, needs a person")
    WITHHELD = "withheld", _("Withheld: not shared")

    @property
    def colour(self) -> str:
        return {"acked": "#237804", "failed": "#ad4e00", "rejected": "#a8071a", "withheld": "#595959"}[
            self.value
        ]


class SyncHealth(models.TextChoices):
    """A resource's place in the upstream sync, as the status page shows it."""

    IN_SYNC = "in_sync", _("In sync")
    BEHIND = "behind", _("Behind")
    FAILING = "failing", _("Failing, retrying")
    STOPPED = "stopped", _("Stopped, needs a person")
    PAUSED = "paused", _("Paused")

    @property
    def colour(self) -> str:
        return {
            "in_sync": "#237804",
            "behind": "#0958d9",
            "failing": "#ad4e00",
            "stopped": "#a8071a",
            "paused": "#595959",
        }[self.value]
