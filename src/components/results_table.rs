//! A virtualised results grid: only the rows in view (plus an overscan) are in the DOM, at a
//! fixed row height, so 10,000+ rows stay cheap to scroll.
//!
//! The window math ([`visible_range`]) and the column choice ([`columns_for`]) are pure.
//! Accessibility: `role="grid"` with `aria-rowcount`/`aria-colcount`, each rendered row
//! carries its `aria-rowindex`; the grid takes focus and moves an active row with the arrow
//! keys, Home/End and PageUp/PageDown (announced via `aria-activedescendant`); Enter or a
//! click opens the row. Cells are text nodes only.

use std::ops::Range;

use leptos::prelude::*;
use serde_json::Value;

/// Height of one row in CSS pixels; `style/main.css` uses the same value.
pub const ROW_HEIGHT: f64 = 36.0;
/// Rows rendered beyond each edge of the viewport.
pub const OVERSCAN: usize = 8;
/// Rows looked at to choose the columns.
pub const COLUMN_SAMPLE: usize = 200;
/// Longest cell text; longer values are cut with an ellipsis.
pub const MAX_CELL_CHARS: usize = 200;
/// Assumed viewport before the grid is measured.
const DEFAULT_VIEWPORT: f64 = 480.0;

/// The rows to render for a viewport scrolled to `scroll_top`: whole rows in view plus
/// `overscan` each side, clamped to `0..total`. Bad geometry (zero or non-finite heights)
/// renders at most `overscan` rows from the top.
pub fn visible_range(
    scroll_top: f64,
    viewport_height: f64,
    row_height: f64,
    total: usize,
    overscan: usize,
) -> Range<usize> {
    if !(row_height > 0.0 && row_height.is_finite() && viewport_height.is_finite()) {
        return 0..overscan.min(total);
    }
    let scroll_top = if scroll_top.is_finite() {
        scroll_top.max(0.0)
    } else {
        0.0
    };
    let first = ((scroll_top / row_height).floor() as usize).min(total);
    let in_view = (viewport_height.max(0.0) / row_height).ceil() as usize + 1;
    let start = first.saturating_sub(overscan);
    let end = first
        .saturating_add(in_view)
        .saturating_add(overscan)
        .min(total);
    start..end.max(start)
}

/// The `scroll_top` that brings row `index` into a viewport currently at `scroll_top`
/// (unchanged when it is already fully visible).
pub fn scroll_to_row(index: usize, scroll_top: f64, viewport_height: f64, row_height: f64) -> f64 {
    let top = index as f64 * row_height;
    let bottom = top + row_height;
    if top < scroll_top {
        top
    } else if bottom > scroll_top + viewport_height {
        (bottom - viewport_height).max(0.0)
    } else {
        scroll_top
    }
}

/// One column of the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// `$dtId`.
    TwinId,
    /// `$metadata.$model`.
    Model,
    /// A top-level member.
    Member(String),
}

impl Column {
    pub fn title(&self) -> String {
        match self {
            Self::TwinId => "$dtId".into(),
            Self::Model => "$metadata.$model".into(),
            Self::Member(name) => name.clone(),
        }
    }

    pub fn value<'a>(&self, row: &'a Value) -> Option<&'a Value> {
        match self {
            Self::TwinId => row.get("$dtId"),
            Self::Model => row.get("$metadata").and_then(|m| m.get("$model")),
            Self::Member(name) => row.get(name),
        }
    }
}

/// Columns from the union of the members of the first `sample` rows: `$dtId`, then
/// `$metadata.$model`, then other members in first-seen order (`$`-prefixed system members
/// such as `$etag` and `$metadata` left out).
pub fn columns_for(rows: &[Value], sample: usize) -> Vec<Column> {
    let sample = &rows[..rows.len().min(sample)];
    let mut columns = Vec::new();
    if sample.iter().any(|r| r.get("$dtId").is_some()) {
        columns.push(Column::TwinId);
    }
    if sample.iter().any(|r| Column::Model.value(r).is_some()) {
        columns.push(Column::Model);
    }
    let mut seen = std::collections::HashSet::new();
    for row in sample {
        if let Some(object) = row.as_object() {
            for key in object.keys() {
                if !key.starts_with('$') && seen.insert(key.clone()) {
                    columns.push(Column::Member(key.clone()));
                }
            }
        }
    }
    columns
}

