"""The JSON API routers of grid governance, one module per router, mounted in ``cityops/api.py``."""
