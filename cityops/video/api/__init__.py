"""The video API routers, one per concept (mounted in cityops/api.py)."""
