//! The page never teaches a wrong word. "LSO" is Kafka's last stable offset (the end of
//! what `read_committed` consumers may read, set by open transactions); the log start
//! offset has no abbreviation and is written in words. The high watermark is exclusive:
//! the offset of the first record not yet on every in-sync replica (Kafka's
//! `Partition.maybeIncrementLeaderHW`; consumers read below it). The log end offset is
//! the offset the next record gets (`UnifiedLog.logEndOffset`).
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn ui_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(&root.join("src/ui"), &mut files);
    files_under(&root.join("www"), &mut files);
    // Lessons are the page's words too (shown in its lesson panel).
    files_under(&root.join("lessons"), &mut files);
    files.push(root.join("index.html"));
    files.sort();
    files
}

/// A line may say "LSO" only when it is about the last stable offset.
fn misuses_lso(line: &str) -> bool {
    let lower = line.to_lowercase();
    line.contains("LSO") && !["stable", "transact", "txn", "read_committed"].iter().any(|w| lower.contains(w))
}

#[test]
fn no_ui_text_calls_the_log_start_offset_lso() {
    let mut bad = Vec::new();
    for f in ui_files() {
        let Ok(text) = std::fs::read_to_string(&f) else { continue };
        for (n, line) in text.lines().enumerate() {
            if misuses_lso(line) {
                bad.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "\"LSO\" used for something other than the last stable offset:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_check_catches_a_log_start_marker_called_lso() {
    assert!(misuses_lso(r#"{format!("LSO {}", r.log_start_offset)}"#));
    assert!(!misuses_lso("LSO: the last stable offset, what read_committed consumers may read"));
}

/// The English and Russian texts of one key of the translation table.
fn texts(key: &str) -> (String, String) {
    let table =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui/i18n/table.rs")).unwrap();
    let line = table
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{key} =>")))
        .unwrap_or_else(|| panic!("{key} is in the table"));
    let quoted: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
    (quoted[0].to_string(), quoted[1].to_string())
}

#[test]
fn high_watermark_log_end_and_log_start_texts_say_what_kafka_means() {
    let (en, ru) = texts("HighWatermarkHelp");
    assert!(en.contains("first record not yet") && en.contains("below it"), "{en}");
    assert!(ru.contains("первой записи, которой ещё нет") && ru.contains("ниже"), "{ru}");
    let (en, ru) = texts("LogEndHelp");
    assert!(en.contains("the next record will get"), "{en}");
    assert!(ru.contains("получит следующая запись"), "{ru}");
    let (en, ru) = texts("LogStartShort");
    assert_eq!((en.as_str(), ru.as_str()), ("log start", "начало лога"));
}
