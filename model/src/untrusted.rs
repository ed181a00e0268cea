//! Quoting text a caller sent back in a message.

/// The text, cut short at 40 characters and with control characters and
/// quotes escaped, fit to quote back in a message or a log line.
pub fn printable(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect::<String>().escape_default().to_string();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn escapes_and_cuts() {
        assert_eq!(printable("52:54:00:aa:bb"), "52:54:00:aa:bb");
        assert_eq!(printable("a'\n"), "a\\'\\n");
        assert_eq!(printable(&"x".repeat(41)), format!("{}…", "x".repeat(40)));
    }
}
