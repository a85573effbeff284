//! Organisations by name and the tenant switcher, as a person uses them (issue #15, problems
//! 2, 3, 9 and 10): typing key by key, clicking only what is on screen, reading what is
//! shown; each screen checked with axe and looked at 390 and 1,440 px wide.

use twinscope_e2e::a11y::assert_no_serious_violations;
use twinscope_e2e::person::{
    DESKTOP, PHONE, Person, assert_in_view, click_in_view, expect_heading_focused, set_viewport,
    sideways_overflow, sign_in_by_typing, switcher_entry, switcher_titles, wraps_mid_word,
};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, FABRIKAM, screenshot_dir};

#[tokio::test]
async fn a_guest_opens_fabrikam_from_the_tenant_switcher_and_sees_its_name() {
    let p = Person::start().await;
    p.sign_in_from_the_start_page("megan@contoso.onmicrosoft.com", "Megan-dev-1")
        .await;
    // The start page lists both organisations by name: the home one and the guest one.
    p.browser
        .find_by_role("heading", "Signed in as Megan Bowen")
        .await
        .unwrap();
    switcher_entry(&p.browser, ".tenant-links", "Fabrikam")
        .await
        .unwrap()
        .expect("the start page offers Fabrikam");
    assert_eq!(
        switcher_titles(&p.browser, ".tenant-links").await.unwrap(),
        ["Contoso", "Fabrikam"]
    );
    assert_no_serious_violations(&p.browser, "start page, signed in").await;
    p.look_at("start-signed-in").await;

    // The switcher in the account menu lists the guest tenant too, by name, as a guest.
    p.open_account_menu().await;
    let fabrikam = switcher_entry(&p.browser, ".account__menu", "Fabrikam")
        .await
        .unwrap()
        .expect("the switcher lists Fabrikam, where Megan is a guest");
    let meta = fabrikam
        .find(fantoccini::Locator::Css(".tenant-switcher__meta"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(meta, "guest");
    assert!(
        !p.text().await.contains(FABRIKAM),
        "no GUID where a name is known"
    );
    assert_no_serious_violations(&p.browser, "account menu with the tenant switcher").await;
    p.browser
        .screenshot(&screenshot_dir().join("issue15-tenant-switcher-1440.png"))
        .await
        .unwrap();
    click_in_view(&p.browser, &fabrikam, "Fabrikam in the switcher")
        .await
        .unwrap();

    // Fabrikam's page, by name, with the id in small type; a Fabrikam token behind it.
    p.browser.find_by_role("heading", "Fabrikam").await.unwrap();
    assert_eq!(p.path().await, format!("/t/{FABRIKAM}"));
    assert!(!p.menu_is_open().await, "the menu closed on the choice");
    p.browser
        .wait_for_script(
            "return document.body.innerText.includes('Your role here: Twins.Writer') ? true : null",
            "Megan's role in Fabrikam",
        )
        .await
        .unwrap();
    let id = p
        .browser
        .eval("return document.querySelector('main .tenant-id').innerText")
        .await
        .unwrap();
    assert_eq!(id, FABRIKAM, "the id stays available under the name");
    let header_org = p
        .browser
        .wait_for_script(
            "const o = document.querySelector('header .account__org'); return o && o.innerText !== 'Organisation' ? o.innerText : null",
            "the organisation in the header",
        )
        .await
        .unwrap();
    assert_eq!(header_org, "Fabrikam");
    p.browser
        .find_by_role("link", "fabrikam-plant")
        .await
        .unwrap();
    assert_eq!(
        p.adt_token_tid(FABRIKAM).await.as_deref(),
        Some(FABRIKAM),
        "Fabrikam's page runs on a Fabrikam-issued token"
    );
    assert_no_serious_violations(&p.browser, "Fabrikam's page").await;
    p.look_at("tenant-page").await;

    // At 390 px: the name and the id never break inside a word, and the open switcher fits.
    set_viewport(&p.browser, PHONE).await.unwrap();
    assert!(!wraps_mid_word(&p.browser, "main h1").await.unwrap());
    assert!(!wraps_mid_word(&p.browser, "main .tenant-id").await.unwrap());
    p.open_account_menu().await;
    let contoso = switcher_entry(&p.browser, ".account__menu", "Contoso")
        .await
        .unwrap()
        .expect("Contoso in the switcher");
    assert_in_view(&p.browser, &contoso, "Contoso in the switcher at 390 px")
        .await
        .unwrap();
    p.browser
        .screenshot(&screenshot_dir().join("issue15-tenant-switcher-390.png"))
        .await
        .unwrap();
    let (over, out) = sideways_overflow(&p.browser).await.unwrap();
    assert!(
        over <= 0,
        "the open menu scrolls sideways at 390 px: {out:?}"
    );
    p.browser.close().await.unwrap();
}

/// Resource Manager names the organisation; the page does not wait for it. With Resource
/// Manager's list of organisations held back (paused in the browser, never answered), the
/// page that returns from sign-in shows the role and the instances, its heading "Organisation"
/// with the id under it; the whole page is never traded for "Loading twinscope…" meanwhile.
#[tokio::test]
async fn the_tenant_page_shows_without_waiting_for_resource_manager_to_name_the_organisation() {
    let p = Person::start().await;
    p.browser
        .cdp(
            "Fetch.enable",
            serde_json::json!({ "patterns": [{ "urlPattern": "*/tenants?*" }] }),
        )
        .await
        .unwrap();
    p.browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": "window.__seenLoading = false; let shown = false; new MutationObserver(() => { if (!document.body) return; if (document.querySelector('main h1')) shown = true; else if (shown && document.body.innerText.includes('Loading twinscope')) window.__seenLoading = location.href; }).observe(document, { childList: true, subtree: true, characterData: true });" }),
        )
        .await
        .unwrap();
    p.sign_in_at(
        &format!("/t/{CONTOSO}"),
        "adele@contoso.onmicrosoft.com",
        "Adele-dev-1",
    )
    .await;
    p.browser
        .find_by_role("link", "contoso-campus")
        .await
        .unwrap();
    let text = p.text().await;
    assert!(text.contains("Your role here: Twins.Writer"), "{text}");
    let heading = p
        .browser
        .eval("return document.querySelector('main h1').innerText")
        .await
        .unwrap();
    assert_eq!(
        heading, "Organisation",
        "no name before Resource Manager says it"
    );
    assert!(
        text.contains(CONTOSO),
        "the id stands in for the name: {text}"
    );
    let seen = p.browser.eval("return window.__seenLoading").await.unwrap();
    assert_eq!(
        seen,
        serde_json::json!(false),
        "a page was shown, then replaced by \"Loading twinscope…\""
    );
}

#[tokio::test]
async fn organisation_names_replace_ids_and_unreadable_instances_are_marked_before_opening() {
    let p = Person::start().await;
    p.sign_in_at(
        &format!("/t/{CONTOSO}"),
        "adele@contoso.onmicrosoft.com",
        "Adele-dev-1",
    )
    .await;
    p.browser.find_by_role("heading", "Contoso").await.unwrap();
    let meta = p
        .browser
        .eval("return document.querySelector('.org-title__meta').innerText")
        .await
        .unwrap();
    let meta = meta.as_str().unwrap();
    assert!(
        meta.contains("contoso.onmicrosoft.com") && meta.contains(CONTOSO),
        "{meta}"
    );
    // Adele has no role on contoso-lab: it is marked before she opens it.
    let marks = p
        .browser
        .wait_for_script(
            "const items = [...document.querySelectorAll('.instance-item')]; \
             const lab = items.find(i => i.querySelector('a').innerText === 'contoso-lab'); \
             const campus = items.find(i => i.querySelector('a').innerText === 'contoso-campus'); \
             return lab && campus && lab.querySelector('.access-mark') ? [lab.innerText, campus.innerText] : null",
            "the access marks",
        )
        .await
        .unwrap();
    let (lab, campus) = (marks[0].as_str().unwrap(), marks[1].as_str().unwrap());
    assert!(
        lab.contains("No access") && lab.contains("Azure Digital Twins Data Reader"),
        "{lab}"
    );
    assert!(!campus.contains("No access"), "{campus}");
    assert_no_serious_violations(&p.browser, "Contoso's page with an unreadable instance").await;
    p.look_at("tenant-access-marks").await;

    // The instance's breadcrumb names the organisation, not its id.
    let link = p
        .browser
        .find_by_role("link", "contoso-campus")
        .await
        .unwrap();
    click_in_view(&p.browser, &link, "contoso-campus")
        .await
        .unwrap();
    p.browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    let crumb = p
        .browser
        .wait_for_script(
            "const a = document.querySelector('.instance-nav__org'); return a && a.innerText !== '' ? [a.innerText, a.getAttribute('href')] : null",
            "the breadcrumb",
        )
        .await
        .unwrap();
    assert_eq!(crumb[0], "Contoso");
    assert_eq!(crumb[1], format!("/t/{CONTOSO}"));
    let nav = p
        .browser
        .eval("return document.querySelector('.instance-nav').innerText")
        .await
        .unwrap();
    assert!(!nav.as_str().unwrap().contains(CONTOSO), "{nav}");
    // At 390 px the place is one line and the whole navigation fits the width.
    set_viewport(&p.browser, PHONE).await.unwrap();
    let place = p
        .browser
        .eval(
            "const p = document.querySelector('.instance-nav__place').getBoundingClientRect(); \
             const n = document.querySelector('.instance-nav').getBoundingClientRect(); \
             const line = parseFloat(getComputedStyle(document.querySelector('.instance-nav__place')).lineHeight) || 24; \
             return [p.height, line, n.right, document.documentElement.clientWidth];",
        )
        .await
        .unwrap();
    assert!(
        place[0].as_f64().unwrap() < 2.0 * place[1].as_f64().unwrap(),
        "the breadcrumb wraps at 390 px: {place}"
    );
    assert!(
        place[2].as_f64().unwrap() <= place[3].as_f64().unwrap(),
        "{place}"
    );
    p.browser
        .screenshot(&screenshot_dir().join("issue15-instance-nav-390.png"))
        .await
        .unwrap();
    set_viewport(&p.browser, DESKTOP).await.unwrap();
    p.browser
        .screenshot(&screenshot_dir().join("issue15-instance-nav-1440.png"))
        .await
        .unwrap();

    // The unreadable instance says so at once, with no screen drawn under it.
    p.browser.client().back().await.unwrap();
    p.browser.find_by_role("heading", "Contoso").await.unwrap();
    let lab = p.browser.find_by_role("link", "contoso-lab").await.unwrap();
    click_in_view(&p.browser, &lab, "contoso-lab")
        .await
        .unwrap();
    p.browser
        .find_by_role("heading", "You cannot open contoso-lab")
        .await
        .unwrap();
    let drawn = p
        .browser
        .eval("return !!document.querySelector('main textarea, main [role=grid], main .card.query-editor')")
        .await
        .unwrap();
    assert_eq!(drawn, false, "no query editor under the refusal");
    assert!(p.text().await.contains("Azure Digital Twins Data Reader"));
    assert_no_serious_violations(&p.browser, "an instance the user cannot read").await;
    p.look_at("instance-blocked").await;
    let _ = CAMPUS;
    p.browser.close().await.unwrap();
}

#[tokio::test]
async fn focus_moves_to_the_new_pages_heading_after_each_navigation() {
    let p = Person::start().await;
    p.sign_in_at(
        &format!("/t/{CONTOSO}"),
        "adele@contoso.onmicrosoft.com",
        "Adele-dev-1",
    )
    .await;
    let campus = p
        .browser
        .find_by_role("link", "contoso-campus")
        .await
        .unwrap();
    click_in_view(&p.browser, &campus, "contoso-campus")
        .await
        .unwrap();
    assert_eq!(
        expect_heading_focused(&p.browser).await.unwrap(),
        "Query twins"
    );
    let models = p.browser.find_by_role("link", "Models").await.unwrap();
    click_in_view(&p.browser, &models, "Models").await.unwrap();
    assert_eq!(expect_heading_focused(&p.browser).await.unwrap(), "Models");
    p.browser.client().back().await.unwrap();
    assert_eq!(
        expect_heading_focused(&p.browser).await.unwrap(),
        "Query twins"
    );
    let organisation = p
        .browser
        .client()
        .find(fantoccini::Locator::Css(".instance-nav__org"))
        .await
        .unwrap();
    click_in_view(
        &p.browser,
        &organisation,
        "the organisation in the breadcrumb",
    )
    .await
    .unwrap();
    assert_eq!(expect_heading_focused(&p.browser).await.unwrap(), "Contoso");
    p.browser.close().await.unwrap();
}

#[tokio::test]
async fn settings_count_organisations_in_words_and_show_when_the_sign_in_ends() {
    let p = Person::start().await;
    p.sign_in_at("/settings", "adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await;
    p.browser.find_by_role("heading", "Settings").await.unwrap();
    // A second account, Megan, who is also a guest in Fabrikam.
    p.open_account_menu().await;
    let add = p
        .browser
        .find_by_role("button", "Add another account")
        .await
        .unwrap();
    click_in_view(&p.browser, &add, "Add another account")
        .await
        .unwrap();
    sign_in_by_typing(&p.browser, "megan@contoso.onmicrosoft.com", "Megan-dev-1")
        .await
        .unwrap();
    p.browser.find_by_role("heading", "Settings").await.unwrap();
    let counts = p
        .browser
        .wait_for_script(
            "const items = [...document.querySelectorAll('.account-list li')].map(li => li.innerText); \
             return items.length === 2 && items.some(t => t.includes('2 organisations')) ? items : null",
            "both accounts with their organisations",
        )
        .await
        .unwrap();
    let counts: Vec<String> = serde_json::from_value(counts).unwrap();
    assert!(
        counts
            .iter()
            .any(|c| c.contains("adele@contoso.onmicrosoft.com")
                && c.contains("· 1 organisation")
                && !c.contains("organisations")),
        "{counts:?}"
    );
    assert!(
        counts
            .iter()
            .any(|c| c.contains("megan@contoso.onmicrosoft.com") && c.contains("· 2 organisations")),
        "{counts:?}"
    );
    let text = p.text().await;
    assert!(!text.contains("(s)"), "no “(s)” plurals: {text}");
    // When the sign-in ends: in the reader's locale, the exact time on hover.
    let time = p
        .browser
        .eval("const t = document.querySelector('main time.local-time'); return t ? [t.innerText, t.getAttribute('title'), t.getAttribute('datetime')] : null")
        .await
        .unwrap();
    let raw = time[1]
        .as_str()
        .expect("a time with its raw value as title");
    assert_eq!(time[2].as_str(), Some(raw));
    assert!(
        raw.len() == 20 && raw.ends_with('Z') && raw.as_bytes()[10] == b'T',
        "{raw}"
    );
    let shown = time[0].as_str().unwrap();
    assert!(
        !shown.is_empty() && shown != raw && !shown.contains('T'),
        "{shown}"
    );
    assert_no_serious_violations(&p.browser, "settings").await;
    p.look_at("settings").await;
    p.browser.close().await.unwrap();
}
