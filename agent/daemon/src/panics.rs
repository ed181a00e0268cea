//! Panics go to the log like every other line (JSON when HOTNIC_LOG=json),
//! with where they happened, not only to stderr: an operator shipping the
//! agent's log sees them beside the requests that led there.

use std::panic::PanicHookInfo;

/// Routes panics through `tracing`; the default report (and its backtrace,
/// when RUST_BACKTRACE asks) follows.
pub fn install() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        log(info);
        report(info);
    }));
}

fn log(info: &PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload.downcast_ref::<&str>().map(|s| (*s).to_owned()).or_else(|| payload.downcast_ref::<String>().cloned()).unwrap_or_default();
    let at = info.location().map(ToString::to_string).unwrap_or_default();
    // `panic`, not `message`: that one is the line's own ("panicked").
    tracing::error!(%at, panic = %message, "panicked");
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// The log lines written while a closure runs on this thread.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_panic_is_an_error_line_with_its_message_and_place() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt().json().with_writer(move || writer.clone()).finish();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|info| super::log(info)));
        let line = line!() + 1;
        let caught = tracing::subscriber::with_default(subscriber, || std::panic::catch_unwind(|| panic!("the host said {}", 42)));
        std::panic::set_hook(previous);
        assert!(caught.is_err());
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let entry: serde_json::Value = serde_json::from_str(text.lines().next().expect("one line")).unwrap();
        assert_eq!(entry["level"], "ERROR", "{text}");
        assert_eq!(entry["fields"]["message"], "panicked", "{text}");
        assert!(entry["fields"]["at"].as_str().unwrap().contains(&format!("panics.rs:{line}")), "{text}");
        assert_eq!(entry["fields"]["panic"], "the host said 42", "{text}");
    }
}
