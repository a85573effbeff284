//! The models of an instance as a graph (issue #15): a node per model, an edge per `extends`
//! (child → parent), per component (interface → the component's schema, labelled with the
//! component's name) and per relationship with a `target` (source → target, labelled with the
//! relationship's name).
//!
//! Everything is read from the [`ModelSet`]'s resolved interfaces. Those flatten inherited
//! contents, so a component or relationship a parent declares is drawn once, from the parent,
//! not again from every model that extends it.
//!
//! [`model_graph`] (what to draw) and [`Drawing::new`] (where) are pure and tested natively;
//! [`ModelGraphView`] draws a [`Drawing`] as SVG at its natural size, inside a container that
//! scrolls, so a phone scrolls the drawing and not the page. Layers come from
//! [`super::arrange::hierarchical`]: parents above the models that extend them, interfaces
//! above their components; relationships are drawn across.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use dtdl::{Interface, ModelSet};
use leptos::ev;
use leptos::prelude::*;

use super::arrange::hierarchical;
use super::legend::short_model;

/// What an edge of the model graph stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// The source extends the target.
    Extends,
    /// The source has a component whose schema is the target.
    Component,
    /// The source declares a relationship whose target is the target.
    Relationship,
}

impl EdgeKind {
    pub const ALL: [EdgeKind; 3] = [
        EdgeKind::Extends,
        EdgeKind::Component,
        EdgeKind::Relationship,
    ];

    /// `data-kind` and the CSS modifier.
    pub fn key(self) -> &'static str {
        match self {
            EdgeKind::Extends => "extends",
            EdgeKind::Component => "component",
            EdgeKind::Relationship => "relationship",
        }
    }

    /// What the legend says.
    pub fn legend(self) -> &'static str {
        match self {
            EdgeKind::Extends => "extends (child → parent)",
            EdgeKind::Component => "component (interface → component schema)",
            EdgeKind::Relationship => "relationship (source → target)",
        }
    }

    fn class(self) -> &'static str {
        match self {
            EdgeKind::Extends => "model-graph__edge model-graph__edge--extends",
            EdgeKind::Component => "model-graph__edge model-graph__edge--component",
            EdgeKind::Relationship => "model-graph__edge model-graph__edge--relationship",
        }
    }
}

/// One model of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelNode {
    /// The DTMI.
    pub id: String,
    /// The display name (English first), or the last segment of the DTMI when there is none.
    pub name: String,
}

/// One edge of the graph. Both ends are nodes of the graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ModelEdge {
    pub source: String,
    pub kind: EdgeKind,
    /// `extends`, the component's name, or the relationship's name.
    pub label: String,
    pub target: String,
}

/// The models and the edges between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelGraph {
    /// By DTMI.
    pub nodes: Vec<ModelNode>,
    /// By source, kind, label, target; no repeats.
    pub edges: Vec<ModelEdge>,
}

impl ModelGraph {
    /// The node with this DTMI.
    pub fn node(&self, id: &str) -> Option<&ModelNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The name of model `id`, or `id` when it is not in the graph.
    pub fn name_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.node(id).map_or(id, |n| n.name.as_str())
    }
}

