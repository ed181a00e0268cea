//! The id that follows one request from the page or script through the
//! engine to the agent (`x-request-id`), so one grep finds a plug in the
//! server's log, the agent's log and the audit log. The server takes the
//! caller's (when it is a sane token) or makes one; the engine's client
//! sends it on every call made while handling that request.

/// The header that carries it, both ways.
pub const HEADER: &str = "x-request-id";

/// A caller's id, kept when it is 1 to 64 characters of letters, digits
/// and `-_.:`; anything else is replaced (it goes into logs).
pub fn accept(text: &str) -> Option<String> {
    let ok = (1..=64).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    ok.then(|| text.to_owned())
}

/// A new id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(feature = "client")]
tokio::task_local! {
    /// The id of the request this task works for.
    pub static CURRENT: String;
}

/// The id of the request the current task works for, if any.
#[cfg(feature = "client")]
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::accept;

    #[test]
    fn sane_ids_are_kept_and_others_replaced() {
        assert_eq!(accept("trace-me-123").as_deref(), Some("trace-me-123"));
        assert_eq!(accept("a:b.c_d"), Some("a:b.c_d".into()));
        for bad in ["", "with space", "new\nline", "ünïcode", &"x".repeat(65)] {
            assert_eq!(accept(bad), None, "{bad:?}");
        }
    }
}
