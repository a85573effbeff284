//! The twin graph on screen: its data ([`GraphModel`]), its layout ([`layout`]) and its SVG
//! view ([`view`]).
//!
//! [`GraphModel`] is pure: it keeps twins and relationships deduplicated by id, maps twin ids
//! to layout indices, and grows incrementally when the user expands a twin's neighbours.

pub mod adt_read;
pub mod arrange;
pub mod layout;
pub mod legend;
pub mod model_graph;
pub mod pick;
pub mod view;

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use self::arrange::LayoutKind;
use self::layout::Layout;

/// Iterations run after loading a graph or expanding it (the layout usually converges first).
pub const LAYOUT_ITERATIONS: usize = 400;

/// One twin as the graph shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    /// `$dtId`.
    pub id: String,
    /// `$metadata.$model`.
    pub model: String,
    /// The twin's top-level properties (without `$dtId`, `$etag`, `$metadata`).
    pub properties: Map<String, Value>,
}

impl GraphNode {
    /// Reads a twin as returned by ADT (`$dtId`, `$metadata.$model`, properties). `None` when
    /// `$dtId` or `$metadata.$model` is missing or not a string.
    pub fn from_twin(twin: &Value) -> Option<GraphNode> {
        let id = twin.get("$dtId")?.as_str()?.to_owned();
        let model = twin.pointer("/$metadata/$model")?.as_str()?.to_owned();
        let properties = twin
            .as_object()?
            .iter()
            .filter(|(k, _)| !k.starts_with('$'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Some(GraphNode {
            id,
            model,
            properties,
        })
    }

    /// The text shown for this node: the chosen property when it holds a string, number or
    /// boolean, otherwise the twin id. Always plain text (rendered as an SVG text node).
    pub fn label(&self, property: Option<&str>) -> String {
        match property.and_then(|p| self.properties.get(p)) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => self.id.clone(),
        }
    }
}

/// One relationship as the graph shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphEdge {
    /// `$relationshipId` (unique per source twin).
    pub id: String,
    /// `$sourceId`.
    pub source: String,
    /// `$targetId`.
    pub target: String,
    /// `$relationshipName`.
    pub name: String,
}

impl GraphEdge {
    /// Reads a relationship as returned by ADT. `None` when one of `$relationshipId`,
    /// `$sourceId`, `$targetId`, `$relationshipName` is missing or not a string.
    pub fn from_relationship(relationship: &Value) -> Option<GraphEdge> {
        let field = |name: &str| Some(relationship.get(name)?.as_str()?.to_owned());
        Some(GraphEdge {
            id: field("$relationshipId")?,
            source: field("$sourceId")?,
            target: field("$targetId")?,
            name: field("$relationshipName")?,
        })
    }
}

/// Nodes, edges and their layout. Invariants: node ids are unique and `nodes[i]` is layout
/// node `i`; edges are unique by (source, id) and both ends are nodes of the model (edges
/// whose other end is not loaded are kept aside in `dangling` until it is).
#[derive(Debug, Clone)]
pub struct GraphModel {
    nodes: Vec<GraphNode>,
    edges: Vec<GraphEdge>,
    index: HashMap<String, usize>,
    edge_keys: HashMap<(String, String), usize>,
    dangling: BTreeMap<(String, String), GraphEdge>,
    layout: Layout,
}

/// What [`GraphModel::expand`] added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Added {
    pub nodes: usize,
    pub edges: usize,
}

impl GraphModel {
    /// A model of `nodes` and `edges` laid out with `seed` (not yet run: call
    /// [`GraphModel::relax`]). Repeated ids keep their first occurrence.
    pub fn new(nodes: Vec<GraphNode>, edges: Vec<GraphEdge>, seed: u64) -> GraphModel {
        let mut model = GraphModel {
            nodes: Vec::new(),
            edges: Vec::new(),
            index: HashMap::new(),
            edge_keys: HashMap::new(),
            dangling: BTreeMap::new(),
            layout: Layout::new(0, &[], seed),
        };
        model.insert_nodes(nodes);
        let pairs = model.insert_edges(edges);
        model.layout = Layout::new(model.nodes.len(), &pairs, seed);
        model
    }

    pub fn nodes(&self) -> &[GraphNode] {
        &self.nodes
    }

