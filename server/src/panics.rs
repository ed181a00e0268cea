//! Panics go to the log like every other line (JSON when HOTNIC_LOG=json),
//! with where they happened, not only to stderr.
//!
//! One kind is expected and harmless: a page the browser left while the
//! server still rendered it. Leptos then disposes the page's signals, but
//! its Suspense tasks run on and read them once their data arrives
//! ("...has already been disposed"); the task ends there and nobody waits
//! for it. Those become a debug line instead of a report with a backtrace
//! for every page someone clicked away from. On the server only renders
//! use Leptos' signals, and a render that did this while its browser still
//! waited would leave that page unfinished, which the page tests see.
//! Rarer leftovers of such renders (a router context already gone) still
//! come as errors: their messages can mean real bugs too.

use std::panic::PanicHookInfo;

/// Routes panics through `tracing`; the default report (and its backtrace,
/// when RUST_BACKTRACE asks) follows for every panic but a left render's.
pub fn install() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = message_of(info);
        let at = info.location().map(ToString::to_string).unwrap_or_default();
        if is_left_render(&message) {
            tracing::debug!(%at, panic = %message, "a page render went on after its browser left, and stopped there");
            return;
        }
        // `panic`, not `message`: that one is the line's own ("panicked").
        tracing::error!(%at, panic = %message, "panicked");
        report(info);
    }));
}

/// The panic's message, when it has one.
pub fn message_of(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    payload.downcast_ref::<&str>().map(|s| (*s).to_owned()).or_else(|| payload.downcast_ref::<String>().cloned()).unwrap_or_default()
}

/// Whether a panic is a render's reading of its page's disposed signals.
pub fn is_left_render(message: &str) -> bool {
    message.contains("has already been disposed")
}

#[cfg(test)]
mod tests {
    use super::is_left_render;

    #[test]
    fn only_disposed_reactive_values_are_a_left_render() {
        // Leptos' two wordings: release builds, and debug ones with places.
        assert!(is_left_render("Tried to access a reactive value that has already been disposed."));
        assert!(is_left_render("At app/src/pages/vms.rs:246:69, you tried to access a reactive value which was defined at app/src/pages/vms.rs:202:19, but it has already been disposed."));
        assert!(!is_left_render("called `Option::unwrap()` on a `None` value"));
        assert!(!is_left_render("index out of bounds: the len is 0 but the index is 0"));
    }
}
