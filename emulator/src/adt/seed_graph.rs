//! The seed graph: the ontology from `emulator/seed/models/*.json` and a site hierarchy
//! (sites → buildings → floors → rooms → equipment → sensors) with plausible property values.
//! Everything is deterministic (fixed random seed, ETags drawn from it, one timestamp), so a
//! log that records only "seeded with X at T" replays to the same twins.
//!
//! Two rooms are named `<script>alert(1)</script>` and `<img src=x onerror=alert(1)>` so a
//! client's text rendering can be checked against markup in data.

use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use super::store::Record;
use super::twins::wire_twin;
use crate::instances::SeedKind;

pub const SITE: &str = "dtmi:twinscope:seed:Site;1";
pub const BUILDING: &str = "dtmi:twinscope:seed:Building;1";
pub const FLOOR: &str = "dtmi:twinscope:seed:Floor;1";
pub const ROOM: &str = "dtmi:twinscope:seed:Room;1";
pub const EQUIPMENT: &str = "dtmi:twinscope:seed:Equipment;1";
pub const SENSOR: &str = "dtmi:twinscope:seed:Sensor;1";

pub const HAS_BUILDING: &str = "hasBuilding";
pub const HAS_FLOOR: &str = "hasFloor";
pub const HAS_ROOM: &str = "hasRoom";
pub const HAS_EQUIPMENT: &str = "hasEquipment";
pub const HAS_SENSOR: &str = "hasSensor";

/// The names markup-injection checks look for.
pub const SCRIPT_NAME: &str = "<script>alert(1)</script>";
pub const IMG_NAME: &str = "<img src=x onerror=alert(1)>";

const RANDOM_SEED: u64 = 0x7715_5C0E;

/// Where the seed ontology lives (read at run time, so editing it needs no rebuild).
pub fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seed")
        .join("models")
}

/// The seed models, files in name order; a file holds one interface or an array of them.
pub fn seed_models() -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(models_dir()) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).ok()?;
            match serde_json::from_str::<Value>(&text) {
                Ok(v) => Some(v),
                Err(e) => {
                    tracing::warn!("seed model {} is not JSON: {e}", f.display());
                    None
                }
            }
        })
        .flat_map(|v| match v {
            Value::Array(items) => items,
            one => vec![one],
        })
        .collect()
}

/// The records that seed an instance with `kind` at `time`.
pub fn generate(kind: SeedKind, time: &str) -> Vec<Record> {
    let shape = match kind {
        SeedKind::Empty => return Vec::new(),
        SeedKind::Campus => Shape::CAMPUS,
        SeedKind::Scale(n) => Shape::scaled(n as usize),
    };
    let mut records = Vec::new();
    let models = seed_models();
    if !models.is_empty() {
        records.push(Record::AddModels {
            models,
            upload_time: super::wire::upload_time_form(time),
        });
    }
    let mut g = Generator {
        rng: StdRng::seed_from_u64(RANDOM_SEED),
        time: time.to_string(),
        records,
        twins: 0,
        limit: shape.limit,
        rooms: 0,
    };
    g.sites(&shape);
    g.records
}

/// Fan-out per level and an overall twin limit.
#[derive(Debug, Clone, Copy)]
struct Shape {
    sites: usize,
    buildings: (usize, usize),
    floors: (usize, usize),
    rooms: (usize, usize),
    equipment: (usize, usize),
    sensors: (usize, usize),
    limit: usize,
}

impl Shape {
    const CAMPUS: Shape = Shape {
        sites: 2,
        buildings: (2, 3),
        floors: (2, 4),
        rooms: (3, 6),
        equipment: (1, 2),
        sensors: (1, 3),
        limit: usize::MAX,
    };

    /// Enough sites of a fixed shape (~1,400 twins each) for `n` twins, cut at exactly `n`.
    fn scaled(n: usize) -> Shape {
        Shape {
            sites: n.div_ceil(1_000).max(1),
            buildings: (4, 4),
            floors: (5, 5),
            rooms: (10, 10),
            equipment: (2, 2),
            sensors: (2, 2),
            limit: n,
        }
    }
}

struct Generator {
    rng: StdRng,
    time: String,
    records: Vec<Record>,
    twins: usize,
    limit: usize,
    rooms: usize,
}

