"""Microsoft's Azure Digital Twins SDK for Python (`azure-digitaltwins-core`), unmodified,
against the twinscope emulator: a person's session with the data plane from models to
deletion, including the errors the SDK maps to its own exception types.

Run by `emulator/tests/it/adt_azure_sdk.rs`, which starts the emulator, signs a person in
through the emulator's sign-in page for a real ADT token and passes:
  ADT_HOST   the instance host, e.g. contoso-lab.api.weu.digitaltwins.azure.net
  ADT_BASE   where the emulator serves that host: http://127.0.0.1:{port}/adt/{host}
  ADT_TOKEN  the access token

The client is given the instance's real endpoint, https://{host}; only the transport (the
last step of the SDK's pipeline, after its bearer policy has checked for https) sends each
request to the emulator instead, as the twinscope gateway does for the browser. Every URL
the SDK builds, next links included, must therefore be on https://{host}/.

Each step prints one JSON line {"step", "ok", ...}; the first failure raises and the process
exits non-zero with the step's name.
"""

import json
import os
import sys
import time

from azure.core.credentials import AccessToken
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.core import MatchConditions
from azure.core.pipeline.transport import RequestsTransport
from azure.digitaltwins.core import DigitalTwinsClient, DigitalTwinsEventRoute
from azure.digitaltwins.core._generated.models import (
    DigitalTwinModelsListOptions,
    QueryTwinsOptions,
)

HOST = os.environ["ADT_HOST"]
BASE = os.environ["ADT_BASE"].rstrip("/")
TOKEN = os.environ["ADT_TOKEN"]
ADT_SCOPE = "https://digitaltwins.azure.net/.default"


