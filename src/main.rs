//! Boots the SPA: panic hook, logging, theme, configuration, mount. Nothing else lives here.

fn main() {
    twinscope::console::report_panics();
    let level = if cfg!(debug_assertions) {
        log::Level::Debug
    } else {
        log::Level::Info
    };
    twinscope::console::init(level);
    twinscope::components::theme::apply_saved_theme();
    wasm_bindgen_futures::spawn_local(async {
        twinscope::mount_to_body(twinscope::runtime_config().await);
    });
}
