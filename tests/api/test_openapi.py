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
