//! A `Link` header on every page naming the WASM, its JS glue and the
//! stylesheet, so the browser asks for them as soon as the page's headers
//! arrive, before it has parsed the `<head>` that names them too. The WASM
//! is most of a cold load's bytes: the sooner it starts, the sooner the
//! page is interactive.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::config::LeptosOptions;

/// The header's value, or None when the file names are hashed (they are
/// then known only to the page's own `<head>`).
pub fn links(options: &LeptosOptions) -> Option<HeaderValue> {
    if options.hash_files {
        return None;
    }
    let pkg = &options.site_pkg_dir;
    let name = &options.output_name;
    // As leptos names the WASM: cargo-leptos sets the variable when it
    // builds; a plain cargo build keeps wasm-bindgen's `_bg` suffix.
    let wasm = match option_env!("LEPTOS_OUTPUT_NAME") {
        Some(_) => name.to_string(),
        None => format!("{name}_bg"),
    };
    // The same requests the `<head>` makes (leptos' HydrationScripts and
    // the app's Stylesheet), so the browser uses one answer for both.
    let value = format!(
        "</{pkg}/{wasm}.wasm>; rel=preload; as=fetch; type=\"application/wasm\"; crossorigin, \
         </{pkg}/{name}.js>; rel=modulepreload, </{pkg}/{name}.css>; rel=preload; as=style"
    );
    HeaderValue::from_str(&value).ok()
}

/// Adds `links` to HTML answers.
pub async fn add(State(links): State<Option<HeaderValue>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if let (true, Some(links)) = (is_page, links) {
        response.headers_mut().append(header::LINK, links);
    }
    response
}
