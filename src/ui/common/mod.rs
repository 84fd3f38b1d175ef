//! Pieces every band uses: form fields, number formats, downloads.

pub mod code;
pub mod download;
pub mod form;
pub mod format;
