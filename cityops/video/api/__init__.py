"""The video API's routers, one a module (``registry``: channels, sites, projects)."""
