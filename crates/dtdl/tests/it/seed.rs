//! The seed ontology (emulator/seed/models) loads in one batch and a sample twin of each model
//! validates.

use std::path::PathBuf;

use dtdl::ModelSet;
use serde_json::{Map, Value, json};

fn seed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../emulator/seed/models")
}

fn seed_docs() -> Vec<Value> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(seed_dir())
        .expect("emulator/seed/models exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            serde_json::from_str(&std::fs::read_to_string(p).expect("readable"))
                .expect("valid JSON")
        })
        .collect()
}

fn loaded() -> ModelSet {
    let mut set = ModelSet::new();
    let docs = seed_docs();
    let ids = set
        .add_models(&docs)
        .unwrap_or_else(|e| panic!("seed models rejected:\n{e}"));
    assert_eq!(ids.len(), docs.len());
    set
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().expect("object").clone()
}

const NAMEPLATE: fn() -> Value =
    || json!({"$metadata": {}, "model": "AHU-900", "ratedPower": 1500.0, "manufactureYear": 2019});

#[test]
fn seed_models_load_in_one_batch() {
    let set = loaded();
    for name in [
        "Space",
        "Site",
        "Building",
        "Floor",
        "Room",
        "Equipment",
        "Nameplate",
        "Sensor",
    ] {
        assert!(
            set.contains(&format!("dtmi:twinscope:seed:{name};1")),
            "{name}"
        );
    }
    assert!(set.is_of_model(
        "dtmi:twinscope:seed:Room;1",
        "dtmi:twinscope:seed:Space;1",
        false
    ));
    assert!(set.is_of_model(
        "dtmi:twinscope:seed:Sensor;1",
        "dtmi:twinscope:seed:Equipment;1",
        false
    ));
    let sensor = set.interface("dtmi:twinscope:seed:Sensor;1").unwrap();
    assert!(
        sensor.component("nameplate").is_some(),
        "inherited component"
    );
    assert!(
        sensor.relationship("hasSensor").is_some(),
        "inherited relationship"
    );
    assert!(sensor.relationship("observes").is_some());
}

#[test]
fn a_sample_twin_of_each_seed_model_validates() {
    let set = loaded();
    let samples = [
        (
            "Space",
            json!({"$dtId": "s1", "$metadata": {"$model": "dtmi:twinscope:seed:Space;1"}, "name": "Zone A", "externalId": "Z-A"}),
        ),
        (
            "Site",
            json!({"name": "Campus North", "location": {"type": "Point", "coordinates": [13.4, 52.5]}, "timeZone": "Europe/Berlin"}),
        ),
        (
            "Building",
            json!({"name": "B1", "address": {"street": "Main St 1", "city": "Berlin", "postalCode": "10115", "country": "DE"}, "floorCount": 5, "yearBuilt": 1998}),
        ),
        ("Floor", json!({"name": "Ground floor", "level": 0})),
        (
            "Room",
            json!({"name": "R-101", "area": 24.5, "occupancy": 3, "temperature": 21.5, "roomType": "office"}),
        ),
        ("Nameplate", NAMEPLATE()),
        (
            "Equipment",
            json!({"name": "AHU 1", "serialNumber": "SN-1", "manufacturer": "Contoso", "installedOn": "2020-03-01", "status": "operational", "nameplate": NAMEPLATE()}),
        ),
        (
            "Sensor",
            json!({"name": "T-1", "unit": "degreeCelsius", "lastValue": 21.4, "lastReading": "2024-05-01T12:00:00Z", "tags": {"zone": "north"}, "status": "faulty", "nameplate": {"$metadata": {}}}),
        ),
    ];
    for (name, twin) in samples {
        let model = format!("dtmi:twinscope:seed:{name};1");
        if let Err(errors) = set.validate_twin(&model, &obj(twin)) {
            panic!("{name}: {errors:?}");
        }
    }
}

#[test]
fn seed_relationships_validate() {
    let set = loaded();
    let seed = |n: &str| format!("dtmi:twinscope:seed:{n};1");
    for (source, name, target) in [
        ("Site", "hasBuilding", "Building"),
        ("Building", "hasFloor", "Floor"),
        ("Floor", "hasRoom", "Room"),
        ("Room", "hasEquipment", "Equipment"),
        ("Room", "hasEquipment", "Sensor"),
        ("Sensor", "observes", "Room"),
    ] {
        assert!(
            set.validate_relationship(&seed(source), name, &seed(target), &Map::new())
                .is_ok(),
            "{source} {name} {target}"
        );
    }
    let props = obj(json!({"installedAt": "2024-01-02T03:04:05Z", "$relationshipId": "r1"}));
    assert!(
        set.validate_relationship(&seed("Equipment"), "hasSensor", &seed("Sensor"), &props)
            .is_ok()
    );
    let bad = obj(json!({"installedAt": "yesterday"}));
    assert!(
        set.validate_relationship(&seed("Equipment"), "hasSensor", &seed("Sensor"), &bad)
            .is_err()
    );
    assert!(
        set.validate_relationship(&seed("Floor"), "hasRoom", &seed("Building"), &Map::new())
            .is_err()
    );
}
