"""The one place where every scoped query is restricted to what the acting user may see or do.

A scoped model declares, in ``scope_paths``, the lookup of its area, village and grid (an ancestor
such as an Area row has only the coarser levels). A user carries a scope (town, area, village or
grid, with the ids of the unit and its ancestors) and may be bound to departments. ``restrict``:

- returns nothing when the user's role does not grant ``action``;
- filters every level the model has by the user's unit at that level (one indexed equality each);
- lets the user *view* ancestors of their unit (a village dispatcher sees their area's name) but
  never change them: a write needs the model's finest level to be at or below the user's level;
- for models with ``scope_null_is_ancestor``, lets a user view rows with no unit at a level (such
  rows sit above it, like the command centre for a village dispatcher);
- filters by department when the model has a department path and the user is bound to departments.
"""

from django.db import models

LEVELS = ("area", "village", "grid")


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str):
        """Rows of this queryset that ``user`` may perform ``action`` on."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if not user.can(action):
            return self.none()
        paths = getattr(self.model, "scope_paths", {})
        scope = user.scope_ids()  # {"area": id|None, "village": id|None, "grid": id|None}
        writes = not action.endswith(".view")
        qs = self
        for level in LEVELS:
            unit_id = scope.get(level)
            if unit_id is None:
                continue
            path = paths.get(level)
            if path is None:
                if writes:
                    return self.none()
                continue
            if not writes and getattr(self.model, "scope_null_is_ancestor", False):
                # a row with no unit at this level sits above it (the command centre for a village)
                qs = qs.filter(models.Q(**{path: unit_id}) | models.Q(**{f"{path}__isnull": True}))
            else:
                qs = qs.filter(**{path: unit_id})
        dept_path = getattr(self.model, "scope_department_path", None)
        if dept_path and user.is_department_bound():
            qs = qs.filter(**{f"{dept_path}__in": user.department_ids()})
        return qs


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


class SystemReader:
    """The acting user of the command line and workers when they read: town-wide, read-only."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    username = "system"

    def can(self, action: str) -> bool:
        return action.endswith(".view")

    def scope_ids(self) -> dict:
        return dict.fromkeys(LEVELS)

    def is_department_bound(self) -> bool:
        return False


SYSTEM_READER = SystemReader()
