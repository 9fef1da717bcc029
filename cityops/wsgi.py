import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
application = get_wsgi_application()
# Import every page and the API now, when the worker starts, rather than on its first request (about
# two seconds that the first visitor of each new worker would otherwise wait).
get_resolver().resolve("/accounts/login/")
