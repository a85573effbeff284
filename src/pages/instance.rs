//! `/t/{tenant}/i/{host}/…`: one Digital Twins instance of one tenant. Builds the ADT client
//! (tokens from the instance's tenant, never `organizations`), reads the user's roles in
//! that tenant, provides the explorer context and shows the instance's navigation.
//!
//! Invariant: everything under this shell is keyed by tenant and host; navigating to
//! another tenant or instance rebuilds it, so nothing of the previous one stays in memory.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use crate::auth::accounts::TenantProfile;
use crate::auth::client::AuthError;
use crate::auth::resources::{ProtectedResource, ResourceMap, guard};

use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};
use serde_json::Value;

use crate::adt::AdtClient;
use crate::adt::access::{self, Access, AccessKey};
use crate::auth::client::ADT_SCOPE;
use crate::auth::http::browser_fetch;
use crate::components::instance_nav::{InstanceNav, short_name};
use crate::components::problem::SignInProblem;
use crate::config::RuntimeConfig;
use crate::graph::{GraphNode, adt_read};
use crate::ids::{AdtHost, TenantId};
use crate::pages::explorer::{
    ExplorerContext, QueryExplorer, ScreenMemory, TwinDetail, provide_explorer_context, twin_path,
    use_explorer_context,
};
use crate::pages::explorer_graph::{GraphData, GraphPage, GraphSource, SourceFuture};
use crate::pages::lazy::{NotLoaded, not_loaded_page, opening, split_call};
use crate::pages::models::{ModelInfo, ModelsFuture, ModelsPage, ModelsSource};
use crate::pages::transfer::TransferPage;
use crate::session::Session;
use crate::tenants::TenantDirectory;

/// The user cannot read this instance (the check before any screen): why, what to do, and
/// a way to check again once a role is granted. No screen is drawn under it.
#[component]
fn InstanceBlocked(
    tenant: TenantId,
    host: AdtHost,
    access: Access,
    on_again: Callback<()>,
) -> impl IntoView {
    let title = match access {
        Access::OtherOrganisation => format!("{} is not in this organisation", short_name(&host)),
        _ => format!("You cannot open {}", short_name(&host)),
    };
    view! {
        <main id="main" class="page page--message" aria-labelledby="blocked-title" tabindex="-1">
            <h1 id="blocked-title">{title}</h1>
            <div class="alert alert--error" role="alert">
                <p>{access.explanation(&host).unwrap_or_default()}</p>
            </div>
            <div class="actions">
                <button type="button" class="button" on:click=move |_| on_again.run(())>"Check again"</button>
                <a class="button button--ghost" href=format!("/t/{tenant}")>"Back to the organisation"</a>
            </div>
        </main>
    }
}

/// Which screen of the instance: each is a child route of the instance shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Twins,
    Twin,
    Models,
    Graph,
    Transfer,
}

impl Screen {
    /// The screen an address names (`/t/{tenant}/i/{host}/{screen}…`, as [`InstanceRoutes`]
    /// routes them), if any.
    ///
    /// [`InstanceRoutes`]: crate::InstanceRoutes
    pub fn of_path(path: &str) -> Option<Screen> {
        let mut segments = path.split('/').filter(|s| !s.is_empty());
        let (Some("t"), Some(_), Some("i"), Some(_)) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return None;
        };
        match (segments.next()?, segments.next()) {
            ("twins", None) => Some(Screen::Twins),
            ("twins", Some(_)) => Some(Screen::Twin),
            ("models", None) => Some(Screen::Models),
            ("graph", None) => Some(Screen::Graph),
            ("transfer", None) => Some(Screen::Transfer),
            _ => None,
        }
    }

    /// A screen of the other screen group ([`screen_group`]).
    fn other_group(self) -> Screen {
        match self {
            Screen::Twins | Screen::Twin => Screen::Models,
            Screen::Models | Screen::Graph | Screen::Transfer => Screen::Twins,
        }
    }
}

/// What the instance shell needs from outside: an ADT client for one instance (its tokens
/// from that instance's tenant) and the signed-in user's roles in a tenant. The app's
/// connector is [`SessionConnector`]; tests give their own (a fake HTTP client, held replies).
pub trait Connector {
    /// A client for `host`, whose tokens come from `tenant`.
    fn adt(&self, tenant: &TenantId, host: &AdtHost) -> AdtClient;
    /// The user's profile (roles) in `tenant`.
    fn profile(&self, tenant: &TenantId) -> ProfileFuture;
    /// Who is asking: access answers are remembered per account.
    fn account(&self) -> String;
}

