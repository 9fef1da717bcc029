"""The one endpoint of the CKAN Action API: ``/ckan/api/3/action/<name>`` and ``/ckan/api/action/<name>``,
GET with a query string or POST with a JSON body, answered in CKAN's envelope."""

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cityops.databrain.ckan import errors
from cityops.databrain.ckan.actions import ACTIONS, Context
from cityops.databrain.ckan.auth import caller
from cityops.databrain.ckan.catalogue import Catalogue
from cityops.databrain.ckan.params import Params, request_data


@csrf_exempt  # every action is a read: a forged request changes nothing and cannot read the answer
@require_http_methods(["GET", "POST"])
def action(request, name: str):
    help_url = request.build_absolute_uri(f"{request.path.rsplit('/', 1)[0]}/help_show?name={name}")
    function = ACTIONS.get(name)
    if function is None:
        return errors.bad_request(f"Action name not known: {name}")
    try:
        data = request_data(request)
    except errors.BadRequest as exc:
        return errors.bad_request(str(exc))
    try:
        who = caller(request)
        result = function(Context(request, who, Catalogue(who, request)), Params(data))
    except errors.CkanError as exc:
        return errors.failed(help_url, exc)
    return errors.ok(help_url, result)