/// The graph of every model in `set`. Components and relationships are taken only from the
/// model that declares them (not from the models that inherit them); relationships without a
/// `target` (any twin) and references to models outside the set draw no edge.
pub fn model_graph(set: &ModelSet) -> ModelGraph {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for key in set.ids() {
        let Some(interface) = set.interface(key.as_str()) else {
            continue;
        };
        let id = interface.id.to_string();
        nodes.push(ModelNode {
            name: interface
                .display_name
                .best()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| short_model(&id))
                .to_owned(),
            id: id.clone(),
        });
        let parents: Vec<&Interface> = interface
            .extends
            .iter()
            .filter_map(|p| set.interface(p.as_str()))
            .collect();
        let mut edge = |kind: EdgeKind, label: &str, target: &Interface| {
            edges.push(ModelEdge {
                source: id.clone(),
                kind,
                label: label.to_owned(),
                target: target.id.to_string(),
            });
        };
        for parent in &parents {
            edge(EdgeKind::Extends, "extends", parent);
        }
        for component in &interface.components {
            if parents
                .iter()
                .any(|p| p.component(&component.name).is_some())
            {
                continue;
            }
            if let Some(schema) = set.interface(component.schema.as_str()) {
                edge(EdgeKind::Component, &component.name, schema);
            }
        }
        for relationship in &interface.relationships {
            if parents
                .iter()
                .any(|p| p.relationship(&relationship.name).is_some())
            {
                continue;
            }
            if let Some(target) = relationship
                .target
                .as_ref()
                .and_then(|t| set.interface(t.as_str()))
            {
                edge(EdgeKind::Relationship, &relationship.name, target);
            }
        }
    }
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    edges.sort();
    edges.dedup();
    ModelGraph { nodes, edges }
}

/// How `edge` reads from one of its ends: from the source (`outgoing`) "extends",
/// "has component nameplate:", "relationship hasRoom →"; from the target "extended by",
/// "component nameplate of", "target of hasRoom from". The other end's name follows.
pub fn connection_phrase(edge: &ModelEdge, outgoing: bool) -> String {
    match (edge.kind, outgoing) {
        (EdgeKind::Extends, true) => "extends".to_owned(),
        (EdgeKind::Extends, false) => "extended by".to_owned(),
        (EdgeKind::Component, true) => format!("has component {}:", edge.label),
        (EdgeKind::Component, false) => format!("component {} of", edge.label),
        (EdgeKind::Relationship, true) => format!("relationship {} →", edge.label),
        (EdgeKind::Relationship, false) => format!("target of {} from", edge.label),
    }
}

/// Size of a model's box, in pixels.
pub const NODE_WIDTH: f32 = 160.0;
pub const NODE_HEIGHT: f32 = 40.0;
/// Names longer than this are cut (with "…") in the box; the whole name is its accessible name.
pub const NAME_CHARS: usize = 20;
/// Pixels per world unit of [`hierarchical`]: 190 px between neighbours in a layer (30 px
/// between boxes), 144 px between layers, 63 px between the rows of a folded layer.
const SCALE_X: f32 = 190.0 / 72.0;
const SCALE_Y: f32 = 1.5;
/// Room around the drawing (self-relationship loops and their labels go above the boxes).
const MARGIN_X: f32 = 48.0;
const MARGIN_TOP: f32 = 64.0;
const MARGIN_BOTTOM: f32 = 40.0;
/// Distance between parallel edges joining the same two models.
const PARALLEL_GAP: f32 = 36.0;

/// A model's box on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeShape {
    pub id: String,
    pub name: String,
    /// The name as it fits in the box.
    pub text: String,
    /// Centre, in pixels from the drawing's top-left corner.
    pub x: f32,
    pub y: f32,
}

/// An edge on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeShape {
    pub edge: ModelEdge,
    /// The SVG path, from the source's border to the target's.
    pub d: String,
    /// Where its label is centred.
    pub label_at: (f32, f32),
}

/// The model graph laid out, in pixels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drawing {
    pub width: f32,
    pub height: f32,
    /// Top to bottom, then left to right (the order Tab moves through them).
    pub nodes: Vec<NodeShape>,
    pub edges: Vec<EdgeShape>,
}

