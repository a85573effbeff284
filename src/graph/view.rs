//! [`GraphView`]: the twin graph as SVG.
//!
//! One `<g transform>` carries pan and zoom. While the view moves (a wheel, a drag, a key,
//! within [`SETTLE`] of each other) the drawing is not redrawn at all: it keeps the transform
//! it was made with, and a CSS transform of the whole `<svg>` (its own compositor layer,
//! clipped by the canvas around it) carries the difference, so a frame is the compositor
//! moving a picture, with no style, layout or paint of 1,000 marks on the main thread; the
//! labels rest (hidden, their size on screen not recomputed). When the view settles, the
//! `<g>` takes the new transform and the labels come back at the new scale, in one repaint.
//! Edges are
//! one `<path>` (a line plus an arrowhead per relationship); each twin is a focusable `<g>`
//! with `aria-label` = its label; labels are SVG text nodes, never HTML.
//!
//! Pointer: wheel zooms about the cursor, dragging the background pans, clicking a twin selects
//! it, double-clicking opens it. Keyboard (when the drawing has focus): `+`/`-` zoom, arrows
//! pan, `0` fits the drawing; Tab moves through the twins (the view pans to bring each one
//! reached by the keyboard inside the canvas, `REVEAL_MARGIN`), Enter opens one, `E` expands its
//! neighbours.

use std::fmt::Write as _;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use std::collections::BTreeSet;

use super::arrange::LayoutKind;
use super::layout::Transform;
use super::legend::{Legend, short_model};
use super::{GraphEdge, GraphModel, GraphNode, LAYOUT_ITERATIONS, seed_for};

/// A twin as drawn: its place in the layout, id, model's style and label. The key of its
/// view: a twin whose style or label changes is drawn again; one that only moves is not.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ShownTwin {
    index: usize,
    id: String,
    class: String,
    shape: String,
    aria: String,
    text: String,
}

/// How long after the last pan or zoom the view counts as settled (labels shown again).
pub const SETTLE: std::time::Duration = std::time::Duration::from_millis(150);

/// Radius of a twin's circle, in world units.
pub const NODE_RADIUS: f32 = 9.0;
/// Zoom factor of one `+`/`-` key press or toolbar click.
pub const ZOOM_STEP: f32 = 1.25;
/// Pixels moved by one arrow key press.
pub const PAN_STEP: f32 = 40.0;
/// How far inside the canvas a twin reached by the keyboard is brought, in pixels (room for
/// its mark and the start of its label).
pub const REVEAL_MARGIN: f32 = 48.0;
/// Above this many relationships, their names are not drawn (the drawing stays legible).
pub const EDGE_LABEL_LIMIT: usize = 150;
/// A pointer that moves less than this many pixels between down and up is a click, not a drag.
const DRAG_THRESHOLD: f64 = 4.0;
/// Labels are drawn at this size on screen whatever the zoom (they are scaled against it)...
pub const LABEL_PX: f32 = 11.0;
/// On-screen size of a relationship's name, in CSS pixels.
pub const EDGE_LABEL_PX: f32 = 9.0;
/// ...once neighbours are at least this far apart on screen, so labels have room to be read.
/// Further out, the legend and the counts summarise the graph, and the selected twin keeps
/// its label.
pub const LABEL_ROOM_PX: f32 = 42.0;
/// Most hops "Expand" goes out from a twin.
pub const MAX_HOPS: u8 = 3;
/// Drawing size used until the element has been measured.
const DEFAULT_SIZE: (f32, f32) = (960.0, 600.0);

/// What a key press on the drawing does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyAction {
    Zoom(f32),
    Pan(f32, f32),
    Fit,
}

/// The view action for a key (`KeyboardEvent.key`), if any. Arrows move the drawing the way
/// the arrow points (the camera moves the other way).
pub fn key_action(key: &str) -> Option<KeyAction> {
    Some(match key {
        "+" | "=" => KeyAction::Zoom(ZOOM_STEP),
        "-" | "_" => KeyAction::Zoom(1.0 / ZOOM_STEP),
        "ArrowLeft" => KeyAction::Pan(PAN_STEP, 0.0),
        "ArrowRight" => KeyAction::Pan(-PAN_STEP, 0.0),
        "ArrowUp" => KeyAction::Pan(0.0, PAN_STEP),
        "ArrowDown" => KeyAction::Pan(0.0, -PAN_STEP),
        "0" => KeyAction::Fit,
        _ => return None,
    })
}

