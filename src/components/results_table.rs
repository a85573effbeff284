//! A virtualised results grid: only the rows in view (plus an overscan) are in the DOM, at a
//! fixed row height, so 10,000+ rows stay cheap to scroll.
//!
//! The window math ([`visible_range`]) and the column choice ([`columns_for`]) are pure.
//! Accessibility: `role="grid"` with `aria-rowcount`/`aria-colcount`, each rendered row
//! carries its `aria-rowindex`; the grid takes focus and moves an active cell with the arrow
//! keys, Home/End and PageUp/PageDown (announced via `aria-activedescendant`); Enter or a
//! click opens what the cell holds, else its row ([`opened`]: a JOIN's twins each open on
//! their own, a relationship in its source's inspector). Cells are text nodes only: a twin
//! reads as its id, a relationship as `name: source → target`.

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
    /// A system member that says what a row is ([`ID_MEMBERS`]).
    Id(&'static str),
    /// `$metadata.$model`.
    Model,
    /// Any other top-level member.
    Member(String),
}

/// The system members that say what a row is, in column order: a twin's id, a relationship's
/// id, source, name and target (`$metadata.$model` follows `$dtId`).
pub const ID_MEMBERS: [&str; 5] = [
    "$dtId",
    "$relationshipId",
    "$sourceId",
    "$relationshipName",
    "$targetId",
];

impl Column {
    pub fn title(&self) -> String {
        match self {
            Self::Id(name) => (*name).to_owned(),
            Self::Model => "$metadata.$model".into(),
            Self::Member(name) => name.clone(),
        }
    }

    pub fn value<'a>(&self, row: &'a Value) -> Option<&'a Value> {
        match self {
            Self::Id(name) => row.get(*name),
            Self::Model => row.get("$metadata").and_then(|m| m.get("$model")),
            Self::Member(name) => row.get(name),
        }
    }
}

/// Columns for the first `sample` rows: those of [`ID_MEMBERS`] and `$metadata.$model` that any
/// row has, then the other members in first-seen order; then, if the query named its columns
/// (`order`, its SELECT list), in that order, the ones it did not name last. `$metadata` is
/// only its model; other `$` members (`$etag`) are left out of whole twins and relationships
/// (`SELECT *`), and kept when a query projects them.
pub fn columns_for(rows: &[Value], sample: usize, order: &[String]) -> Vec<Column> {
    let sample = &rows[..rows.len().min(sample)];
    let system = std::iter::once(Column::Id(ID_MEMBERS[0]))
        .chain([Column::Model])
        .chain(ID_MEMBERS[1..].iter().map(|name| Column::Id(name)));
    let mut columns: Vec<Column> = system
        .filter(|c| sample.iter().any(|r| c.value(r).is_some()))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for row in sample {
        let Some(object) = row.as_object() else {
            continue;
        };
        let whole = Opened::of(row).is_some();
        for key in object.keys() {
            let dollar = key.starts_with('$');
            let shown =
                !dollar || !(whole || key == "$metadata" || ID_MEMBERS.contains(&key.as_str()));
            if shown && seen.insert(key.clone()) {
                columns.push(Column::Member(key.clone()));
            }
        }
    }
    let place = |c: &Column| {
        let key = match c {
            Column::Id(name) => name,
            Column::Model => "$metadata",
            Column::Member(name) => name.as_str(),
        };
        order.iter().position(|o| o == key).unwrap_or(order.len())
    };
    columns.sort_by_key(place);
    columns
}

