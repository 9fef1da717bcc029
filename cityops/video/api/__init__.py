"""The video API routers, one a module (``registry``: channels, sites, projects; ``alerts``: the analytics webhook), mounted in cityops/api.py."""
