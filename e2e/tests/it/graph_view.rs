//! The twin graph moved as a person moves it, with a real wheel and a real mouse: zooming
//! over a twin keeps that twin under the pointer, a drag of the background moves the picture
//! by the drag, and while the view moves nothing inside the drawing is redrawn — only the
//! picture's CSS transform changes, on its own compositor layer — until it settles, when the
//! drawing takes the new transform (see `graph::view`). Tabbing through the twins of a
//! zoomed-in graph brings each one into view, so a keyboard user sees where focus is.

use fantoccini::actions::{
    InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction, WheelAction, WheelActions,
};
use fantoccini::key::Key;
use serde_json::Value;
use twinscope_e2e::Browser;
use twinscope_e2e::person::{Person, press, scroll_to, wait_for};
use twinscope_e2e::stack::{CAMPUS, CONTOSO};

const ADELE: (&str, &str) = ("adele@contoso.onmicrosoft.com", "Adele-dev-1");

/// Starts recording every change inside the drawing (attributes and children, the `<svg>`'s
/// own style included) with whether the view was moving when it was made.
const RECORD: &str = "window.__changes = []; \
    const canvas = document.querySelector('.graph__canvas'); \
    const drawing = canvas.querySelector('.graph__drawing'); \
    window.__observer = new MutationObserver(records => { \
      const moving = canvas.classList.contains('graph__canvas--moving'); \
      for (const r of records) window.__changes.push({ \
        moving, own: r.target === drawing, what: r.attributeName || r.type, \
        on: r.target.getAttribute && (r.target.getAttribute('class') || r.target.tagName) }); }); \
    window.__observer.observe(drawing, { attributes: true, childList: true, subtree: true }); \
    return true;";

/// The changes recorded since [`RECORD`], once the view has settled.
const RECORDED: &str = "const canvas = document.querySelector('.graph__canvas'); \
    if (canvas.classList.contains('graph__canvas--moving')) return null; \
    window.__observer.takeRecords(); window.__observer.disconnect(); return window.__changes;";

/// Where twin `id`'s mark is drawn: the centre of its shape, in viewport pixels.
async fn centre_of(browser: &Browser, id: &str) -> (f64, f64) {
    let script = format!(
        "const s = document.querySelector(`[data-twin={}] .graph__shape`).getBoundingClientRect(); \
         return [s.left + s.width / 2, s.top + s.height / 2];",
        Value::from(id)
    );
    let at = browser.eval(&script).await.unwrap();
    (at[0].as_f64().unwrap(), at[1].as_f64().unwrap())
}

/// The drawing's own transform (what the `<g>` carries; it changes once the view settles).
async fn world_transform(browser: &Browser) -> Value {
    browser
        .eval("return document.querySelector('.graph__world').getAttribute('transform')")
        .await
        .unwrap()
}