impl Drawing {
    /// Lays `graph` out in layers: a parent above the models that extend it, an interface
    /// above its components. Edges between the same two models fan out; each label goes to
    /// the first place along its edge clear of the boxes and of the labels before it.
    /// Deterministic.
    pub fn new(graph: &ModelGraph) -> Drawing {
        let n = graph.nodes.len();
        if n == 0 {
            return Drawing::default();
        }
        let index: BTreeMap<&str, usize> = graph
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| (node.id.as_str(), i))
            .collect();
        let ends = |e: &ModelEdge| {
            Some((
                *index.get(e.source.as_str())?,
                *index.get(e.target.as_str())?,
            ))
        };
        let layering: Vec<(usize, usize)> = graph
            .edges
            .iter()
            .filter_map(|e| match e.kind {
                // Drawn upwards: the parent is the upper end.
                EdgeKind::Extends => ends(e).map(|(s, t)| (t, s)),
                EdgeKind::Component => ends(e),
                EdgeKind::Relationship => None,
            })
            .collect();
        let world = hierarchical(n, &layering);
        let min_x = world.iter().map(|p| p.0).fold(f32::INFINITY, f32::min);
        let min_y = world.iter().map(|p| p.1).fold(f32::INFINITY, f32::min);
        let centres: Vec<(f32, f32)> = world
            .iter()
            .map(|&(x, y)| {
                (
                    (x - min_x) * SCALE_X + MARGIN_X + NODE_WIDTH / 2.0,
                    (y - min_y) * SCALE_Y + MARGIN_TOP + NODE_HEIGHT / 2.0,
                )
            })
            .collect();
        let width = centres.iter().map(|c| c.0).fold(0.0, f32::max) + NODE_WIDTH / 2.0 + MARGIN_X;
        let height =
            centres.iter().map(|c| c.1).fold(0.0, f32::max) + NODE_HEIGHT / 2.0 + MARGIN_BOTTOM;

        let mut nodes: Vec<NodeShape> = graph
            .nodes
            .iter()
            .zip(&centres)
            .map(|(node, &(x, y))| NodeShape {
                id: node.id.clone(),
                name: node.name.clone(),
                text: fit_name(&node.name),
                x,
                y,
            })
            .collect();
        nodes.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));

        // Edges joining the same two models (either way) fan out side by side.
        let mut bundles: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
        for (k, e) in graph.edges.iter().enumerate() {
            if let Some((s, t)) = ends(e) {
                bundles.entry((s.min(t), s.max(t))).or_default().push(k);
            }
        }
        let mut edges = Vec::with_capacity(graph.edges.len());
        for ((a, b), members) in bundles {
            let count = members.len();
            for (slot, k) in members.into_iter().enumerate() {
                let edge = &graph.edges[k];
                let Some((s, t)) = ends(edge) else {
                    continue;
                };
                let (d, spots) = if a == b {
                    self_loop(centres[a], slot)
                } else {
                    let offset = (slot as f32 - (count as f32 - 1.0) / 2.0) * PARALLEL_GAP;
                    curve(centres[s], centres[t], centres[a], centres[b], offset)
                };
                edges.push((
                    EdgeShape {
                        edge: edge.clone(),
                        d,
                        label_at: spots[0],
                    },
                    spots,
                ));
            }
        }
        edges.sort_by(|x, y| x.0.edge.cmp(&y.0.edge));
        // Each label takes the first of its spots along its edge that is clear of the boxes
        // and of the labels placed before it (else the middle of its edge).
        let mut taken: Vec<Rect> = nodes
            .iter()
            .map(|n| Rect::around((n.x, n.y), NODE_WIDTH, NODE_HEIGHT))
            .collect();
        let edges = edges
            .into_iter()
            .map(|(mut shape, spots)| {
                let size = label_size(&shape.edge.label);
                let clear = spots.iter().copied().find(|&spot| {
                    let r = Rect::around(spot, size.0, size.1);
                    !taken.iter().any(|t| t.overlaps(&r))
                });
                shape.label_at = clear.unwrap_or(spots[0]);
                taken.push(Rect::around(shape.label_at, size.0, size.1));
                shape
            })
            .collect();
        Drawing {
            width: width.ceil(),
            height: height.ceil(),
            nodes,
            edges,
        }
    }
}

/// An axis-aligned box: left, top, right, bottom.
#[derive(Debug, Clone, Copy)]
struct Rect(f32, f32, f32, f32);

