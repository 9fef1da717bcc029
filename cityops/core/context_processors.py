from django.conf import settings


def site(request):
    return {
        "CITYOPS_TILE_URL": settings.CITYOPS_TILE_URL,
        "CITYOPS_TILE_ATTRIBUTION": settings.CITYOPS_TILE_ATTRIBUTION,
        "CITYOPS_TILE_MAX_ZOOM": settings.CITYOPS_TILE_MAX_ZOOM,
    }