/// The future of [`Connector::profile`].
pub type ProfileFuture = Pin<Box<dyn Future<Output = Result<TenantProfile, AuthError>>>>;

/// The connector in context (provided once by the app's shell, or by a test). `Copy`: the
/// connector lives in Leptos's local arena.
#[derive(Clone, Copy)]
pub struct InstanceConnector(StoredValue<Rc<dyn Connector>, LocalStorage>);

impl InstanceConnector {
    pub fn provide(connector: impl Connector + 'static) {
        let connector: Rc<dyn Connector> = Rc::new(connector);
        provide_context(Self(StoredValue::new_local(connector)));
    }

    fn get() -> Rc<dyn Connector> {
        expect_context::<Self>().0.get_value()
    }
}

impl std::fmt::Debug for InstanceConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InstanceConnector { .. }")
    }
}

/// The connector of the signed-in session: the ADT client goes through the resource guard
/// (the bearer only to the configured ADT path) with the browser's `fetch`.
pub struct SessionConnector {
    pub session: Session,
    pub config: RuntimeConfig,
}

impl std::fmt::Debug for SessionConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionConnector { .. }")
    }
}

impl Connector for SessionConnector {
    fn adt(&self, tenant: &TenantId, host: &AdtHost) -> AdtClient {
        AdtClient::new(
            &self.config.adt_path_prefix,
            host.clone(),
            guard(
                Rc::new(ResourceMap::from_config(&self.config)),
                ProtectedResource::DigitalTwins(host.clone()),
                Rc::new(browser_fetch),
            ),
            self.session.token_provider(tenant.clone(), ADT_SCOPE),
        )
    }

    fn profile(&self, tenant: &TenantId) -> ProfileFuture {
        let (session, tenant) = (self.session, tenant.clone());
        Box::pin(async move { session.tenant_profile(&tenant).await })
    }

    fn account(&self) -> String {
        self.session
            .state
            .get_untracked()
            .account()
            .map(|a| a.home.as_str().to_owned())
            .unwrap_or_default()
    }
}

/// `/t/{tenant}/i/{host}`: the parent route of an instance's screens. The shell under it is
/// built once per instance: switching screens keeps it (and its client, roles and access
/// answer); another tenant or host, even on the same screen, builds a new one, so nothing of
/// the previous instance stays, and a reply for it has nowhere to land.
#[component]
pub fn Instance() -> impl IntoView {
    let params = use_params_map();
    let target = Memo::new(move |_| {
        params.with(|p| {
            let tenant = TenantId::parse(&p.get("tenant")?).ok()?;
            let host = AdtHost::parse(&p.get("host")?).ok()?;
            Some((tenant, host))
        })
    });
    move || {
        match target.get() {
        None => view! {
            <main id="main" class="page page--message" aria-labelledby="instance-title" tabindex="-1">
                <h1 id="instance-title">"That address does not name an instance"</h1>
                <p>"Instance links look like /t/{tenant id}/i/{name}.api.{region}.digitaltwins.azure.net/twins."</p>
                <p><a href="/">"Back to the start page"</a></p>
            </main>
        }
        .into_any(),
        Some((tenant, host)) => view! { <InstanceShell tenant host/> }.into_any(),
    }
    }
}

/// The shell of one instance, drawn by the module of the screen group the address names
/// ([`shell_view`], in the module the screen groups share: the first load carries none of
/// it, and opening an instance fetches no module its first screen does not need anyway).
#[component]
fn InstanceShell(tenant: TenantId, host: AdtHost) -> impl IntoView {
    // The group of the screen the address names (the query's for the instance's own address),
    // asked for once: later screens reuse the shell.
    let group = Screen::of_path(&use_location().pathname.get_untracked()).unwrap_or(Screen::Twins);
    let at = ShellAt { tenant, host };
    view! {
        <Transition fallback=checking_access>
            {move || {
                let at = at.clone();
                Suspend::new(async move {
                    shell_from(group, at)
                        .await
                        .unwrap_or_else(|NotLoaded| not_loaded_page())
                })
            }}
        </Transition>
    }
}

