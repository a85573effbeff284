//! The pure part of the Twins workspace: its address (`?q=…&view=graph&twin=…`), the model
//! tree as the sidebar filters it, twin counts per model, and the twins of result rows (JOIN
//! rows hold several).

use std::collections::{BTreeMap, BTreeSet};

use dtdl::ModelSet;
use serde_json::Value;

use crate::adt::AdtError;
use crate::adt::paging::encode_component;
use crate::graph::GraphNode;
use crate::ids::{AdtHost, TenantId};
use crate::pages::explorer::twins_path;
use crate::pages::models::TreeNode;

/// One query for every twin's model: counted on our side, so a count per model costs no
/// request of its own. Paged like any query.
pub const COUNT_QUERY: &str = "SELECT T.$metadata.$model FROM DIGITALTWINS T";

/// Most twins the graph draws; a larger result is drawn in part, and says so.
pub const MAX_GRAPH_TWINS: usize = 1000;

/// How the results are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultsView {
    #[default]
    Table,
    Graph,
}

impl ResultsView {
    pub const ALL: [ResultsView; 2] = [ResultsView::Table, ResultsView::Graph];

    /// The value of `?view=` (none for the table).
    pub fn key(self) -> &'static str {
        match self {
            ResultsView::Table => "table",
            ResultsView::Graph => "graph",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ResultsView::Table => "Table",
            ResultsView::Graph => "Graph",
        }
    }

    /// Unknown values are the table.
    pub fn from_key(key: Option<&str>) -> ResultsView {
        match key {
            Some("graph") => ResultsView::Graph,
            _ => ResultsView::Table,
        }
    }
}

/// What the address of the Twins screen holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkspaceAddress {
    pub query: Option<String>,
    pub view: ResultsView,
    /// The twin shown in the inspector.
    pub twin: Option<String>,
    /// One of that twin's relationships, open for editing in the inspector (a relationship
    /// clicked in the graph).
    pub rel: Option<String>,
}

impl WorkspaceAddress {
    /// From the address's parameters; blank values are absent.
    pub fn from_params(
        query: Option<&str>,
        view: Option<&str>,
        twin: Option<&str>,
        rel: Option<&str>,
    ) -> Self {
        let twin = twin.filter(|t| !t.is_empty()).map(str::to_owned);
        Self {
            query: query.filter(|q| !q.trim().is_empty()).map(str::to_owned),
            view: ResultsView::from_key(view),
            // A relationship belongs to a twin: without one it means nothing.
            rel: rel
                .filter(|r| !r.is_empty() && twin.is_some())
                .map(str::to_owned),
            twin,
        }
    }

    /// `/t/{tenant}/i/{host}/twins?q=…&view=graph&twin=…&rel=…` (the table and absent parts
    /// left out).
    pub fn path(&self, tenant: &TenantId, host: &AdtHost) -> String {
        let mut params = Vec::new();
        if let Some(q) = &self.query {
            params.push(format!("q={}", encode_component(q)));
        }
        if self.view != ResultsView::Table {
            params.push(format!("view={}", self.view.key()));
        }
        if let Some(twin) = &self.twin {
            params.push(format!("twin={}", encode_component(twin)));
            if let Some(rel) = &self.rel {
                params.push(format!("rel={}", encode_component(rel)));
            }
        }
        let base = twins_path(tenant, host);
        if params.is_empty() {
            base
        } else {
            format!("{base}?{}", params.join("&"))
        }
    }
}

/// The query that lists the twins of `model` (and of the models extending it).
pub fn model_query(model: &str) -> String {
    format!(
        "SELECT * FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, '{}')",
        model.replace('\\', "\\\\").replace('\'', "\\'")
    )
}

/// The result columns a query's SELECT names, in its order: `SELECT T, CT` → `T`, `CT`;
/// `T.name` → `name` (the service names a projected property by its last part); `T.name AS
/// n` → `n`. Empty for `SELECT *`, `COUNT()` or text it cannot read (the rows' own order then
/// stands): the grid orders its columns by it, since the rows' members come without order.
pub fn selected_columns(query: &str) -> Vec<String> {
    let Some(list) = select_list(query) else {
        return Vec::new();
    };
    top_level(list, |c| c == ',')
        .into_iter()
        .filter_map(|item| {
            let words: Vec<&str> = item.split_whitespace().collect();
            let name = match words.as_slice() {
                [.., as_, alias] if as_.eq_ignore_ascii_case("AS") => *alias,
                [one] => one.rsplit('.').next()?,
                _ => return None,
            };
            let plain = name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
            (plain && !name.is_empty()).then(|| name.to_owned())
        })
        .collect()
}