const CITIES: [(&str, &str, &str, f64, f64); 6] = [
    (
        "Seattle",
        "United States",
        "America/Los_Angeles",
        -122.33,
        47.61,
    ),
    ("Dublin", "Ireland", "Europe/Dublin", -6.26, 53.35),
    ("Munich", "Germany", "Europe/Berlin", 11.58, 48.14),
    ("Lyon", "France", "Europe/Paris", 4.84, 45.76),
    ("Oslo", "Norway", "Europe/Oslo", 10.75, 59.91),
    ("Porto", "Portugal", "Europe/Lisbon", -8.61, 41.15),
];
const ROOM_TYPES: [(&str, &str); 7] = [
    ("office", "Office"),
    ("meetingRoom", "Meeting room"),
    ("corridor", "Corridor"),
    ("kitchen", "Kitchen"),
    ("restroom", "Restroom"),
    ("technical", "Technical room"),
    ("storage", "Storage"),
];
const EQUIPMENT_KINDS: [(&str, &str, &str); 5] = [
    ("Air handling unit", "Contoso HVAC", "AHU-400"),
    ("Chiller", "Fabrikam Cooling", "CH-90"),
    ("Lighting controller", "Northwind Lighting", "LX-12"),
    ("Elevator", "Tailspin Lifts", "EV-8"),
    ("Heat pump", "Contoso HVAC", "HP-2200"),
];
const SENSOR_KINDS: [(&str, &str, f64, f64); 4] = [
    ("Temperature", "degreeCelsius", 18.0, 26.0),
    ("Humidity", "percent", 30.0, 60.0),
    ("CO2", "partsPerMillion", 400.0, 1200.0),
    ("Occupancy", "count", 0.0, 40.0),
];
const STATUSES: [&str; 4] = ["operational", "maintenance", "faulty", "offline"];