/// A value as cell text: strings as they are, other JSON compact, cut at `max` characters.
pub fn cell_text(value: Option<&Value>, max: usize) -> String {
    let text = match value {
        None | Some(Value::Null) => return String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if text.chars().count() > max {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// The twin a row is about: its `$dtId`, or that of its only object member (`SELECT T`).
pub fn row_twin_id(row: &Value) -> Option<String> {
    if let Some(id) = row.get("$dtId").and_then(Value::as_str) {
        return Some(id.to_owned());
    }
    let object = row.as_object()?;
    let mut twins = object
        .values()
        .filter_map(|v| v.get("$dtId").and_then(Value::as_str));
    match (twins.next(), twins.next()) {
        (Some(id), None) => Some(id.to_owned()),
        _ => None,
    }
}

/// The new active row after a key press, or `None` for keys the grid ignores.
pub fn move_active(key: &str, active: usize, total: usize, page: usize) -> Option<usize> {
    if total == 0 {
        return None;
    }
    let last = total - 1;
    let next = match key {
        "ArrowDown" => active.saturating_add(1),
        "ArrowUp" => active.saturating_sub(1),
        "PageDown" => active.saturating_add(page.max(1)),
        "PageUp" => active.saturating_sub(page.max(1)),
        "Home" => 0,
        "End" => last,
        _ => return None,
    };
    Some(next.min(last))
}

/// The grid. `rows` may grow while shown (pages arriving); `on_open` gets a row index.
#[component]
pub fn ResultsTable(
    /// The rows, in order.
    #[prop(into)]
    rows: Signal<Vec<Value>>,
    /// Accessible name of the grid.
    #[prop(into)]
    label: String,
    /// Called with the row index on click or Enter.
    on_open: Callback<usize>,
) -> impl IntoView {
    let viewport = NodeRef::<leptos::html::Div>::new();
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport_height = RwSignal::new(DEFAULT_VIEWPORT);
    let active = RwSignal::new(0_usize);
    let total = Memo::new(move |_| rows.with(Vec::len));
    let columns = Memo::new(move |_| rows.with(|r| columns_for(r, COLUMN_SAMPLE)));
    let range = Memo::new(move |_| {
        visible_range(
            scroll_top.get(),
            viewport_height.get(),
            ROW_HEIGHT,
            total.get(),
            OVERSCAN,
        )
    });
    let grid_id = format!("results-{}", next_grid_number());
    let row_id = {
        let grid_id = grid_id.clone();
        move |i: usize| format!("{grid_id}-row-{i}")
    };

    let measure = move || {
        if let Some(el) = viewport.get_untracked() {
            scroll_top.set(f64::from(el.scroll_top()));
            let h = f64::from(el.client_height());
            if h > 0.0 {
                viewport_height.set(h);
            }
        }
    };
    Effect::new(move |_| {
        if viewport.get().is_some() {
            measure();
        }
    });
    // A new result set starts at the top.
    Effect::new(move |previous: Option<usize>| {
        let n = total.get();
        if n == 0 || previous.is_some_and(|p| n < p) {
            active.set(0);
            if let Some(el) = viewport.get_untracked() {
                el.set_scroll_top(0);
            }
            scroll_top.set(0.0);
        }
        n
    });

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let key = ev.key();
        if key == "Enter" {
            if total.get_untracked() > 0 {
                ev.prevent_default();
                on_open.run(active.get_untracked());
            }
            return;
        }
        let page = (viewport_height.get_untracked() / ROW_HEIGHT).floor() as usize;
        if let Some(next) = move_active(&key, active.get_untracked(), total.get_untracked(), page) {
            ev.prevent_default();
            active.set(next);
            let top = scroll_to_row(
                next,
                scroll_top.get_untracked(),
                // The sticky header covers one row of the viewport.
                viewport_height.get_untracked() - ROW_HEIGHT,
                ROW_HEIGHT,
            );
            if let Some(el) = viewport.get_untracked() {
                el.set_scroll_top(top as i32);
            }
            scroll_top.set(top);
        }
    };

    let active_descendant = {
        let row_id = row_id.clone();
        move || (total.get() > 0).then(|| row_id(active.get()))
    };

    let header = move || {
        columns
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                view! {
                    <div role="columnheader" class="grid__cell grid__cell--head" aria-colindex=i + 1>
                        {c.title()}
                    </div>
                }
            })
            .collect_view()
    };

    let body = move || {
        let range = range.get();
        let columns = columns.get();
        let current = active.get();
        rows.with(|rows| {
            rows[range.clone()]
                .iter()
                .zip(range.clone())
                .map(|(row, index)| {
                    let cells = columns
                        .iter()
                        .enumerate()
                        .map(|(ci, c)| {
                            let text = cell_text(c.value(row), MAX_CELL_CHARS);
                            let title = text.clone();
                            view! {
                                <div role="gridcell" class="grid__cell" aria-colindex=ci + 1 title=title>
                                    {text}
                                </div>
                            }
                        })
                        .collect_view();
                    // Set through the CSSOM (`style:`), which the CSP allows; a `style`
                    // attribute would be blocked by `style-src 'self'`.
                    let top = format!("translateY({}px)", index as f64 * ROW_HEIGHT);
                    view! {
                        <div
                            role="row"
                            id=row_id(index)
                            class="grid__row"
                            class:grid__row--active=index == current
                            aria-rowindex=index + 2
                            aria-selected=if index == current { "true" } else { "false" }
                            style:transform=top
                            on:click=move |_| {
                                active.set(index);
                                on_open.run(index);
                            }
                        >
                            {cells}
                        </div>
                    }
                })
                .collect_view()
        })
    };

    view! {
        <div class="grid">
            // The scrolling element is the grid itself, so the region is reachable by keyboard.
            <div
                class="grid__viewport"
                role="grid"
                aria-label=label
                aria-rowcount=move || total.get() + 1
                aria-colcount=move || columns.with(Vec::len)
                aria-activedescendant=active_descendant
                tabindex="0"
                on:keydown=on_keydown
                node_ref=viewport
                on:scroll=move |_| measure()
            >
                <div role="row" class="grid__row grid__row--head" aria-rowindex="1">{header}</div>
                <div
                    class="grid__body"
                    role="rowgroup"
                    style:height=move || format!("{}px", total.get() as f64 * ROW_HEIGHT)
                >
                    {body}
                </div>
            </div>
        </div>
    }
}

