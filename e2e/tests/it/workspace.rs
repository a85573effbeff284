//! The instance workspace as a person uses it (issue #15, problems 4, 8 and 10): every screen
//! fits 390, 1,440 and 2,560 px wide without sideways scrolling; results start right below
//! the query editor however long the history is; a saved query gets the name the person
//! types; the graph has a legend that hides and shows models, and a choice of layouts; JOIN and
//! relationship rows read as ids and open the twin or relationship chosen.
//! Screenshots of each screen at each width go to `target/screenshots/workspace-*.png`.

use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::{Value, json};
use twinscope_e2e::Browser;
use twinscope_e2e::pages::wait_for_text;
use twinscope_e2e::person::{
    DESKTOP, PHONE, click_in_view, inspect_first_result, inspecting, press, scroll_and_click,
    set_viewport, sideways_overflow, sign_in_by_typing, type_text, wait_for,
};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, Stack, screenshot_dir};

const WIDE: (u32, u32) = (2560, 1300);
const ADELE: (&str, &str) = ("adele@contoso.onmicrosoft.com", "Adele-dev-1");

async fn signed_in_at(path: &str) -> (Stack, Browser) {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = Browser::start().await.expect("Chromium starts");
    set_viewport(&browser, DESKTOP).await.unwrap();
    browser.goto(&stack.url(path)).await.unwrap();
    sign_in_by_typing(&browser, ADELE.0, ADELE.1).await.unwrap();
    (stack, browser)
}

/// Signed in on the Twins screen, its heading shown.
async fn on_the_twins_screen() -> (Stack, Browser) {
    let (stack, browser) = signed_in_at(&instance("twins")).await;
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    (stack, browser)
}

fn instance(screen: &str) -> String {
    format!("/t/{CONTOSO}/i/{CAMPUS}/{screen}")
}

/// Replaces the query text the way a person does (scrolls to the editor, which is below the
/// models at 390 px, selects all, types) and runs it with the visible Run button.
async fn run_query(browser: &Browser, query: &str) {
    let editor = browser
        .client()
        .find(Locator::Id("query-text"))
        .await
        .unwrap();
    scroll_and_click(browser, &editor, "the query editor").await;
    editor.clear().await.unwrap();
    type_text(&editor, query).await.unwrap();
    let run = browser.find_by_role("button", "Run").await.unwrap();
    scroll_and_click(browser, &run, "Run").await;
    wait_for(
        browser,
        "const s = document.querySelector('.query-progress'); \
         return s && /twin|row|result|No /i.test(s.textContent) && !/Running/i.test(s.textContent) ? s.textContent : null;",
        "the query to finish",
    )
    .await;
}

#[tokio::test]
async fn results_start_below_the_editor_and_every_screen_fits_every_width() {
    let (stack, browser) = on_the_twins_screen().await;

    // A long history: ten different queries, typed and run.
    for floor in 0..10 {
        run_query(
            &browser,
            &format!("SELECT * FROM DIGITALTWINS T WHERE T.floor = {floor} OR IS_OF_MODEL('dtmi:com:contoso:Building;1')"),
        )
        .await;
    }
    run_query(&browser, "SELECT * FROM DIGITALTWINS").await;
    let results = browser
        .client()
        .find(Locator::Css(".query-results"))
        .await
        .unwrap();
    let top = browser
        .client()
        .execute(
            "window.scrollTo(0, 0); return [arguments[0].getBoundingClientRect().top, innerHeight];",
            vec![serde_json::to_value(&results).unwrap()],
        )
        .await
        .unwrap();
    let (top, height) = (top[0].as_f64().unwrap(), top[1].as_f64().unwrap());
    assert!(
        top < height * 0.75,
        "with a long history the results start at {top:.0} px in a {height:.0} px window"
    );

    let twin_path = {
        // The row's twin opens in the inspector, whose link goes to its page.
        inspect_first_result(&browser).await;
        let open = browser.find_by_role("link", "Open twin").await.unwrap();
        scroll_and_click(&browser, &open, "Open twin").await;
        wait_for(
            &browser,
            "return location.pathname.includes('/twins/') ? location.pathname : null",
            "the twin page",
        )
        .await
        .as_str()
        .unwrap()
        .to_owned()
    };

    let screens = [
        ("tenant", format!("/t/{CONTOSO}")),
        ("query", instance("twins")),
        ("twin", twin_path),
        ("models", instance("models")),
        ("graph", instance("graph")),
        ("transfer", instance("transfer")),
    ];
    let dir = screenshot_dir();
    for size in [PHONE, DESKTOP, WIDE] {
        set_viewport(&browser, size).await.unwrap();
        for (name, path) in &screens {
            browser.goto(&stack.url(path)).await.unwrap();
            wait_for(
                &browser,
                "const h = document.querySelector('main h1'); return h && h.textContent.trim() ? h.textContent : null;",
                &format!("the {name} screen's heading"),
            )
            .await;
            // Let late content (results, models, the graph) arrive before measuring.
            let _ = browser
                .wait_for_script(
                    "return document.querySelector('.loading, [aria-busy=true]') ? null : true;",
                    "loading to end",
                )
                .await;
            let (overflow, culprits) = sideways_overflow(&browser).await.unwrap();
            browser
                .screenshot(&dir.join(format!("workspace-{name}-{}.png", size.0)))
                .await
                .unwrap();
            assert!(
                overflow <= 0,
                "{name} at {} px scrolls sideways by {overflow} px: {culprits:?}",
                size.0
            );
        }
    }
}

