//! The site's /pkg assets through the whole router (sign-in, guard and
//! compression layers included): compressed once at the best level with the
//! right Content-Encoding, identical once decoded, fresh after a rebuild,
//! revalidated by ETag, and nothing outside the folder reachable.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use std::io::Read;
use std::time::Duration;
use tower::ServiceExt;

struct Site {
    router: Router,
    pkg: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

/// A server whose built site holds a WASM-like file, and a secret beside
/// the site a bad path would try to reach.
async fn site(wasm: &[u8]) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("site/pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("hotnic_bg.wasm"), wasm).unwrap();
    std::fs::write(dir.path().join("site/secret.txt"), "not for the web").unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("assets.db").display());
    let database = hotnic_engine::Database::open(&url).await.unwrap();
    let hosts = hotnic_engine::AgentHosts::new(Duration::from_secs(5));
    let engine = hotnic_engine::Engine::new(database, hosts, Default::default());
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("hotnic")
        .site_root(dir.path().join("site").to_str().unwrap())
        .site_pkg_dir("pkg")
        .build();
    // No sign-in: the sign-in page itself needs these files.
    Site { router: hotnic::router(engine, options), pkg, _dir: dir }
}

async fn get(router: &Router, uri: &str, headers: &[(header::HeaderName, &str)]) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::builder().uri(uri).header(header::HOST, "127.0.0.1:3000");
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.unwrap().to_bytes().to_vec())
}

/// Waits until the server answers `uri` with `encoding`, as it does once
/// its one-time compression is done.
async fn compressed(router: &Router, uri: &str, encoding: &str) -> (axum::http::HeaderMap, Vec<u8>) {
    for _ in 0..200 {
        let (status, headers, body) = get(router, uri, &[(header::ACCEPT_ENCODING, encoding)]).await;
        assert_eq!(status, StatusCode::OK);
        // The one-time variant has a length; the compression layer's
        // on-the-fly one (served meanwhile) streams without one.
        let encoded = headers.get(header::CONTENT_ENCODING).is_some_and(|e| e == encoding);
        if encoded && headers.get(header::CONTENT_LENGTH).is_some() {
            assert_eq!(headers[header::CONTENT_LENGTH].to_str().unwrap(), body.len().to_string());
            return (headers, body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{uri} never came {encoding}-encoded");
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out).unwrap();
    out
}

fn ungzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

/// Compressible like code: repeated structure with variation.
fn wasm_like(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7919) % 97 + (i / 1000) % 13) as u8).collect()
}

#[tokio::test]
async fn the_wasm_comes_brotli_or_gzip_encoded_and_decodes_to_the_file() {
    let wasm = wasm_like(300_000);
    let site = site(&wasm).await;
    let (headers, body) = compressed(&site.router, "/pkg/hotnic_bg.wasm", "br").await;
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
    assert_eq!(headers[header::VARY], "accept-encoding");
    assert!(body.len() < wasm.len() / 4, "brotli: {} of {} bytes", body.len(), wasm.len());
    assert_eq!(unbrotli(&body), wasm);

    let (headers, body) = compressed(&site.router, "/pkg/hotnic_bg.wasm", "gzip").await;
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(ungzip(&body), wasm);

    // A client that takes neither gets the file as it is.
    let (status, headers, body) = get(&site.router, "/pkg/hotnic_bg.wasm", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body, wasm);
}

#[tokio::test]
async fn a_rebuilt_file_is_served_new_and_its_etag_changes() {
    let site = site(&wasm_like(100_000)).await;
    let (first, _) = compressed(&site.router, "/pkg/hotnic_bg.wasm", "br").await;
    let etag = first[header::ETAG].to_str().unwrap().to_owned();
    let (status, _, body) = get(&site.router, "/pkg/hotnic_bg.wasm", &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());

    // The build writes a new version (another length, so another version
    // even on a coarse clock).
    let rebuilt = wasm_like(120_000);
    std::fs::write(site.pkg.join("hotnic_bg.wasm"), &rebuilt).unwrap();
    let (status, headers, body) = get(&site.router, "/pkg/hotnic_bg.wasm", &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(status, StatusCode::OK, "the old ETag no longer matches");
    assert_ne!(headers[header::ETAG], etag.as_str());
    let decoded = match headers.get(header::CONTENT_ENCODING).map(|e| e.to_str().unwrap()) {
        None => body,
        Some(other) => panic!("asked for nothing compressed, got {other}"),
    };
    assert_eq!(decoded, rebuilt);
    let (_, body) = compressed(&site.router, "/pkg/hotnic_bg.wasm", "br").await;
    assert_eq!(unbrotli(&body), rebuilt, "never the old version's compressed bytes");
}

#[tokio::test]
async fn nothing_outside_the_folder_or_missing_is_served() {
    let site = site(b"\0asm").await;
    for uri in ["/pkg/..%2Fsecret.txt", "/pkg/../secret.txt", "/pkg/.hidden", "/pkg/missing.wasm", "/pkg/%2E%2E"] {
        let (status, _, body) = get(&site.router, uri, &[]).await;
        assert_ne!(status, StatusCode::OK, "{uri}");
        assert!(!String::from_utf8_lossy(&body).contains("not for the web"), "{uri}");
    }
}

/// The URLs a `Link` header names, in order.
fn linked(links: &str) -> Vec<String> {
    links.split(',').filter_map(|link| link.trim().strip_prefix('<')?.split_once('>').map(|(url, _)| url.to_owned())).collect()
}

#[tokio::test]
async fn a_page_names_its_wasm_js_and_css_in_a_link_header_as_its_head_does() {
    let site = site(&wasm_like(4096)).await;
    // Signed out, the sign-in page (whatever its status).
    let (_, headers, body) = get(&site.router, "/signin", &[]).await;
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let links = headers.get(header::LINK).expect("a page carries a Link header").to_str().unwrap().to_owned();
    let urls = linked(&links);
    // The WASM first: it is most of the bytes, and the page waits for it.
    assert_eq!(urls, ["/pkg/hotnic_bg.wasm", "/pkg/hotnic.js", "/pkg/hotnic.css"], "{links}");
    assert!(links.contains("rel=preload; as=fetch; type=\"application/wasm\"; crossorigin"), "{links}");
    // The same URLs the page's <head> asks for, or the browser would fetch
    // both (the WASM twice).
    let page = String::from_utf8(body).unwrap();
    for url in &urls {
        assert!(page.contains(&format!("href=\"{url}\"")), "the page's head does not name {url}");
    }

    // Not on what is not a page.
    let (_, headers, _) = get(&site.router, "/pkg/hotnic_bg.wasm", &[]).await;
    assert!(headers.get(header::LINK).is_none());
    let (_, headers, _) = get(&site.router, "/api/vms", &[]).await;
    assert!(headers.get(header::LINK).is_none());
}
