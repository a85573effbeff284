//! The seeded building graph the integration tests query.
//!
//! ```text
//! B1 (Building "Main") ─contains→ F1 (Floor "Ground", level 0) ─contains→ R101 (Room "Lobby") ─contains→ S1
//!                                                               └contains→ R102 (ConferenceRoom "D'Souza") ─contains→ S2
//!                      ─contains→ F2 (Floor "First", level 1)  ─contains→ R201 (Room "Office") ─contains→ S3
//!                                                               └contains→ R202 (Room "Lab", temperature "warm")
//!                      ─feeds→ B2
//! B2 (Building "Annex") ─contains→ F3 (Floor "Annex Ground", level 0) ─contains→ R301 (Room "Storage")
//! R101 ─servicedBy {reportedCondition: clean}→ B2;  R102 ─servicedBy {reportedCondition: dirty}→ B2
//! S1 ─monitors→ R102
//! ```
#![allow(dead_code)]

use adt_query::MemoryGraph;
use serde_json::{Value, json};

pub const SPACE: &str = "dtmi:test:Space;1";
pub const BUILDING: &str = "dtmi:test:Building;1";
pub const FLOOR: &str = "dtmi:test:Floor;1";
pub const ROOM: &str = "dtmi:test:Room;1";
pub const CONFERENCE_ROOM: &str = "dtmi:test:ConferenceRoom;1";
pub const SENSOR: &str = "dtmi:test:Sensor;1";
pub const TEMPERATURE_SENSOR: &str = "dtmi:test:TemperatureSensor;1";

/// A twin in the service's JSON shape: `$dtId`, `$etag`, `$metadata` with `$model` and a
/// `lastUpdateTime` per property, then the properties.
pub fn twin(id: &str, model: &str, properties: Value) -> Value {
    let mut metadata = serde_json::Map::new();
    metadata.insert("$model".into(), json!(model));
    let mut twin = serde_json::Map::new();
    twin.insert("$dtId".into(), json!(id));
    twin.insert("$etag".into(), json!(format!("W/\"etag-{id}\"")));
    for (name, value) in properties.as_object().cloned().unwrap_or_default() {
        metadata.insert(
            name.clone(),
            json!({"lastUpdateTime": "2024-01-01T00:00:00.0000000Z"}),
        );
        twin.insert(name, value);
    }
    twin.insert("$metadata".into(), Value::Object(metadata));
    Value::Object(twin)
}

/// A relationship with id `source-name-target`.
pub fn relationship(source: &str, name: &str, target: &str, properties: Value) -> Value {
    let mut rel = properties.as_object().cloned().unwrap_or_default();
    rel.insert(
        "$relationshipId".into(),
        json!(format!("{source}-{name}-{target}")),
    );
    rel.insert("$sourceId".into(), json!(source));
    rel.insert("$targetId".into(), json!(target));
    rel.insert("$relationshipName".into(), json!(name));
    rel.insert("$etag".into(), json!("W/\"rel\""));
    Value::Object(rel)
}

pub fn twins() -> Vec<Value> {
    vec![
        twin(
            "B1",
            BUILDING,
            json!({"name": "Main", "address": "1 Main St", "floors": 2,
                   "tags": {"red": true, "size": "large"}, "openDays": ["Mon", "Tue", "Wed"]}),
        ),
        twin(
            "B2",
            BUILDING,
            json!({"name": "Annex", "floors": 1, "group": "BravoTeam",
                   "tags": {"round": true, "size": "small"}}),
        ),
        twin("F1", FLOOR, json!({"name": "Ground", "level": 0})),
        twin("F2", FLOOR, json!({"name": "First", "level": 1})),
        twin("F3", FLOOR, json!({"name": "Annex Ground", "level": 0})),
        twin(
            "R101",
            ROOM,
            json!({"name": "Lobby", "temperature": 21.5, "capacity": 30, "status": "Open",
                   "hasHVAC": true, "features": ["projector", "whiteboard"],
                   "location": {"x": 1, "y": 2}}),
        ),
        twin(
            "R102",
            CONFERENCE_ROOM,
            json!({"name": "D'Souza", "temperature": 23, "capacity": 12, "status": "Booked",
                   "hasHVAC": false, "features": ["screen", 4, [1, 2]]}),
        ),
        twin(
            "R201",
            ROOM,
            json!({"name": "Office", "temperature": 19, "capacity": null, "status": "Open"}),
        ),
        twin("R202", ROOM, json!({"name": "Lab", "temperature": "warm"})),
        twin("R301", ROOM, json!({"name": "Storage", "status": "Closed"})),
        twin(
            "S1",
            TEMPERATURE_SENSOR,
            json!({"reading": 21.5, "unit": "C",
                   "thermostat": {"$metadata": {}, "setpoint": 22, "mode": "auto"}}),
        ),
        twin(
            "S2",
            TEMPERATURE_SENSOR,
            json!({"reading": 23, "unit": "C",
                   "thermostat": {"$metadata": {}, "setpoint": 20, "mode": "eco"}}),
        ),
        twin("S3", SENSOR, json!({"unit": "lux"})),
    ]
}

pub fn relationships() -> Vec<Value> {
    let contains =
        |s: &str, t: &str, since: i64| relationship(s, "contains", t, json!({"since": since}));
    vec![
        contains("B1", "F1", 2019),
        contains("B1", "F2", 2020),
        contains("B2", "F3", 2021),
        contains("F1", "R101", 2019),
        contains("F1", "R102", 2019),
        contains("F2", "R201", 2020),
        contains("F2", "R202", 2020),
        contains("F3", "R301", 2021),
        contains("R101", "S1", 2022),
        contains("R102", "S2", 2022),
        contains("R201", "S3", 2023),
        relationship("S1", "monitors", "R102", json!({})),
        relationship(
            "R101",
            "servicedBy",
            "B2",
            json!({"reportedCondition": "clean"}),
        ),
        relationship(
            "R102",
            "servicedBy",
            "B2",
            json!({"reportedCondition": "dirty"}),
        ),
        relationship("B1", "feeds", "B2", json!({})),
    ]
}

/// The graph drawn above, with the model hierarchy Building/Floor/Room → Space,
/// ConferenceRoom → Room, TemperatureSensor → Sensor.
pub fn building_graph() -> MemoryGraph {
    let mut graph = MemoryGraph::new();
    for (model, base) in [
        (BUILDING, SPACE),
        (FLOOR, SPACE),
        (ROOM, SPACE),
        (CONFERENCE_ROOM, ROOM),
        (TEMPERATURE_SENSOR, SENSOR),
    ] {
        graph.set_model_bases(model, [base]);
    }
    for twin in twins() {
        graph.insert_twin(twin).expect("seed twins have a $dtId");
    }
    for rel in relationships() {
        graph
            .insert_relationship(rel)
            .expect("seed relationships are complete");
    }
    graph
}