#[tokio::test]
async fn a_saved_query_keeps_the_name_the_person_types() {
    let (_stack, browser) = on_the_twins_screen().await;
    run_query(
        &browser,
        "SELECT * FROM DIGITALTWINS WHERE IS_OF_MODEL('dtmi:com:contoso:Room;1')",
    )
    .await;
    let save = browser.find_by_role("button", "Save query…").await.unwrap();
    click_in_view(&browser, &save, "Save query…").await.unwrap();
    let name = browser.find_by_role("textbox", "Name").await.unwrap();
    // The field is focused and its suggestion selected: typing replaces it.
    type_text(&name, "Every room").await.unwrap();
    press(&browser, Key::Enter).await.unwrap();
    wait_for_text(&browser, "Every room").await.unwrap();
    let listed = browser
        .eval("return [...document.querySelectorAll('.query-list__name')].map(e => e.textContent)")
        .await
        .unwrap();
    assert_eq!(listed, json!(["Every room"]));

    // It is still there after a reload, and loading it puts its text back in the editor.
    browser.client().refresh().await.unwrap();
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    let saved = browser
        .find_by_role(
            "button",
            "Every room SELECT * FROM DIGITALTWINS WHERE IS_OF_MODEL('dtmi:com:contoso:Room;1')",
        )
        .await;
    let saved = match saved {
        Ok(button) => button,
        Err(_) => browser
            .client()
            .find(Locator::Css(".query-list__load"))
            .await
            .unwrap(),
    };
    let editor = browser
        .client()
        .find(Locator::Id("query-text"))
        .await
        .unwrap();
    editor.clear().await.unwrap();
    click_in_view(&browser, &saved, "the saved query")
        .await
        .unwrap();
    let text = browser
        .eval("return document.getElementById('query-text').value")
        .await
        .unwrap();
    assert_eq!(
        text,
        json!("SELECT * FROM DIGITALTWINS WHERE IS_OF_MODEL('dtmi:com:contoso:Room;1')")
    );
}