class EmulatorTransport(RequestsTransport):
    """Sends https://{host}/… to the emulator's /adt/{host}/…; refuses any other URL."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def send(self, request, **kwargs):
        prefix = f"https://{HOST}/"
        if not request.url.startswith(prefix):
            raise AssertionError(f"the SDK built a URL off the instance: {request.url}")
        self.seen.append((request.method, request.url))
        request.url = f"{BASE}/{request.url[len(prefix):]}"
        return super().send(request, **kwargs)


class Credential:
    """The token the test obtained; fails if the SDK asks for any other scope."""

    def __init__(self):
        self.asked = []

    def get_token(self, *scopes, **kwargs):
        self.asked.append(scopes)
        if list(scopes) != [ADT_SCOPE]:
            raise AssertionError(f"the SDK asked for {scopes}, not {ADT_SCOPE}")
        return AccessToken(TOKEN, int(time.time()) + 3000)


def step(name, **facts):
    print(json.dumps({"step": name, "ok": True, **facts}), flush=True)


def expect(error_type, action):
    try:
        action()
    except error_type as error:
        return error
    raise AssertionError(f"expected {error_type.__name__}")


ROOM = "dtmi:twinscope:sdk:Room;1"
FLOOR = "dtmi:twinscope:sdk:Floor;1"
SENSOR = "dtmi:twinscope:sdk:Sensor;1"
MODELS = [
    {
        "@id": SENSOR,
        "@type": "Interface",
        "@context": "dtmi:dtdl:context;2",
        "displayName": "Sensor",
        "contents": [{"@type": "Property", "name": "reading", "schema": "double", "writable": True}],
    },
    {
        "@id": ROOM,
        "@type": "Interface",
        "@context": "dtmi:dtdl:context;2",
        "displayName": "Room",
        "contents": [
            {"@type": "Property", "name": "temperature", "schema": "double", "writable": True},
            {"@type": "Property", "name": "name", "schema": "string", "writable": True},
            {"@type": "Telemetry", "name": "occupancy", "schema": "integer"},
            {"@type": "Component", "name": "sensor", "schema": SENSOR},
        ],
    },
    {
        "@id": FLOOR,
        "@type": "Interface",
        "@context": "dtmi:dtdl:context;2",
        "displayName": "Floor",
        "contents": [
            {
                "@type": "Relationship",
                "name": "contains",
                "target": ROOM,
                "properties": [{"@type": "Property", "name": "since", "schema": "string"}],
            }
        ],
    },
]


def room(name, temperature):
    return {
        "$metadata": {"$model": ROOM},
        "temperature": temperature,
        "name": name,
        "sensor": {"$metadata": {}, "reading": 0.5},
    }


def main():
    transport = EmulatorTransport()
    credential = Credential()
    client = DigitalTwinsClient(f"https://{HOST}", credential, transport=transport)

    created = client.create_models(MODELS)
    assert sorted(m.id for m in created) == sorted([ROOM, FLOOR, SENSOR]), created
    assert all(not m.decommissioned and m.upload_time is not None for m in created)
    step("create_models", ids=[m.id for m in created])

    error = expect(ResourceExistsError, lambda: client.create_models(MODELS[:1]))
    assert error.error.code == "ModelIdAlreadyExists", error.error.code
    step("create_models again", status=error.status_code, code=error.error.code)

    model = client.get_model(ROOM, include_model_definition=True)
    assert model.id == ROOM and model.model["@id"] == ROOM, model
    assert model.display_name == {"en": "Room"}, model.display_name
    step("get_model", display_name=model.display_name)

    before = len(transport.seen)
    # `results_per_page=1` is what the SDK documents, but 1.3.0 hands it to `requests`
    # (TypeError: unexpected keyword argument 'max_item_count'); its generated layer's option
    # is what sends `max-items-per-page`.
    one_per_page = DigitalTwinModelsListOptions(max_items_per_page=1)
    listed = list(
        client.list_models(
            include_model_definition=True, digital_twin_models_list_options=one_per_page
        )
    )
    pages = len(transport.seen) - before
    assert sorted(m.id for m in listed) == sorted([ROOM, FLOOR, SENSOR]), listed
    assert all(m.model is not None for m in listed)
    next_links = [url for _, url in transport.seen[before + 1 :]]
    assert pages >= 2 and all("continuationToken=" in url for url in next_links), next_links
    step("list_models", models=len(listed), requests=pages)

    deps = list(client.list_models([ROOM]))
    assert sorted(m.id for m in deps) == sorted([ROOM, SENSOR]), [m.id for m in deps]
    step("list_models dependencies_for", ids=sorted(m.id for m in deps))

    twin = client.upsert_digital_twin("room-1", room("Room 1", 22.5))
    assert twin["$dtId"] == "room-1" and twin["temperature"] == 22.5, twin
    etag = twin["$etag"]
    assert etag.startswith('W/"'), etag
    step("upsert_digital_twin", etag=etag)

    got = client.get_digital_twin("room-1")
    assert got["$etag"] == etag and got["sensor"]["reading"] == 0.5, got
    step("get_digital_twin")

    error = expect(
        ResourceExistsError,
        lambda: client.upsert_digital_twin(
            "room-1", room("Room 1", 1.0), match_condition=MatchConditions.IfMissing
        ),
    )
    step("upsert_digital_twin if missing", status=error.status_code)

    client.update_digital_twin(
        "room-1",
        [{"op": "replace", "path": "/temperature", "value": 23.25}],
        etag=etag,
        match_condition=MatchConditions.IfNotModified,
    )
    updated = client.get_digital_twin("room-1")
    assert updated["temperature"] == 23.25 and updated["$etag"] != etag, updated
    step("update_digital_twin if not modified", etag=updated["$etag"])

    error = expect(
        ResourceModifiedError,
        lambda: client.update_digital_twin(
            "room-1",
            [{"op": "replace", "path": "/temperature", "value": 1.0}],
            etag=etag,
            match_condition=MatchConditions.IfNotModified,
        ),
    )
    assert client.get_digital_twin("room-1")["temperature"] == 23.25
    step("update_digital_twin with a stale etag", status=error.status_code)

    error = expect(
        HttpResponseError,
        lambda: client.update_digital_twin(
            "room-1", [{"op": "replace", "path": "/temperature", "value": "warm"}]
        ),
    )
    assert error.status_code == 400 and error.error.code == "ValidationFailed", error
    step("update_digital_twin against the model", code=error.error.code)

    error = expect(ResourceNotFoundError, lambda: client.get_digital_twin("no-such-twin"))
    assert error.error.code == "DigitalTwinNotFound", error.error.code
    step("get_digital_twin missing", code=error.error.code)

    component = client.get_component("room-1", "sensor")
    assert component["reading"] == 0.5, component
    client.update_component(
        "room-1", "sensor", [{"op": "replace", "path": "/reading", "value": 0.75}]
    )
    assert client.get_component("room-1", "sensor")["reading"] == 0.75
    step("get_component and update_component")

    client.upsert_digital_twin("floor-1", {"$metadata": {"$model": FLOOR}})
    relationship = client.upsert_relationship(
        "floor-1",
        "floor-1-contains-room-1",
        {
            "$relationshipId": "floor-1-contains-room-1",
            "$sourceId": "floor-1",
            "$targetId": "room-1",
            "$relationshipName": "contains",
            "since": "2026",
        },
    )
    assert relationship["$targetId"] == "room-1" and relationship["since"] == "2026", relationship
    got = client.get_relationship("floor-1", "floor-1-contains-room-1")
    assert got["$etag"] == relationship["$etag"], got
    step("upsert_relationship and get_relationship")

    client.update_relationship(
        "floor-1",
        "floor-1-contains-room-1",
        [{"op": "replace", "path": "/since", "value": "2025"}],
        etag=relationship["$etag"],
        match_condition=MatchConditions.IfNotModified,
    )
    assert client.get_relationship("floor-1", "floor-1-contains-room-1")["since"] == "2025"
    step("update_relationship")

    outgoing = list(client.list_relationships("floor-1"))
    assert [r["$relationshipId"] for r in outgoing] == ["floor-1-contains-room-1"], outgoing
    named = list(client.list_relationships("floor-1", relationship_id="contains"))
    assert len(named) == 1, named
    incoming = list(client.list_incoming_relationships("room-1"))
    assert len(incoming) == 1 and incoming[0].source_id == "floor-1", incoming
    assert incoming[0].relationship_name == "contains", incoming[0]
    link = (
        f"https://{HOST}/digitaltwins/floor-1/relationships/floor-1-contains-room-1"
        "?api-version=2023-10-31"
    )
    assert incoming[0].relationship_link == link, incoming[0].relationship_link
    step("list_relationships and list_incoming_relationships")

    error = expect(
        HttpResponseError, lambda: client.delete_digital_twin("floor-1")
    )
    assert error.error.code == "RelationshipsNotDeleted", error.error.code
    step("delete_digital_twin with relationships", code=error.error.code)

    for i in range(2, 206):
        client.upsert_digital_twin(f"room-{i}", room(f"Room {i}", float(i)))
    before = len(transport.seen)
    # The service's page is up to 1,000 rows; 100 per page makes the SDK follow two
    # continuation tokens.
    rows = list(
        client.query_twins(
            f"SELECT * FROM DIGITALTWINS T WHERE T.$metadata.$model = '{ROOM}'",
            query_twins_options=QueryTwinsOptions(max_items_per_page=100),
        )
    )
    queries = len(transport.seen) - before
    assert len(rows) == 205, len(rows)
    assert len({r["$dtId"] for r in rows}) == 205
    step("query_twins", rows=len(rows), requests=queries)

    rows = list(
        client.query_twins(
            "SELECT T.name, T.temperature FROM DIGITALTWINS T WHERE T.temperature > 200 "
            "AND IS_OF_MODEL(T, 'dtmi:twinscope:sdk:Room;1')"
        )
    )
    assert sorted(r["name"] for r in rows) == ["Room 201", "Room 202", "Room 203", "Room 204", "Room 205"], rows
    step("query_twins projection", rows=rows)

    rows = list(client.query_twins(
        "SELECT room FROM DIGITALTWINS floor JOIN room RELATED floor.contains "
        "WHERE floor.$dtId = 'floor-1'"))
    assert [r["room"]["$dtId"] for r in rows] == ["room-1"], rows
    step("query_twins join")

    error = expect(HttpResponseError, lambda: list(client.query_twins("SELECT * FROM NOWHERE")))
    assert error.status_code == 400, error
    step("query_twins invalid", code=error.error.code if error.error else None)

    client.publish_telemetry("room-1", {"occupancy": 3}, message_id="m-1")
    client.publish_component_telemetry("room-1", "sensor", {"reading": 0.9})
    step("publish_telemetry")

    route = DigitalTwinsEventRoute(
        endpoint_name="telemetry-hub", filter="type = 'microsoft.iot.telemetry'"
    )
    client.upsert_event_route("route-1", route)
    got = client.get_event_route("route-1")
    assert (got.id, got.endpoint_name, got.filter) == ("route-1", route.endpoint_name, route.filter)
    assert [r.id for r in client.list_event_routes()] == ["route-1"]
    client.delete_event_route("route-1")
    error = expect(ResourceNotFoundError, lambda: client.get_event_route("route-1"))
    assert error.error.code == "EventRouteNotFound", error.error.code
    step("event routes", code=error.error.code)

    client.delete_relationship("floor-1", "floor-1-contains-room-1")
    error = expect(
        ResourceNotFoundError, lambda: client.get_relationship("floor-1", "floor-1-contains-room-1")
    )
    step("delete_relationship", code=error.error.code)

    current = client.get_digital_twin("floor-1")
    client.delete_digital_twin("floor-1", etag=current["$etag"], match_condition=MatchConditions.IfNotModified)
    expect(ResourceNotFoundError, lambda: client.get_digital_twin("floor-1"))
    step("delete_digital_twin")

    client.decommission_model(FLOOR)
    assert client.get_model(FLOOR).decommissioned is True
    step("decommission_model")

    client.delete_model(FLOOR)
    error = expect(ResourceNotFoundError, lambda: client.get_model(FLOOR))
    assert error.error.code == "ModelNotFound", error.error.code
    # Room's component still names Sensor.
    error = expect(HttpResponseError, lambda: client.delete_model(SENSOR))
    assert error.error.code == "ModelReferencesNotDeleted", error.error.code
    step("delete_model", code=error.error.code)

    assert credential.asked and all(list(s) == [ADT_SCOPE] for s in credential.asked)
    step("done", requests=len(transport.seen))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - one line for the Rust test to show
        print(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"}), flush=True)
        raise
