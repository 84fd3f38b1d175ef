//! Saving bytes as files from the page (segment export): a Blob, an object URL and a
//! clicked `<a download>`, one per file; and a Blob made elsewhere (the cluster run's
//! journal, assembled from parts so it is never one string in wasm memory); a text file
//! (a scenario file).

use crate::engine::log::SegmentFiles;
use wasm_bindgen::JsCast;

fn save(name: &str, bytes: &[u8]) -> Option<()> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    save_blob(name, &blob)
}

fn save_blob(name: &str, blob: &web_sys::Blob) -> Option<()> {
    let url = web_sys::Url::create_object_url_with_blob(blob).ok()?;
    let document = web_sys::window()?.document()?;
    let a = document.create_element("a").ok()?.dyn_into::<web_sys::HtmlAnchorElement>().ok()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url).ok()
}

/// Downloads a segment's `.log`, `.index` and `.timeindex`, and its `.txnindex` when it
/// has one (Kafka creates that file at its first entry).
pub fn segment_files(files: &SegmentFiles) {
    let _ = save(&files.log_name, &files.log);
    let _ = save(&files.index_name, &files.index);
    let _ = save(&files.time_index_name, &files.time_index);
    if !files.txn_index.is_empty() {
        let _ = save(&files.txn_index_name, &files.txn_index);
    }
}

/// Downloads `text` as the UTF-8 file `name` (a scenario file).
pub fn text_file(name: &str, text: &str) {
    parts_file(name, &[text.to_string()]);
}

/// Downloads the text of `parts`, joined, as the UTF-8 JSON file `name` (the cluster
/// run's journal comes in parts from the run worker).
pub fn parts_file(name: &str, texts: &[String]) {
    let parts: js_sys::Array = texts.iter().map(|t| wasm_bindgen::JsValue::from_str(t)).collect();
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    if let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) {
        let _ = save_blob(name, &blob);
    }
}