/// The shell's view from `screen`'s group or, if that module does not arrive, from the other
/// group's: the shell then stands, that screen says it could not be loaded, and the other
/// group's screens still open from the navigation.
async fn shell_from(screen: Screen, at: ShellAt) -> Result<AnyView, NotLoaded> {
    match screen_group(screen, GroupCall::Shell(at.clone())).await {
        Err(NotLoaded) => screen_group(screen.other_group(), GroupCall::Shell(at)).await,
        shown => shown,
    }
}

fn checking_access() -> impl IntoView {
    view! { <p class="loading page" role="status">"Checking your access…"</p> }
}

/// Which instance the shell is for; `Send`, so it can cross the `Suspend` that waits for the
/// shell's code.
#[derive(Clone)]
struct ShellAt {
    tenant: TenantId,
    host: AdtHost,
}

/// What the instance shell asks for at once, as its code starts: the user's roles in the
/// tenant and whether they can read the instance. On the usual way in, from the tenant page,
/// neither waits: the roles are in the session's account and the tenant page's access answer
/// in the access book (`adt::access`); a deep link asks once the code has arrived.
#[derive(Clone)]
struct Shell {
    tenant: TenantId,
    host: AdtHost,
    profile: LocalResource<Result<TenantProfile, AuthError>>,
    access: LocalResource<Access>,
    adt: StoredValue<AdtClient, LocalStorage>,
    again: RwSignal<bool>,
    memory: ScreenMemory,
}

impl Shell {
    fn new(ShellAt { tenant, host }: ShellAt) -> Self {
        let connector = InstanceConnector::get();
        let profile = {
            let (connector, tenant) = (connector.clone(), tenant.clone());
            LocalResource::new(move || connector.profile(&tenant))
        };
        let adt = StoredValue::new_local(connector.adt(&tenant, &host));
        // Can this user read the instance? Asked beside the role check, before any screen, so
        // an instance they cannot read says so before they press Run.
        let again = RwSignal::new(false);
        let access = {
            let key = AccessKey {
                account: connector.account(),
                tenant: tenant.clone(),
                host: host.clone(),
            };
            LocalResource::new(move || {
                let (adt, key, again) = (adt.get_value(), key.clone(), again.get());
                async move { access::check_remembered(&adt, key, again).await }
            })
        };
        if let Some(directory) = use_context::<TenantDirectory>() {
            directory.want();
        }
        Self {
            tenant,
            host,
            profile,
            access,
            adt,
            again,
            // One per shell, so per instance: what screens keep for when the person comes back.
            memory: ScreenMemory::new(),
        }
    }
}

/// The instance's navigation, then its screen once the roles and access are known (or why
/// there is none). Called by both screen groups, so it travels in the module they share.
fn shell_view(at: ShellAt) -> AnyView {
    let shell = Shell::new(at);
    let access = shell.access;
    let screens = Signal::derive(move || access.get().is_none_or(|a| !a.is_blocked()));
    view! {
        <InstanceNav tenant=shell.tenant.clone() host=shell.host.clone() screens/>
        <Transition fallback=checking_access>
            {move || {
                let Shell { tenant, host, profile, adt, again, memory, .. } = shell.clone();
                Suspend::new(async move {
                    let profile = profile.await;
                    let access = access.await;
                    match profile {
                        Err(problem) => view! {
                            <main id="main" class="page" tabindex="-1"><SignInProblem problem/></main>
                        }.into_any(),
                        Ok(_) if access.is_blocked() => view! {
                            <InstanceBlocked tenant host access on_again=Callback::new(move |()| again.set(true))/>
                        }.into_any(),
                        Ok(profile) => {
                            let ctx = ExplorerContext { tenant, host, adt: adt.get_value(), roles: profile.roles, memory };
                            provide_explorer_context(ctx);
                            view! { <Outlet/> }.into_any()
                        }
                    }
                })
            }}
        </Transition>
    }
    .into_any()
}

/// A child route of the instance: its screen, loaded on first use (see [`screen_view`]).
#[component]
pub fn InstanceScreen(screen: Screen) -> impl IntoView {
    view! {
        <Transition fallback=opening>
            {move || Suspend::new(screen_view(screen))}
        </Transition>
    }
}

