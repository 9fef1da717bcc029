"""``POST CreateObservations``: many Observations in the dataArray format, each row stored or "error"."""

from django.db import transaction

from cityops.iot.sta.errors import StaError, bad_request
from cityops.iot.sta.writes import CHANGE, linked, observation_row, require_change, store

COMPONENTS = {"phenomenonTime", "resultTime", "result", "FeatureOfInterest/id"}


def create_observations(ctx, body) -> list[str]:
    """The selfLink of each stored row, in request order; "error" for a refused one."""
    require_change(ctx.user)
    if not isinstance(body, list):
        raise bad_request("CreateObservations takes a JSON array of {Datastream, components, dataArray}.")
    rows, slots = [], []
    for group in body:
        datastream, components, data = _group(ctx, group)
        for values in data:
            row = _row(ctx, datastream, components, values)
            slots.append(len(rows) if row is not None else None)
            if row is not None:
                rows.append(row)
    with transaction.atomic():
        stored = store(rows) if rows else []
    links = []
    for slot in slots:
        outcome = stored[slot] if slot is not None else None
        links.append(
            "error"
            if outcome is None or isinstance(outcome, StaError)
            else f"{ctx.root}Observations({outcome})"
        )
    return links


def _group(ctx, group):
    if not isinstance(group, dict):
        raise bad_request("Each element needs Datastream, components and dataArray.")
    datastream = linked(ctx, "Datastream", group.get("Datastream"), CHANGE)
    if datastream is None:
        raise bad_request('Each element needs its Datastream as {"@iot.id": n}.')
    components = group.get("components")
    if not isinstance(components, list) or "result" not in components:
        raise bad_request("components must be a list naming at least result.")
    unknown = [c for c in components if c not in COMPONENTS]
    if unknown:
        raise bad_request(f"Unsupported components: {', '.join(map(str, unknown))}.")
    data = group.get("dataArray")
    if not isinstance(data, list):
        raise bad_request("dataArray must be a list of rows.")
    return datastream, components, data


def _row(ctx, datastream, components, values):
    """(datastream, time, result) of one row, or None when the row cannot be read."""
    if not isinstance(values, list) or len(values) != len(components):
        return None
    body = dict(zip(components, values, strict=True))
    if "FeatureOfInterest/id" in body:
        body["FeatureOfInterest"] = {"@iot.id": body.pop("FeatureOfInterest/id")}
    try:
        when, result = observation_row(ctx, datastream, body)
    except StaError:
        return None
    return datastream, when, result