/// A distinct number per grid on the page, for element ids.
fn next_grid_number() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_window_is_the_rows_in_view_plus_overscan() {
        let check =
            |scroll: f64, viewport: f64, total: usize, overscan: usize, expected: Range<usize>| {
                assert_eq!(
                    visible_range(scroll, viewport, 36.0, total, overscan),
                    expected,
                    "scroll {scroll}, viewport {viewport}, total {total}"
                );
            };
        // At the top: 360/36 = 10 rows in view, +1 partial, +8 overscan below.
        check(0.0, 360.0, 10_000, 8, 0..19);
        // Scrolled to row 100 (3600 px): 8 above, 11 in view, 8 below.
        check(3600.0, 360.0, 10_000, 8, 92..119);
        // Half a row down still starts at row 100.
        check(3618.0, 360.0, 10_000, 8, 92..119);
        // Near the end, clamped.
        check(36.0 * 9_995.0, 360.0, 10_000, 8, 9_987..10_000);
        // Scrolled past the end (rows removed): empty window at the end, never out of bounds.
        check(1e9, 360.0, 10, 2, 8..10);
        // Fewer rows than the viewport.
        check(0.0, 360.0, 3, 8, 0..3);
        check(0.0, 360.0, 0, 8, 0..0);
        // Bad geometry renders a bounded handful.
        assert_eq!(visible_range(0.0, 360.0, 0.0, 100, 8), 0..8);
        assert_eq!(visible_range(f64::NAN, 360.0, 36.0, 100, 8), 0..19);
        assert_eq!(visible_range(-50.0, 360.0, 36.0, 100, 0), 0..11);
    }

    #[test]
    fn the_window_stays_bounded_for_huge_result_sets() {
        for total in [10_000, 100_000, 1_000_000] {
            for scroll in [0.0, 1234.5, 36.0 * (total as f64) / 2.0] {
                let r = visible_range(scroll, 720.0, ROW_HEIGHT, total, OVERSCAN);
                assert!(r.len() <= 720 / 36 + 1 + 2 * OVERSCAN, "{r:?}");
                assert!(r.end <= total);
            }
        }
    }

    #[test]
    fn scrolling_brings_the_active_row_into_view() {
        assert_eq!(scroll_to_row(0, 100.0, 360.0, 36.0), 0.0);
        assert_eq!(scroll_to_row(5, 0.0, 360.0, 36.0), 0.0);
        assert_eq!(scroll_to_row(10, 0.0, 360.0, 36.0), 36.0);
        assert_eq!(scroll_to_row(50, 0.0, 360.0, 36.0), 51.0 * 36.0 - 360.0);
    }

    #[test]
    fn keys_move_the_active_row_within_bounds() {
        assert_eq!(move_active("ArrowDown", 0, 5, 10), Some(1));
        assert_eq!(move_active("ArrowDown", 4, 5, 10), Some(4));
        assert_eq!(move_active("ArrowUp", 0, 5, 10), Some(0));
        assert_eq!(move_active("PageDown", 0, 100, 10), Some(10));
        assert_eq!(move_active("PageUp", 5, 100, 10), Some(0));
        assert_eq!(move_active("End", 0, 100, 10), Some(99));
        assert_eq!(move_active("Home", 50, 100, 10), Some(0));
        assert_eq!(move_active("x", 0, 100, 10), None);
        assert_eq!(move_active("ArrowDown", 0, 0, 10), None);
    }

    #[test]
    fn columns_are_the_union_of_members_with_ids_first() {
        let rows = vec![
            json!({"$dtId": "a", "$etag": "x", "$metadata": {"$model": "dtmi:m;1"}, "temp": 1}),
            json!({"$dtId": "b", "$metadata": {"$model": "dtmi:m;1"}, "name": "B", "temp": 2}),
            json!({"$dtId": "c", "late": true}),
        ];
        assert_eq!(
            columns_for(&rows, 2),
            vec![
                Column::TwinId,
                Column::Model,
                Column::Member("temp".into()),
                Column::Member("name".into()),
            ]
        );
        assert_eq!(
            columns_for(&rows, 3).last(),
            Some(&Column::Member("late".into()))
        );
        let mut projected = columns_for(&[json!({"T": {"$dtId": "a"}, "R": {}})], 10);
        projected.sort_by_key(Column::title);
        assert_eq!(
            projected,
            vec![Column::Member("R".into()), Column::Member("T".into())]
        );
    }

    #[test]
    fn cells_are_plain_text() {
        assert_eq!(cell_text(Some(&json!("<b>x</b>")), 50), "<b>x</b>");
        assert_eq!(cell_text(Some(&json!(21.5)), 50), "21.5");
        assert_eq!(cell_text(Some(&json!({"a": 1})), 50), "{\"a\":1}");
        assert_eq!(cell_text(Some(&Value::Null), 50), "");
        assert_eq!(cell_text(None, 50), "");
        assert_eq!(cell_text(Some(&json!("abcdef")), 4), "abc…");
    }

    #[test]
    fn rows_name_their_twin() {
        assert_eq!(row_twin_id(&json!({"$dtId": "a"})), Some("a".into()));
        assert_eq!(
            row_twin_id(&json!({"T": {"$dtId": "t"}, "n": 1})),
            Some("t".into())
        );
        assert_eq!(
            row_twin_id(&json!({"T": {"$dtId": "t"}, "U": {"$dtId": "u"}})),
            None
        );
        assert_eq!(row_twin_id(&json!({"COUNT": 3})), None);
    }
}
