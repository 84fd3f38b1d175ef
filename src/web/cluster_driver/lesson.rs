//! The lesson a run follows (`?lesson=NAME`), on the driver's side: showing a step runs
//! its acts at the current virtual time (`schedule_lesson_step`) and arms its task's
//! [`TaskWatch`], which reads what the run shows — the timeline's events and the
//! journal's crashes and restarts — before the picture marks them read (so nothing is
//! spilled unseen). A step's task watches from the
//! moment the step before it was shown, or from when that step's task completed: a
//! consequence of the learner's action (the election after a crash) is not missed while
//! the learner reads. The step shown is saved with the run, so a reload goes on there.

use super::Inner;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{NodeId, CONTROLLER_ID};
use crate::sim::lesson::watch::{feed_steps, in_time_order, TaskWatch};
use crate::sim::lesson::{Lesson, LessonProgress};
use crate::sim::scenario::Scenario;
use crate::sim::timeline::apply::schedule_lesson_step;
use crate::sim::Sim;
use crate::web::cluster_picture::Picture;

pub(super) struct LessonRun {
    pub(super) lesson: Lesson,
    pub(super) step: usize,
    watch: Option<TaskWatch>,
    task_done: bool,
    /// The watch of the next step, armed when this one's task completed (or when this
    /// one, having no task, was shown).
    next: Option<TaskWatch>,
    /// Timeline events and journal entries read so far.
    seen: (usize, usize),
}

impl LessonRun {
    pub(super) fn new(lesson: Lesson) -> Self {
        LessonRun { lesson, step: 0, watch: None, task_done: false, next: None, seen: (0, 0) }
    }

    pub(super) fn progress(&self) -> LessonProgress {
        LessonProgress { step: self.step, task_done: self.task_done || self.watch.is_none() }
    }
}

/// The partition's leader as the brokers last drew it.
fn drawn_leader(picture: &Picture, tp: &TopicPartition) -> Option<NodeId> {
    picture
        .replicas
        .values()
        .flatten()
        .find(|r| r.topic == tp.topic.as_str() && r.partition == tp.partition && r.role == "leader")
        .and_then(|r| r.leader)
}

/// The partition's leader in the controller's metadata image (what the partition's label
/// shows): a step armed before the brokers drew their replicas still knows it.
fn metadata_leader(sim: &Sim, tp: &TopicPartition) -> Option<NodeId> {
    let controller = sim.live_node(CONTROLLER_ID).and_then(|n| n.view().controller())?;
    let topic = controller.image().topics.get(tp.topic.as_str())?;
    topic.partitions.get(usize::try_from(tp.partition).ok()?)?.leader
}

/// A watch of step `step`'s task, from now; none if it has no task.
fn watch_for(
    (scenario, sim, picture): (&Scenario, &Sim, &Picture),
    lesson: &Lesson,
    step: usize,
) -> Result<Option<TaskWatch>, String> {
    let Some(task) = lesson.steps.get(step).and_then(|s| s.task.as_ref()) else { return Ok(None) };
    let leader = TaskWatch::leader_needed(&task.done_when)
        .and_then(|tp| drawn_leader(picture, &tp).or_else(|| metadata_leader(sim, &tp)));
    TaskWatch::new(scenario, &task.done_when, leader).map(Some)
}

impl Inner {
    /// A run that begins (afresh, after a reset, or resumed after a reload) shows the
    /// lesson's first step, running its acts, or the step it was at, arming its task
    /// again without repeating its acts.
    pub(super) fn lesson_begin(&mut self, resumed_step: Option<usize>) {
        let seen = (self.sim.timeline().len(), self.sim.journal_len());
        let Some(run) = &mut self.lesson else { return };
        run.seen = seen;
        run.next = None;
        match resumed_step.filter(|s| *s < run.lesson.steps.len()) {
            None => {
                run.step = 0;
                self.lesson_go(0);
            }
            Some(step) => {
                let watch = watch_for((&self.scenario, &self.sim, &self.picture), &run.lesson, step);
                run.step = step;
                run.task_done = false;
                match watch {
                    Ok(w) => run.watch = w,
                    Err(e) => self.fail(format!("lesson step {step}: {e}")),
                }
            }
        }
    }

    /// Shows step `step` (next, back, or the same again): runs its acts now and arms its task.
    pub(super) fn lesson_go(&mut self, step: usize) {
        let Some(run) = &self.lesson else { return };
        if step >= run.lesson.steps.len() {
            return;
        }
        let pre_armed = (step == run.step + 1).then(|| run.next.clone()).flatten();
        let watch = match pre_armed {
            Some(w) => Ok(Some(w)),
            None => watch_for((&self.scenario, &self.sim, &self.picture), &run.lesson, step),
        };
        let watch = match watch {
            Ok(w) => w,
            Err(e) => return self.fail(format!("lesson step {step}: {e}")),
        };
        if let Err(e) = schedule_lesson_step(&mut self.sim, &self.scenario, &run.lesson, step) {
            return self.fail(e);
        }
        let next = match (&watch, &self.lesson) {
            (None, Some(run)) => {
                watch_for((&self.scenario, &self.sim, &self.picture), &run.lesson, step + 1).ok().flatten()
            }
            _ => None,
        };
        if let Some(run) = &mut self.lesson {
            run.step = step;
            run.task_done = false;
            run.watch = watch;
            run.next = next;
        }
        self.save_run(true);
    }

    /// Feeds the task's watch (and the next step's, once armed) what the run showed
    /// since the last call, in time order; when the task completes, arms the next step's watch.
    pub(super) fn lesson_observe(&mut self) {
        let Some(mut run) = self.lesson.take() else { return };
        let (events, entries) = run.seen;
        let observed = in_time_order(
            self.sim.timeline().iter_from(events),
            self.sim.journal_parts().1.iter_from(entries),
        );
        let context = (&self.scenario, &self.sim, &self.picture);
        let (lesson, step) = (&run.lesson, run.step);
        feed_steps(&mut run.watch, &mut run.next, observed, || {
            watch_for(context, lesson, step + 1).ok().flatten()
        });
        run.task_done = run.watch.as_ref().is_some_and(TaskWatch::done);
        run.seen = (self.sim.timeline().len(), self.sim.journal_len());
        self.lesson = Some(run);
    }
}