    pub fn edges(&self) -> &[GraphEdge] {
        &self.edges
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The layout index of twin `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Runs the layout for at most `iterations` steps; returns the steps run.
    pub fn relax(&mut self, iterations: usize) -> usize {
        self.layout.run(iterations)
    }

    /// Lays the whole graph out with `kind`: the force layout relaxes from where the twins
    /// are; the others place every twin (and pin it).
    pub fn arrange(&mut self, kind: LayoutKind) {
        let n = self.nodes.len();
        let directed = || -> Vec<(usize, usize)> {
            self.edges
                .iter()
                .filter_map(|e| Some((*self.index.get(&e.source)?, *self.index.get(&e.target)?)))
                .collect()
        };
        match kind {
            LayoutKind::Force => {
                self.layout.unpin_all();
                self.layout.run(LAYOUT_ITERATIONS);
            }
            LayoutKind::Hierarchical => {
                let positions = arrange::hierarchical(n, &directed());
                self.layout.place(&positions);
            }
            LayoutKind::Concentric => {
                let positions = arrange::concentric(n, &directed());
                self.layout.place(&positions);
            }
        }
    }

    /// Frees every node so the whole graph relaxes on the next [`GraphModel::relax`].
    pub fn unpin_all(&mut self) {
        self.layout.unpin_all();
    }

    /// Adds the twins and relationships not yet shown (e.g. a twin's neighbours). Existing
    /// nodes keep their positions (see [`Layout::add_nodes`]).
    pub fn expand(&mut self, nodes: Vec<GraphNode>, edges: Vec<GraphEdge>) -> Added {
        let before_nodes = self.nodes.len();
        let before_edges = self.edges.len();
        self.insert_nodes(nodes);
        let pairs = self.insert_edges(edges);
        self.layout
            .add_nodes(self.nodes.len() - before_nodes, &pairs);
        Added {
            nodes: self.nodes.len() - before_nodes,
            edges: self.edges.len() - before_edges,
        }
    }

    fn insert_nodes(&mut self, nodes: Vec<GraphNode>) {
        for node in nodes {
            if !self.index.contains_key(&node.id) {
                self.index.insert(node.id.clone(), self.nodes.len());
                self.nodes.push(node);
            }
        }
    }

    /// Adds edges whose ends are both known (also edges kept aside earlier whose other end has
    /// arrived); returns the new edges as layout index pairs.
    fn insert_edges(&mut self, edges: Vec<GraphEdge>) -> Vec<(usize, usize)> {
        for edge in edges {
            let key = (edge.source.clone(), edge.id.clone());
            if !self.edge_keys.contains_key(&key) {
                self.dangling.entry(key).or_insert(edge);
            }
        }
        let ready: Vec<(String, String)> = self
            .dangling
            .iter()
            .filter(|(_, e)| {
                self.index.contains_key(&e.source) && self.index.contains_key(&e.target)
            })
            .map(|(k, _)| k.clone())
            .collect();
        let mut pairs = Vec::with_capacity(ready.len());
        for key in ready {
            if let Some(edge) = self.dangling.remove(&key) {
                pairs.push((self.index[&edge.source], self.index[&edge.target]));
                self.edge_keys.insert(key, self.edges.len());
                self.edges.push(edge);
            }
        }
        pairs
    }
}

/// A deterministic layout seed from the twin ids, so the same graph always looks the same.
pub fn seed_for(nodes: &[GraphNode]) -> u64 {
    // FNV-1a over the ids.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for node in nodes {
        for byte in node.id.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn node(id: &str) -> GraphNode {
        GraphNode::from_twin(&json!({"$dtId": id, "$metadata": {"$model": "dtmi:x:Room;1"}, "name": format!("Room {id}")}))
            .expect("valid twin")
    }

    fn edge(source: &str, id: &str, target: &str) -> GraphEdge {
        GraphEdge::from_relationship(&json!({
            "$relationshipId": id, "$sourceId": source, "$targetId": target, "$relationshipName": "contains"
        }))
        .expect("valid relationship")
    }

    #[test]
    fn labels_use_the_chosen_property_or_fall_back_to_the_id() {
        let n = GraphNode::from_twin(&json!({
            "$dtId": "r1", "$etag": "W/\"x\"", "$metadata": {"$model": "dtmi:x:Room;1"},
            "name": "Lobby", "floor": 3, "empty": "  ", "nested": {"a": 1}
        }))
        .expect("valid twin");
        assert!(!n.properties.contains_key("$etag"));
        assert_eq!(n.label(Some("name")), "Lobby");
        assert_eq!(n.label(Some("floor")), "3");
        assert_eq!(n.label(Some("empty")), "r1");
        assert_eq!(n.label(Some("nested")), "r1");
        assert_eq!(n.label(Some("missing")), "r1");
        assert_eq!(n.label(None), "r1");
    }

    #[test]
    fn twins_and_relationships_without_required_fields_are_refused() {
        assert!(GraphNode::from_twin(&json!({"$dtId": "a"})).is_none());
        assert!(GraphNode::from_twin(&json!({"$metadata": {"$model": "m"}})).is_none());
        assert!(
            GraphEdge::from_relationship(&json!({"$relationshipId": "r", "$sourceId": "a"}))
                .is_none()
        );
    }

    #[test]
    fn expand_adds_only_new_items_and_keeps_old_positions() {
        let mut model = GraphModel::new(
            vec![node("a"), node("b"), node("a")],
            vec![edge("a", "r1", "b"), edge("a", "r2", "c")],
            7,
        );
        assert_eq!(model.nodes().len(), 2);
        // The edge to the unloaded twin c waits until c arrives.
        assert_eq!(model.edges().len(), 1);
        model.relax(100);
        let before = model.layout().positions().to_vec();

        let added = model.expand(vec![node("b"), node("c")], vec![edge("a", "r1", "b")]);
        assert_eq!(added, Added { nodes: 1, edges: 1 });
        assert_eq!(model.edges()[1].id, "r2");
        assert_eq!(model.index_of("c"), Some(2));
        model.relax(100);
        assert_eq!(&model.layout().positions()[..2], &before[..]);
        assert_eq!(model.layout().edges(), &[(0, 1), (0, 2)]);
    }

    #[test]
    fn the_seed_depends_on_the_ids() {
        assert_eq!(
            seed_for(&[node("a"), node("b")]),
            seed_for(&[node("a"), node("b")])
        );
        assert_ne!(seed_for(&[node("a"), node("b")]), seed_for(&[node("ab")]));
    }
}