/// What lies between `SELECT [TOP(n)]` and `FROM` (outside quotes and parentheses).
fn select_list(query: &str) -> Option<&str> {
    let rest = query.trim_start();
    let head = rest.get(..6)?;
    if !head.eq_ignore_ascii_case("SELECT") || !rest[6..].starts_with(char::is_whitespace) {
        return None;
    }
    let mut rest = rest[6..].trim_start();
    if rest.get(..3).is_some_and(|t| t.eq_ignore_ascii_case("TOP"))
        && let Some(after) = rest[3..].trim_start().strip_prefix('(')
    {
        rest = after[after.find(')')? + 1..].trim_start();
    }
    let words = top_level(rest, char::is_whitespace);
    let from = words.iter().position(|w| w.eq_ignore_ascii_case("FROM"))?;
    let end = words[from].as_ptr() as usize - rest.as_ptr() as usize;
    Some(&rest[..end])
}

/// `text` cut at each `sep` outside quotes and parentheses; pieces trimmed, empty ones dropped.
fn top_level(text: &str, sep: impl Fn(char) -> bool) -> Vec<&str> {
    let (mut pieces, mut start, mut depth, mut quote) = (Vec::new(), 0, 0_u32, None);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth = depth.saturating_sub(1),
            (None, c) if depth == 0 && sep(c) => {
                pieces.push(text[start..i].trim());
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    pieces.push(text[start..].trim());
    pieces.retain(|p| !p.is_empty());
    pieces
}

pub use crate::graph::adt_read::row_twins;

/// The twins of `rows` for the graph, each once, at most `limit`; and how many distinct twins
/// there were in all.
pub fn result_twins(rows: &[Value], limit: usize) -> (Vec<GraphNode>, usize) {
    let mut seen = BTreeSet::new();
    let mut nodes = Vec::new();
    for twin in rows.iter().flat_map(row_twins) {
        let Some(node) = GraphNode::from_twin(twin) else {
            continue;
        };
        if seen.insert(node.id.clone()) && nodes.len() < limit {
            nodes.push(node);
        }
    }
    (nodes, seen.len())
}

/// Twins per model from the rows of [`COUNT_QUERY`] (`{"$model": "dtmi:…"}`; any one string
/// member is taken, whatever the service names the column).
pub fn count_models<'a>(rows: impl IntoIterator<Item = &'a Value>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for row in rows {
        let model = row
            .get("$model")
            .and_then(Value::as_str)
            .or_else(|| row.as_object()?.values().find_map(Value::as_str))
            .or_else(|| row.as_str());
        if let Some(model) = model {
            *counts.entry(model.to_owned()).or_insert(0) += 1;
        }
    }
    counts
}

/// For each model of `set`: its twins and those of every model extending it, what
/// [`model_query`] returns. Models without twins are left out.
pub fn inclusive_counts(
    set: &ModelSet,
    exact: &BTreeMap<String, usize>,
) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for model in set.ids() {
        let model = model.to_string();
        let total: usize = exact
            .iter()
            .filter(|(twin_model, _)| set.is_of_model(twin_model, &model, false))
            .map(|(_, n)| n)
            .sum();
        if total > 0 {
            out.insert(model, total);
        }
    }
    out
}

/// The tree cut to what matches `needle` (case-insensitive, in the display name or the DTMI),
/// with the models above each match kept so it stays in place. A blank needle keeps all.
pub fn filter_tree(
    nodes: &[TreeNode],
    names: &BTreeMap<String, String>,
    needle: &str,
) -> Vec<TreeNode> {
    let needle = needle.trim().to_lowercase();
    if needle.is_empty() {
        return nodes.to_vec();
    }
    fn keep(node: &TreeNode, names: &BTreeMap<String, String>, needle: &str) -> Option<TreeNode> {
        let children: Vec<TreeNode> = node
            .children
            .iter()
            .filter_map(|c| keep(c, names, needle))
            .collect();
        let name = names.get(&node.id).map(|n| n.to_lowercase());
        let matches =
            node.id.to_lowercase().contains(needle) || name.is_some_and(|n| n.contains(needle));
        (matches || !children.is_empty()).then(|| TreeNode {
            id: node.id.clone(),
            children,
        })
    }
    nodes
        .iter()
        .filter_map(|n| keep(n, names, &needle))
        .collect()
}

