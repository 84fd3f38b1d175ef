//! The browser driver: the broker worker, its host and the bridge to the page.
