//! The run worker sends a long journal to the page in parts
//! (`web::run_worker::part_end`): parts joined give the text back, none is longer than
//! asked, and none ends between the two halves of a surrogate pair (which would turn
//! each half into U+FFFD when the part becomes a Rust string).
#![cfg(target_arch = "wasm32")]

use kafka_playground::web::run_worker::part_end;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn parts(text: &str, most: u32) -> Vec<String> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let len = units.len() as u32;
    let mut out = Vec::new();
    let mut from = 0;
    while from < len {
        let to = part_end(from, len, most, |i| units[i as usize]);
        assert!(to > from && to - from <= most.max(2), "{from}..{to}");
        out.push(String::from_utf16(&units[from as usize..to as usize]).expect("a part is whole UTF-16"));
        from = to;
    }
    out
}

#[wasm_bindgen_test]
fn parts_join_to_the_text_and_never_split_a_pair() {
    // "𝄞" (U+1D11E) and "😀" are surrogate pairs; Cyrillic and ASCII are one unit each.
    let text = "a𝄞bв😀😀c".repeat(37);
    for most in [2, 3, 4, 5, 7, 64, 1 << 20] {
        assert_eq!(parts(&text, most).concat(), text, "parts of at most {most}");
    }
    assert!(parts("", 4).is_empty());
}
