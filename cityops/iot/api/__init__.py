"""The JSON API routers of the IoT platform, mounted in ``cityops/api.py``."""