/// Zoom factor for a wheel event's vertical delta (in pixels): scrolling up zooms in.
pub fn wheel_factor(delta_y: f64) -> f32 {
    let clamped = delta_y.clamp(-300.0, 300.0) as f32;
    (-clamped * 0.002).exp()
}

/// True when labels can be read at zoom `scale` (screen pixels per world unit).
pub fn labels_shown(scale: f32) -> bool {
    scale * super::layout::NATURAL_LENGTH >= LABEL_ROOM_PX
}

/// Smallest radius a twin's mark has on screen, in CSS pixels: below it a twin is a speck
/// that can be neither seen nor tapped (68 rooms fitted into a phone's width were 2 px).
pub const MIN_MARK_PX: f32 = 6.0;

/// The factor that enlarges a twin's mark (radius [`NODE_RADIUS`] in world units) at view
/// scale `scale` so that it is at least [`MIN_MARK_PX`] on screen; 1 when it already is.
pub fn mark_enlargement(scale: f32) -> f32 {
    if scale <= 0.0 || !scale.is_finite() {
        return 1.0;
    }
    (MIN_MARK_PX / (NODE_RADIUS * scale)).max(1.0)
}

/// The `d` attribute drawing every edge of `edges` (layout index pairs, source first) as a
/// line from border to border of the two circles with an arrowhead at the target. Edges
/// between coincident nodes are skipped.
pub fn edge_path(positions: &[(f32, f32)], edges: &[(usize, usize)], radius: f32) -> String {
    let mut d = String::with_capacity(edges.len() * 64);
    let head = radius * 0.8;
    for &(s, t) in edges {
        let (Some(&a), Some(&b)) = (positions.get(s), positions.get(t)) else {
            continue;
        };
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt();
        if !len.is_finite() || len <= 2.0 * radius {
            continue;
        }
        let (ux, uy) = (dx / len, dy / len);
        let start = (a.0 + ux * radius, a.1 + uy * radius);
        let tip = (b.0 - ux * radius, b.1 - uy * radius);
        // Arrowhead: two short strokes back from the tip at ±30°.
        let (cos, sin) = (0.866_f32, 0.5_f32);
        let left = (
            tip.0 - head * (ux * cos - uy * sin),
            tip.1 - head * (uy * cos + ux * sin),
        );
        let right = (
            tip.0 - head * (ux * cos + uy * sin),
            tip.1 - head * (uy * cos - ux * sin),
        );
        let _ = write!(
            d,
            "M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}",
            start.0, start.1, tip.0, tip.1, left.0, left.1, tip.0, tip.1, right.0, right.1
        );
    }
    d
}

/// True when `new` only adds to what `model` already shows (so it can grow in place and keep
/// the positions the user knows).
fn extends_model(model: &GraphModel, new: &[GraphNode]) -> bool {
    !model.nodes().is_empty()
        && model
            .nodes()
            .iter()
            .all(|n| new.iter().any(|m| m.id == n.id))
}

