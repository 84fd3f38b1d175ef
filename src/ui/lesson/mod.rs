//! The lesson a learner follows (`?lesson=NAME`): [`files`] lists and loads the lesson
//! files (static files next to the page, fetched when opened), [`panel`] shows the step,
//! its task and next / back / again, and highlights what the step looks at.

pub mod files;
pub mod panel;
