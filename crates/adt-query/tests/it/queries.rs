//! Table-driven tests of the query language over the seeded building graph
//! (`tests/it/common.rs`): valid queries with their expected rows, invalid queries with
//! their error kind, line and position.

use crate::common::{building_graph, relationships, twins};
use adt_query::{MAX_QUERY_CHARS, QueryErrorKind, Window, execute, execute_window, parse};
use serde_json::{Value, json};

/// How a query's rows are checked. Rows are first normalised: a twin object becomes its
/// `$dtId` and a relationship object its `$relationshipId`, at the top level of the row
/// and as a column value.
enum Expect {
    /// Exactly these rows, in any order (a multiset).
    Rows(&'static str),
    /// `n` rows, each one of these (for `TOP` where the order is unspecified).
    SomeOf(usize, &'static str),
}
use Expect::{Rows, SomeOf};

/// The id of a whole twin (`$dtId` with `$metadata`) or relationship (`$relationshipId`
/// with `$sourceId`); `None` for anything else, such as a projected `{"$dtId": ..}` row.
fn entity_id(value: &Value) -> Option<Value> {
    let object = value.as_object()?;
    if object.contains_key("$metadata") {
        return object.get("$dtId").cloned();
    }
    if object.contains_key("$sourceId") {
        return object.get("$relationshipId").cloned();
    }
    None
}

fn normalise(row: &Value) -> Value {
    if let Some(id) = entity_id(row) {
        return id;
    }
    match row {
        Value::Object(columns) => Value::Object(
            columns
                .iter()
                .map(|(k, v)| (k.clone(), entity_id(v).unwrap_or_else(|| v.clone())))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn sorted(rows: &[Value]) -> Vec<String> {
    let mut rows: Vec<String> = rows.iter().map(Value::to_string).collect();
    rows.sort();
    rows
}

fn check(query: &str, expect: &Expect) {
    let graph = building_graph();
    let parsed = parse(query).unwrap_or_else(|e| panic!("{query}\n  failed to parse: {e}"));
    let output = execute(&parsed, &graph).unwrap_or_else(|e| panic!("{query}\n  failed: {e}"));
    let actual: Vec<Value> = output.rows.iter().map(normalise).collect();
    match expect {
        Rows(expected) => {
            let expected: Vec<Value> =
                serde_json::from_str(expected).expect("expected rows are JSON");
            assert_eq!(sorted(&actual), sorted(&expected), "{query}");
        }
        SomeOf(count, allowed) => {
            let allowed: Vec<Value> = serde_json::from_str(allowed).expect("allowed rows are JSON");
            assert_eq!(actual.len(), *count, "{query}: {actual:?}");
            for row in &actual {
                assert!(allowed.contains(row), "{query}: unexpected row {row}");
            }
            let mut distinct = sorted(&actual);
            distinct.dedup();
            assert_eq!(distinct.len(), *count, "{query}: repeated rows {actual:?}");
        }
    }
    assert!(output.charge > 0.0, "{query}: a query always has a charge");
}

const ALL_TWINS: &str =
    r#"["B1","B2","F1","F2","F3","R101","R102","R201","R202","R301","S1","S2","S3"]"#;

const SELECT_AND_FROM: &[(&str, Expect)] = &[
    ("SELECT * FROM DIGITALTWINS", Rows(ALL_TWINS)),
    ("select * from digitaltwins", Rows(ALL_TWINS)),
    (
        "SELECT T FROM DIGITALTWINS T WHERE T.$dtId = 'B1'",
        Rows(r#"[{"T":"B1"}]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS AS T WHERE T.$dtId = 'B2'",
        Rows(r#"["B2"]"#),
    ),
    (
        "SELECT T AS twin FROM DIGITALTWINS T WHERE T.$dtId = 'S1'",
        Rows(r#"[{"twin":"S1"}]"#),
    ),
    (
        "SELECT T.name FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, 'dtmi:test:Building;1')",
        Rows(r#"[{"name":"Main"},{"name":"Annex"}]"#),
    ),
    (
        "SELECT T.name AS n, T.$dtId FROM DIGITALTWINS T WHERE T.$dtId IN ['F1', 'F2']",
        Rows(r#"[{"n":"Ground","$dtId":"F1"},{"n":"First","$dtId":"F2"}]"#),
    ),
    (
        "SELECT T.thermostat.setpoint FROM DIGITALTWINS T WHERE T.$dtId = 'S1'",
        Rows(r#"[{"setpoint":22}]"#),
    ),
    (
        "SELECT T.$metadata.$model AS model FROM DIGITALTWINS T WHERE T.$dtId = 'R102'",
        Rows(r#"[{"model":"dtmi:test:ConferenceRoom;1"}]"#),
    ),
    (
        "SELECT T.$dtId, T.temperature FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, 'dtmi:test:Room;1')",
        Rows(
            r#"[{"$dtId":"R101","temperature":21.5},{"$dtId":"R102","temperature":23},
                {"$dtId":"R201","temperature":19},{"$dtId":"R202","temperature":"warm"},{"$dtId":"R301"}]"#,
        ),
    ),
    (
        "SELECT name, capacity FROM DIGITALTWINS WHERE IS_OF_MODEL('dtmi:test:Room;1', exact)",
        Rows(
            r#"[{"name":"Lobby","capacity":30},{"name":"Office","capacity":null},{"name":"Lab"},{"name":"Storage"}]"#,
        ),
    ),
    (
        "SELECT COUNT() FROM DIGITALTWINS",
        Rows(r#"[{"COUNT":13}]"#),
    ),
    (
        "SELECT COUNT() FROM RELATIONSHIPS",
        Rows(r#"[{"COUNT":15}]"#),
    ),
    (
        "SELECT COUNT() FROM DIGITALTWINS WHERE IS_OF_MODEL('dtmi:test:Space;1')",
        Rows(r#"[{"COUNT":10}]"#),
    ),
    (
        "SELECT COUNT() FROM DIGITALTWINS WHERE T.nothing = 1",
        Rows(r#"[{"COUNT":0}]"#),
    ),
    ("SELECT TOP(5) FROM DIGITALTWINS", SomeOf(5, ALL_TWINS)),
    (
        "SELECT TOP(5) T FROM DIGITALTWINS T",
        SomeOf(
            5,
            r#"[{"T":"B1"},{"T":"B2"},{"T":"F1"},{"T":"F2"},{"T":"F3"},{"T":"R101"},{"T":"R102"},{"T":"R201"},{"T":"R202"},{"T":"R301"},{"T":"S1"},{"T":"S2"},{"T":"S3"}]"#,
        ),
    ),
    (
        "SELECT TOP (3) * FROM DIGITALTWINS WHERE IS_OF_MODEL('dtmi:test:Floor;1')",
        Rows(r#"["F1","F2","F3"]"#),
    ),
    (
        "SELECT TOP(100) T.$dtId FROM DIGITALTWINS T WHERE STARTSWITH(T.$dtId, 'B')",
        Rows(r#"[{"$dtId":"B1"},{"$dtId":"B2"}]"#),
    ),
    (
        "SELECT * FROM RELATIONSHIPS WHERE $sourceId IN ['B1', 'B2']",
        Rows(r#"["B1-contains-F1","B1-contains-F2","B2-contains-F3","B1-feeds-B2"]"#),
    ),
    (
        "SELECT R.$targetId FROM RELATIONSHIPS R WHERE R.$relationshipName = 'servicedBy' AND R.reportedCondition = 'clean'",
        Rows(r#"[{"$targetId":"B2"}]"#),
    ),
    (
        "SELECT * FROM RELATIONSHIPS R WHERE R.$targetId = 'R101'",
        Rows(r#"["F1-contains-R101"]"#),
    ),
    (
        "SELECT COUNT() FROM RELATIONSHIPS WHERE $relationshipName = 'contains'",
        Rows(r#"[{"COUNT":11}]"#),
    ),
    (
        "SELECT R.$sourceId FROM RELATIONSHIPS R WHERE R.since >= 2022",
        Rows(r#"[{"$sourceId":"R101"},{"$sourceId":"R102"},{"$sourceId":"R201"}]"#),
    ),
];

#[test]
fn select_and_from() {
    for (query, expect) in SELECT_AND_FROM {
        check(query, expect);
    }
}

const JOINS: &[(&str, Expect)] = &[
    (
        "SELECT B, F FROM DIGITALTWINS B JOIN F RELATED B.contains WHERE B.$dtId = 'B1'",
        Rows(r#"[{"B":"B1","F":"F1"},{"B":"B1","F":"F2"}]"#),
    ),
    (
        "SELECT F FROM DIGITALTWINS B JOIN F RELATED B.contains WHERE B.$dtId IN ['B1', 'B2']",
        Rows(r#"[{"F":"F1"},{"F":"F2"},{"F":"F3"}]"#),
    ),
    (
        "SELECT F, R FROM DIGITALTWINS B JOIN F RELATED B.contains R WHERE B.$dtId = 'B1' AND R.since >= 2020",
        Rows(r#"[{"F":"F2","R":"B1-contains-F2"}]"#),
    ),
    (
        "SELECT Room FROM DIGITALTWINS B JOIN F RELATED B.contains JOIN Room RELATED F.contains \
         WHERE B.$dtId = 'B1' AND IS_OF_MODEL(Room, 'dtmi:test:Room;1')",
        Rows(r#"[{"Room":"R101"},{"Room":"R102"},{"Room":"R201"},{"Room":"R202"}]"#),
    ),
    (
        "SELECT Room FROM DIGITALTWINS B JOIN F RELATED B.contains JOIN Room RELATED F.contains \
         WHERE B.$dtId = 'B1' AND IS_OF_MODEL(Room, 'dtmi:test:Room;1', exact)",
        Rows(r#"[{"Room":"R101"},{"Room":"R201"},{"Room":"R202"}]"#),
    ),
    (
        "SELECT S.$dtId AS sensor, S.reading FROM DIGITALTWINS B JOIN F RELATED B.contains \
         JOIN Room RELATED F.contains JOIN S RELATED Room.contains WHERE B.$dtId = 'B1'",
        Rows(r#"[{"sensor":"S1","reading":21.5},{"sensor":"S2","reading":23},{"sensor":"S3"}]"#),
    ),
    (
        "SELECT source FROM DIGITALTWINS source JOIN target RELATED source.contains WHERE target.$dtId = 'R201'",
        Rows(r#"[{"source":"F2"}]"#),
    ),
    (
        "SELECT Room.name, Edge.reportedCondition FROM DIGITALTWINS Room JOIN Svc RELATED Room.servicedBy Edge \
         WHERE Room.$dtId IN ['R101', 'R102']",
        Rows(
            r#"[{"name":"Lobby","reportedCondition":"clean"},{"name":"D'Souza","reportedCondition":"dirty"}]"#,
        ),
    ),
    (
        "SELECT B, F FROM DIGITALTWINS B JOIN F RELATED B.contains WHERE B.$dtId = 'S1'",
        Rows("[]"),
    ),
    (
        "SELECT COUNT() FROM DIGITALTWINS F JOIN R RELATED F.contains WHERE F.$dtId IN ['F1', 'F2', 'F3']",
        Rows(r#"[{"COUNT":5}]"#),
    ),
    (
        "SELECT X5 FROM DIGITALTWINS X0 JOIN X1 RELATED X0.contains JOIN X2 RELATED X1.contains \
         JOIN X3 RELATED X2.contains JOIN X4 RELATED X3.monitors JOIN X5 RELATED X4.contains \
         WHERE X0.$dtId = 'B1'",
        Rows(r#"[{"X5":"S2"}]"#),
    ),
    (
        "SELECT TOP(1) F FROM DIGITALTWINS B JOIN F RELATED B.contains WHERE B.$dtId = 'B1'",
        SomeOf(1, r#"[{"F":"F1"},{"F":"F2"}]"#),
    ),
    (
        "SELECT Consumer.name AS consumerName, Factory FROM DIGITALTWINS Factory \
         JOIN Consumer RELATED Factory.feeds Edge WHERE Factory.$dtId = 'B1'",
        Rows(r#"[{"consumerName":"Annex","Factory":"B1"}]"#),
    ),
];

#[test]
fn joins() {
    for (query, expect) in JOINS {
        check(query, expect);
    }
}

const MATCHES: &[(&str, Expect)] = &[
    (
        "SELECT B, F FROM DIGITALTWINS MATCH (B)-[:contains]->(F) WHERE B.$dtId = 'B1'",
        Rows(r#"[{"B":"B1","F":"F1"},{"B":"B1","F":"F2"}]"#),
    ),
    (
        "SELECT F FROM DIGITALTWINS MATCH (B)-[]->(F) WHERE B.$dtId = 'B1'",
        Rows(r#"[{"F":"F1"},{"F":"F2"},{"F":"B2"}]"#),
    ),
    (
        "SELECT P FROM DIGITALTWINS MATCH (R)<-[:contains]-(P) WHERE R.$dtId = 'R201'",
        Rows(r#"[{"P":"F2"}]"#),
    ),
    (
        "SELECT X FROM DIGITALTWINS MATCH (R)-[]-(X) WHERE R.$dtId = 'R101'",
        Rows(r#"[{"X":"F1"},{"X":"S1"},{"X":"B2"}]"#),
    ),
    (
        "SELECT X FROM DIGITALTWINS MATCH (R)-[:contains|servicedBy]->(X) WHERE R.$dtId = 'R102'",
        Rows(r#"[{"X":"S2"},{"X":"B2"}]"#),
    ),
    (
        "SELECT S FROM DIGITALTWINS MATCH (B)-[:contains*3]->(S) WHERE B.$dtId = 'B1'",
        Rows(r#"[{"S":"S1"},{"S":"S2"},{"S":"S3"}]"#),
    ),
    (
        // `*1..3` excludes the starting limit: two or three hops.
        "SELECT X FROM DIGITALTWINS MATCH (B)-[:contains*1..3]->(X) WHERE B.$dtId = 'B1'",
        Rows(
            r#"[{"X":"R101"},{"X":"R102"},{"X":"R201"},{"X":"R202"},{"X":"S1"},{"X":"S2"},{"X":"S3"}]"#,
        ),
    ),
    (
        "SELECT X FROM DIGITALTWINS MATCH (B)-[:contains*..2]->(X) WHERE B.$dtId = 'B1'",
        Rows(r#"[{"X":"F1"},{"X":"F2"},{"X":"R101"},{"X":"R102"},{"X":"R201"},{"X":"R202"}]"#),
    ),
    (
        "SELECT F, r FROM DIGITALTWINS MATCH (B)-[r:contains]->(F) WHERE B.$dtId = 'B1' AND r.since = 2019",
        Rows(r#"[{"F":"F1","r":"B1-contains-F1"}]"#),
    ),
    (
        "SELECT F, R FROM DIGITALTWINS MATCH (B)-[:contains]->(F)-[:contains]->(R) WHERE B.$dtId = 'B2'",
        Rows(r#"[{"F":"F3","R":"R301"}]"#),
    ),
    (
        // The anchor is the middle node: the pattern is walked right, then left.
        "SELECT B, S FROM DIGITALTWINS MATCH (B)-[:contains*2]->(R)-[:contains]->(S) WHERE R.$dtId = 'R102'",
        Rows(r#"[{"B":"B1","S":"S2"}]"#),
    ),
    (
        "SELECT R FROM DIGITALTWINS MATCH (F)-[:contains]->(R) WHERE F.$dtId IN ['F1', 'F2'] AND R.temperature > 20",
        Rows(r#"[{"R":"R101"},{"R":"R102"}]"#),
    ),
    (
        "SELECT A, C FROM DIGITALTWINS MATCH A-[:contains]->B-[:contains]->C WHERE A.$dtId = 'F2'",
        Rows(r#"[{"A":"F2","C":"S3"}]"#),
    ),
    (
        "SELECT S FROM DIGITALTWINS MATCH (F)-[:contains]->()-[:contains]->(S) WHERE F.$dtId = 'F1'",
        Rows(r#"[{"S":"S1"},{"S":"S2"}]"#),
    ),
    (
        // Undirected, exactly two hops; each twin is visited once, and never the start.
        "SELECT X FROM DIGITALTWINS MATCH (S)-[*2]-(X) WHERE S.$dtId = 'S1'",
        Rows(r#"[{"X":"F1"},{"X":"B2"},{"X":"S2"}]"#),
    ),
    (
        "SELECT COUNT() FROM DIGITALTWINS MATCH (B)-[:contains*..3]->(X) WHERE B.$dtId = 'B2'",
        Rows(r#"[{"COUNT":2}]"#),
    ),
    (
        "SELECT Floor, Room, Building FROM DIGITALTWINS \
         MATCH (Building)-[r1:contains]->(Floor)-[r2:contains]->(Room) \
         WHERE Building.$dtId = 'B1' AND Room.temperature > 20",
        Rows(
            r#"[{"Floor":"F1","Room":"R101","Building":"B1"},{"Floor":"F1","Room":"R102","Building":"B1"}]"#,
        ),
    ),
];

#[test]
fn matches() {
    for (query, expect) in MATCHES {
        check(query, expect);
    }
}

const WHERE_CLAUSES: &[(&str, Expect)] = &[
    (
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE T.temperature = 23",
        Rows(r#"[{"$dtId":"R102"}]"#),
    ),
    (
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE T.status != 'Open'",
        Rows(r#"[{"$dtId":"R102"},{"$dtId":"R301"}]"#),
    ),
    (
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE T.temperature < 21.5",
        Rows(r#"[{"$dtId":"R201"}]"#),
    ),
    (
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE T.temperature > 19",
        Rows(r#"[{"$dtId":"R101"},{"$dtId":"R102"}]"#),
    ),
    (
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE T.temperature <= 21.5",
        Rows(r#"[{"$dtId":"R101"},{"$dtId":"R201"}]"#),
    ),
    (
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE T.capacity >= 12",
        Rows(r#"[{"$dtId":"R101"},{"$dtId":"R102"}]"#),
    ),
    (
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE (T.status = 'Open' OR T.status = 'Closed') AND NOT T.name = 'Office'",
        Rows(r#"[{"$dtId":"R101"},{"$dtId":"R301"}]"#),
    ),
    (
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE T.status = 'Open' OR T.status = 'Closed' AND T.name = 'Office'",
        Rows(r#"[{"$dtId":"R101"},{"$dtId":"R201"}]"#),
    ),
    (
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE NOT T.temperature < 21.5",
        Rows(r#"[{"$dtId":"R101"},{"$dtId":"R102"}]"#),
    ),
    (
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE T.level IN [0]",
        Rows(r#"[{"$dtId":"F1"},{"$dtId":"F3"}]"#),
    ),
    (
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE T.status NIN ['Open', 'Booked']",
        Rows(r#"[{"$dtId":"R301"}]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.name = \"Main\"",
        Rows(r#"["B1"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.name = 'D\\'Souza'",
        Rows(r#"["R102"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.name = \"D'Souza\"",
        Rows(r#"["R102"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.hasHVAC = true",
        Rows(r#"["R101"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.hasHVAC = FALSE",
        Rows(r#"["R102"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.capacity = null",
        Rows(r#"["R201"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.level > -1",
        Rows(r#"["F1","F2","F3"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.temperature > 2.15e1",
        Rows(r#"["R102"]"#),
    ),
    (
        "select t.$dtId from digitaltwins t where t.level = 1 and t.name = 'First'",
        Rows(r#"[{"$dtId":"F2"}]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.Name = 'Main'",
        Rows("[]"),
    ),
    // Different types never compare: neither = nor != holds between a number and a string.
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.temperature = '19'",
        Rows("[]"),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.temperature != 'warm'",
        Rows("[]"),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.temperature IN ['19', 19]",
        Rows(r#"["R201"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS WHERE $dtId = 'S3'",
        Rows(r#"["S3"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE 'S3' = T.$dtId",
        Rows(r#"["S3"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.$metadata.$model = 'dtmi:test:Floor;1'",
        Rows(r#"["F1","F2","F3"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE IS_DEFINED(T.reading)",
        Rows(r#"["S1","S2"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE NOT IS_DEFINED(T.reading) AND IS_OF_MODEL(T, 'dtmi:test:Sensor;1')",
        Rows(r#"["S3"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE IS_NULL(T.capacity)",
        Rows(r#"["R201"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE IS_BOOL(T.hasHVAC)",
        Rows(r#"["R101","R102"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE IS_NUMBER(T.temperature)",
        Rows(r#"["R101","R102","R201"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE IS_STRING(T.temperature)",
        Rows(r#"["R202"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE IS_PRIMITIVE(T.location)",
        Rows("[]"),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE IS_PRIMITIVE(T.capacity)",
        Rows(r#"["R101","R102","R201"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE IS_OBJECT(T.location)",
        Rows(r#"["R101"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE IS_OBJECT(T.thermostat) AND T.thermostat.mode = 'eco'",
        Rows(r#"["S2"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE STARTSWITH(T.name, 'A')",
        Rows(r#"["B2","F3"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE ENDSWITH(T.$dtId, '01')",
        Rows(r#"["R101","R201","R301"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE CONTAINS(T.name, 'Ground')",
        Rows(r#"["F1","F3"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE CONTAINS(T.name, 'ground')",
        Rows("[]"),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE STARTSWITH(T.level, '0')",
        Rows("[]"),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE ARRAY_CONTAINS(T.features, 'screen')",
        Rows(r#"["R102"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE ARRAY_CONTAINS(T.features, 4)",
        Rows(r#"["R102"]"#),
    ),
    // Nested arrays are not searched.
    (
        "SELECT * FROM DIGITALTWINS T WHERE ARRAY_CONTAINS(T.features, 2)",
        Rows("[]"),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE ARRAY_CONTAINS(T.openDays, 'Tue')",
        Rows(r#"["B1"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS WHERE IS_OF_MODEL('dtmi:test:Room;1')",
        Rows(r#"["R101","R102","R201","R202","R301"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS WHERE IS_OF_MODEL('dtmi:test:Room;1', exact)",
        Rows(r#"["R101","R201","R202","R301"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, 'dtmi:test:Sensor;1', exact)",
        Rows(r#"["S3"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, 'dtmi:test:Sensor;1')",
        Rows(r#"["S1","S2","S3"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS WHERE IS_DEFINED(tags.red)",
        Rows(r#"["B1"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS WHERE NOT IS_DEFINED(tags.red) AND tags.size = 'small'",
        Rows(r#"["B2"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS WHERE [[group]] = 'BravoTeam'",
        Rows(r#"["B2"]"#),
    ),
    (
        "SELECT * FROM DIGITALTWINS T WHERE T.reading > 22 OR T.unit = 'lux'",
        Rows(r#"["S2","S3"]"#),
    ),
    (
        "SELECT *\nFROM DIGITALTWINS T\nWHERE T.level = 0\n  AND STARTSWITH(T.name, 'Annex')",
        Rows(r#"["F3"]"#),
    ),
];

#[test]
fn where_clauses() {
    for (query, expect) in WHERE_CLAUSES {
        check(query, expect);
    }
}

#[test]
fn rows_have_the_service_shapes() {
    let graph = building_graph();
    let run = |q: &str| execute(&parse(q).expect(q), &graph).expect(q).rows;
    let b1 = twins()
        .into_iter()
        .find(|t| t["$dtId"] == "B1")
        .expect("B1 is seeded");
    assert_eq!(
        run("SELECT * FROM DIGITALTWINS WHERE $dtId = 'B1'"),
        vec![b1.clone()]
    );
    assert_eq!(
        run("SELECT T FROM DIGITALTWINS T WHERE T.$dtId = 'B1'"),
        vec![json!({ "T": b1 })]
    );
    let rel = relationships()
        .into_iter()
        .find(|r| r["$relationshipId"] == "B1-feeds-B2")
        .expect("seeded");
    assert_eq!(
        run("SELECT * FROM RELATIONSHIPS WHERE $relationshipName = 'feeds'"),
        vec![rel.clone()]
    );
    let b2 = twins()
        .into_iter()
        .find(|t| t["$dtId"] == "B2")
        .expect("B2 is seeded");
    assert_eq!(
        run("SELECT B, C, E FROM DIGITALTWINS B JOIN C RELATED B.feeds E WHERE B.$dtId = 'B1'"),
        vec![json!({ "B": b1, "C": b2, "E": rel })]
    );
    assert_eq!(
        run("SELECT COUNT() FROM DIGITALTWINS"),
        vec![json!({"COUNT": 13})]
    );
    assert_eq!(
        run("SELECT T.name FROM DIGITALTWINS T WHERE T.$dtId = 'nope'"),
        Vec::<Value>::new()
    );
}

/// Windows of every size, laid end to end, give exactly the full result in the same order;
/// `more` is true exactly when rows follow the window; a first page reads less than the
/// whole collection (it stops one row past the window).
#[test]
fn windows_page_through_the_result_and_stop_early() {
    let graph = building_graph();
    let queries = [
        "SELECT * FROM DIGITALTWINS",
        "SELECT T.$dtId FROM DIGITALTWINS T WHERE IS_DEFINED(T.name)",
        "SELECT TOP(5) T FROM DIGITALTWINS T",
        "SELECT * FROM RELATIONSHIPS",
        "SELECT F, R FROM DIGITALTWINS B JOIN F RELATED B.contains JOIN R RELATED F.contains WHERE B.$dtId IN ['B1', 'B2']",
        "SELECT X FROM DIGITALTWINS MATCH (B)-[:contains*1..3]->(X) WHERE B.$dtId = 'B1'",
    ];
    for text in queries {
        let query = parse(text).expect(text);
        let all = execute(&query, &graph).expect(text);
        assert!(!all.rows.is_empty(), "{text} has rows");
        assert!(!all.more, "{text}: the whole result has nothing after it");
        for take in 1..=all.rows.len() + 1 {
            let mut paged = Vec::new();
            let mut skip = 0;
            loop {
                let page = execute_window(&query, &graph, Window { skip, take }).expect(text);
                assert!(page.rows.len() <= take, "{text} take {take}");
                let remaining = all.rows.len() - skip;
                assert_eq!(
                    page.more,
                    remaining > take,
                    "{text} skip {skip} take {take}"
                );
                skip += page.rows.len();
                paged.extend(page.rows);
                if !page.more {
                    break;
                }
            }
            assert_eq!(paged, all.rows, "{text} in windows of {take}");
        }
    }
    let count = parse("SELECT COUNT() FROM DIGITALTWINS").expect("parses");
    let counted = execute_window(&count, &graph, Window { skip: 0, take: 1 }).expect("runs");
    assert_eq!(
        counted.rows,
        vec![json!({"COUNT": 13})],
        "COUNT ignores the window"
    );
    assert!(!counted.more);

    let scan = parse("SELECT * FROM DIGITALTWINS").expect("parses");
    let first = execute_window(&scan, &graph, Window { skip: 0, take: 2 }).expect("runs");
    let whole = execute(&scan, &graph).expect("runs");
    assert!(
        first.charge < whole.charge,
        "a first page of 2 reads 3 twins, not 13: {} < {}",
        first.charge,
        whole.charge
    );
}

#[test]
fn charge_grows_with_scanned_twins_and_rows() {
    let graph = building_graph();
    let charge = |q: &str| execute(&parse(q).expect(q), &graph).expect(q).charge;
    let seeded = charge("SELECT * FROM DIGITALTWINS T WHERE T.$dtId = 'B1'");
    let scan_one_row = charge("SELECT * FROM DIGITALTWINS T WHERE T.name = 'Main'");
    let scan_all_rows = charge("SELECT * FROM DIGITALTWINS");
    assert!(seeded < scan_one_row, "{seeded} < {scan_one_row}");
    assert!(
        scan_one_row < scan_all_rows,
        "{scan_one_row} < {scan_all_rows}"
    );
}

/// One invalid query: the error kind, its 1-based line and position, and a phrase the
/// message must contain.
struct Invalid {
    query: String,
    kind: QueryErrorKind,
    line: u32,
    position: u32,
    phrase: &'static str,
}

fn invalid(
    query: &str,
    kind: QueryErrorKind,
    line: u32,
    position: u32,
    phrase: &'static str,
) -> Invalid {
    Invalid {
        query: query.to_string(),
        kind,
        line,
        position,
        phrase,
    }
}

/// Checks one invalid query; the mismatch, if any, as text.
fn check_invalid(case: &Invalid) -> Result<(), String> {
    let error = match parse(&case.query) {
        Ok(_) => return Err(format!("{}\n  parsed, but should fail", case.query)),
        Err(error) => error,
    };
    if (error.kind, error.line, error.position) != (case.kind, case.line, case.position)
        || !error.message.contains(case.phrase)
    {
        return Err(format!(
            "{}\n  expected {:?} at {}:{} containing {:?}\n  got {:?}: {error}",
            case.query, case.kind, case.line, case.position, case.phrase, error.kind
        ));
    }
    let rendered = format!(
        "Query has an error at line {}, position {}: {}",
        case.line, case.position, error.message
    );
    if error.to_string() != rendered {
        return Err(format!("{}\n  rendered as {error}", case.query));
    }
    Ok(())
}

fn joins_query(count: usize) -> String {
    let mut query = format!("SELECT X{count} FROM DIGITALTWINS X0");
    for i in 1..=count {
        query.push_str(&format!("\nJOIN X{i} RELATED X{}.contains", i - 1));
    }
    query + "\nWHERE X0.$dtId = 'B1'"
}

#[test]
fn invalid_queries_report_kind_line_and_position() {
    use QueryErrorKind::*;
    let long_string = "a".repeat(MAX_QUERY_CHARS);
    let in_list = (0..101)
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(",");
    let many_ands = (0..52)
        .map(|i| format!("T.x = {i}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let cases = [
        invalid(
            "SELECT * FORM DIGITALTWINS",
            Syntax,
            1,
            10,
            "unexpected 'FORM', expected 'FROM'",
        ),
        invalid(
            "SELCT * FROM DIGITALTWINS",
            Syntax,
            1,
            1,
            "expected 'SELECT'",
        ),
        invalid(
            "SELECT * FROM DIGITALTWIN",
            Syntax,
            1,
            15,
            "expected 'DIGITALTWINS' or 'RELATIONSHIPS'",
        ),
        invalid(
            "SELECT *",
            Syntax,
            1,
            9,
            "unexpected end of query, expected 'FROM'",
        ),
        invalid("SELECT * WHERE T.x = 1", Syntax, 1, 10, "expected 'FROM'"),
        invalid(
            "SELECT T.name FROM DIGITALTWINS T WHER T.x = 1",
            Syntax,
            1,
            35,
            "unexpected 'WHER', expected 'WHERE'",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS WHERE T.name = 'abc",
            Syntax,
            1,
            43,
            "unterminated string",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS WHERE T.name = \"abc",
            Syntax,
            1,
            43,
            "unterminated string",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS WHERE T.x = 12abc",
            Syntax,
            1,
            40,
            "invalid number literal '12abc'",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS WHERE T.x = 1.2.3",
            Syntax,
            1,
            40,
            "invalid number literal",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS WHERE T.x = 'a\\qb'",
            Syntax,
            1,
            42,
            "invalid escape sequence",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS WHERE T.x ~ 1",
            Syntax,
            1,
            38,
            "unexpected character '~'",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS WHERE",
            Syntax,
            1,
            33,
            "unexpected end of query",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS WHERE T.name",
            Syntax,
            1,
            40,
            "expected a comparison operator",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS WHERE group = 'x'",
            Syntax,
            1,
            34,
            "[[group]]",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS WHERE T.x = @id",
            Syntax,
            1,
            40,
            "unexpected character '@'",
        ),
        invalid(
            "SELECT *\nFROM DIGITALTWINS T\nWHERE T.x = 1 AND FOO(T.x)",
            UnknownFunction,
            3,
            19,
            "unknown function 'FOO'",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS T WHERE LOWER(T.name) = 'x'",
            UnknownFunction,
            1,
            36,
            "LOWER",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS T WHERE STARTS_WITH(T.name, 'x')",
            UnknownFunction,
            1,
            36,
            "did you mean STARTSWITH",
        ),
        invalid(
            "SELECT UPPER(T.name) FROM DIGITALTWINS T",
            UnknownFunction,
            1,
            8,
            "UPPER",
        ),
        invalid(&joins_query(6), TooManyJoins, 7, 1, "at most 5 JOINs"),
        invalid(
            &format!("SELECT * FROM DIGITALTWINS WHERE T.name = '{long_string}'"),
            TooLong,
            1,
            8001,
            "limit is 8000 characters",
        ),
        invalid(
            &format!("SELECT *\nFROM DIGITALTWINS\n-- {long_string}"),
            TooLong,
            3,
            7974,
            "8000",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS T ORDER BY T.name",
            Unsupported,
            1,
            30,
            "ORDER BY is not supported",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS T WHERE T.x = 1 GROUP BY T.x",
            Unsupported,
            1,
            44,
            "GROUP BY",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS T WHERE T.x = 1 LIMIT 5",
            Unsupported,
            1,
            44,
            "use SELECT TOP",
        ),
        invalid(
            "SELECT * FROM (SELECT * FROM DIGITALTWINS)",
            Unsupported,
            1,
            15,
            "subqueries",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS T JOIN CT RELATED T.contains WHERE T.$dtId = 'B1'",
            Unsupported,
            1,
            8,
            "SELECT * is not supported in a query with JOIN",
        ),
        invalid(
            "SELECT TOP(2) FROM DIGITALTWINS T JOIN CT RELATED T.contains WHERE T.$dtId = 'B1'",
            Unsupported,
            1,
            8,
            "SELECT *",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS MATCH (A)-[]->(B) WHERE A.$dtId = 'B1'",
            Unsupported,
            1,
            8,
            "MATCH",
        ),
        invalid(
            "SELECT * FROM RELATIONSHIPS R JOIN T RELATED R.contains",
            Unsupported,
            1,
            31,
            "FROM RELATIONSHIPS cannot be combined",
        ),
        invalid(
            "SELECT T FROM DIGITALTWINS T LEFT OUTER JOIN C RELATED T.contains WHERE T.$dtId = 'x'",
            Unsupported,
            1,
            30,
            "OUTER",
        ),
        invalid(
            "SELECT AVG(T.x) FROM DIGITALTWINS T",
            Unsupported,
            1,
            8,
            "aggregate AVG",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS T WHERE COUNT() > 1",
            Unsupported,
            1,
            36,
            "COUNT()",
        ),
        invalid(
            "SELECT DISTINCT T.name FROM DIGITALTWINS T",
            Unsupported,
            1,
            8,
            "DISTINCT",
        ),
        invalid(
            "SELECT A FROM DIGITALTWINS MATCH (A)-[]->(B) MATCH (B)-[]->(C) WHERE A.$dtId = 'x'",
            Unsupported,
            1,
            46,
            "only one MATCH",
        ),
        invalid(
            "SELECT A FROM DIGITALTWINS MATCH (A)-[r*2]->(B) WHERE A.$dtId = 'x'",
            Unsupported,
            1,
            39,
            "single hop",
        ),
        invalid(
            "SELECT A FROM DIGITALTWINS T MATCH (A)-[]->(B) WHERE A.$dtId = 'x'",
            Unsupported,
            1,
            28,
            "MATCH",
        ),
        invalid(
            "SELECT TOP(0) FROM DIGITALTWINS",
            InvalidArgument,
            1,
            12,
            "positive whole number",
        ),
        invalid(
            "SELECT TOP(1.5) T FROM DIGITALTWINS T",
            InvalidArgument,
            1,
            12,
            "positive whole number",
        ),
        invalid(
            "SELECT COUNT(*) FROM DIGITALTWINS",
            InvalidArgument,
            1,
            14,
            "no arguments",
        ),
        invalid(
            "SELECT A FROM DIGITALTWINS MATCH (A)-[*11]->(B) WHERE A.$dtId = 'x'",
            InvalidArgument,
            1,
            40,
            "between 1 and 10",
        ),
        invalid(
            "SELECT A FROM DIGITALTWINS MATCH (A)-[*3..2]->(B) WHERE A.$dtId = 'x'",
            InvalidArgument,
            1,
            40,
            "starting hop limit",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS T WHERE STARTSWITH(T.name)",
            InvalidArgument,
            1,
            36,
            "takes 2 argument",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, 123)",
            InvalidArgument,
            1,
            51,
            "model ID as a string",
        ),
        invalid(
            "SELECT * FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, 'dtmi:a;1', strict)",
            InvalidArgument,
            1,
            63,
            "'exact'",
        ),
        invalid(
            &format!("SELECT * FROM DIGITALTWINS T WHERE T.x IN [{in_list}]"),
            InvalidArgument,
            1,
            534,
            "at most 100 values",
        ),
        invalid(
            &format!("SELECT * FROM DIGITALTWINS T WHERE {many_ands}"),
            InvalidArgument,
            1,
            685,
            "at most 50 AND/OR",
        ),
        invalid(
            "SELECT T, C FROM DIGITALTWINS T JOIN C RELATED T.contains",
            Semantic,
            1,
            58,
            "must filter on a twin's $dtId",
        ),
        invalid(
            "SELECT T, C FROM DIGITALTWINS T JOIN C RELATED T.contains WHERE T.name = 'Main'",
            Semantic,
            1,
            59,
            "$dtId",
        ),
        invalid(
            "SELECT A FROM DIGITALTWINS MATCH (A)-[]->(B) WHERE NOT A.$dtId = 'x'",
            Semantic,
            1,
            46,
            "MATCH must filter",
        ),
        invalid(
            "SELECT A.name FROM DIGITALTWINS B JOIN C RELATED B.contains WHERE B.$dtId = 'x'",
            Semantic,
            1,
            8,
            "'A' is not a collection name",
        ),
        invalid(
            "SELECT b FROM DIGITALTWINS MATCH (B)-[]->(C) WHERE b.$dtId = 'x'",
            Semantic,
            1,
            8,
            "case-sensitive",
        ),
        invalid(
            "SELECT T FROM DIGITALTWINS T JOIN T RELATED T.contains WHERE T.$dtId = 'x'",
            Semantic,
            1,
            35,
            "declared more than once",
        ),
        invalid(
            "SELECT C FROM DIGITALTWINS T JOIN C RELATED X.contains WHERE T.$dtId = 'x'",
            Semantic,
            1,
            45,
            "'X' is not a twin collection",
        ),
        invalid(
            "SELECT T.name, C.name FROM DIGITALTWINS T JOIN C RELATED T.contains WHERE T.$dtId = 'x'",
            Semantic,
            1,
            18,
            "appears more than once",
        ),
        invalid(
            "SELECT C FROM DIGITALTWINS T JOIN C RELATED T.contains WHERE T.$dtId = 'x' AND IS_OF_MODEL('dtmi:a;1')",
            Semantic,
            1,
            80,
            "needs the twin collection",
        ),
        invalid(
            "SELECT * FROM RELATIONSHIPS WHERE IS_OF_MODEL('dtmi:a;1')",
            Semantic,
            1,
            35,
            "applies to twins",
        ),
        invalid(
            "SELECT C FROM DIGITALTWINS T JOIN C RELATED T.contains R WHERE T.$dtId = 'x' AND IS_OF_MODEL(R, 'dtmi:a;1')",
            Semantic,
            1,
            94,
            "'R' is not a twin collection",
        ),
        invalid(
            "SELECT A FROM DIGITALTWINS MATCH (A)<-[]->(B) WHERE A.$dtId = 'x'",
            Syntax,
            1,
            42,
            "one way",
        ),
        invalid(
            "SELECT A FROM DIGITALTWINS MATCH (A-[]->(B) WHERE A.$dtId = 'x'",
            Syntax,
            1,
            36,
            "expected ')'",
        ),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check_invalid(c).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