/// How many models a tree shows (a model under two parents counts twice, as it is shown).
pub fn tree_size(nodes: &[TreeNode]) -> usize {
    nodes.iter().map(|n| 1 + tree_size(&n.children)).sum()
}

/// Why part of the workspace has nothing to show; kept typed until it is shown.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkspaceError {
    #[error("The models could not be read: {0}")]
    Models(AdtError),
    #[error("The twins could not be counted: {0}")]
    Counts(AdtError),
    #[error("The relationships could not be read: {0}")]
    Relationships(AdtError),
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn tenant() -> TenantId {
        TenantId::parse("9e16b21b-807b-43e3-95d5-439af2c3b46b").unwrap()
    }

    fn host() -> AdtHost {
        AdtHost::parse("contoso-campus.api.weu.digitaltwins.azure.net").unwrap()
    }

    fn leaf(id: &str) -> TreeNode {
        TreeNode {
            id: id.into(),
            children: Vec::new(),
        }
    }

    fn set() -> ModelSet {
        let doc = |id: &str, extends: Option<&str>| {
            let mut d = json!({"@id": id, "@type": "Interface", "@context": "dtmi:dtdl:context;3"});
            if let Some(e) = extends {
                d["extends"] = json!(e);
            }
            d
        };
        let mut set = ModelSet::new();
        set.add_models(&[
            doc("dtmi:x:Space;1", None),
            doc("dtmi:x:Room;1", Some("dtmi:x:Space;1")),
            doc("dtmi:x:Kitchen;1", Some("dtmi:x:Room;1")),
            doc("dtmi:x:Sensor;1", None),
        ])
        .expect("models");
        set
    }

    #[test]
    fn the_address_keeps_query_view_and_twin() {
        let a = WorkspaceAddress {
            query: Some("SELECT * FROM DIGITALTWINS T WHERE T.a = 'b&c'".into()),
            view: ResultsView::Graph,
            twin: Some("room 1/a".into()),
            rel: Some("feeds-room 2".into()),
        };
        let path = a.path(&tenant(), &host());
        assert!(path.starts_with("/t/9e16b21b-807b-43e3-95d5-439af2c3b46b/i/contoso-campus"));
        let query = path.split_once('?').unwrap().1;
        assert!(
            query.contains("&view=graph&twin=room%201%2Fa&rel=feeds-room%202"),
            "{query}"
        );
        assert!(!query.contains(' ') && query.contains("b%26c"), "{query}");
        // The table and absent parts are left out.
        let plain = WorkspaceAddress::default().path(&tenant(), &host());
        assert!(plain.ends_with("/twins"), "{plain}");
        let table =
            WorkspaceAddress::from_params(Some("SELECT 1"), Some("table"), Some(""), Some("r"));
        assert_eq!(table.view, ResultsView::Table);
        assert_eq!(
            (table.twin.as_deref(), table.rel.as_deref()),
            (None, None),
            "no relationship without its twin"
        );
        assert!(
            table
                .path(&tenant(), &host())
                .ends_with("/twins?q=SELECT%201")
        );
        assert_eq!(
            WorkspaceAddress::from_params(Some("  "), Some("graph"), Some("t"), Some("r")),
            WorkspaceAddress {
                query: None,
                view: ResultsView::Graph,
                twin: Some("t".into()),
                rel: Some("r".into()),
            }
        );
        assert_eq!(ResultsView::from_key(Some("pie")), ResultsView::Table);
    }

    #[test]
    fn a_model_query_quotes_the_model() {
        assert_eq!(
            model_query("dtmi:x:Room;1"),
            "SELECT * FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, 'dtmi:x:Room;1')"
        );
        assert!(model_query("a'b").contains("'a\\'b'"));
    }

    #[test]
    fn join_rows_are_expanded_into_their_twins() {
        let t = |id: &str| json!({"$dtId": id, "$metadata": {"$model": "dtmi:x:Room;1"}});
        let rows = vec![
            t("a"),
            json!({"T": t("b"), "CT": t("c"), "R": {"$relationshipId": "r"}}),
            json!({"T": t("a")}),
            json!({"COUNT": 3}),
            json!({"T": {"$dtId": "no-model"}}),
        ];
        assert_eq!(row_twins(&rows[0]).len(), 1);
        assert_eq!(
            row_twins(&rows[1]).len(),
            2,
            "the relationship is not a twin"
        );
        assert!(row_twins(&rows[3]).is_empty());
        let (nodes, total) = result_twins(&rows, 10);
        let ids: Vec<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
        // Members in the order the row holds them (`CT` before `T`).
        assert_eq!(ids, ["a", "c", "b"]);
        assert_eq!(total, 3);
        let (some, total) = result_twins(&rows, 2);
        assert_eq!((some.len(), total), (2, 3));
    }

    #[test]
    fn counts_come_from_one_projection_and_include_extending_models() {
        let rows = [
            json!({"$model": "dtmi:x:Room;1"}),
            json!({"$model": "dtmi:x:Room;1"}),
            json!({"model": "dtmi:x:Kitchen;1"}),
            json!({"$model": "dtmi:x:Sensor;1"}),
            json!({}),
        ];
        let exact = count_models(&rows);
        assert_eq!(exact.get("dtmi:x:Room;1"), Some(&2));
        assert_eq!(exact.get("dtmi:x:Kitchen;1"), Some(&1));
        assert_eq!(exact.values().sum::<usize>(), 4);
        let all = inclusive_counts(&set(), &exact);
        assert_eq!(all.get("dtmi:x:Space;1"), Some(&3));
        assert_eq!(all.get("dtmi:x:Room;1"), Some(&3));
        assert_eq!(all.get("dtmi:x:Kitchen;1"), Some(&1));
        assert_eq!(all.get("dtmi:x:Sensor;1"), Some(&1));
    }

    #[test]
    fn the_tree_filters_by_name_or_dtmi_and_keeps_ancestors() {
        let tree = crate::pages::models::inheritance_tree(&set());
        assert_eq!(tree_size(&tree), 4);
        let names: BTreeMap<String, String> = [
            ("dtmi:x:Space;1", "Space"),
            ("dtmi:x:Room;1", "Room"),
            ("dtmi:x:Kitchen;1", "Cuisine"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
        // By display name: the kitchen, under its ancestors.
        let found = filter_tree(&tree, &names, "CUIS");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "dtmi:x:Space;1");
        assert_eq!(found[0].children[0].id, "dtmi:x:Room;1");
        assert_eq!(
            found[0].children[0].children,
            vec![leaf("dtmi:x:Kitchen;1")]
        );
        // By DTMI.
        let found = filter_tree(&tree, &names, "x:sensor");
        assert_eq!(found, vec![leaf("dtmi:x:Sensor;1")]);
        // A match keeps its own children only when they match too.
        let found = filter_tree(&tree, &names, "room");
        assert_eq!(found[0].children[0].children, Vec::<TreeNode>::new());
        assert!(filter_tree(&tree, &names, "nothing").is_empty());
        assert_eq!(filter_tree(&tree, &names, "  "), tree);
    }

    #[test]
    fn the_selected_columns_come_in_the_query_order() {
        let check = |query: &str, expected: &[&str]| {
            assert_eq!(selected_columns(query), expected, "{query}");
        };
        check(
            "SELECT T, R, C FROM DIGITALTWINS T JOIN C RELATED T.has R",
            &["T", "R", "C"],
        );
        check(
            "select top(3) T.name, T.$dtId from digitaltwins T",
            &["name", "$dtId"],
        );
        check(
            "SELECT TOP (3) T.name AS n, T.temp FROM DIGITALTWINS T",
            &["n", "temp"],
        );
        check("SELECT T.$metadata.$model FROM DIGITALTWINS T", &["$model"]);
        check(
            "  SELECT\n  B,\n  F\nFROM DIGITALTWINS B JOIN F RELATED B.hasFloor",
            &["B", "F"],
        );
        // A FROM inside a string or parentheses is not the end of the list.
        check(
            "SELECT T FROM DIGITALTWINS T WHERE T.name = 'x FROM y'",
            &["T"],
        );
        // Nothing to order by: the rows' order stands.
        check("SELECT * FROM DIGITALTWINS", &[]);
        check("SELECT COUNT() FROM DIGITALTWINS", &[]);
        check("SELECT T FROM", &["T"]);
        check("SELECT T", &[]);
        check("MATCH", &[]);
        check("", &[]);
        check("SELECTT FROM x", &[]);
        check("SELECT TOP(", &[]);
        check("SELECT topic, TOP FROM DIGITALTWINS", &["topic", "TOP"]);
        check("SELECT é, T.ü FROM DIGITALTWINS T", &["é", "ü"]);
        check("SELECT ééé FROM DIGITALTWINS", &["ééé"]);
    }
}