#[tokio::test]
async fn the_graph_legend_hides_models_and_the_layout_can_be_chosen() {
    let (_stack, browser) = signed_in_at(&instance("graph")).await;
    browser.find_by_role("heading", "Graph").await.unwrap();
    wait_for(
        &browser,
        "return document.querySelectorAll('[data-twin]').length > 1 ? true : null",
        "twins on the graph",
    )
    .await;
    let count = |v: Value| v.as_u64().unwrap();
    let total = count(
        browser
            .eval("return document.querySelectorAll('[data-twin]').length")
            .await
            .unwrap(),
    );
    // One legend entry per model, with a count; the counts add up to the twins shown.
    let legend = browser
        .eval(
            "return [...document.querySelectorAll('.graph__legend-item')].map(b => \
               [b.querySelector('.graph__legend-name').textContent, +b.querySelector('.graph__legend-count').textContent, \
                b.querySelector('svg').getAttribute('class'), b.querySelector('path').getAttribute('d').slice(0, 12)])",
        )
        .await
        .unwrap();
    let entries = legend.as_array().unwrap();
    assert!(entries.len() >= 2, "legend: {legend}");
    let sum: u64 = entries.iter().map(|e| e[1].as_u64().unwrap()).sum();
    assert_eq!(sum, total, "legend counts {legend} vs {total} twins");
    let styles: std::collections::BTreeSet<String> = entries
        .iter()
        .map(|e| format!("{} {}", e[2], e[3]))
        .collect();
    assert_eq!(
        styles.len(),
        entries.len(),
        "each model looks different: {legend}"
    );

    // Hiding the first model removes exactly its twins; showing it brings them back.
    let first = browser
        .client()
        .find(Locator::Css(".graph__legend-item"))
        .await
        .unwrap();
    click_in_view(&browser, &first, "the first legend entry")
        .await
        .unwrap();
    let hidden = entries[0][1].as_u64().unwrap();
    let shown = count(
        browser
            .eval("return document.querySelectorAll('[data-twin]').length")
            .await
            .unwrap(),
    );
    assert_eq!(shown, total - hidden);
    assert_eq!(
        first.attr("aria-pressed").await.unwrap().as_deref(),
        Some("false")
    );
    click_in_view(&browser, &first, "the first legend entry")
        .await
        .unwrap();
    assert_eq!(
        count(
            browser
                .eval("return document.querySelectorAll('[data-twin]').length")
                .await
                .unwrap()
        ),
        total
    );

    // The hierarchical layout puts twins in a few rows.
    let layout = browser.find_by_role("combobox", "Layout").await.unwrap();
    click_in_view(&browser, &layout, "the layout choice")
        .await
        .unwrap();
    let option = browser
        .client()
        .find(Locator::Css("#graph-layout option[value=hierarchical]"))
        .await
        .unwrap();
    option.click().await.unwrap();
    let rows = wait_for(
        &browser,
        "const ys = new Set([...document.querySelectorAll('[data-twin]')].map(g => \
           (g.getAttribute('transform').match(/translate\\(([-\\d.]+) ([-\\d.]+)\\)/) || [])[2])); \
         return ys.size;",
        "the hierarchical layout",
    )
    .await;
    assert!(
        count(rows.clone()) < total,
        "hierarchical rows: {rows} for {total} twins"
    );
    browser
        .screenshot(&screenshot_dir().join("workspace-graph-hierarchical-1440.png"))
        .await
        .unwrap();

    // Open a twin from the graph, then Back: the same query and layout are on screen again.
    let query_before = browser
        .eval("return document.getElementById('graph-query-text').value")
        .await
        .unwrap();
    let node = browser
        .client()
        .find(Locator::Css("[data-twin]"))
        .await
        .unwrap();
    let twin = node.attr("data-twin").await.unwrap().unwrap();
    node.click().await.unwrap();
    // The inspector beside the drawing shows the selected twin.
    let inspector = browser.find_by_role("complementary", &twin).await.unwrap();
    let heading = inspector
        .find(Locator::Css("h2"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, twin);
    let open = browser
        .find_by_role("button", "Open and edit")
        .await
        .unwrap();
    click_in_view(&browser, &open, "Open and edit")
        .await
        .unwrap();
    wait_for(
        &browser,
        "return location.pathname.includes('/twins/') ? true : null",
        "the twin page",
    )
    .await;
    browser.client().back().await.unwrap();
    browser.find_by_role("heading", "Graph").await.unwrap();
    wait_for(
        &browser,
        "return document.querySelectorAll('[data-twin]').length > 1 ? true : null",
        "twins on the graph again",
    )
    .await;
    let after = browser
        .eval("return [document.getElementById('graph-query-text').value, document.getElementById('graph-layout').value]")
        .await
        .unwrap();
    assert_eq!(after, json!([query_before, "hierarchical"]));
}

/// A person runs a query, selects a twin, looks at the models and clicks the Twins tab to go
/// back: the query they typed, its results and the twin they chose are there again, and
/// Twins is the marked screen. The same for the graph's layout. (The tabs led to fresh
/// screens with their defaults, so the work was gone unless one knew to press Back.)
#[tokio::test]
async fn each_tab_leads_back_to_its_screen_as_it_was_left() {
    let (stack, browser) = on_the_twins_screen().await;
    let query = "SELECT * FROM DIGITALTWINS T WHERE T.temperature > 24";
    run_query(&browser, query).await;
    let chosen = inspect_first_result(&browser).await;
    let progress = "return document.querySelector('.query-progress').textContent";
    let done = browser.eval(progress).await.unwrap();

    let models = browser.find_by_role("link", "Models").await.unwrap();
    click_in_view(&browser, &models, "the Models tab")
        .await
        .unwrap();
    browser.find_by_role("heading", "Models").await.unwrap();
    let twins = browser.find_by_role("link", "Twins").await.unwrap();
    click_in_view(&browser, &twins, "the Twins tab")
        .await
        .unwrap();

    wait_for(
        &browser,
        &inspecting(&chosen),
        "the chosen twin in the inspector again",
    )
    .await;
    let editor = browser
        .eval("return document.getElementById('query-text').value")
        .await
        .unwrap();
    assert_eq!(editor, json!(query), "the query as typed");
    assert_eq!(
        browser.eval(progress).await.unwrap(),
        done,
        "its results again"
    );
    assert_eq!(
        browser
            .eval("return document.querySelector('.instance-nav [aria-current=page]')?.textContent ?? null")
            .await
            .unwrap(),
        json!("Twins"),
        "Twins is the screen marked as open"
    );

    // The graph, laid out in circles; Models; the Graph tab: still in circles.
    let tab = |name: &'static str| {
        let browser = &browser;
        async move {
            let link = browser.find_by_role("link", name).await.unwrap();
            click_in_view(browser, &link, name).await.unwrap();
        }
    };
    tab("Graph").await;
    browser.find_by_role("heading", "Graph").await.unwrap();
    let layout = browser.find_by_role("combobox", "Layout").await.unwrap();
    click_in_view(&browser, &layout, "the layout choice")
        .await
        .unwrap();
    browser
        .client()
        .find(Locator::Css("#graph-layout option[value=concentric]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        &browser,
        "return location.search.includes('layout=concentric') ? true : null",
        "the layout in the address",
    )
    .await;
    tab("Models").await;
    browser.find_by_role("heading", "Models").await.unwrap();
    tab("Graph").await;
    browser.find_by_role("heading", "Graph").await.unwrap();
    assert_eq!(
        browser
            .eval("return document.getElementById('graph-layout').value")
            .await
            .unwrap(),
        json!("concentric"),
        "the layout chosen before"
    );
    drop(stack);
}

/// The grid's header and the cells of row `row` (0-based) as they read on screen.
async fn grid_row_text(browser: &Browser, row: usize) -> (Vec<String>, Vec<String>) {
    let value = wait_for(
        browser,
        &format!(
            "const g = document.querySelector('.query-results [role=grid]'); \
             const r = g && g.querySelector('.grid__body [aria-rowindex=\"{}\"]'); \
             if (!r) return null; \
             const text = (e) => [...e.querySelectorAll('[role=gridcell], [role=columnheader]')].map(c => c.innerText); \
             return [text(g.querySelector('.grid__row--head')), text(r)];",
            row + 2
        ),
        "the results grid's row",
    )
    .await;
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    (strings(&value[0]), strings(&value[1]))
}

/// Clicks cell `column` (1-based) of results row `row` (0-based) where it shows.
async fn click_cell(browser: &Browser, row: usize, column: usize, what: &str) {
    let cell = browser
        .client()
        .find(Locator::Css(&format!(
            ".query-results .grid__body [aria-rowindex='{}'] [role=gridcell][aria-colindex='{column}']",
            row + 2
        )))
        .await
        .unwrap();
    scroll_and_click(browser, &cell, what).await;
}

/// Focuses the results grid the way a person does with the mouse: a click on its header row,
/// which opens nothing.
async fn focus_grid(browser: &Browser) {
    let head = browser
        .client()
        .find(Locator::Css(
            ".query-results .grid__row--head [role=columnheader]",
        ))
        .await
        .unwrap();
    scroll_and_click(browser, &head, "the grid's header").await;
}

#[tokio::test]
async fn join_and_relationship_rows_read_as_ids_and_open_what_is_chosen() {
    let (stack, browser) = on_the_twins_screen().await;

    // A JOIN: one column per alias in the order the query names them, each cell the twin's id
    // (not its JSON); a click on a twin's cell opens that twin, not the row's first.
    run_query(
        &browser,
        "SELECT F, B FROM DIGITALTWINS B JOIN F RELATED B.hasFloor WHERE B.$dtId = 'site-1-b1'",
    )
    .await;
    let (header, first) = grid_row_text(&browser, 0).await;
    assert_eq!(header, ["F", "B"]);
    let (_, second) = grid_row_text(&browser, 1).await;
    for row in [&first, &second] {
        assert!(
            row[0].starts_with("site-1-b1-f") && !row[0].contains('{'),
            "{row:?}"
        );
        assert_eq!(row[1], "site-1-b1", "{row:?}");
    }
    click_cell(&browser, 0, 1, "the first floor's cell").await;
    wait_for(
        &browser,
        &inspecting(&first[0]),
        "the first floor in the inspector",
    )
    .await;
    // The keyboard: the active cell stays in the floors' column a row down, then moves right.
    focus_grid(&browser).await;
    press(&browser, Key::Down).await.unwrap();
    press(&browser, Key::Enter).await.unwrap();
    wait_for(
        &browser,
        &inspecting(&second[0]),
        "the second floor in the inspector",
    )
    .await;
    focus_grid(&browser).await;
    press(&browser, Key::Right).await.unwrap();
    press(&browser, Key::Enter).await.unwrap();
    wait_for(
        &browser,
        &inspecting("site-1-b1"),
        "the building in the inspector",
    )
    .await;

    // Relationships: their id, source, name and target on screen (the grid had no column for
    // them and showed empty rows), and a click opens the relationship in its source.
    run_query(
        &browser,
        "SELECT TOP(5) * FROM RELATIONSHIPS R WHERE R.$relationshipName = 'hasSensor'",
    )
    .await;
    let (header, first) = grid_row_text(&browser, 0).await;
    assert_eq!(
        header[..4],
        [
            "$relationshipId",
            "$sourceId",
            "$relationshipName",
            "$targetId"
        ],
        "{header:?}"
    );
    assert_eq!(first[2], "hasSensor", "{first:?}");
    let (rel_id, source) = (first[0].clone(), first[1].clone());
    assert!(!rel_id.is_empty() && !first[3].is_empty(), "{first:?}");
    click_cell(&browser, 0, 1, "the relationship's id").await;
    wait_for(&browser, &inspecting(&source), "the relationship's source").await;
    wait_for(
        &browser,
        &format!(
            "return document.querySelector('form.relationship-edit[aria-label=\"Edit relationship {rel_id}\"]') \
             && location.search.includes({}) ? true : null",
            json!(format!("rel={rel_id}"))
        ),
        "the relationship open for editing in its source's inspector",
    )
    .await;
    drop(stack);
}

#[tokio::test]
async fn on_a_phone_the_twin_opened_from_the_results_comes_into_view() {
    let (stack, browser) = on_the_twins_screen().await;
    set_viewport(&browser, PHONE).await.unwrap();
    run_query(&browser, "SELECT * FROM DIGITALTWINS").await;
    // The inspector sits below the results at 390 px: opening a twin must show it, not only
    // mark the row.
    let (_, third) = grid_row_text(&browser, 2).await;
    click_cell(&browser, 2, 1, "the third row").await;
    wait_for(
        &browser,
        &inspecting(&third[0]),
        "the row's twin in the inspector",
    )
    .await;
    let seen = wait_for(
        &browser,
        "const h = document.getElementById('inspector-title'); \
         const id = document.querySelector('.workspace-inspector__id'); \
         if (!h || !id) return null; \
         const [a, b] = [h.getBoundingClientRect(), id.getBoundingClientRect()]; \
         return a.top >= 0 && b.bottom <= innerHeight ? [a.top, b.bottom, innerHeight] : null;",
        "the inspector's heading and the twin's id in view",
    )
    .await;
    assert!(seen.is_array(), "{seen}");
    drop(stack);
}

#[tokio::test]
async fn an_address_naming_a_twin_that_is_gone_says_so_in_the_inspector() {
    // A link shared before the twin was deleted (or with its id mistyped): the inspector had
    // shown the id and "Open twin" with nothing under them.
    let gone = "site-1-b1-f0-r99";
    let (_stack, browser) = signed_in_at(&format!("{}?twin={gone}", instance("twins"))).await;
    let said = wait_for(
        &browser,
        "const a = document.querySelector('.workspace-inspector [role=alert]'); \
         return a ? a.textContent : null;",
        "the inspector saying why the twin is not shown",
    )
    .await;
    let said = said.as_str().unwrap();
    assert!(
        said.contains(&format!("Twin {gone} could not be read"))
            && said.contains("DigitalTwinNotFound"),
        "{said}"
    );
    browser.close().await.unwrap();
}