/// The screen's view, from its group's module ([`crate::pages::lazy`]).
///
/// Two groups, not five: wasm-split puts the code shared by each combination of split points in
/// a module of its own, so five split points made 22 shared modules and 12 to 14 requests to
/// open one screen. With two, a screen costs its group's module and the one the groups share
/// (both only once per page load): the query and twin pages, which every visit uses, in one;
/// models, graph and import/export, with the heavier code, in the other.
async fn screen_view(screen: Screen) -> AnyView {
    screen_group(screen, GroupCall::Screen(screen))
        .await
        .unwrap_or_else(|NotLoaded| not_loaded_page())
}

/// What a screen group's module is asked for.
enum GroupCall {
    /// The instance's shell ([`shell_view`]).
    Shell(ShellAt),
    /// A screen's view.
    Screen(Screen),
}

/// Calls the group `screen` belongs to.
async fn screen_group(screen: Screen, call: GroupCall) -> Result<AnyView, NotLoaded> {
    match screen {
        Screen::Twins | Screen::Twin => split_call!(query_and_twin_screens(call)),
        Screen::Models | Screen::Graph | Screen::Transfer => {
            split_call!(models_graph_transfer_screens(call))
        }
    }
}

#[cfg_attr(
    twinscope_split,
    wasm_split_helpers::wasm_split(query_and_twin_screens, fallible)
)]
fn query_and_twin_screens(call: GroupCall) -> Result<AnyView, NotLoaded> {
    adopt_screen_styles();
    Ok(match call {
        GroupCall::Shell(shell) => shell_view(shell),
        GroupCall::Screen(Screen::Twin) => view! { <TwinDetail/> }.into_any(),
        GroupCall::Screen(_) => view! { <QueryExplorer/> }.into_any(),
    })
}

#[cfg_attr(
    twinscope_split,
    wasm_split_helpers::wasm_split(models_graph_transfer_screens, fallible)
)]
fn models_graph_transfer_screens(call: GroupCall) -> Result<AnyView, NotLoaded> {
    adopt_screen_styles();
    Ok(match call {
        GroupCall::Shell(shell) => shell_view(shell),
        GroupCall::Screen(Screen::Graph) => graph_screen(),
        GroupCall::Screen(Screen::Transfer) => transfer_screen(),
        GroupCall::Screen(_) => models_screen(),
    })
}

/// The screens' stylesheet, `style/screens.css` minified by `build.rs`.
#[cfg(any(target_arch = "wasm32", test))]
const SCREEN_STYLES: &str = include_str!(concat!(env!("OUT_DIR"), "/screens.css"));

/// Adds the screens' stylesheet to the document, once: a constructed stylesheet (which the
/// CSP's `style-src 'self'` does not concern: it is neither a `<style>` element nor a
/// fetched sheet). Called by both screen groups, so its text travels in the module they share
/// and the first load (whose page inlines `style/main.css`) carries none of it. It comes after
/// the page's own stylesheet in the cascade. Before the view is built, so a screen is never
/// drawn unstyled.
fn adopt_screen_styles() {
    #[cfg(target_arch = "wasm32")]
    {
        use std::cell::Cell;
        use wasm_bindgen::JsCast;
        thread_local!(static ADOPTED: Cell<bool> = const { Cell::new(false) });
        if ADOPTED.replace(true) {
            return;
        }
        let adopted = web_sys::window()
            .and_then(|w| w.document())
            .ok_or(wasm_bindgen::JsValue::NULL)
            .and_then(|document| {
                let sheet = web_sys::CssStyleSheet::new()?;
                sheet.replace_sync(SCREEN_STYLES)?;
                let sheets = js_sys::Array::from(&document.adopted_style_sheets());
                sheets.push(sheet.unchecked_ref());
                document.set_adopted_style_sheets(&sheets);
                Ok(())
            });
        if adopted.is_err() {
            log::warn!("the screens' stylesheet could not be adopted");
        }
    }
}

/// The explorer context, which the shell provides just before the screen (the screens read it
/// rather than take it: it holds `Rc`s, so the shell's `Suspend`, which must be `Send`, cannot
/// hold it across the load).
fn explorer_context() -> ExplorerContext {
    use_explorer_context().expect("the instance shell provides the explorer context")
}

