//! Times a filtered query over 100,000 twins (run with `--release`). Not a test: it prints
//! the figures and asserts nothing about time.

use std::time::Instant;

use adt_query::{MemoryGraph, execute, parse};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut graph = MemoryGraph::new();
    graph.set_model_bases("dtmi:bench:Room;1", ["dtmi:bench:Space;1"]);
    for i in 0..100_000 {
        graph.insert_twin(json!({
            "$dtId": format!("room-{i}"),
            "$etag": "W/\"1\"",
            "$metadata": {"$model": "dtmi:bench:Room;1", "temperature": {"lastUpdateTime": "2024-01-01T00:00:00Z"}},
            "name": format!("Room {i}"),
            "temperature": (i % 400) as f64 / 10.0,
            "status": if i % 3 == 0 { "Open" } else { "Closed" },
        }))?;
    }
    for text in [
        "SELECT * FROM DIGITALTWINS T WHERE T.temperature > 39.5 AND T.status = 'Open'",
        "SELECT COUNT() FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, 'dtmi:bench:Space;1') AND STARTSWITH(T.name, 'Room 9')",
        "SELECT T.name FROM DIGITALTWINS T WHERE T.$dtId IN ['room-1', 'room-99999']",
    ] {
        let started = Instant::now();
        let output = execute(&parse(text)?, &graph)?;
        println!(
            "{:>8.2} ms  {:>6} rows  {:>8.2} QU  {text}",
            started.elapsed().as_secs_f64() * 1000.0,
            output.rows.len(),
            output.charge
        );
    }
    Ok(())
}
