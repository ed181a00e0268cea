//! Resources whose value crosses from the server-rendered page to the WASM
//! as JSON read from bytes, the way server functions' answers are read.
//! Leptos' default resource codec reads JSON from `&str`, server_fn from
//! `&[u8]`: serde_json then builds every page type's deserializer twice
//! (one per reader) and the WASM carries both. One reader halves that.

use codee::{Decoder, Encoder};
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

/// JSON written as text, read back as bytes.
pub struct JsonBytes;

impl<T: Serialize> Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// A page's resource: [`Resource::new`] with the [`JsonBytes`] codec.
pub type PageResource<T> = Resource<T, JsonBytes>;

/// Like [`Resource::new`]: loads with `fetcher` whenever `source` changes;
/// the server's value rides in the page to the WASM.
#[track_caller]
pub fn page_resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageResource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(unless_page_gone(source), fetcher, false)
}

/// `source`, or its last value once the page that made it is gone. When a
/// browser leaves a page while the server still renders it, the page's
/// signals are disposed but its loads run on; a load that ends asks its
/// source again, and reading a disposed signal there panicked a server
/// worker ("already been disposed", a backtrace in the log per left page).
/// The last value means "unchanged": nothing more is loaded for a page
/// nobody will see.
fn unless_page_gone<S: Clone + Send + Sync + 'static>(source: impl Fn() -> S + Send + Sync + 'static) -> impl Fn() -> S + Send + Sync + 'static {
    // Made, and so disposed, with the page's own signals.
    let page = StoredValue::new(());
    let last = std::sync::Mutex::new(None::<S>);
    move || {
        let last_value = || last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if page.is_disposed() {
            if let Some(value) = last_value().clone() {
                return value;
            }
        }
        let value = source();
        *last_value() = Some(value.clone());
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_of_a_page_gone_gives_its_last_value_and_reads_nothing() {
        let page = Owner::new();
        let (signal, source) = page.with(|| {
            let signal = RwSignal::new(1);
            (signal, unless_page_gone(move || signal.get()))
        });
        assert_eq!(source(), 1);
        signal.set(2);
        assert_eq!(source(), 2);
        page.cleanup();
        assert!(signal.is_disposed(), "the page's signal went with it");
        assert_eq!(source(), 2, "the last value, where reading the signal would panic");
    }

    #[test]
    fn round_trips_through_the_page() {
        let value: Result<Vec<String>, String> = Ok(vec!["nic1".into(), "é \"quoted\"".into()]);
        let text = <JsonBytes as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Vec<String>, String> = <JsonBytes as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, value);
    }
}
