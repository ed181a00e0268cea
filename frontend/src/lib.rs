//! The WASM entry point: takes over the server-rendered page. Lazily
//! loaded pages (app/src/lazy_pages.rs) need the asynchronous hydration,
//! which waits for a page's chunk before it takes over that page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(hotnic_app::App);
}
