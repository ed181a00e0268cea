//! Form fields a person changed before their page hydrated. The server's
//! HTML works at once, so on a slow link someone may type into a form (or
//! pick an option) before the page's WASM has arrived; hydrating a field
//! then sets it from the page's state (tachys sets `prop:value` when it
//! hydrates) and the text is gone. So the WASM remembers such fields just
//! before it hydrates a page, and gives them back once the page has
//! hydrated, as if typed then: each field's own input and change handlers
//! take the value into the page's state.

/// Remembers the fields whose value differs from what the server rendered.
/// Called just before a page hydrates: the WASM's entry, and each lazily
/// loaded page when its chunk has arrived.
pub fn remember() {
    #[cfg(feature = "hydrate")]
    browser::remember();
}

/// Gives the remembered fields their values back, where hydration changed
/// them. Called once the page has hydrated ([`crate::mark_hydrated`]).
pub(crate) fn give_back() {
    #[cfg(feature = "hydrate")]
    browser::give_back();
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::document;
    use std::cell::RefCell;
    use wasm_bindgen::JsCast;
    use web_sys::{Element, Event, EventInit, HtmlInputElement, HtmlOptionElement, HtmlSelectElement, HtmlTextAreaElement};

    enum Changed {
        Value(String),
        Checked(bool),
    }

    thread_local! {
        static REMEMBERED: RefCell<Vec<(Element, Changed)>> = const { RefCell::new(Vec::new()) };
    }

    pub fn remember() {
        let mut fields = Vec::new();
        // Only the server's page: once it has hydrated, the WASM renders
        // the pages it navigates to itself, and fields a person changed on
        // the page before (a row's checkbox) are the page's state already.
        let hydrated = document().body().is_some_and(|body| body.has_attribute("data-hydrated"));
        for tag in ["input", "textarea", "select"].into_iter().filter(|_| !hydrated) {
            let found = document().get_elements_by_tag_name(tag);
            for i in 0..found.length() {
                let Some(field) = found.item(i) else { continue };
                if let Some(changed) = changed(&field) {
                    fields.push((field, changed));
                }
            }
        }
        REMEMBERED.with(|remembered| *remembered.borrow_mut() = fields);
    }

    /// What the person made of `field`, if it is not what the server sent.
    fn changed(field: &Element) -> Option<Changed> {
        if let Some(input) = field.dyn_ref::<HtmlInputElement>() {
            return match input.type_().as_str() {
                "checkbox" | "radio" => (input.checked() != input.default_checked()).then(|| Changed::Checked(input.checked())),
                _ => (input.value() != input.default_value()).then(|| Changed::Value(input.value())),
            };
        }
        if let Some(text) = field.dyn_ref::<HtmlTextAreaElement>() {
            return (Ok(text.value()) != text.default_value()).then(|| Changed::Value(text.value()));
        }
        let select = field.dyn_ref::<HtmlSelectElement>()?;
        // The server's choice: the option marked selected, else the first.
        let sent = field.query_selector("option[selected]").ok().flatten().or_else(|| field.query_selector("option").ok().flatten());
        let sent = sent.and_then(|option| option.dyn_into::<HtmlOptionElement>().ok()).map(|option| option.value());
        (sent.as_deref() != Some(select.value().as_str())).then(|| Changed::Value(select.value()))
    }

    pub fn give_back() {
        let fields = REMEMBERED.with(|remembered| std::mem::take(&mut *remembered.borrow_mut()));
        for (field, changed) in fields {
            if !field.is_connected() {
                continue;
            }
            // Hydrating may have reset the field; either way the page's
            // state has not seen the change yet (a select, say, keeps what
            // was picked but its signal holds the default): the events tell it.
            match (&changed, field.dyn_ref::<HtmlInputElement>()) {
                (Changed::Checked(checked), Some(input)) => input.set_checked(*checked),
                (Changed::Value(value), Some(input)) => input.set_value(value),
                (Changed::Value(value), None) => set_value(&field, value),
                (Changed::Checked(_), None) => continue,
            }
            for kind in ["input", "change"] {
                let init = EventInit::new();
                init.set_bubbles(true);
                if let Ok(event) = Event::new_with_event_init_dict(kind, &init) {
                    let _ = field.dispatch_event(&event);
                }
            }
        }
    }

    fn set_value(field: &Element, value: &str) {
        if let Some(text) = field.dyn_ref::<HtmlTextAreaElement>() {
            text.set_value(value);
        } else if let Some(select) = field.dyn_ref::<HtmlSelectElement>() {
            select.set_value(value);
        }
    }
}
