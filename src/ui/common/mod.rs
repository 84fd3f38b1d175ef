//! Pieces every band uses: form fields, number formats, downloads.

pub mod download;
pub mod form;
pub mod format;
