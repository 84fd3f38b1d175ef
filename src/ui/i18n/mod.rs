//! The page's languages (English, Russian), the one translation table ([`T`], in
//! `table.rs`) and numbers, units and plurals as each language writes them.
//! The chosen language is remembered in `localStorage` under `kafka-playground.lang`.

mod table;

use serde::{Deserialize, Serialize};
pub use table::T;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    En,
    Ru,
}

const LANG_STORAGE_KEY: &str = "kafka-playground.lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    /// The address's `?lang=en|ru` (a course page picks its own text's language), else
    /// the remembered choice, else the browser's language, else English.
    pub fn load() -> Lang {
        let window = web_sys::window();
        let stored = crate::ui::query_param("lang").filter(|l| l == "ru" || l == "en").or_else(|| {
            window
                .as_ref()
                .and_then(|w| w.local_storage().ok().flatten())
                .and_then(|s| s.get_item(LANG_STORAGE_KEY).ok().flatten())
        });
        match stored.as_deref() {
            Some("ru") => Lang::Ru,
            Some("en") => Lang::En,
            _ => {
                let nav = window.map(|w| w.navigator().language().unwrap_or_default()).unwrap_or_default();
                if nav.starts_with("ru") {
                    Lang::Ru
                } else {
                    Lang::En
                }
            }
        }
    }

    pub fn store(self) {
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item(LANG_STORAGE_KEY, self.code());
        }
    }
}

/// "record"/"records" for `n`, with Russian's three plural forms ("1 запись",
/// "3 записи", "5 записей").
pub fn records_word(lang: Lang, n: u64) -> &'static str {
    match lang {
        Lang::En if n == 1 => "record",
        Lang::En => "records",
        Lang::Ru => ru_plural(n, "запись", "записи", "записей"),
    }
}

/// Virtual milliseconds with thousands grouped as each language writes them: "4,997 ms",
/// "4 997 мс".
pub fn ms_text(l: Lang, ms: i64) -> String {
    format!("{} {}", grouped(l, ms), T::Ms.get(l))
}

/// Seconds with one decimal: "20.0 s", "20,0 с".
pub fn s_text(l: Lang, ms: i64) -> String {
    let text = format!("{:.1}", ms as f64 / 1000.0);
    let text = if l == Lang::Ru { text.replace('.', ",") } else { text };
    format!("{text} {}", T::Sec.get(l))
}

fn grouped(l: Lang, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let sep = if l == Lang::Ru { "\u{a0}" } else { "," };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The Russian plural form for `n`: `one` (1, 21, …), `few` (2–4, 22–24, …) or `many`
/// (0, 5–20, 25–30, … and 11–14): "1 запись", "3 записи", "5 записей".
pub fn ru_plural(n: u64, one: &'static str, few: &'static str, many: &'static str) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=14) => many,
        (1, _) => one,
        (2..=4, _) => few,
        _ => many,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_both_languages() {
        for t in T::ALL {
            assert!(!t.get(Lang::En).is_empty(), "{t:?} en");
            assert!(!t.get(Lang::Ru).is_empty(), "{t:?} ru");
        }
    }

    #[test]
    fn numbers_read_as_each_language_writes_them() {
        assert_eq!(ms_text(Lang::En, 4_997), "4,997 ms");
        assert_eq!(ms_text(Lang::Ru, 4_997), "4\u{a0}997 мс");
        assert_eq!(s_text(Lang::Ru, 20_012), "20,0 с");
        assert_eq!(ru_plural(3, "запись", "записи", "записей"), "записи");
        assert_eq!(ru_plural(11, "запись", "записи", "записей"), "записей");
        assert_eq!(ru_plural(21, "запись", "записи", "записей"), "запись");
    }
}