/// The twin graph. `nodes` and `edges` may change at any time: when the new data only adds
/// twins (e.g. after "expand neighbours") the drawing grows around the existing twins,
/// otherwise it is laid out afresh.
#[component]
pub fn GraphView(
    /// The twins to show.
    #[prop(into)]
    nodes: Signal<Vec<GraphNode>>,
    /// Relationships; ones whose ends are not both in `nodes` are not drawn.
    #[prop(into)]
    edges: Signal<Vec<GraphEdge>>,
    /// Called with a twin id when the user opens it (Enter, double-click, "Open").
    on_open: Callback<String>,
    /// Called with a twin id and a number of hops (1 for `E`) when the user asks for its
    /// neighbourhood ("Expand").
    on_expand: Callback<(String, u8)>,
    /// The property shown as each twin's label (`None`: the twin id).
    #[prop(into, optional)]
    label_property: Signal<Option<String>>,
    /// Accessible name of the drawing.
    #[prop(into, default = "Twin graph".into())]
    label: String,
    /// The layout to start with.
    #[prop(optional)]
    initial_layout: LayoutKind,
    /// Called when the user chooses a layout (e.g. to keep it in the address).
    #[prop(optional)]
    on_layout: Option<Callback<LayoutKind>>,
) -> impl IntoView {
    let model = StoredValue::new(GraphModel::new(Vec::new(), Vec::new(), 0));
    // Bumped whenever the model changes, so the drawing re-reads it.
    let revision = RwSignal::new(0u64);
    let transform = RwSignal::new(Transform::IDENTITY);
    let selected = RwSignal::new(None::<String>);
    // The canvas: the focusable, clipping box that takes the pointer and the keys; the
    // `<svg>` inside it is the picture that moves.
    let canvas_ref = NodeRef::<leptos::html::Div>::new();
    let layout_kind = RwSignal::new(initial_layout);
    let hidden = RwSignal::new(BTreeSet::<String>::new());
    let hops = RwSignal::new(1u8);

    let measured_size = move || -> (f32, f32) {
        canvas_ref
            .get_untracked()
            .map(|canvas| (canvas.client_width() as f32, canvas.client_height() as f32))
            .filter(|(w, h)| *w > 0.0 && *h > 0.0)
            .unwrap_or(DEFAULT_SIZE)
    };
    let fit = move || {
        let (w, h) = measured_size();
        model.with_value(|m| transform.set(m.layout().fit(w, h)));
    };

    // Data → model → layout.
    Effect::new(move |_| {
        let nodes = nodes.get();
        let edges = edges.get();
        crate::perf::mark(crate::perf::GRAPH_LAYOUT_START);
        let grow = model.with_value(|m| extends_model(m, &nodes));
        let kind = layout_kind.get_untracked();
        if grow {
            model.update_value(|m| {
                m.expand(nodes, edges);
                match kind {
                    LayoutKind::Force => {
                        m.relax(LAYOUT_ITERATIONS);
                    }
                    other => m.arrange(other),
                }
            });
        } else {
            let seed = seed_for(&nodes);
            let mut fresh = GraphModel::new(nodes, edges, seed);
            fresh.relax(LAYOUT_ITERATIONS);
            if kind != LayoutKind::Force {
                fresh.arrange(kind);
            }
            model.set_value(fresh);
            fit();
            // The drawing may not be laid out yet (first data, a screen just opened): its
            // size was a guess, so fit again once the browser has measured it.
            request_animation_frame(move || {
                let measured = canvas_ref
                    .try_get_untracked()
                    .flatten()
                    .is_some_and(|canvas| canvas.client_width() > 0);
                if measured && !model.is_disposed() && !transform.is_disposed() {
                    fit();
                }
            });
        }
        crate::perf::mark(crate::perf::GRAPH_LAYOUT_END);
        revision.update(|r| *r += 1);
        crate::perf::mark_after_paint(crate::perf::GRAPH_DRAWN);
    });

    let legend = Memo::new(move |_| {
        revision.track();
        model.with_value(|m| Legend::new(m.nodes().iter().map(|n| n.model.as_str())))
    });
    // Layout indices of the twins on screen (their model is not hidden).
    let visible = Memo::new(move |_| {
        revision.track();
        let hidden = hidden.get();
        model.with_value(|m| {
            m.nodes()
                .iter()
                .map(|n| !hidden.contains(&n.model))
                .collect::<Vec<bool>>()
        })
    });
    let visible_count = move || visible.with(|v| v.iter().filter(|x| **x).count());
    // The scale the labels are drawn for: the transform's, once the view has settled.
    let label_scale = RwSignal::new(transform.get_untracked().scale);
    let moving = RwSignal::new(false);
    let settle_timer = StoredValue::new_local(None::<TimeoutHandle>);
    // The transform the drawing is made with: the view's, except while it moves.
    let drawn = RwSignal::new(transform.get_untracked());
    Effect::new(move |_| {
        let now = transform.get();
        if !moving.get() {
            drawn.set(now);
            label_scale.set(now.scale);
        }
    });
    // A pan or zoom by the person: the labels rest until the view settles.
    let moved = move || {
        moving.set(true);
        if let Some(timer) = settle_timer.get_value() {
            timer.clear();
        }
        let timer = set_timeout_with_handle(
            move || {
                moving.try_set(false);
            },
            SETTLE,
        )
        .ok();
        settle_timer.set_value(timer);
    };
    on_cleanup(move || {
        if let Some(Some(timer)) = settle_timer.try_get_value() {
            timer.clear();
        }
    });
    let show_labels = Memo::new(move |_| labels_shown(label_scale.get()));
    // How much each twin's mark is enlarged so it stays big enough to see and to tap.
    let mark_scale = Memo::new(move |_| mark_enlargement(label_scale.get()));

    let edge_d = Memo::new(move |_| {
        revision.track();
        let shown = visible.get();
        model.with_value(|m| {
            let pairs: Vec<(usize, usize)> = m
                .edges()
                .iter()
                .filter_map(|e| Some((m.index_of(&e.source)?, m.index_of(&e.target)?)))
                .filter(|&(a, b)| shown[a] && shown[b])
                .collect();
            edge_path(m.layout().positions(), &pairs, NODE_RADIUS)
        })
    });

    let edge_labels = move || {
        revision.track();
        let shown = visible.get();
        model.with_value(|m| {
            if m.edges().len() > EDGE_LABEL_LIMIT {
                return Vec::new();
            }
            let positions = m.layout().positions();
            m.edges()
                .iter()
                .filter_map(|e| {
                    let (i, j) = (m.index_of(&e.source)?, m.index_of(&e.target)?);
                    if !(shown[i] && shown[j]) {
                        return None;
                    }
                    let a = positions[i];
                    let b = positions[j];
                    let (x, y) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
                    Some(view! {
                        <text
                            class="graph__edge-label"
                            x=format!("{x:.1}")
                            y=format!("{y:.1}")
                            data-rel-source=e.source.clone()
                            data-rel-id=e.id.clone()
                        >
                            {e.name.clone()}
                        </text>
                    })
                })
                .collect::<Vec<_>>()
        })
    };

    // Pans at once (not a gesture) so a twin at `world` shows at least `REVEAL_MARGIN`
    // inside the canvas.
    let reveal = move |world: (f32, f32)| {
        let (w, h) = measured_size();
        transform.update(|t| *t = t.reveal(world, w, h, REVEAL_MARGIN));
    };

    // The twins on screen, keyed: a new layout moves the twins already drawn (their
    // `transform`s follow `revision`), it does not draw them again. Redrawing a thousand
    // twins dropped a thousand sets of render effects, each unsubscribing from the same few
    // signals with an order-keeping removal: 0.6–1.5 s per layout, 60 % of it there.
    let shown_twins = Memo::new(move |_| {
        revision.track();
        let property = label_property.get();
        let shown = visible.get();
        legend.with(|legend| {
            model.with_value(|m| {
                m.nodes()
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| shown.get(*i).copied().unwrap_or(false))
                    .map(|(index, node)| {
                        let style = legend.style(&node.model);
                        let text = node.label(property.as_deref());
                        ShownTwin {
                            index,
                            id: node.id.clone(),
                            class: style.class(),
                            shape: style.shape.path(NODE_RADIUS),
                            aria: format!("{text} ({})", short_model(&node.model)),
                            text,
                        }
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    // Where twin `index` is in the world now (tracks `revision`).
    let position = move |index: usize| {
        revision.track();
        model
            .with_value(|m| m.layout().positions().get(index).copied())
            .unwrap_or_default()
    };

    let node_view = move |twin: ShownTwin| {
        let ShownTwin {
            index,
            id,
            class,
            shape,
            aria,
            text,
        } = twin;
        let is_selected = {
            let id = id.clone();
            move || selected.get().as_deref() == Some(id.as_str())
        };
        let on_key = {
            let id = id.clone();
            move |e: ev::KeyboardEvent| match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    on_open.run(id.clone());
                }
                "e" | "E" => {
                    e.prevent_default();
                    on_expand.run((id.clone(), 1));
                }
                _ => {}
            }
        };
        let on_click = {
            let id = id.clone();
            move |_| selected.set(Some(id.clone()))
        };
        let on_dbl = {
            let id = id.clone();
            move |_| on_open.run(id.clone())
        };
        let on_focus = {
            let id = id.clone();
            move |e: ev::FocusEvent| {
                selected.set(Some(id.clone()));
                // Reached by the keyboard (Tab): brought into view, so a person sees where
                // focus is. A click leaves the view where it is.
                let by_keyboard = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| el.matches(":focus-visible").unwrap_or(false));
                if by_keyboard {
                    let at = untrack(|| position(index));
                    reveal(at);
                }
            }
        };
        view! {
            <g
                class=class
                class:graph__node--selected=is_selected
                transform=move || {
                    let (x, y) = position(index);
                    format!("translate({x:.1} {y:.1})")
                }
                tabindex="0"
                role="button"
                aria-label=aria
                data-twin=id
                on:keydown=on_key
                on:click=on_click
                on:dblclick=on_dbl
                on:focus=on_focus
            >
                <g transform=move || format!("scale({:.3})", mark_scale.get())>
                    <path class="graph__shape" d=shape></path>
                </g>
                <text class="graph__label" y=move || format!("{:.1}", NODE_RADIUS * mark_scale.get()) dy="1.1em">{text}</text>
            </g>
        }
    };

    // Pan by dragging the background (or a twin, once the pointer has moved far enough).
    let drag = StoredValue::new(None::<Drag>);
    let on_pointer_down = move |e: ev::PointerEvent| {
        if e.button() != 0 {
            return;
        }
        drag.set_value(Some(Drag {
            pointer: e.pointer_id(),
            start: (e.client_x() as f64, e.client_y() as f64),
            last: (e.client_x() as f64, e.client_y() as f64),
            panning: false,
        }));
    };
    let on_pointer_move = move |e: ev::PointerEvent| {
        let Some(mut d) = drag.get_value() else {
            return;
        };
        if d.pointer != e.pointer_id() {
            return;
        }
        let now = (e.client_x() as f64, e.client_y() as f64);
        if !d.panning && (now.0 - d.start.0).hypot(now.1 - d.start.1) >= DRAG_THRESHOLD {
            d.panning = true;
            if let Some(canvas) = canvas_ref.get_untracked() {
                let _ = canvas.set_pointer_capture(e.pointer_id());
            }
        }
        if d.panning {
            let (dx, dy) = ((now.0 - d.last.0) as f32, (now.1 - d.last.1) as f32);
            moved();
            transform.update(|t| *t = t.pan(dx, dy));
        }
        d.last = now;
        drag.set_value(Some(d));
    };
    let end_drag = move |_: ev::PointerEvent| drag.set_value(None);

    let on_wheel = move |e: ev::WheelEvent| {
        e.prevent_default();
        let Some(canvas) = canvas_ref.get_untracked() else {
            return;
        };
        // The drawing's origin: inside the canvas's border (the `<svg>`'s own box moves with
        // the view while it moves).
        let (left, top) = client_origin(&canvas);
        let (left, top) = (
            left + f64::from(canvas.client_left()),
            top + f64::from(canvas.client_top()),
        );
        let anchor = (
            (e.client_x() as f64 - left) as f32,
            (e.client_y() as f64 - top) as f32,
        );
        let factor = wheel_factor(e.delta_y());
        moved();
        transform.update(|t| *t = t.zoom_about(anchor, factor));
    };

    let centre = move || {
        let (w, h) = measured_size();
        (w / 2.0, h / 2.0)
    };
    let apply = move |action: KeyAction| match action {
        KeyAction::Zoom(f) => {
            moved();
            transform.update(|t| *t = t.zoom_about(centre(), f))
        }
        KeyAction::Pan(dx, dy) => {
            moved();
            transform.update(|t| *t = t.pan(dx, dy))
        }
        KeyAction::Fit => fit(),
    };
    let on_key = move |e: ev::KeyboardEvent| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        if let Some(action) = key_action(&e.key()) {
            e.prevent_default();
            apply(action);
        }
    };

    // The selected twin's model and properties, beside the drawing.
    let inspector = move || {
        let id = selected.get()?;
        let node = model.with_value(|m| m.index_of(&id).map(|i| m.nodes()[i].clone()))?;
        let style = legend.with(|l| l.style(&node.model));
        let rows = node
            .properties
            .iter()
            .map(|(name, value)| {
                let shown = match value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                view! { <tr><th scope="row">{name.clone()}</th><td>{shown}</td></tr> }
            })
            .collect::<Vec<_>>();
        let empty = rows.is_empty();
        let (open_id, expand_id) = (node.id.clone(), node.id.clone());
        Some(view! {
            <aside class="graph__inspector" aria-labelledby="graph-inspector-title">
                <h2 id="graph-inspector-title" class="graph__inspector-title">{node.id.clone()}</h2>
                <p class="graph__inspector-model">
                    <svg class=style.class() width="16" height="16" viewBox="-10 -10 20 20" aria-hidden="true">
                        <path class="graph__shape" d=style.shape.path(7.0)></path>
                    </svg>
                    <span title=node.model.clone()>{short_model(&node.model).to_owned()}</span>
                </p>
                {if empty {
                    view! { <p class="hint">"No properties set."</p> }.into_any()
                } else {
                    view! { <table class="table graph__inspector-props"><tbody>{rows}</tbody></table> }.into_any()
                }}
                <div class="actions">
                    <button type="button" class="button" on:click=move |_| on_open.run(open_id.clone())>"Open and edit"</button>
                    <button type="button" class="button button--ghost" on:click=move |_| on_expand.run((expand_id.clone(), hops.get_untracked()))>"Expand"</button>
                </div>
            </aside>
        })
    };

    let selected_label = move || {
        let id = selected.get()?;
        let property = label_property.get();
        model.with_value(|m| {
            m.index_of(&id)
                .map(|i| m.nodes()[i].label(property.as_deref()))
        })
    };
    let counts = move || {
        revision.track();
        let shown = visible_count();
        model.with_value(|m| {
            let total = m.nodes().len();
            let twins = crate::format::count(total, "twin", "twins");
            let relationships =
                crate::format::count(m.edges().len(), "relationship", "relationships");
            if shown == total {
                format!("{twins}, {relationships}")
            } else {
                format!("{shown} of {twins} shown, {relationships}")
            }
        })
    };
    let relayout = move |kind: LayoutKind| {
        crate::perf::mark(crate::perf::GRAPH_LAYOUT_START);
        layout_kind.set(kind);
        model.update_value(|m| m.arrange(kind));
        crate::perf::mark(crate::perf::GRAPH_LAYOUT_END);
        revision.update(|r| *r += 1);
        fit();
        crate::perf::mark_after_paint(crate::perf::GRAPH_DRAWN);
    };

    view! {
        <div class="graph">
            <div class="graph__toolbar" role="toolbar" aria-label="Graph view">
                <button type="button" class="button button--ghost" on:click=move |_| apply(KeyAction::Zoom(ZOOM_STEP))>
                    "Zoom in"
                </button>
                <button type="button" class="button button--ghost" on:click=move |_| apply(KeyAction::Zoom(1.0 / ZOOM_STEP))>
                    "Zoom out"
                </button>
                <button type="button" class="button button--ghost" on:click=move |_| apply(KeyAction::Fit)>
                    "Fit"
                </button>
                <span class="graph__field">
                    <label for="graph-layout">"Layout"</label>
                    <select
                        id="graph-layout"
                        class="input"
                        on:change=move |e| {
                            if let Some(kind) = LayoutKind::from_key(&event_target_value(&e)) {
                                relayout(kind);
                                if let Some(callback) = on_layout {
                                    callback.run(kind);
                                }
                            }
                        }
                    >
                        {LayoutKind::ALL.into_iter().map(|kind| view! {
                            <option value=kind.key() selected=move || layout_kind.get() == kind>{kind.label()}</option>
                        }).collect::<Vec<_>>()}
                    </select>
                </span>
                <button type="button" class="button button--ghost" on:click=move |_| relayout(layout_kind.get_untracked())>
                    "Re-arrange"
                </button>
                <span class="graph__counts" aria-live="polite">{counts}</span>
                {move || selected_label().map(|text| {
                    let open_id = selected.get_untracked().unwrap_or_default();
                    let expand_id = open_id.clone();
                    view! {
                        <span class="graph__selection">
                            <span class="graph__selection-name">{text}</span>
                            <button type="button" class="button" on:click=move |_| on_open.run(open_id.clone())>"Open"</button>
                            <button type="button" class="button button--ghost" on:click=move |_| on_expand.run((expand_id.clone(), hops.get_untracked()))>
                                "Expand"
                            </button>
                            <label for="graph-hops" class="visually-hidden">"Hops"</label>
                            <select id="graph-hops" on:change=move |e| {
                                if let Ok(h) = event_target_value(&e).parse::<u8>() { hops.set(h.clamp(1, MAX_HOPS)); }
                            }>
                                {(1..=MAX_HOPS).map(|h| view! {
                                    <option value=h.to_string() selected=move || hops.get() == h>
                                        {if h == 1 { "1 hop".to_owned() } else { format!("{h} hops") }}
                                    </option>
                                }).collect::<Vec<_>>()}
                            </select>
                        </span>
                    }
                })}
            </div>
            <ul class="graph__legend" aria-label="Models (select to show or hide)">
                {move || legend.get().entries().iter().map(|entry| {
                    let model_id = entry.model.clone();
                    let toggle_id = model_id.clone();
                    let is_hidden = move || hidden.with(|h| h.contains(&model_id));
                    let name = short_model(&entry.model).to_owned();
                    let count = entry.count;
                    view! {
                        <li>
                            <button
                                type="button"
                                class="graph__legend-item"
                                aria-pressed=move || (!is_hidden()).to_string()
                                title=entry.model.clone()
                                on:click=move |_| hidden.update(|h| {
                                    if !h.remove(&toggle_id) { h.insert(toggle_id.clone()); }
                                })
                            >
                                <svg class=entry.style.class() width="18" height="18" viewBox="-10 -10 20 20" aria-hidden="true">
                                    <path class="graph__shape" d=entry.style.shape.path(7.0)></path>
                                </svg>
                                <span class="graph__legend-name">{name}</span>
                                <span class="graph__legend-count">{count}</span>
                            </button>
                        </li>
                    }
                }).collect::<Vec<_>>()}
            </ul>
            {move || (!show_labels.get()).then(|| view! {
                <p class="hint graph__dense">"Zoom in to read the labels; the legend counts the twins of each model."</p>
            })}
            <div class="graph__stage">
            <div
                node_ref=canvas_ref
                class="graph__canvas"
                class:graph__canvas--no-labels=move || !show_labels.get()
                class:graph__canvas--moving=move || moving.get()
                role="group"
                aria-label=label
                aria-roledescription="graph"
                tabindex="0"
                on:wheel=on_wheel
                on:pointerdown=on_pointer_down
                on:pointermove=on_pointer_move
                on:pointerup=end_drag
                on:pointercancel=end_drag
                on:keydown=on_key
            >
            <svg
                class="graph__drawing"
                style:transform=move || transform.with(|now| drawn.with(|d| now.css_from(d)))
            >
                <g class="graph__world" transform=move || drawn.get().svg()>
                    <path class="graph__edges" d=move || edge_d.get()></path>
                    // Relationship names keep 9 px on screen, like the twins' labels.
                    <g
                        class="graph__edge-labels"
                        aria-hidden="true"
                        font-size=move || format!("{:.2}", EDGE_LABEL_PX / label_scale.get())
                    >
                        {edge_labels}
                    </g>
                    // Labels keep their size on screen: a presentation attribute, inherited by
                    // the labels.
                    <g
                        class="graph__nodes"
                        font-size=move || format!("{:.2}", LABEL_PX / label_scale.get())
                    >
                        <For
                            each=move || shown_twins.get()
                            key=|twin: &ShownTwin| twin.clone()
                            children=node_view
                        />
                    </g>
                </g>
            </svg>
            </div>
            {inspector}
            </div>
            <p class="hint graph__help">
                "Scroll or press + and − to zoom, drag or use the arrow keys to move, 0 to fit. "
                "Tab moves through the twins; Enter opens one, E shows its neighbours."
            </p>
        </div>
    }
}

/// A pointer held down on the drawing.
#[derive(Debug, Clone, Copy)]
struct Drag {
    pointer: i32,
    start: (f64, f64),
    last: (f64, f64),
    /// True once the pointer moved beyond [`DRAG_THRESHOLD`] (before that it may be a click).
    panning: bool,
}

/// The element's top-left corner in client coordinates (`getBoundingClientRect`), read through
/// `Reflect` so no extra `web-sys` features are needed. `(0, 0)` if unavailable.
fn client_origin(element: &web_sys::Element) -> (f64, f64) {
    let read = || -> Option<(f64, f64)> {
        let function = js_sys::Reflect::get(element, &"getBoundingClientRect".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        let rect = function.call0(element).ok()?;
        let left = js_sys::Reflect::get(&rect, &"left".into()).ok()?.as_f64()?;
        let top = js_sys::Reflect::get(&rect, &"top".into()).ok()?.as_f64()?;
        Some((left, top))
    };
    read().unwrap_or((0.0, 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_view_actions() {
        let check = |key: &str, expected: Option<KeyAction>| {
            assert_eq!(key_action(key), expected, "key {key}");
        };
        check("+", Some(KeyAction::Zoom(ZOOM_STEP)));
        check("=", Some(KeyAction::Zoom(ZOOM_STEP)));
        check("-", Some(KeyAction::Zoom(1.0 / ZOOM_STEP)));
        check("ArrowLeft", Some(KeyAction::Pan(PAN_STEP, 0.0)));
        check("ArrowDown", Some(KeyAction::Pan(0.0, -PAN_STEP)));
        check("0", Some(KeyAction::Fit));
        check("Enter", None);
        check("a", None);
    }

    #[test]
    fn marks_stay_big_enough_to_see_and_tap() {
        let on_screen = |scale: f32| NODE_RADIUS * scale * mark_enlargement(scale);
        // Zoomed out (a phone fitting 68 rooms: about 0.2): enlarged to the minimum.
        assert!((on_screen(0.2) - MIN_MARK_PX).abs() < 1e-4);
        assert!((on_screen(0.05) - MIN_MARK_PX).abs() < 1e-4);
        // Zoomed in: drawn as they are.
        assert_eq!(mark_enlargement(1.0), 1.0);
        assert_eq!(mark_enlargement(3.0), 1.0);
        assert_eq!(mark_enlargement(0.0), 1.0);
        assert_eq!(mark_enlargement(f32::NAN), 1.0);
    }

    #[test]
    fn wheel_up_zooms_in_and_down_zooms_out_symmetrically() {
        assert!(wheel_factor(-100.0) > 1.0);
        assert!(wheel_factor(100.0) < 1.0);
        assert!((wheel_factor(100.0) * wheel_factor(-100.0) - 1.0).abs() < 1e-5);
        assert_eq!(wheel_factor(10_000.0), wheel_factor(300.0));
    }

    #[test]
    fn edge_path_draws_a_line_and_arrowhead_per_drawable_edge() {
        let positions = [(0.0, 0.0), (100.0, 0.0), (100.0, 5.0)];
        let d = edge_path(&positions, &[(0, 1), (1, 2), (0, 9)], 9.0);
        // (1, 2) is too short to draw, (0, 9) names no node: one edge, three sub-paths.
        assert_eq!(d.matches('M').count(), 2);
        assert!(d.starts_with("M9.0 0.0L91.0 0.0"), "{d}");
        // The line ends at the target's border, and the arrowhead's two strokes meet there.
        assert_eq!(d.matches("L91.0 0.0").count(), 2);
        assert!(d.ends_with("M84.8 -3.6L91.0 0.0L84.8 3.6"), "{d}");
        assert!(edge_path(&positions, &[], 9.0).is_empty());
    }

    #[test]
    fn labels_wait_until_there_is_room_to_read_them() {
        // At the natural edge length (60 world units) neighbours are 42 px apart at 0.7.
        assert!(labels_shown(1.0));
        assert!(labels_shown(0.7));
        assert!(!labels_shown(0.3));
        assert_eq!(short_model("dtmi:com:contoso:Room;1"), "Room;1");
    }
}
