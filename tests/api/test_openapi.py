"""The OpenAPI document: its operationIds stay as published whatever the layout of the routers."""

from cityops.api import api


def operation_ids() -> list[str]:
    schema = api.get_openapi_schema()
    return [op["operationId"] for path in schema["paths"].values() for op in path.values()]


def test_operation_ids_are_unique():
    ids = operation_ids()
    assert len(ids) == len(set(ids))


def test_the_main_routers_keep_their_published_operation_ids():
    """cases/api/cases.py and iot/api/iot.py publish as cases/api.py and iot/api.py did; the other
    routers' ids were the same before and after they moved into the packages."""
    ids = set(operation_ids())
    assert {"cityops_cases_api_case_list", "cityops_cases_api_report", "cityops_iot_api_device_list"} <= ids
    assert {"cityops_cases_api_kpis_kpis", "cityops_iot_api_ingest_telemetry"} <= ids
    assert not any(i.startswith(("cityops_cases_api_cases_", "cityops_iot_api_iot_")) for i in ids)


def _schemas(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _schemas(sub)


def test_no_two_schemas_share_a_name():
    """The document names its components by class name: two schemas of one name would publish one
    of them for both, and a client would validate one endpoint's answer against the other's."""
    from ninja import Schema

    published = api.get_openapi_schema()["components"]["schemas"]
    by_name: dict[str, set[str]] = {}
    for cls in _schemas(Schema):
        if cls.__module__.startswith("cityops.") and cls.__name__ in published:
            by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not shared
