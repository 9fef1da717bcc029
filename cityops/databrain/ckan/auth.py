"""Who is calling the CKAN API, and what of a resource they may read — all in one place.

A caller is one of: a staff user with ``databrain.view`` (signed in by session, or by a raw API token in
the ``Authorization`` header as CKAN clients send it, ``Bearer <token>`` also accepted), a holder of a
consumer key issued through sharing, or anonymous. Unconditionally shared resources (无条件共享) are
public; the rest are private and visible to staff only (or to a key granted them).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cityops.accounts.services import token_authenticate
from cityops.databrain.choices import ShareType
from cityops.databrain.ckan.errors import AuthorizationError
from cityops.databrain.models import Resource
from cityops.databrain.sharing import keys as sharing_keys


@dataclass
class Caller:
    user: object = None  # a staff user who may view the catalogue
    key: object = None  # a consumer key (sharing.keys.ApiKey)
    _visible: set | None = field(default=None, repr=False)

    @property
    def staff(self) -> bool:
        return self.user is not None

    def resources(self, *, withdrawn: bool = False):
        """The resources this caller may see, as a queryset: those in the catalogue, and with
        ``withdrawn`` also the withdrawn ones to staff (CKAN's deleted datasets, which only their
        editors see)."""
        if self.staff:
            qs = Resource.objects.restrict(self.user, "databrain.view")
            return qs if withdrawn else qs.filter(withdrawn_at__isnull=True)
        listed = Resource.objects.filter(withdrawn_at__isnull=True)
        public = listed.filter(share_type=ShareType.UNCONDITIONAL)
        if self.key is None:
            return public
        return listed.filter(pk__in=sharing_keys.granted_resource_ids(key=self.key)) | public

    def can_see(self, resource) -> bool:
        if self._visible is None:
            self._visible = set(self.resources(withdrawn=True).values_list("pk", flat=True))
        return resource.pk in self._visible

    def fields(self, resource) -> list:
        """The information items of ``resource`` this caller may read, in their order."""
        fields = list(resource.fields.all())
        granted = self._granted(resource)
        if granted is None:
            return fields
        return [f for f in fields if f.name in granted]

    def unmasked(self, resource) -> set[str]:
        """Names of the personal fields this caller reads unmasked (the rest are masked)."""
        if self.staff:
            return {f.name for f in resource.fields.all()} if self.user.can("databrain.change") else set()
        if self.key is not None:
            return set(sharing_keys.unmasked_fields(key=self.key, resource=resource) or ())
        return set()

    def _granted(self, resource) -> list[str] | None:
        if self.key is None:
            return None
        return sharing_keys.granted_fields(key=self.key, resource=resource)


def _raw_key(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "").strip()
    scheme, _sep, rest = header.partition(" ")
    if scheme.lower() == "bearer":
        return rest.strip()
    return header or request.META.get("HTTP_X_CKAN_API_KEY", "").strip()


def caller(request) -> Caller:
    """The caller of a CKAN request; a key that is sent and not valid is an Authorization Error (a
    client that sends one expects it to count, and must not silently be served as anonymous)."""
    raw = _raw_key(request)
    if raw:
        user = token_authenticate(raw)
        if user is not None and user.can("databrain.view"):
            return Caller(user=user)
        if sharing_keys.looks_like_key(raw):
            try:
                return Caller(key=sharing_keys.authenticate(raw))
            except sharing_keys.KeyRejected as exc:
                raise AuthorizationError(exc.detail) from None
        raise AuthorizationError(
            _("the key in the Authorization header is not valid (unknown, expired or revoked)")
        )
    user = request.user
    if user.is_authenticated and user.can("databrain.view"):
        return Caller(user=user)
    return Caller()
