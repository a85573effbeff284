//! The ADT query language (`adt_query::parse`), and every query that parses executed over a
//! small graph (twins with nested properties, relationships, model inheritance), so the
//! evaluator meets arbitrary `WHERE`, `JOIN` and `MATCH` shapes.

#![no_main]

use std::sync::OnceLock;

use adt_query::{MemoryGraph, execute, parse};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fn twin(id: &str, model: &str, properties: Value) -> Value {
    let mut twin = json!({"$dtId": id, "$etag": "W/\"1\"", "$metadata": {"$model": model}});
    if let (Some(t), Value::Object(p)) = (twin.as_object_mut(), properties) {
        t.extend(p);
    }
    twin
}

fn graph() -> &'static MemoryGraph {
    static GRAPH: OnceLock<MemoryGraph> = OnceLock::new();
    GRAPH.get_or_init(|| {
        let mut g = MemoryGraph::new();
        let twins = [
            twin(
                "B1",
                "dtmi:test:Building;1",
                json!({"name": "HQ", "level": 0}),
            ),
            twin(
                "F1",
                "dtmi:test:Floor;1",
                json!({"name": "Ground", "level": 1, "tags": ["a", 1, null]}),
            ),
            twin(
                "R1",
                "dtmi:test:Room;1",
                json!({"name": "Lab", "temperature": 21.5, "comp": {"x": {"y": true}}}),
            ),
            twin(
                "R2",
                "dtmi:test:Room;1",
                json!({"name": "D'Souza", "temperature": -3}),
            ),
        ];
        for t in twins {
            g.insert_twin(t).expect("seed twin");
        }
        for (id, source, name, target) in [
            ("r1", "B1", "contains", "F1"),
            ("r2", "F1", "contains", "R1"),
            ("r3", "F1", "contains", "R2"),
            ("r4", "R1", "feeds", "R2"),
            ("r5", "R2", "feeds", "R1"),
        ] {
            g.insert_relationship(json!({
                "$relationshipId": id, "$sourceId": source,
                "$relationshipName": name, "$targetId": target, "since": 2020
            }))
            .expect("seed relationship");
        }
        g.set_model_bases("dtmi:test:Room;1", ["dtmi:test:Space;1"]);
        g
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text) {
        Ok(query) => {
            let _ = execute(&query, graph());
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
