//! A graph read from Azure Digital Twins, the one way the graph page and the workspace's
//! graph read it: the twins of query rows (a `SELECT *` row is a twin; a `SELECT T` or JOIN
//! row holds one twin per alias), the relationships whose source is among them (queries over
//! the source ids, 100 at a time), and a twin's neighbours both ways. Errors stay
//! [`AdtError`]s; each screen says them its own way.

use serde_json::Value;

use super::{GraphEdge, GraphNode};
use futures::stream::{self, StreamExt};

use crate::adt::{AdtClient, AdtError, CancelFlag};

/// How many ids one `IN [...]` query names.
const IDS_PER_QUERY: usize = 100;

/// How many of those queries are asked at once: each is a round trip to the instance, so one
/// after the other a 1,000-twin graph would wait for ten; all at once they would crowd the
/// instance's query rate (a throttled query is retried after its wait, `adt::retry`).
const QUERIES_AT_ONCE: usize = 4;

/// The twins a query row holds: the row itself (`SELECT *`), or each of its values that is a
/// twin (`SELECT T`, `SELECT A, B … JOIN`).
pub fn row_twins(row: &Value) -> Vec<&Value> {
    if row.get("$dtId").is_some() {
        return vec![row];
    }
    row.as_object()
        .map(|o| o.values().filter(|v| v.get("$dtId").is_some()).collect())
        .unwrap_or_default()
}

/// `'a', 'b'` for an `IN [...]` list, each id a query-language string literal.
pub fn id_list(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("'{}'", id.replace('\\', "\\\\").replace('\'', "\\'")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every row of `text`, all pages.
pub async fn all_rows(adt: &AdtClient, text: &str) -> Result<Vec<Value>, AdtError> {
    let mut rows = Vec::new();
    adt.query_all(
        text,
        |page| rows.extend(page.items.iter().cloned()),
        CancelFlag::new(),
    )
    .await?;
    Ok(rows)
}

/// The relationships whose source is one of `ids` (their targets may be outside: those are
/// drawn once both ends are shown), in the order of `ids`' batches, whose queries go
/// [`QUERIES_AT_ONCE`] at a time.
pub async fn relationships_among(
    adt: &AdtClient,
    ids: &[String],
) -> Result<Vec<GraphEdge>, AdtError> {
    let batches = ids.chunks(IDS_PER_QUERY).map(|chunk| async move {
        let text = format!(
            "SELECT R FROM RELATIONSHIPS R WHERE R.$sourceId IN [{}]",
            id_list(chunk)
        );
        all_rows(adt, &text).await
    });
    let mut answers = stream::iter(batches).buffered(QUERIES_AT_ONCE);
    let mut edges = Vec::new();
    while let Some(rows) = answers.next().await {
        edges.extend(
            rows?
                .iter()
                .filter_map(|row| GraphEdge::from_relationship(row.get("R").unwrap_or(row))),
        );
    }
    Ok(edges)
}

/// Twin `id`'s neighbours both ways, with those relationships.
pub async fn neighbours(
    adt: &AdtClient,
    id: &str,
) -> Result<(Vec<GraphNode>, Vec<GraphEdge>), AdtError> {
    // Both lists at once: each may take several pages (the service pages them by 10).
    let (outgoing, incoming) =
        futures::future::join(adt.list_relationships(id, None), adt.list_incoming(id)).await;
    let mut edges: Vec<GraphEdge> = outgoing?
        .iter()
        .filter_map(GraphEdge::from_relationship)
        .collect();
    let mut ids: Vec<String> = edges.iter().map(|e| e.target.clone()).collect();
    for r in incoming? {
        ids.push(r.source_id.clone());
        edges.push(GraphEdge {
            id: r.relationship_id,
            source: r.source_id,
            target: id.to_owned(),
            name: r.relationship_name,
        });
    }
    ids.sort();
    ids.dedup();
    let mut nodes = Vec::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let text = format!(
            "SELECT T FROM DIGITALTWINS T WHERE T.$dtId IN [{}]",
            id_list(chunk)
        );
        let rows = all_rows(adt, &text).await?;
        nodes.extend(
            rows.iter()
                .flat_map(row_twins)
                .filter_map(GraphNode::from_twin),
        );
    }
    Ok((nodes, edges))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_are_quoted_as_string_literals() {
        let ids = ["a".to_owned(), "it's".to_owned(), r"back\slash".to_owned()];
        assert_eq!(id_list(&ids), r#"'a', 'it\'s', 'back\\slash'"#);
    }

    #[test]
    fn a_row_holds_its_twins() {
        let twin = json!({"$dtId": "a"});
        assert_eq!(row_twins(&twin), vec![&twin]);
        let join = json!({"A": {"$dtId": "a"}, "B": {"$dtId": "b"}, "n": 1});
        assert_eq!(row_twins(&join).len(), 2);
        assert!(row_twins(&json!({"n": 1})).is_empty());
    }
}
