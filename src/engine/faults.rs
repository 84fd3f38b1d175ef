//! Switches that break the engine on purpose, so tests can show each invariant checker
//! fires when the engine is wrong (`tests/checkers_bite.rs`, TESTING.md "Checkers that
//! bite"). Each [`Fault`] names one exact spot where a switch, when on, replaces Kafka's
//! rule with a known bug; the hook there reads `if faults::on(Fault::X) { … }`.
//!
//! Inert unless the cargo feature `break-engine` is on (off by default): without it
//! [`on`] is a constant `false` the compiler removes with its branch, there is no state
//! and nothing can turn a switch on ([`inject`] does not exist). The feature refuses to
//! build for wasm32 or without debug assertions (a release build), so a page or a
//! release binary can never carry it. With it, the switches are thread-local (each test
//! thread runs its own simulation) and [`inject`] turns one on until its guard drops.
//! The invariant they break: none while no switch is on.
#[cfg(all(feature = "break-engine", any(target_arch = "wasm32", not(debug_assertions))))]
compile_error!("the `break-engine` feature breaks the engine on purpose: tests only (native debug builds)");

/// One deliberate bug, by the spot it lives at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The leader's HW goes to its own LEO, ignoring the (maximal) ISR's LEOs
    /// (`Partition::maybe_increment_high_watermark`; Kafka's `maybeIncrementLeaderHW`).
    LeaderHwIgnoresIsr,
    /// The leader's HW follows the smallest LEO it waits for down as well as up, so it
    /// goes back when a lagging replica counts again (`maybe_increment_high_watermark`;
    /// Kafka's `maybeIncrementLeaderHW` only ever moves it forward).
    LeaderHwMovesBack,
    /// DeleteRecords moves the leader's log start past its HW, up to its LEO
    /// (`delete_records_on_leader`; Kafka's `Partition.deleteRecordsOnLeader` answers
    /// `OFFSET_OUT_OF_RANGE` beyond the HW).
    DeleteRecordsPastHw,
    /// A follower takes the leader's HW without bounding it by its own LEO
    /// (`process_fetched`; Kafka's `UnifiedLog.updateHighWatermark` clamps it).
    FollowerHwPastLeo,
    /// A follower ignores the leader's `DivergingEpoch` and keeps its divergent tail
    /// (`process_fetched`; Kafka's `AbstractFetcherThread.truncateOnFetchResponse`).
    SkipFollowerTruncation,
    /// A clean election picks a live replica outside the ISR, if any
    /// (`election::clean_leader`; Kafka's `PartitionChangeBuilder.electLeader`).
    ElectOutsideIsr,
    /// A restarting broker forgets its log-start-offset checkpoint: the log starts at its
    /// first segment's base offset again (`recover`; Kafka's `LogManager.loadLogs` reads
    /// `log-start-offset-checkpoint`).
    ForgetLogStartCheckpoint,
    /// The coordinator stores the first member's assignment for every member of the
    /// group, so each partition has as many owners as members (`SyncGroup`; Kafka's
    /// `classicGroupSync` stores each member's own).
    SameAssignmentForAll,
    /// The leader appends a batch its idempotent producer already wrote, and checks no
    /// sequence (`analyze_and_validate_producer_state`; Kafka's
    /// `UnifiedLog.analyzeAndValidateProducerState` answers it with the original offsets).
    SkipDuplicateDetection,
    /// A read_committed consumer delivers the batches of aborted transactions as well
    /// (`take_fetched`; Kafka's `CompletedFetch.nextFetchedRecord` skips a batch whose
    /// producer is in the fetch's aborted transactions once it reaches their first offset).
    DeliverAbortedBatches,
    /// The leader answers a read_committed fetch up to its HW, past the last stable offset
    /// (`read_partition`; Kafka's `UnifiedLog.read` stops at the LSO for
    /// `FetchIsolation.TXN_COMMITTED`).
    ReadCommittedPastLso,
    /// A consume-transform-produce pipeline also commits its positions with the
    /// consumer's own commitSync() as soon as a poll returns, outside its transaction
    /// (`pipeline::app`; Kafka's `sendOffsetsToTransaction` docs: the offsets go only
    /// through the transaction, with `enable.auto.commit=false`).
    PipelineCommitsOutsideTransaction,
}

/// Whether `fault` is switched on (always `false` without the `break-engine` feature).
#[cfg(not(feature = "break-engine"))]
#[inline(always)]
pub(crate) const fn on(_fault: Fault) -> bool {
    false
}

/// Whether `fault` is switched on in this thread.
#[cfg(feature = "break-engine")]
pub(crate) fn on(fault: Fault) -> bool {
    ON.with(|on| on.get() & bit(fault) != 0)
}

#[cfg(feature = "break-engine")]
thread_local! {
    static ON: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

#[cfg(feature = "break-engine")]
fn bit(fault: Fault) -> u32 {
    1 << fault as u32
}

/// Turns `fault` on in this thread until the guard drops.
#[cfg(feature = "break-engine")]
#[must_use = "the fault is off again when the guard drops"]
pub fn inject(fault: Fault) -> Injected {
    ON.with(|on| on.set(on.get() | bit(fault)));
    Injected(fault)
}

/// Keeps a fault on; dropping it turns the fault off.
#[cfg(feature = "break-engine")]
pub struct Injected(Fault);

#[cfg(feature = "break-engine")]
impl Drop for Injected {
    fn drop(&mut self) {
        ON.with(|on| on.set(on.get() & !bit(self.0)));
    }
}