impl Generator {
    fn etag(&mut self) -> String {
        let b: [u8; 16] = self.rng.r#gen();
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "W/\"{}-{}-4{}-a{}-{}\"",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..32]
        )
    }

    fn range(&mut self, (lo, hi): (usize, usize)) -> usize {
        self.rng.gen_range(lo..=hi)
    }

    fn tenth(&mut self, lo: f64, hi: f64) -> f64 {
        (self.rng.gen_range(lo..hi) * 10.0).round() / 10.0
    }

    fn date(&mut self) -> String {
        format!(
            "20{:02}-{:02}-{:02}",
            self.rng.gen_range(10..24),
            self.rng.gen_range(1..=12),
            self.rng.gen_range(1..=28)
        )
    }

    /// Adds a twin (false once the limit is reached).
    fn twin(&mut self, id: &str, model: &str, props: Value, components: Value) -> bool {
        if self.twins >= self.limit {
            return false;
        }
        self.twins += 1;
        let etag = self.etag();
        let as_map = |v: Value| match v {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let twin = wire_twin(
            id,
            model,
            &as_map(props),
            &as_map(components),
            &self.time,
            &etag,
        );
        self.records.push(Record::PutTwin { twin });
        true
    }

    fn relationship(&mut self, source: &str, name: &str, target: &str) {
        let etag = self.etag();
        self.records.push(Record::PutRelationship {
            relationship: json!({
                "$relationshipId": format!("{name}-{target}"),
                "$etag": etag,
                "$sourceId": source,
                "$relationshipName": name,
                "$targetId": target,
            }),
        });
    }

    /// Adds `child` and links it from `parent`; false once the limit is reached.
    fn child(
        &mut self,
        parent: &str,
        rel: &str,
        id: &str,
        model: &str,
        props: Value,
        components: Value,
    ) -> bool {
        if !self.twin(id, model, props, components) {
            return false;
        }
        self.relationship(parent, rel, id);
        true
    }

    fn sites(&mut self, shape: &Shape) {
        for s in 1..=shape.sites {
            let (city, country, zone, lon, lat) = CITIES[(s - 1) % CITIES.len()];
            let site = format!("site-{s}");
            let props = json!({
                "name": format!("{city} campus"),
                "externalId": format!("SITE-{s:03}"),
                "timeZone": zone,
                "location": {"type": "Point", "coordinates": [lon, lat]},
            });
            if !self.twin(&site, SITE, props, json!({})) {
                return;
            }
            for b in 1..=self.range(shape.buildings) {
                let building = format!("{site}-b{b}");
                let floors = self.range(shape.floors);
                let props = json!({
                    "name": format!("{city} building {b}"),
                    "yearBuilt": self.rng.gen_range(1965..=2022),
                    "floorCount": floors,
                    "address": {
                        "street": format!("{} Campus Road", 10 * b + s),
                        "city": city,
                        "postalCode": format!("{:05}", self.rng.gen_range(10_000..99_999)),
                        "country": country,
                    },
                });
                if !self.child(&site, HAS_BUILDING, &building, BUILDING, props, json!({})) {
                    return;
                }
                if !self.floors(shape, &building, floors) {
                    return;
                }
            }
        }
    }

    fn floors(&mut self, shape: &Shape, building: &str, floors: usize) -> bool {
        for f in 0..floors {
            let floor = format!("{building}-f{f}");
            let props = json!({"name": format!("Floor {f}"), "level": f});
            if !self.child(building, HAS_FLOOR, &floor, FLOOR, props, json!({})) {
                return false;
            }
            for r in 1..=self.range(shape.rooms) {
                let room = format!("{floor}-r{r:02}");
                self.rooms += 1;
                let (kind, label) = ROOM_TYPES[self.rng.gen_range(0..ROOM_TYPES.len())];
                let name = match self.rooms {
                    3 => SCRIPT_NAME.to_string(),
                    5 => IMG_NAME.to_string(),
                    _ => format!("{label} {f}.{r:02}"),
                };
                let props = json!({
                    "name": name,
                    "roomType": kind,
                    "area": self.tenth(12.0, 120.0),
                    "occupancy": self.rng.gen_range(0..=20),
                    "temperature": self.tenth(19.0, 24.5),
                });
                if !self.child(&floor, HAS_ROOM, &room, ROOM, props, json!({})) {
                    return false;
                }
                if !self.equipment(shape, &room) {
                    return false;
                }
            }
        }
        true
    }

    /// The properties every equipment (sensors included) has, and its nameplate.
    fn equipment_parts(&mut self, name: String, maker: &str, model: &str) -> (Value, Value) {
        let status = if self.rng.gen_bool(0.85) {
            STATUSES[0]
        } else {
            STATUSES[self.rng.gen_range(1..STATUSES.len())]
        };
        let props = json!({
            "name": name,
            "manufacturer": maker,
            "serialNumber": format!("SN-{:08}", self.rng.gen_range(0..100_000_000u32)),
            "installedOn": self.date(),
            "status": status,
        });
        let nameplate = json!({
            "nameplate": {
                "model": model,
                "ratedPower": self.tenth(0.1, 45.0),
                "manufactureYear": self.rng.gen_range(2008..=2023),
            }
        });
        (props, nameplate)
    }

    fn equipment(&mut self, shape: &Shape, room: &str) -> bool {
        for e in 1..=self.range(shape.equipment) {
            let id = format!("{room}-e{e}");
            let (kind, maker, model) =
                EQUIPMENT_KINDS[self.rng.gen_range(0..EQUIPMENT_KINDS.len())];
            let (props, nameplate) = self.equipment_parts(format!("{kind} {e}"), maker, model);
            if !self.child(room, HAS_EQUIPMENT, &id, EQUIPMENT, props, nameplate) {
                return false;
            }
            for s in 1..=self.range(shape.sensors) {
                let sensor = format!("{id}-s{s}");
                let (kind, unit, lo, hi) = SENSOR_KINDS[self.rng.gen_range(0..SENSOR_KINDS.len())];
                let (mut props, nameplate) =
                    self.equipment_parts(format!("{kind} sensor {s}"), "Contoso Sensors", "CS-1");
                props["unit"] = json!(unit);
                props["lastValue"] = json!(self.tenth(lo, hi));
                props["lastReading"] = json!(self.time);
                props["tags"] = json!({"kind": kind.to_ascii_lowercase(), "room": room});
                if !self.child(&id, HAS_SENSOR, &sensor, SENSOR, props, nameplate) {
                    return false;
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twins(records: &[Record]) -> Vec<&Value> {
        records
            .iter()
            .filter_map(|r| match r {
                Record::PutTwin { twin } => Some(twin),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn generation_is_deterministic_and_includes_markup_names() {
        let a = generate(SeedKind::Campus, "2024-01-01T00:00:00.0000000Z");
        let b = generate(SeedKind::Campus, "2024-01-01T00:00:00.0000000Z");
        assert_eq!(a, b);
        let names: Vec<&str> = twins(&a)
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert!(names.contains(&SCRIPT_NAME) && names.contains(&IMG_NAME));
        assert!(twins(&a).len() > 100, "{}", twins(&a).len());
    }

    #[test]
    fn every_seeded_twin_and_relationship_is_valid_for_the_seed_models() {
        let time = "2024-01-01T00:00:00.0000000Z";
        let mut state = crate::adt::store::State::new(crate::adt::new_ontology());
        state
            .apply(&Record::Seed {
                kind: SeedKind::Campus,
                time: time.into(),
            })
            .expect("the seed models load");
        assert!(state.models.len() >= 8, "{} models", state.models.len());
        for (id, twin) in &state.twins {
            let model = crate::adt::store::State::model_of(twin).unwrap();
            let content = crate::adt::twins::content_of(twin);
            if let Err(e) = state.ontology.validate_twin(model, &content) {
                panic!("{id}: {e:?}");
            }
        }
        for rel in state.relationships.values() {
            let model = |k: &str| {
                let id = rel[k].as_str().unwrap();
                crate::adt::store::State::model_of(&state.twins[id]).unwrap()
            };
            let name = rel["$relationshipName"].as_str().unwrap();
            if let Err(e) = state.ontology.validate_relationship(
                model("$sourceId"),
                name,
                model("$targetId"),
                &Map::new(),
            ) {
                panic!("{rel}: {e:?}");
            }
        }
    }

    #[test]
    fn scale_gives_exactly_n_twins_with_one_parent_link_each() {
        for n in [1, 10, 2_500] {
            let records = generate(SeedKind::Scale(n), "t");
            let rels = records
                .iter()
                .filter(|r| matches!(r, Record::PutRelationship { .. }))
                .count();
            let twins = twins(&records).len();
            assert_eq!(twins, n as usize);
            // Every twin but the sites has exactly one parent.
            let sites = (n as usize).div_ceil(1_000).max(1).min(twins);
            assert!(
                rels + sites >= twins && rels < twins,
                "{rels} relationships for {twins}"
            );
        }
        assert!(generate(SeedKind::Empty, "t").is_empty());
    }
}
