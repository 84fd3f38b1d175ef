//! The IndexedDB [`super::LogStore`] backend.