/// The mouse moved to `(x, y)` (viewport pixels) and its left button pressed there.
fn press_at((x, y): (f64, f64)) -> MouseActions {
    MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo {
            duration: None,
            x,
            y,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
}

/// Checks the recorded changes of one gesture: the picture moved by its CSS transform while
/// the view moved, nothing inside it changed then, and the drawing caught up afterwards.
async fn check_gesture(browser: &Browser, gesture: &str) {
    let changes = wait_for(
        browser,
        RECORDED,
        &format!("the view settling after {gesture}"),
    )
    .await;
    let changes = changes.as_array().unwrap();
    let moving_own = changes
        .iter()
        .filter(|c| c["moving"] == true && c["own"] == true && c["what"] == "style")
        .count();
    assert!(
        moving_own > 0,
        "{gesture}: the picture's CSS transform never changed while the view moved: {changes:?}"
    );
    let redrawn: Vec<&Value> = changes
        .iter()
        .filter(|c| c["moving"] == true && c["own"] == false)
        .collect();
    assert!(
        redrawn.is_empty(),
        "{gesture}: the drawing was redrawn while the view moved: {redrawn:?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c["moving"] == false && c["on"] == "graph__world" && c["what"] == "transform"),
        "{gesture}: the drawing never took the new transform once the view settled: {changes:?}"
    );
    let style = browser
        .eval("return document.querySelector('.graph__drawing').style.transform")
        .await
        .unwrap();
    assert!(
        matches!(style.as_str(), Some("") | Some("none")),
        "{gesture}: the picture keeps a CSS transform once settled: {style}"
    );
}

/// Signed in on the campus's graph page, the drawing in the middle of the window and fitted.
async fn campus_graph() -> Person {
    let person = Person::start().await;
    person
        .sign_in_at(&format!("/t/{CONTOSO}/i/{CAMPUS}/graph"), ADELE.0, ADELE.1)
        .await;
    let browser = &person.browser;
    wait_for(
        browser,
        "return document.querySelectorAll('svg [data-twin]').length > 20 ? true : null",
        "the campus graph drawn",
    )
    .await;
    let canvas = browser
        .client()
        .find(fantoccini::Locator::Css(".graph__canvas"))
        .await
        .unwrap();
    scroll_to(browser, &canvas).await.unwrap();
    // The drawing fits itself once measured.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    person
}

/// A spot of the canvas with no twin under it, in viewport pixels.
async fn empty_spot(browser: &Browser) -> (f64, f64) {
    let empty = browser
        .eval(
            "const c = document.querySelector('.graph__canvas'); const r = c.getBoundingClientRect(); \
             for (let fy = 0.1; fy < 0.95; fy += 0.1) for (let fx = 0.1; fx < 0.95; fx += 0.1) { \
               const x = Math.round(r.left + r.width * fx), y = Math.round(r.top + r.height * fy); \
               const hit = document.elementFromPoint(x, y); \
               if (hit && !hit.closest('[data-twin]') && c.contains(hit)) return [x, y]; } \
             return null;",
        )
        .await
        .unwrap();
    (empty[0].as_f64().unwrap(), empty[1].as_f64().unwrap())
}

#[tokio::test]
async fn zooming_over_a_twin_keeps_it_under_the_pointer_and_a_drag_moves_the_picture() {
    let person = campus_graph().await;
    let browser = &person.browser;
    // The twin nearest the canvas's centre.
    let id = browser
        .eval(
            "const c = document.querySelector('.graph__canvas').getBoundingClientRect(); \
             const cx = c.left + c.width / 2, cy = c.top + c.height / 2; let best = null, d = 1e9; \
             for (const n of document.querySelectorAll('svg [data-twin]')) { \
               const r = n.querySelector('.graph__shape').getBoundingClientRect(); \
               const e = Math.hypot(r.left + r.width / 2 - cx, r.top + r.height / 2 - cy); \
               if (e < d) { d = e; best = n.getAttribute('data-twin'); } } \
             return best;",
        )
        .await
        .unwrap();
    let id = id.as_str().unwrap().to_owned();
    let (x, y) = centre_of(browser, &id).await;
    let (px, py) = (x.round(), y.round());
    let world_before = world_transform(browser).await;

    // Three notches of the wheel over the twin.
    browser.eval(RECORD).await.unwrap();
    let mut wheel = WheelActions::new("wheel".into());
    for _ in 0..3 {
        wheel = wheel.then(WheelAction::Scroll {
            duration: None,
            x: px as i64,
            y: py as i64,
            delta_x: 0,
            delta_y: -120,
        });
    }
    browser.client().perform_actions(wheel).await.unwrap();
    check_gesture(browser, "three notches of the wheel").await;
    let (zx, zy) = centre_of(browser, &id).await;
    assert!(
        (zx - px).abs() <= 2.0 && (zy - py).abs() <= 2.0,
        "{id} was under the pointer at ({px}, {py}) and is at ({zx:.1}, {zy:.1}) after zooming"
    );
    assert_ne!(
        world_before,
        world_transform(browser).await,
        "the wheel did not zoom"
    );

    // A drag from an empty spot of the background: 120 px right, 60 px up.
    let empty = empty_spot(browser).await;
    browser.eval(RECORD).await.unwrap();
    let mut mouse = press_at(empty);
    for _ in 0..6 {
        mouse = mouse.then(PointerAction::MoveBy {
            duration: Some(std::time::Duration::from_millis(20)),
            x: 20.0,
            y: -10.0,
        });
    }
    let mouse = mouse.then(PointerAction::Up {
        button: MOUSE_BUTTON_LEFT,
    });
    browser.client().perform_actions(mouse).await.unwrap();
    check_gesture(browser, "a drag of the background").await;
    let (dx, dy) = centre_of(browser, &id).await;
    assert!(
        (dx - zx - 120.0).abs() <= 2.0 && (dy - zy + 60.0).abs() <= 2.0,
        "{id} moved from ({zx:.1}, {zy:.1}) to ({dx:.1}, {dy:.1}) with a drag of (120, -60)"
    );
    person.browser.close().await.unwrap();
}

#[tokio::test]
async fn tabbing_through_the_twins_of_a_zoomed_in_graph_brings_each_into_view() {
    let person = campus_graph().await;
    let browser = &person.browser;
    // A click on the background puts the keyboard on the drawing; + zooms in about its centre.
    let click = press_at(empty_spot(browser).await).then(PointerAction::Up {
        button: MOUSE_BUTTON_LEFT,
    });
    browser.client().perform_actions(click).await.unwrap();
    for _ in 0..8 {
        let focused = browser.client().active_element().await.unwrap();
        focused.send_keys("+").await.unwrap();
    }
    wait_for(
        browser,
        "return document.querySelector('.graph__canvas--moving') ? null : true",
        "the view settling after zooming in",
    )
    .await;
    let off_screen = browser
        .eval(
            "const c = document.querySelector('.graph__canvas').getBoundingClientRect(); \
             return [...document.querySelectorAll('svg [data-twin] .graph__shape')].filter(s => { \
               const r = s.getBoundingClientRect(); \
               return r.right < c.left || r.left > c.right || r.bottom < c.top || r.top > c.bottom; }).length;",
        )
        .await
        .unwrap();
    assert!(
        off_screen.as_u64().unwrap() > 10,
        "zoomed in, most twins should be outside the canvas: {off_screen}"
    );

    let mut panned = 0;
    for tab in 1..=20 {
        let before = world_transform(browser).await;
        press(browser, Key::Tab).await.unwrap();
        let seen = browser
            .eval(
                "await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); \
                 const a = document.activeElement; const twin = a && a.getAttribute('data-twin'); \
                 if (!twin) return { twin: null }; \
                 const c = document.querySelector('.graph__canvas').getBoundingClientRect(); \
                 const r = a.querySelector('.graph__shape').getBoundingClientRect(); \
                 return { twin, inside: r.left >= c.left && r.right <= c.right && r.top >= c.top \
                   && r.bottom <= c.bottom && r.top >= 0 && r.bottom <= innerHeight, \
                   at: [r.left, r.top, r.right, r.bottom], canvas: [c.left, c.top, c.right, c.bottom], \
                   world: document.querySelector('.graph__world').getAttribute('transform') };",
            )
            .await
            .unwrap();
        let Some(twin) = seen["twin"].as_str() else {
            panic!("Tab {tab} left the twins: {seen}");
        };
        assert_eq!(
            seen["inside"], true,
            "Tab {tab} focused {twin} where a person cannot see it: {seen}"
        );
        if seen["world"] != before {
            panned += 1;
        }
    }
    assert!(
        panned > 0,
        "twenty twins in a row were all in view already: the test shows nothing"
    );
    person.browser.close().await.unwrap();
}
