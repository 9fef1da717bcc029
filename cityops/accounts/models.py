"""Accounts: users with a role and a scope, and API tokens for machines."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.accounts.choices import Decision, ItemKind, ReviewKind, ReviewStatus
from cityops.accounts.roles import DEPARTMENT_BOUND, ROLE_ACTIONS, SEPARATED_ACTIONS, Role, ScopeLevel
from cityops.core.scoping import ScopedQuerySet
from cityops.geo.models import Area, Grid, Village
from cityops.org.models import Department


class UserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    display_name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    role = models.CharField(
        _("role"), max_length=24, choices=Role.choices, default=Role.RESIDENT, db_index=True
    )
    scope_level = models.CharField(
        _("scope"), max_length=10, choices=ScopeLevel.choices, default=ScopeLevel.TOWN
    )
    scope_area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    scope_village = models.ForeignKey(
        Village, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scope_grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="inspectors"
    )
    departments = models.ManyToManyField(Department, blank=True, related_name="members")
    password_changed_at = models.DateTimeField(null=True, blank=True)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()
    scope_paths = {"area": "scope_area_id", "village": "scope_village_id", "grid": "scope_grid_id"}

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="%(app_label)s_%(class)s_scope_units",
                condition=(
                    Q(
                        scope_level="town",
                        scope_area__isnull=True,
                        scope_village__isnull=True,
                        scope_grid__isnull=True,
                    )
                    | Q(
                        scope_level="area",
                        scope_area__isnull=False,
                        scope_village__isnull=True,
                        scope_grid__isnull=True,
                    )
                    | Q(
                        scope_level="village",
                        scope_area__isnull=False,
                        scope_village__isnull=False,
                        scope_grid__isnull=True,
                    )
                    | Q(
                        scope_level="grid",
                        scope_area__isnull=False,
                        scope_village__isnull=False,
                        scope_grid__isnull=False,
                    )
                ),
            ),
        ]
        indexes = [models.Index(fields=["role", "scope_grid"], name="accounts_user_role_grid_idx")]

    def __str__(self):
        return self.display_name or self.username

    def can(self, action: str) -> bool:
        """Whether the user's role grants ``action`` (superusers may do everything but the security
        officer's own work, ``SEPARATED_ACTIONS``)."""
        if not self.is_active:
            return False
        if action in ROLE_ACTIONS.get(self.role, frozenset()):
            return True
        return self.is_superuser and action not in SEPARATED_ACTIONS

    def scope_ids(self) -> dict[str, int | None]:
        return {"area": self.scope_area_id, "village": self.scope_village_id, "grid": self.scope_grid_id}

    def is_department_bound(self) -> bool:
        return self.role in DEPARTMENT_BOUND

    def department_ids(self) -> list[int]:
        if not hasattr(self, "_department_ids"):
            self._department_ids = list(self.departments.values_list("id", flat=True))
        return self._department_ids

    @property
    def scope_unit(self):
        return self.scope_grid or self.scope_village or self.scope_area

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()

    @property
    def role_colour(self) -> str:
        return Role(self.role).colour


class ApiToken(models.Model):
    """A machine credential: only a SHA-256 digest of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class AccessReview(models.Model):
    """A periodic review of who holds access: opened each quarter (the job ``accounts.reviews``) or on
    demand, its items decided by the reviewers, and signed by an auditor once none is left to decide."""

    period = models.CharField(_("period"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=ReviewKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened"))
    opened_by = models.CharField(_("opened by"), max_length=150)
    dormant_days = models.PositiveIntegerField()  # the settings in force when it opened
    notice_days = models.PositiveIntegerField()
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=150, blank=True)
    signed_by_id = models.BigIntegerField(null=True, blank=True)
    sign_note = models.TextField(_("auditor's note"), blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")
        constraints = [
            # each quarter has one quarterly review, however many workers open it at once
            models.UniqueConstraint(
                fields=["period"], condition=Q(kind="quarterly"), name="%(app_label)s_%(class)s_one_a_quarter"
            ),
            # and at most one review is open at a time: two would send two notices to the same person
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="open"), name="%(app_label)s_%(class)s_one_open"
            ),
        ]

    def __str__(self):
        return f"{self.period} ({self.get_kind_display()})"

    @property
    def status_colour(self) -> str:
        return ReviewStatus(self.status).colour


class ReviewItem(models.Model):
    """One account, role, token or key a review asks about, with what was decided and why."""

    review = models.ForeignKey(AccessReview, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("kind"), max_length=12, choices=ItemKind.choices)
    subject_type = models.CharField(max_length=64)  # accounts.user, accounts.apitoken, databrain.apikey
    subject_id = models.CharField(max_length=64)
    subject = models.CharField(_("subject"), max_length=200)
    holder = models.CharField(_("held by"), max_length=150, blank=True)
    holder_id = models.BigIntegerField(null=True, blank=True)  # the account behind it, when there is one
    facts = models.JSONField(default=dict, blank=True)  # role, last sign-in, age, last use … when it opened
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    notice_at = models.DateTimeField(_("notice sent"), null=True, blank=True)
    disable_after = models.DateTimeField(_("disabled after"), null=True, blank=True)

    class Meta:
        ordering = ["review", "kind", "subject"]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "kind", "subject_type", "subject_id"], name="%(app_label)s_%(class)s_once"
            ),
        ]
        indexes = [models.Index(fields=["kind", "decision"], name="accounts_reviewitem_open_idx")]

    def __str__(self):
        return f"{self.kind} {self.subject}"

    @property
    def kind_colour(self) -> str:
        return ItemKind(self.kind).colour

    @property
    def decision_colour(self) -> str:
        return Decision(self.decision).colour
