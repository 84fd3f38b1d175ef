//! Strict order for a worker's requests: each is handled (possibly awaiting IndexedDB)
//! and answered before the next begins, whatever arrives meanwhile. The node worker
//! queues its requests through this.

use gloo_worker::{HandlerId, Worker, WorkerScope};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::rc::Rc;

/// The requests waiting, and whether a task is answering them.
struct Queue<I> {
    waiting: VecDeque<(HandlerId, I)>,
    running: bool,
}

pub struct Serial<W: Worker> {
    state: Rc<RefCell<Queue<W::Input>>>,
}

impl<W: Worker> Default for Serial<W> {
    fn default() -> Self {
        Serial { state: Rc::new(RefCell::new(Queue { waiting: VecDeque::new(), running: false })) }
    }
}

impl<W: Worker + 'static> Serial<W> {
    /// Queues `msg`; if nothing is running, starts answering the queue with `handle`.
    pub fn push<F, Fut>(&self, scope: &WorkerScope<W>, who: HandlerId, msg: W::Input, handle: F)
    where
        F: Fn(W::Input) -> Fut + 'static,
        Fut: Future<Output = W::Output> + 'static,
    {
        let start = {
            let mut s = self.state.borrow_mut();
            s.waiting.push_back((who, msg));
            !std::mem::replace(&mut s.running, true)
        };
        if !start {
            return;
        }
        let state = self.state.clone();
        let scope = scope.clone();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                let next = {
                    let mut s = state.borrow_mut();
                    let next = s.waiting.pop_front();
                    if next.is_none() {
                        s.running = false;
                    }
                    next
                };
                let Some((who, input)) = next else { return };
                let output = handle(input).await;
                scope.respond(who, output);
            }
        });
    }
}
