//! What the page shows of a lesson: its texts, what each step points at and its task's
//! words, without the acts the run carries out (those stay with the run, in its worker).
//! The lesson panel and the embed API's lesson events read it.

use super::{Lesson, LookAt, Texts};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonOutline {
    pub name: String,
    pub section: u32,
    pub title: Texts,
    pub scenario: String,
    pub steps: Vec<StepOutline>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepOutline {
    pub text: Texts,
    pub look: Vec<LookAt>,
    /// The task's words, if the step has a task.
    pub task: Option<Texts>,
}

impl From<&Lesson> for LessonOutline {
    fn from(l: &Lesson) -> Self {
        LessonOutline {
            name: l.name.clone(),
            section: l.section,
            title: l.title.clone(),
            scenario: l.scenario.clone(),
            steps: l
                .steps
                .iter()
                .map(|s| StepOutline {
                    text: s.text.clone(),
                    look: s.look.clone(),
                    task: s.task.as_ref().map(|t| t.text.clone()),
                })
                .collect(),
        }
    }
}
