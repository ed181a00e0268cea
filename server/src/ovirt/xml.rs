//! The XML the oVirt SDK reads and writes: a small element tree written
//! with every text and attribute escaped, and the lenient reading of the
//! request bodies it sends (unknown elements ignored, as oVirt does).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use quick_xml::escape::escape;
use uuid::Uuid;

/// Where every href starts (`connection.follow_link()` requires it).
pub const API: &str = "/ovirt-engine/api";

#[derive(Debug, Clone)]
pub struct El {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
    text: Option<String>,
    children: Vec<El>,
}

impl El {
    pub fn new(name: &'static str) -> Self {
        El { name, attrs: Vec::new(), text: None, children: Vec::new() }
    }

    /// `<name>text</name>`.
    pub fn leaf(name: &'static str, text: impl ToString) -> Self {
        El { text: Some(text.to_string()), ..El::new(name) }
    }

    /// `<name href="/ovirt-engine/api/{path}/{id}" id="{id}"/>`: a link to another object.
    pub fn reference(name: &'static str, path: &str, id: Uuid) -> Self {
        El::new(name).attr("href", format!("{API}/{path}/{id}")).attr("id", id.to_string())
    }

    /// An object: `<name href=… id=…>` with its own href.
    pub fn object(name: &'static str, href: String, id: Uuid) -> Self {
        El::new(name).attr("href", href).attr("id", id.to_string())
    }

    pub fn attr(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.attrs.push((name, value.into()));
        self
    }

    pub fn child(mut self, child: El) -> Self {
        self.children.push(child);
        self
    }

    pub fn children(mut self, children: impl IntoIterator<Item = El>) -> Self {
        self.children.extend(children);
        self
    }

    /// `<link href="{base}/{rel}" rel="{rel}"/>` for each rel.
    pub fn links(self, base: &str, rels: &[&str]) -> Self {
        self.children(rels.iter().map(|rel| El::new("link").attr("href", format!("{base}/{rel}")).attr("rel", *rel)))
    }

    /// `<actions>` with one link per action verb.
    pub fn actions(self, base: &str, verbs: &[&str]) -> Self {
        self.child(El::new("actions").links(base, verbs))
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(self.name);
        for (name, value) in &self.attrs {
            out.push_str(&format!(" {name}=\"{}\"", escape(value.as_str())));
        }
        match (&self.text, self.children.is_empty()) {
            (None, true) => out.push_str("/>"),
            (text, _) => {
                out.push('>');
                if let Some(text) = text {
                    out.push_str(&escape(text.as_str()));
                }
                for child in &self.children {
                    child.write(out);
                }
                out.push_str(&format!("</{}>", self.name));
            }
        }
    }

    pub fn to_document(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
        self.write(&mut out);
        out
    }
}

/// An XML answer with its status.
pub struct Xml(pub StatusCode, pub El);

impl IntoResponse for Xml {
    fn into_response(self) -> Response {
        (self.0, [(header::CONTENT_TYPE, "application/xml;charset=UTF-8")], self.1.to_document()).into_response()
    }
}

pub fn ok(el: El) -> Xml {
    Xml(StatusCode::OK, el)
}

/// What actions and removals answer: `<action><status>complete</status></action>`.
pub fn complete() -> Xml {
    ok(El::new("action").child(El::leaf("status", "complete")))
}

/// oVirt's booleans: true/false/1/0, any case.
pub fn boolean(field: &str, text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(format!("<{field}> must be true or false, not '{other}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::{boolean, El};

    #[test]
    fn text_and_attributes_are_escaped() {
        let doc = El::new("nic").attr("id", "a\"b<").child(El::leaf("name", "x</name><evil/>&")).to_document();
        assert!(doc.ends_with("<nic id=\"a&quot;b&lt;\"><name>x&lt;/name&gt;&lt;evil/&gt;&amp;</name></nic>"), "{doc}");
    }

    #[test]
    fn empty_elements_close_themselves() {
        assert!(El::new("nics").to_document().ends_with("<nics/>"));
        assert!(El::leaf("description", "").to_document().ends_with("<description></description>"));
    }

    #[test]
    fn booleans_as_the_sdk_writes_them() {
        assert_eq!(boolean("plugged", "TRUE"), Ok(true));
        assert_eq!(boolean("plugged", "0"), Ok(false));
        assert!(boolean("plugged", "yes").unwrap_err().contains("<plugged> must be true or false"));
    }
}
