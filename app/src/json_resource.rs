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
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_page() {
        let value: Result<Vec<String>, String> = Ok(vec!["nic1".into(), "é \"quoted\"".into()]);
        let text = <JsonBytes as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Vec<String>, String> = <JsonBytes as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, value);
    }
}
