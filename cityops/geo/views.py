from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from cityops.geo.selectors import region_tree


@login_required
def town_map(request):
    if not request.user.can("geo.view"):
        raise PermissionDenied
    return render(request, "geo/map.html", {"tree": region_tree(user=request.user)})
