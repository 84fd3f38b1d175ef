//! A Rust panic must never leave a blank page: the hook logs it and writes a visible,
//! translated message into `#fatal`, an element outside the Yew tree.

use crate::ui::i18n::{Lang, T};

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("kafka-playground panicked: {info}").into());
        let text = T::Fatal.get(Lang::load());
        if let Some(el) =
            web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("fatal"))
        {
            el.set_text_content(Some(&format!("{text} ({info})")));
            let _ = el.set_attribute("data-shown", "true");
        }
    }));
}
