from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from cityops.geo.choices import PlaceKind
from cityops.geo.selectors import region_tree


@login_required
def town_map(request):
    if not request.user.can("geo.view"):
        raise PermissionDenied
    place_kinds = [{"value": k.value, "label": str(k.label), "colour": k.colour} for k in PlaceKind]
    return render(
        request, "geo/map.html", {"tree": region_tree(user=request.user), "place_kinds": place_kinds}
    )