fn models_screen() -> AnyView {
    let ctx = explorer_context();
    let can_manage = ctx.roles.can_manage_models();
    let source: Rc<dyn ModelsSource> = Rc::new(AdtModels(ctx.adt.clone()));
    view! {
        <main id="main" class="page page--explorer" aria-labelledby="models-title" tabindex="-1">
            <h1 id="models-title">"Models"</h1>
            <ModelsPage source can_manage/>
        </main>
    }
    .into_any()
}

fn graph_screen() -> AnyView {
    let ctx = explorer_context();
    let navigate = use_navigate();
    let (tenant, host) = (ctx.tenant.clone(), ctx.host.clone());
    let on_open = Callback::new(move |id: String| {
        navigate(&twin_path(&tenant, &host, &id), Default::default())
    });
    let source: Rc<dyn GraphSource> = Rc::new(AdtGraph(ctx.adt.clone()));
    view! {
        <main id="main" class="page page--wide" aria-labelledby="graph-title" tabindex="-1">
            <h1 id="graph-title">"Graph"</h1>
            <GraphPage source on_open/>
        </main>
    }
    .into_any()
}

fn transfer_screen() -> AnyView {
    let ctx = explorer_context();
    view! {
        <main id="main" class="page page--explorer" aria-labelledby="transfer-title" tabindex="-1">
            <h1 id="transfer-title">"Import and export"</h1>
            <TransferPage ctx/>
        </main>
    }
    .into_any()
}

/// Models through the ADT client.
struct AdtModels(AdtClient);

impl ModelsSource for AdtModels {
    fn list(&self) -> ModelsFuture<Vec<ModelInfo>> {
        let adt = self.0.clone();
        Box::pin(async move {
            let models = adt.list_models(true).await.map_err(|e| e.to_string())?;
            Ok(models.into_iter().map(ModelInfo::from).collect())
        })
    }

