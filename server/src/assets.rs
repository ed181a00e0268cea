//! The built site's assets under `/pkg` (the WASM, its JS glue, the CSS),
//! served compressed at the best levels (brotli 11, gzip 9) instead of per
//! request at a fast level: the WASM is most of what a first visit costs.
//!
//! Compressed once per file version, in memory: a version is the file's
//! length and mtime, so a rebuild is served fresh, and nothing is written
//! beside the files (the server's unit may not write there). Until a file's
//! variants are ready (a few seconds after start) it goes out as it is and
//! the router's compression layer compresses it on the fly, as before.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// A file's identity on disk: what must change for it to count as new.
type Version = (u64, Option<SystemTime>);

#[derive(Clone)]
pub struct Assets {
    dir: PathBuf,
    compressed: Arc<Mutex<HashMap<String, Slot>>>,
}

#[derive(Clone)]
enum Slot {
    /// Being compressed for this version.
    Pending(Version),
    Ready(Arc<Variants>),
}

struct Variants {
    version: Version,
    brotli: Bytes,
    gzip: Bytes,
}

/// How the answer travels, best first as the client allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Assets {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Assets { dir: dir.into(), compressed: Arc::default() }
    }

    /// Starts compressing every file already in the folder, so the first
    /// visitors get the small versions.
    pub fn warm(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            if let Some(name) = entry.file_name().to_str().filter(|n| valid_name(n)) {
                if let Some(meta) = entry.metadata().ok().filter(|m| m.is_file()) {
                    self.compress_later(name.to_owned(), version_of(&meta));
                }
            }
        }
    }

    fn compress_later(&self, name: String, version: Version) {
        {
            let mut slots = self.compressed.lock().expect("assets lock");
            match slots.get(&name) {
                Some(Slot::Pending(v)) if *v == version => return,
                Some(Slot::Ready(r)) if r.version == version => return,
                _ => {}
            }
            slots.insert(name.clone(), Slot::Pending(version));
        }
        let (this, path) = (self.clone(), self.dir.join(&name));
        tokio::task::spawn_blocking(move || {
            let done = std::fs::read(&path).ok().map(|raw| Variants {
                version,
                brotli: brotli_best(&raw).into(),
                gzip: gzip_best(&raw).into(),
            });
            let mut slots = this.compressed.lock().expect("assets lock");
            match done {
                // Keep it only if the file is still that version.
                Some(variants) if matches!(slots.get(&name), Some(Slot::Pending(v)) if *v == version) => {
                    slots.insert(name, Slot::Ready(Arc::new(variants)));
                }
                None => {
                    slots.remove(&name);
                }
                _ => {}
            }
        });
    }

    fn ready(&self, name: &str, version: Version) -> Option<Arc<Variants>> {
        match self.compressed.lock().expect("assets lock").get(name) {
            Some(Slot::Ready(r)) if r.version == version => Some(r.clone()),
            _ => None,
        }
    }
}

/// `GET /pkg/{file}`.
pub async fn serve(State(assets): State<Assets>, Path(name): Path<String>, request_headers: HeaderMap) -> Response {
    if !valid_name(&name) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = assets.dir.join(&name);
    let Ok(meta) = tokio::fs::metadata(&path).await.and_then(|m| if m.is_file() { Ok(m) } else { Err(std::io::ErrorKind::NotFound.into()) }) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let version = version_of(&meta);
    let etag = etag_of(version);
    let not_modified = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));

    let mut headers = HeaderMap::new();
    let mime = mime_guess::from_path(&name).first_or_octet_stream();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(mime.as_ref()).expect("a MIME type is a header value"));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    // Names carry no hash: ask each time, a 304 is cheap.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("etag is ASCII"));
    if not_modified {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }

    let body = match (assets.ready(&name, version), preferred(&request_headers)) {
        (Some(variants), Encoding::Brotli) => encoded(&mut headers, "br", &variants.brotli),
        (Some(variants), Encoding::Gzip) => encoded(&mut headers, "gzip", &variants.gzip),
        (ready, _) => {
            if ready.is_none() {
                assets.compress_later(name.clone(), version);
            }
            match tokio::fs::read(&path).await {
                Ok(raw) => Bytes::from(raw),
                Err(_) => return StatusCode::NOT_FOUND.into_response(),
            }
        }
    };
    (headers, Body::from(body)).into_response()
}

/// Marks the answer as `coding`-encoded, with its length (the compression
/// layer then passes it through as it is).
fn encoded(headers: &mut HeaderMap, coding: &'static str, body: &Bytes) -> Bytes {
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    body.clone()
}

/// File names only: no folders, no hidden files, nothing a path could hide in.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn version_of(meta: &std::fs::Metadata) -> Version {
    (meta.len(), meta.modified().ok())
}

fn etag_of((len, modified): Version) -> String {
    let nanos = modified.and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    format!("\"{len:x}-{nanos:x}\"")
}


/// Picks brotli, then gzip, then none, among what Accept-Encoding allows
/// (a `q=0` refuses).
pub fn preferred(headers: &HeaderMap) -> Encoding {
    let accepted: Vec<String> = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let coding = parts.next()?.trim().to_ascii_lowercase();
            let refused = parts.any(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()) == Some(0.0));
            (!refused).then_some(coding)
        })
        .collect();
    if accepted.iter().any(|c| c == "br") {
        Encoding::Brotli
    } else if accepted.iter().any(|c| c == "gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn brotli_best(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() / 3);
    {
        // Quality 11, a 4 MiB window: the WASM fits in one.
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(raw).expect("writing to memory");
    }
    out
}

fn gzip_best(raw: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(raw.len() / 3), flate2::Compression::best());
    encoder.write_all(raw).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn the_best_encoding_the_client_allows_is_chosen() {
        assert_eq!(preferred(&accept("gzip, deflate, br, zstd")), Encoding::Brotli);
        assert_eq!(preferred(&accept("gzip, br;q=0")), Encoding::Gzip);
        assert_eq!(preferred(&accept("identity")), Encoding::Identity);
        assert_eq!(preferred(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn names_that_could_leave_the_folder_are_refused() {
        for bad in ["", "..", ".hidden", "a/b", "..%2f", "x\\y", &"a".repeat(200)] {
            assert!(!valid_name(bad), "{bad:?}");
        }
        assert!(valid_name("hotnic_bg.wasm"));
        assert!(valid_name("hotnic.css"));
    }

    #[test]
    fn the_compressed_variants_decode_to_the_file() {
        use std::io::Read;
        let raw: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let mut back = Vec::new();
        brotli::Decompressor::new(&brotli_best(&raw)[..], 4096).read_to_end(&mut back).unwrap();
        assert_eq!(back, raw);
        back.clear();
        flate2::read::GzDecoder::new(&gzip_best(&raw)[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, raw);
    }
}