impl Rect {
    fn around((x, y): (f32, f32), width: f32, height: f32) -> Rect {
        Rect(
            x - width / 2.0,
            y - height / 2.0,
            x + width / 2.0,
            y + height / 2.0,
        )
    }

    fn overlaps(&self, other: &Rect) -> bool {
        self.0 < other.2 && other.0 < self.2 && self.1 < other.3 && other.1 < self.3
    }
}

/// About the size of an edge label at 12 px (a little wider than the text, for its halo).
fn label_size(label: &str) -> (f32, f32) {
    (label.chars().count() as f32 * 7.0 + 8.0, 16.0)
}

/// Where along a path from `start` to `end` (bent towards `control`) its label may go: the
/// middle first, then further towards either end.
fn spots_along(start: (f32, f32), control: (f32, f32), end: (f32, f32)) -> Vec<(f32, f32)> {
    [0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8]
        .into_iter()
        .map(|t: f32| {
            let u = 1.0 - t;
            (
                u * u * start.0 + 2.0 * u * t * control.0 + t * t * end.0,
                u * u * start.1 + 2.0 * u * t * control.1 + t * t * end.1,
            )
        })
        .collect()
}

/// `name`, cut to [`NAME_CHARS`] characters with "…" when longer.
fn fit_name(name: &str) -> String {
    if name.chars().count() <= NAME_CHARS {
        name.to_owned()
    } else {
        let cut: String = name.chars().take(NAME_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Where the line from the centre of a box at `centre` towards `toward` leaves the box.
fn border(centre: (f32, f32), toward: (f32, f32)) -> (f32, f32) {
    let (dx, dy) = (toward.0 - centre.0, toward.1 - centre.1);
    let along = |half: f32, d: f32| {
        if d == 0.0 {
            f32::INFINITY
        } else {
            half / d.abs()
        }
    };
    let t = along(NODE_WIDTH / 2.0, dx).min(along(NODE_HEIGHT / 2.0, dy));
    if !t.is_finite() {
        return centre;
    }
    (centre.0 + dx * t, centre.1 + dy * t)
}

/// A path from box `from` to box `to`: straight, or bent by `offset` pixels to one side of
/// the line between the pair's canonical ends `a` → `b` (so parallel edges in opposite
/// directions still fan out). Boxes on one row are joined by an arc below it, so the edge does
/// not run through the boxes between them. Returns the path and the places for its label
/// ([`spots_along`]).
fn curve(
    from: (f32, f32),
    to: (f32, f32),
    a: (f32, f32),
    b: (f32, f32),
    offset: f32,
) -> (String, Vec<(f32, f32)>) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = dx.hypot(dy).max(1.0);
    // The left-hand normal of a → b; on one row (dx > 0 after ordering, dy = 0) it points down
    // after the flip below.
    let mut normal = (-dy / len, dx / len);
    if normal.1 < 0.0 || (normal.1 == 0.0 && normal.0 < 0.0) {
        normal = (-normal.0, -normal.1);
    }
    let same_row = (from.1 - to.1).abs() < 1.0;
    let bow = if same_row {
        (0.3 * (to.0 - from.0).abs()).min(160.0)
    } else {
        0.0
    };
    let bend = offset + bow;
    let mid = ((from.0 + to.0) / 2.0, (from.1 + to.1) / 2.0);
    let control = (mid.0 + normal.0 * bend, mid.1 + normal.1 * bend);
    let start = border(from, control);
    let end = border(to, control);
    let mut d = String::new();
    if bend == 0.0 {
        let _ = write!(
            d,
            "M{:.1} {:.1}L{:.1} {:.1}",
            start.0, start.1, end.0, end.1
        );
        let middle = ((start.0 + end.0) / 2.0, (start.1 + end.1) / 2.0);
        (d, spots_along(start, middle, end))
    } else {
        let _ = write!(
            d,
            "M{:.1} {:.1}Q{:.1} {:.1} {:.1} {:.1}",
            start.0, start.1, control.0, control.1, end.0, end.1
        );
        (d, spots_along(start, control, end))
    }
}

/// A loop from a box back to itself over its top-right corner (the `slot`-th such loop is
/// drawn larger).
fn self_loop(centre: (f32, f32), slot: usize) -> (String, Vec<(f32, f32)>) {
    let (x, y) = centre;
    let (right, top) = (x + NODE_WIDTH / 2.0, y - NODE_HEIGHT / 2.0);
    let reach = 36.0 + 18.0 * slot as f32;
    let mut d = String::new();
    let _ = write!(
        d,
        "M{:.1} {:.1}C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
        right - 36.0,
        top,
        right - 36.0,
        top - reach,
        right + reach * 0.6,
        top - reach * 0.5,
        right,
        top + 10.0
    );
    (d, vec![(right - 10.0, top - reach * 0.8)])
}

/// The model graph: boxes (focusable; click, Enter or Space selects), edges styled and
/// labelled by kind, and a legend. The drawing keeps its natural size and its container
/// scrolls.
#[component]
pub fn ModelGraphView(
    /// What to draw.
    #[prop(into)]
    graph: Signal<ModelGraph>,
    /// The selected model's DTMI.
    #[prop(into)]
    selected: Signal<Option<String>>,
    /// Called with a DTMI when the user selects a model.
    on_select: Callback<String>,
) -> impl IntoView {
    let drawing = Memo::new(move |_| graph.with(Drawing::new));
    let summary = move || {
        graph.with(|g| {
            format!(
                "Model graph: {}, {}",
                crate::format::count(g.nodes.len(), "model", "models"),
                crate::format::count(g.edges.len(), "connection", "connections")
            )
        })
    };

    let edges = move || {
        drawing.with(|d| {
            d.edges
                .iter()
                .map(|shape| {
                    let kind = shape.edge.kind;
                    let start =
                        (kind == EdgeKind::Component).then_some("url(#model-graph-diamond)");
                    // UML's marks: a hollow triangle at the parent, a diamond at the
                    // interface that has the component, an arrow at a relationship's target.
                    let end = match kind {
                        EdgeKind::Extends => Some("url(#model-graph-triangle)"),
                        EdgeKind::Component => None,
                        EdgeKind::Relationship => Some("url(#model-graph-arrow)"),
                    };
                    view! {
                        <path
                            class=kind.class()
                            d=shape.d.clone()
                            marker-start=start
                            marker-end=end
                            data-kind=kind.key()
                            data-source=shape.edge.source.clone()
                            data-target=shape.edge.target.clone()
                        ></path>
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let labels = move || {
        drawing.with(|d| {
            d.edges
                .iter()
                .map(|shape| {
                    let kind = shape.edge.kind;
                    let (x, y) = shape.label_at;
                    view! {
                        <text
                            class=format!("model-graph__edge-label model-graph__edge-label--{}", kind.key())
                            x=format!("{x:.1}")
                            y=format!("{y:.1}")
                            dy="0.35em"
                            data-kind=kind.key()
                            data-source=shape.edge.source.clone()
                            data-target=shape.edge.target.clone()
                        >
                            {shape.edge.label.clone()}
                        </text>
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let nodes = move || {
        drawing.with(|d| {
            d.nodes
                .iter()
                .map(|node| {
                    let id = node.id.clone();
                    let is_selected = {
                        let id = id.clone();
                        move || selected.with(|s| s.as_deref() == Some(id.as_str()))
                    };
                    let on_click = {
                        let id = id.clone();
                        move |_| on_select.run(id.clone())
                    };
                    let on_key = {
                        let id = id.clone();
                        move |e: ev::KeyboardEvent| {
                            if matches!(e.key().as_str(), "Enter" | " ") {
                                e.prevent_default();
                                on_select.run(id.clone());
                            }
                        }
                    };
                    let current = is_selected.clone();
                    view! {
                        <g
                            class="model-graph__node"
                            class:model-graph__node--selected=is_selected
                            transform=format!("translate({:.1} {:.1})", node.x, node.y)
                            tabindex="0"
                            role="button"
                            aria-label=node.name.clone()
                            aria-current=move || current().then_some("true")
                            data-dtmi=id.clone()
                            on:click=on_click
                            on:keydown=on_key
                        >
                            <title>{id.clone()}</title>
                            <rect
                                class="model-graph__box"
                                x=format!("{:.1}", -NODE_WIDTH / 2.0)
                                y=format!("{:.1}", -NODE_HEIGHT / 2.0)
                                width=NODE_WIDTH.to_string()
                                height=NODE_HEIGHT.to_string()
                                rx="6"
                            ></rect>
                            <text class="model-graph__name" text-anchor="middle" dy="0.35em">
                                {node.text.clone()}
                            </text>
                        </g>
                    }
                })
                .collect::<Vec<_>>()
        })
    };

    view! {
        <div class="model-graph">
            <div class="model-graph__scroll">
                <svg
                    class="model-graph__canvas"
                    role="group"
                    aria-label=summary
                    width=move || drawing.with(|d| d.width.to_string())
                    height=move || drawing.with(|d| d.height.to_string())
                    viewBox=move || drawing.with(|d| format!("0 0 {} {}", d.width, d.height))
                >
                    <defs>
                        <marker id="model-graph-triangle" class="model-graph__marker model-graph__marker--extends"
                            viewBox="0 0 14 14" refX="13" refY="7" markerWidth="14" markerHeight="14"
                            markerUnits="userSpaceOnUse" orient="auto">
                            <path d="M1 1L13 7L1 13Z"></path>
                        </marker>
                        <marker id="model-graph-diamond" class="model-graph__marker model-graph__marker--component"
                            viewBox="0 0 16 12" refX="1" refY="6" markerWidth="16" markerHeight="12"
                            markerUnits="userSpaceOnUse" orient="auto">
                            <path d="M1 6L8 1L15 6L8 11Z"></path>
                        </marker>
                        <marker id="model-graph-arrow" class="model-graph__marker model-graph__marker--arrow"
                            viewBox="0 0 12 12" refX="11" refY="6" markerWidth="12" markerHeight="12"
                            markerUnits="userSpaceOnUse" orient="auto">
                            <path d="M1 1L11 6L1 11"></path>
                        </marker>
                    </defs>
                    <g class="model-graph__edges" aria-hidden="true">{edges}</g>
                    <g class="model-graph__edge-labels" aria-hidden="true">{labels}</g>
                    <g class="model-graph__nodes">{nodes}</g>
                </svg>
            </div>
            <ul class="model-graph__legend" aria-label="Edges">
                {EdgeKind::ALL.into_iter().map(|kind| view! {
                    <li>
                        <svg width="40" height="12" viewBox="0 0 40 12" aria-hidden="true">
                            <path class=kind.class() d="M2 6L38 6"></path>
                        </svg>
                        <span>{kind.legend()}</span>
                    </li>
                }).collect::<Vec<_>>()}
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn interface(id: &str, extra: Value) -> Value {
        let mut model = json!({"@id": id, "@type": "Interface", "@context": "dtmi:dtdl:context;3"});
        if let (Some(m), Some(e)) = (model.as_object_mut(), extra.as_object()) {
            m.extend(e.clone());
        }
        model
    }

    fn set_of(models: &[Value]) -> ModelSet {
        let built = crate::model_set::instance_set(
            models
                .iter()
                .map(|m| (m["@id"].as_str().unwrap_or_default(), Some(m))),
        );
        assert!(built.unreadable.is_empty(), "{:?}", built.unreadable);
        built.set
    }

    /// The graph of `models`: its nodes as `id name` and its edges as
    /// `source -kind:label-> target`, with short ids (`dtmi:x:` left out).
    fn check(models: &[Value], nodes: &[&str], edges: &[&str]) {
        let graph = model_graph(&set_of(models));
        let short = |id: &str| id.trim_start_matches("dtmi:x:").to_owned();
        let shown: Vec<String> = graph
            .nodes
            .iter()
            .map(|n| format!("{} {}", short(&n.id), n.name))
            .collect();
        assert_eq!(shown, nodes, "nodes of {models:#?}");
        let shown: Vec<String> = graph
            .edges
            .iter()
            .map(|e| {
                format!(
                    "{} -{}:{}-> {}",
                    short(&e.source),
                    e.kind.key(),
                    e.label,
                    short(&e.target)
                )
            })
            .collect();
        assert_eq!(shown, edges, "edges of {models:#?}");
    }

    fn space() -> Value {
        interface(
            "dtmi:x:Space;1",
            json!({"displayName": {"de": "Raum", "en": "Space"},
                   "contents": [{"@type": "Relationship", "name": "contains"},
                                {"@type": "Relationship", "name": "near", "target": "dtmi:x:Space;1"}]}),
        )
    }

    fn plate() -> Value {
        interface("dtmi:x:Plate;1", json!({"displayName": "Nameplate"}))
    }

    fn device() -> Value {
        interface(
            "dtmi:x:Device;1",
            json!({"contents": [{"@type": "Component", "name": "plate", "schema": "dtmi:x:Plate;1"},
                                {"@type": "Component", "name": "spare", "schema": "dtmi:x:Plate;1"}]}),
        )
    }

    #[test]
    fn edges_come_from_extends_components_and_targeted_relationships() {
        // Nothing: an empty graph.
        check(&[], &[], &[]);
        // A model alone; a relationship without a target draws nothing, one to itself a loop.
        check(
            &[space()],
            &["Space;1 Space"],
            &["Space;1 -relationship:near-> Space;1"],
        );
        // Components: one edge per component, labelled with its name, to its schema (two
        // components of one schema are two edges). No display name: the DTMI's last part.
        check(
            &[plate(), device()],
            &["Device;1 Device;1", "Plate;1 Nameplate"],
            &[
                "Device;1 -component:plate-> Plate;1",
                "Device;1 -component:spare-> Plate;1",
            ],
        );
        // Extends: child → parent; what the parent declares is drawn from the parent only,
        // what the child adds from the child.
        let room = interface(
            "dtmi:x:Room;1",
            json!({"displayName": "Room", "extends": "dtmi:x:Space;1",
                   "contents": [{"@type": "Relationship", "name": "feeds", "target": "dtmi:x:Device;1"}]}),
        );
        let pump = interface(
            "dtmi:x:Pump;1",
            json!({"displayName": "  ", "extends": ["dtmi:x:Device;1", "dtmi:x:Space;1"],
                   "contents": [{"@type": "Component", "name": "motor", "schema": "dtmi:x:Plate;1"},
                                {"@type": "Relationship", "name": "drains", "target": "dtmi:x:Room;1"}]}),
        );
        check(
            &[space(), room, plate(), device(), pump],
            &[
                "Device;1 Device;1",
                "Plate;1 Nameplate",
                "Pump;1 Pump;1",
                "Room;1 Room",
                "Space;1 Space",
            ],
            &[
                "Device;1 -component:plate-> Plate;1",
                "Device;1 -component:spare-> Plate;1",
                "Pump;1 -extends:extends-> Device;1",
                "Pump;1 -extends:extends-> Space;1",
                "Pump;1 -component:motor-> Plate;1",
                "Pump;1 -relationship:drains-> Room;1",
                "Room;1 -extends:extends-> Space;1",
                "Room;1 -relationship:feeds-> Device;1",
                "Space;1 -relationship:near-> Space;1",
            ],
        );
    }

    #[test]
    fn connections_read_from_either_end() {
        let edge = |kind, label: &str| ModelEdge {
            source: "a".into(),
            kind,
            label: label.into(),
            target: "b".into(),
        };
        let cases = [
            (EdgeKind::Extends, "extends", "extends", "extended by"),
            (
                EdgeKind::Component,
                "plate",
                "has component plate:",
                "component plate of",
            ),
            (
                EdgeKind::Relationship,
                "hasRoom",
                "relationship hasRoom →",
                "target of hasRoom from",
            ),
        ];
        for (kind, label, out, back) in cases {
            assert_eq!(connection_phrase(&edge(kind, label), true), out);
            assert_eq!(connection_phrase(&edge(kind, label), false), back);
        }
    }

    #[test]
    fn the_drawing_puts_parents_and_owners_above_and_keeps_everything_inside() {
        let room = interface(
            "dtmi:x:Room;1",
            json!({"displayName": "A room with a very long display name", "extends": "dtmi:x:Space;1"}),
        );
        let graph = model_graph(&set_of(&[space(), room, plate(), device()]));
        let drawing = Drawing::new(&graph);
        let at = |id: &str| {
            let n = drawing
                .nodes
                .iter()
                .find(|n| n.id == format!("dtmi:x:{id}"))
                .expect("drawn");
            (n.x, n.y)
        };
        assert!(at("Space;1").1 < at("Room;1").1, "parent above child");
        assert!(at("Device;1").1 < at("Plate;1").1, "owner above component");
        // Every box and every label lies inside the drawing; boxes do not overlap.
        for n in &drawing.nodes {
            assert!(n.x - NODE_WIDTH / 2.0 >= 0.0 && n.x + NODE_WIDTH / 2.0 <= drawing.width);
            assert!(n.y - NODE_HEIGHT / 2.0 >= 0.0 && n.y + NODE_HEIGHT / 2.0 <= drawing.height);
            assert!(n.text.chars().count() <= NAME_CHARS, "{}", n.text);
        }
        for (i, a) in drawing.nodes.iter().enumerate() {
            for b in &drawing.nodes[i + 1..] {
                assert!(
                    (a.x - b.x).abs() >= NODE_WIDTH || (a.y - b.y).abs() >= NODE_HEIGHT,
                    "{} and {} overlap",
                    a.id,
                    b.id
                );
            }
        }
        for e in &drawing.edges {
            let (x, y) = e.label_at;
            assert!(
                x > 0.0 && x < drawing.width && y > 0.0 && y < drawing.height,
                "{e:?}"
            );
            assert!(e.d.starts_with('M') && !e.d.contains("NaN"), "{e:?}");
        }
        // Labels keep clear of each other.
        let rects: Vec<Rect> = drawing
            .edges
            .iter()
            .map(|e| {
                let (w, h) = label_size(&e.edge.label);
                Rect::around(e.label_at, w, h)
            })
            .collect();
        for (i, a) in rects.iter().enumerate() {
            assert!(
                rects[i + 1..].iter().all(|b| !a.overlaps(b)),
                "{:?}",
                drawing.edges
            );
        }
        // Tab order: top to bottom.
        assert!(drawing.nodes.windows(2).all(|w| w[0].y <= w[1].y));
        // Names that do not fit are cut; the two components of one schema fan out.
        assert_eq!(
            drawing
                .nodes
                .iter()
                .find(|n| n.id == "dtmi:x:Room;1")
                .map(|n| n.text.as_str()),
            Some("A room with a very…")
        );
        let paths: Vec<&str> = drawing
            .edges
            .iter()
            .filter(|e| e.edge.kind == EdgeKind::Component)
            .map(|e| e.d.as_str())
            .collect();
        assert_eq!(paths.len(), 2);
        assert_ne!(paths[0], paths[1]);
        assert_eq!(drawing, Drawing::new(&graph), "deterministic");
        assert_eq!(Drawing::new(&ModelGraph::default()), Drawing::default());
    }
}