    fn upload(&self, models: Vec<Value>) -> ModelsFuture<()> {
        let adt = self.0.clone();
        Box::pin(async move {
            adt.add_models(&models)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    fn decommission(&self, id: String) -> ModelsFuture<()> {
        let adt = self.0.clone();
        Box::pin(async move { adt.decommission_model(&id).await.map_err(|e| e.to_string()) })
    }

    fn delete(&self, id: String) -> ModelsFuture<()> {
        let adt = self.0.clone();
        Box::pin(async move { adt.delete_model(&id).await.map_err(|e| e.to_string()) })
    }
}

/// The graph through the ADT client: a query for the twins, then their relationships in
/// batches of 100 source ids (the `IN` limit), all as queries (no request per twin).
struct AdtGraph(AdtClient);

impl GraphSource for AdtGraph {
    fn load(&self, query: String) -> SourceFuture {
        let adt = self.0.clone();
        Box::pin(async move {
            let rows = adt_read::all_rows(&adt, &query)
                .await
                .map_err(|e| e.to_string())?;
            let nodes: Vec<GraphNode> = rows
                .iter()
                .flat_map(adt_read::row_twins)
                .filter_map(GraphNode::from_twin)
                .collect();
            let ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
            let edges = adt_read::relationships_among(&adt, &ids)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<GraphData, String>((nodes, edges))
        })
    }

    fn neighbours(&self, id: String) -> SourceFuture {
        let adt = self.0.clone();
        Box::pin(async move {
            adt_read::neighbours(&adt, &id)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    mod css {
        include!("../../build_support/css.rs");
    }

    #[test]
    fn the_screens_stylesheet_is_minified_without_touching_its_rules() {
        use css::minify_css;
        for (source, minified) in [
            (
                "/* a comment */\n.a  >  .b ,\n.c {\n  color: red ;\n  margin: 0 auto;\n}\n",
                ".a > .b,.c{color: red;margin: 0 auto;}",
            ),
            (
                ".x { grid-template-areas: \"editor   lists\" 'a /* b */ c'; }",
                ".x{grid-template-areas: \"editor   lists\" 'a /* b */ c';}",
            ),
            (
                "@media (min-width: 56rem) {\n  .a { content: \"\\\"}\"; }\n}",
                "@media (min-width: 56rem){.a{content: \"\\\"}\";}}",
            ),
            ("a/* x */b{}", "a b{}"),
        ] {
            assert_eq!(minify_css(source), minified, "{source}");
            assert_eq!(minify_css(minified), minified, "again: {minified}");
        }
        // The real file: no comment left, every rule's braces kept.
        let source = include_str!("../../style/screens.css");
        let minified = minify_css(source);
        assert!(!minified.contains("/*") && !minified.contains('\n'));
        let braces = |t: &str| (t.matches('{').count(), t.matches('}').count());
        let without_comments: String = source
            .split("/*")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    part.split_once("*/").map_or("", |p| p.1)
                }
            })
            .collect();
        assert_eq!(braces(&minified), braces(&without_comments));
        assert!(minified.len() < source.len() * 9 / 10);
        assert_eq!(SCREEN_STYLES, minified);
    }

    /// The code that only the screens' modules run, where the classes of `style/screens.css`
    /// may be used (that sheet is adopted when a screen's module first runs).
    const SCREEN_CODE: &[&str] = &[
        "src/pages/explorer/",
        "src/pages/explorer_graph.rs",
        "src/pages/models.rs",
        "src/pages/transfer.rs",
        "src/graph/",
        "src/transfer/",
        "src/transfer.rs",
        "src/model_set.rs",
        "src/components/confirm.rs",
        "src/components/create_twin.rs",
        "src/components/leave_guard.rs",
        "src/components/property_editor.rs",
        "src/components/results_table.rs",
        "src/components/service_error.rs",
    ];

    /// Every selector of `style/screens.css` names a class that only the screens' code uses,
    /// so none of its rules can style a page outside them (which would look different before
    /// and after a screen's module first ran).
    #[test]
    fn every_rule_of_the_screens_stylesheet_names_a_class_only_the_screens_use() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let is_word = |ch: char| ch.is_alphanumeric() || ch == '-' || ch == '_';
        let mut outside = std::collections::BTreeSet::new();
        let mut dirs = vec![root.join("src")];
        let mut files = vec![root.join("index.html")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if SCREEN_CODE.iter().any(|s| relative.starts_with(s)) {
                    continue;
                }
                if path.is_dir() {
                    dirs.push(path);
                } else if relative.ends_with(".rs") {
                    files.push(path);
                }
            }
        }
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            outside.extend(text.split(|ch: char| !is_word(ch)).map(str::to_owned));
        }
        let styles = css::minify_css(include_str!("../../style/screens.css"));
        let mut selectors = 0;
        for block in styles.split('}') {
            // `sel{decl`, or `@media (…){sel{decl` for a media block's first rule.
            let parts: Vec<&str> = block.split('{').collect();
            let Some(&prelude) = parts.len().checked_sub(2).and_then(|i| parts.get(i)) else {
                continue;
            };
            if prelude.starts_with('@') {
                continue;
            }
            for selector in prelude.split(',') {
                selectors += 1;
                let classes: Vec<&str> = selector
                    .split('.')
                    .skip(1)
                    .map(|c| c.split(|ch: char| !is_word(ch)).next().unwrap_or(""))
                    .collect();
                assert!(
                    classes
                        .iter()
                        .any(|c| !c.is_empty() && !outside.contains(*c)),
                    "`{selector}` in style/screens.css could style a page outside the screens \
                     (each of its classes is used there): put its rule in style/main.css"
                );
            }
        }
        assert!(selectors > 100, "{selectors} selectors read");
    }

    #[test]
    fn an_address_names_its_screen() {
        let base = "/t/9e16b21b-807b-43e3-95d5-439af2c3b46b/i/x.api.weu.digitaltwins.azure.net";
        for (rest, screen) in [
            ("/twins", Some(Screen::Twins)),
            ("/twins/", Some(Screen::Twins)),
            ("/twins/room%201", Some(Screen::Twin)),
            ("/models", Some(Screen::Models)),
            ("/graph", Some(Screen::Graph)),
            ("/transfer", Some(Screen::Transfer)),
            ("", None),
            ("/settings", None),
            ("/models/extra", None),
        ] {
            assert_eq!(Screen::of_path(&format!("{base}{rest}")), screen, "{rest}");
        }
        assert_eq!(Screen::of_path("/settings/twins/a/b/models"), None);
        assert_eq!(Screen::of_path("/"), None);
    }
}