/// A value as cell text: strings as they are, a twin as its id, a relationship as `name:
/// source → target`, other JSON compact; cut at `max` characters.
pub fn cell_text(value: Option<&Value>, max: usize) -> String {
    let text = match value {
        None | Some(Value::Null) => return String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => match Opened::of(other) {
            Some(Opened::Twin(id)) => id,
            Some(Opened::Relationship { .. }) => {
                let member = |name: &str| other.get(name).and_then(Value::as_str).unwrap_or("?");
                format!(
                    "{}: {} → {}",
                    member("$relationshipName"),
                    member("$sourceId"),
                    member("$targetId")
                )
            }
            None => other.to_string(),
        },
    };
    if text.chars().count() > max {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// What opening a row, or one of its cells, shows in the inspector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    Twin(String),
    /// A relationship, open in its source twin's inspector.
    Relationship {
        source: String,
        id: String,
    },
}

impl Opened {
    /// `value` when it is a twin (`$dtId`) or a relationship (`$relationshipId` and
    /// `$sourceId`), as `SELECT *` returns a row and a JOIN an alias.
    fn of(value: &Value) -> Option<Self> {
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        if let Some(id) = text("$dtId") {
            return Some(Self::Twin(id));
        }
        Some(Self::Relationship {
            id: text("$relationshipId")?,
            source: text("$sourceId")?,
        })
    }
}

/// What opening `row` at `column` shows: the twin or relationship in that cell (a JOIN's
/// alias; a relationship's target twin), else the row's own, else its first twin or
/// relationship member.
pub fn opened(row: &Value, column: Option<&Column>) -> Option<Opened> {
    let cell = match column {
        Some(Column::Id("$targetId")) => Column::Id("$targetId")
            .value(row)
            .and_then(Value::as_str)
            .map(|target| Opened::Twin(target.to_owned())),
        Some(member @ Column::Member(_)) => member.value(row).and_then(Opened::of),
        _ => None,
    };
    cell.or_else(|| Opened::of(row))
        .or_else(|| row.as_object()?.values().find_map(Opened::of))
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

/// The new active column after a key press (ArrowLeft/ArrowRight), or `None` for other keys.
pub fn move_column(key: &str, active: usize, columns: usize) -> Option<usize> {
    let last = columns.checked_sub(1)?;
    let next = match key {
        "ArrowLeft" => active.saturating_sub(1),
        "ArrowRight" => active.saturating_add(1),
        _ => return None,
    };
    Some(next.min(last))
}

/// The grid. `rows` may grow while shown (pages arriving); `on_open` gets what the row or
/// cell opened shows ([`opened`]).
#[component]
pub fn ResultsTable(
    /// The rows, in order.
    #[prop(into)]
    rows: Signal<Vec<Value>>,
    /// Accessible name of the grid.
    #[prop(into)]
    label: String,
    /// The columns in the order the query named them ([`columns_for`]).
    #[prop(into)]
    order: Signal<Vec<String>>,
    /// Called on a click on a row or cell, or Enter on the active cell.
    on_open: Callback<Opened>,
) -> impl IntoView {
    let viewport = NodeRef::<leptos::html::Div>::new();
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport_height = RwSignal::new(DEFAULT_VIEWPORT);
    let active = RwSignal::new(0_usize);
    // The active cell's column (clamped to the columns there are when used).
    let active_col = RwSignal::new(0_usize);
    let total = Memo::new(move |_| rows.with(Vec::len));
    let columns =
        Memo::new(move |_| order.with(|o| rows.with(|r| columns_for(r, COLUMN_SAMPLE, o))));
    let range = Memo::new(move |_| {
        visible_range(
            scroll_top.get(),
            viewport_height.get(),
            ROW_HEIGHT,
            total.get(),
            OVERSCAN,
        )
    });
    let grid = next_grid_number();
    let row_id = move |i: usize| format!("results-{grid}-row-{i}");
    let cell_id = move |row: usize, col: usize| format!("results-{grid}-row-{row}-col-{col}");
    let current_col = move || {
        let last = columns.with(Vec::len).saturating_sub(1);
        active_col.get().min(last)
    };
    // What the row at `index` opened at column `col` (if any) shows, to `on_open`.
    let open = move |index: usize, col: Option<usize>| {
        let target = rows.with_untracked(|rows| {
            let row = rows.get(index)?;
            columns.with_untracked(|c| opened(row, col.and_then(|col| c.get(col))))
        });
        if let Some(target) = target {
            on_open.run(target);
        }
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
            active_col.set(0);
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
                open(active.get_untracked(), Some(current_col()));
            }
            return;
        }
        let columns_now = columns.with_untracked(Vec::len);
        if let Some(next) = move_column(&key, current_col(), columns_now) {
            ev.prevent_default();
            active_col.set(next);
            bring_cell_into_view(viewport, &cell_id(active.get_untracked(), next));
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

    let active_descendant = move || {
        (total.get() > 0 && columns.with(|c| !c.is_empty()))
            .then(|| cell_id(active.get(), current_col()))
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
        let current_col = current_col();
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
                                <div
                                    role="gridcell"
                                    id=cell_id(index, ci)
                                    class="grid__cell"
                                    class:grid__cell--active=index == current && ci == current_col
                                    aria-colindex=ci + 1
                                    title=title
                                >
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
                            on:click=move |ev| {
                                let col = clicked_column(&ev);
                                active.set(index);
                                if let Some(col) = col {
                                    active_col.set(col);
                                }
                                open(index, col);
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

/// The column (0-based) of the cell a click on a row landed in, if any (`aria-colindex`).
fn clicked_column(ev: &leptos::ev::MouseEvent) -> Option<usize> {
    use wasm_bindgen::JsCast;
    let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let cell = target.closest("[role=gridcell]").ok()??;
    cell.get_attribute("aria-colindex")?
        .parse::<usize>()
        .ok()?
        .checked_sub(1)
}

/// Scrolls the grid sideways so that the cell with id `cell` shows whole.
fn bring_cell_into_view(viewport: NodeRef<leptos::html::Div>, cell: &str) {
    use wasm_bindgen::JsCast;
    let Some(viewport) = viewport.get_untracked() else {
        return;
    };
    let Some(cell) = document()
        .get_element_by_id(cell)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let (left, width) = (cell.offset_left(), cell.offset_width());
    let (scroll, shown) = (viewport.scroll_left(), viewport.client_width());
    if left < scroll {
        viewport.set_scroll_left(left);
    } else if left + width > scroll + shown {
        viewport.set_scroll_left(left + width - shown);
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
    fn keys_move_the_active_column_within_bounds() {
        assert_eq!(move_column("ArrowRight", 0, 3), Some(1));
        assert_eq!(move_column("ArrowRight", 2, 3), Some(2));
        assert_eq!(move_column("ArrowLeft", 0, 3), Some(0));
        assert_eq!(move_column("ArrowLeft", 2, 3), Some(1));
        // Past the last column (a narrower result set): back within bounds.
        assert_eq!(move_column("ArrowLeft", 9, 3), Some(2));
        assert_eq!(move_column("ArrowDown", 0, 3), None);
        assert_eq!(move_column("ArrowRight", 0, 0), None);
    }

    fn titles(rows: &[Value], order: &[&str]) -> Vec<String> {
        let order: Vec<String> = order.iter().map(|o| (*o).to_owned()).collect();
        columns_for(rows, COLUMN_SAMPLE, &order)
            .iter()
            .map(Column::title)
            .collect()
    }

    #[test]
    fn columns_are_the_ids_then_the_members() {
        let check = |rows: &[Value], expected: &[&str]| {
            assert_eq!(titles(rows, &[]), expected, "{rows:?}");
        };
        // Twins (`SELECT *`): id, model, then members in first-seen order; `$etag` left out.
        check(
            &[
                json!({"$dtId": "a", "$etag": "x", "$metadata": {"$model": "dtmi:m;1"}, "temp": 1}),
                json!({"$dtId": "b", "$metadata": {"$model": "dtmi:m;1"}, "name": "B", "temp": 2}),
            ],
            &["$dtId", "$metadata.$model", "temp", "name"],
        );
        // Relationships (`SELECT * FROM RELATIONSHIPS`): id, source, name, target, properties.
        check(
            &[
                json!({"$etag": "e", "$relationshipId": "r", "$sourceId": "s",
                     "$relationshipName": "has", "$targetId": "t", "position": "top"}),
            ],
            &[
                "$relationshipId",
                "$sourceId",
                "$relationshipName",
                "$targetId",
                "position",
            ],
        );
        // A JOIN: one column per alias.
        check(
            &[json!({"T": {"$dtId": "a"}, "R": {"$relationshipId": "r", "$sourceId": "a"}})],
            &["R", "T"],
        );
        // Projected system members are kept.
        check(&[json!({"$etag": "x"})], &["$etag"]);
        check(&[json!({"$targetId": "t"})], &["$targetId"]);
        check(&[json!({"COUNT": 3})], &["COUNT"]);
        check(&[json!(7)], &[]);
        // Only the sample decides.
        let rows = [json!({"$dtId": "a"}), json!({"$dtId": "c", "late": true})];
        assert_eq!(columns_for(&rows, 1, &[]), [Column::Id("$dtId")]);
        assert_eq!(
            columns_for(&rows, 2, &[]).last(),
            Some(&Column::Member("late".into()))
        );
    }

    #[test]
    fn columns_follow_the_order_the_query_named_them_in() {
        let check = |rows: &[Value], order: &[&str], expected: &[&str]| {
            assert_eq!(titles(rows, order), expected, "{rows:?} in {order:?}");
        };
        let join = [
            json!({"C": {"$dtId": "c"}, "R": {"$relationshipId": "r", "$sourceId": "t"},
                           "T": {"$dtId": "t"}}),
        ];
        check(&join, &["T", "R", "C"], &["T", "R", "C"]);
        check(&join, &[], &["C", "R", "T"]);
        // Ids too, when projected; columns the query did not name go last, in their order.
        let row = [json!({"$dtId": "a", "name": "A", "temp": 1, "x": 2})];
        check(&row, &["name", "$dtId"], &["name", "$dtId", "temp", "x"]);
        check(&row, &["nothing"], &["$dtId", "name", "temp", "x"]);
        check(
            &[json!({"$metadata": {"$model": "m"}, "n": 1})],
            &["n", "$metadata"],
            &["n", "$metadata.$model"],
        );
    }

    #[test]
    fn cells_are_plain_text() {
        let check = |value: Option<Value>, max: usize, expected: &str| {
            assert_eq!(cell_text(value.as_ref(), max), expected, "{value:?}");
        };
        check(Some(json!("<b>x</b>")), 50, "<b>x</b>");
        check(Some(json!(21.5)), 50, "21.5");
        check(Some(json!({"a": 1})), 50, "{\"a\":1}");
        check(Some(Value::Null), 50, "");
        check(None, 50, "");
        check(Some(json!("abcdef")), 4, "abc…");
        // A JOIN's twin is its id; a relationship is its name and ends.
        check(Some(json!({"$dtId": "room-1", "temp": 20})), 50, "room-1");
        check(
            Some(
                json!({"$relationshipId": "r1", "$sourceId": "a", "$relationshipName": "has", "$targetId": "b"}),
            ),
            50,
            "has: a → b",
        );
        check(
            Some(json!({"$relationshipId": "r1", "$sourceId": "a"})),
            50,
            "?: a → ?",
        );
    }

    #[test]
    fn a_row_or_cell_opens_its_twin_or_relationship() {
        let twin = |id: &str| Some(Opened::Twin(id.into()));
        let rel = |source: &str, id: &str| {
            Some(Opened::Relationship {
                source: source.into(),
                id: id.into(),
            })
        };
        let member = |name: &str| Column::Member(name.into());
        let check = |row: Value, column: Option<Column>, expected: Option<Opened>| {
            assert_eq!(
                opened(&row, column.as_ref()),
                expected,
                "{row} at {column:?}"
            );
        };
        let relationship = json!({"$relationshipId": "r", "$sourceId": "s",
                                  "$relationshipName": "has", "$targetId": "t"});
        let join = json!({"B": {"$dtId": "b"}, "F": {"$dtId": "f"}, "n": 1});
        // A twin row opens its twin from any cell.
        check(json!({"$dtId": "a", "temp": 1}), None, twin("a"));
        check(
            json!({"$dtId": "a", "temp": 1}),
            Some(member("temp")),
            twin("a"),
        );
        check(json!({"$dtId": "a"}), Some(Column::Model), twin("a"));
        // A relationship row opens the relationship, but its target's cell the target twin.
        check(relationship.clone(), None, rel("s", "r"));
        check(
            relationship.clone(),
            Some(Column::Id("$sourceId")),
            rel("s", "r"),
        );
        check(relationship, Some(Column::Id("$targetId")), twin("t"));
        // A JOIN row: the cell's twin; elsewhere the first alias.
        check(join.clone(), Some(member("F")), twin("f"));
        check(join.clone(), Some(member("B")), twin("b"));
        check(join.clone(), Some(member("n")), twin("b"));
        check(join, None, twin("b"));
        check(
            json!({"R": {"$relationshipId": "r", "$sourceId": "s"}}),
            None,
            rel("s", "r"),
        );
        // Nothing to open.
        check(json!({"COUNT": 3}), None, None);
        check(json!({"$relationshipId": "r"}), None, None);
        check(json!("text"), None, None);
    }
}
