// Loads the wasm-bindgen module named by the <script> tag Trunk writes into index.html.
// A file of its own (not inline) so the Content-Security-Policy needs no 'unsafe-inline'.
const tag = document.querySelector("script[data-js][data-wasm]");
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });
