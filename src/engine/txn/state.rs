//! The transaction coordinator's states (`kafka.coordinator.transaction.TransactionState`,
//! core `TransactionMetadata.scala`): their ids as stored in `__transaction_state`
//! (`TransactionStatus`, int8), their names as `DescribeTransactions` reports them, and
//! `validPreviousStates`, the one table every transition is checked against.
//! Also `TransactionVersion` (server-common), the feature that picks the log value's
//! version and whether EndTxn bumps the epoch (KIP-890).

use super::error::{TxnError, TxnResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TransactionState {
    /// No transaction yet (or the last one finished and InitProducerId came).
    Empty,
    /// Partitions have been added: records may be in flight.
    Ongoing,
    /// EndTxn(commit) written: markers being sent.
    PrepareCommit,
    /// EndTxn(abort) or a timeout written: markers being sent.
    PrepareAbort,
    CompleteCommit,
    CompleteAbort,
    /// The transactional id expired and is being removed (a tombstone follows).
    Dead,
    /// The epoch is being bumped to fence an older producer before an abort.
    PrepareEpochFence,
}

use TransactionState::*;

impl TransactionState {
    /// `TransactionState.AllStates`, in id order.
    pub const ALL: [TransactionState; 8] =
        [Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, Dead, PrepareEpochFence];

    /// The id written as `TransactionStatus`.
    pub fn id(self) -> i8 {
        match self {
            Empty => 0,
            Ongoing => 1,
            PrepareCommit => 2,
            PrepareAbort => 3,
            CompleteCommit => 4,
            CompleteAbort => 5,
            Dead => 6,
            PrepareEpochFence => 7,
        }
    }

    /// `TransactionState.fromId`.
    pub fn from_id(id: i8) -> TxnResult<Self> {
        Self::ALL.get(id as usize).copied().filter(|_| id >= 0).ok_or_else(|| {
            TxnError::IllegalState(format!(
                "Unknown transaction state id {id} from the transaction status message"
            ))
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Empty => "Empty",
            Ongoing => "Ongoing",
            PrepareCommit => "PrepareCommit",
            PrepareAbort => "PrepareAbort",
            CompleteCommit => "CompleteCommit",
            CompleteAbort => "CompleteAbort",
            Dead => "Dead",
            PrepareEpochFence => "PrepareEpochFence",
        }
    }

    /// `TransactionState.fromName`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The states a transition into `self` may start from.
    pub fn valid_previous_states(self) -> &'static [TransactionState] {
        match self {
            Empty => &[Empty, CompleteCommit, CompleteAbort],
            Ongoing => &[Ongoing, Empty, CompleteCommit, CompleteAbort],
            PrepareCommit => &[Ongoing],
            PrepareAbort => &[Ongoing, PrepareEpochFence],
            CompleteCommit => &[PrepareCommit],
            CompleteAbort => &[PrepareAbort],
            Dead => &[Empty, CompleteAbort, CompleteCommit],
            PrepareEpochFence => &[Ongoing],
        }
    }

    /// `isExpirationAllowed`: the transactional id may expire in this state.
    pub fn is_expiration_allowed(self) -> bool {
        matches!(self, Empty | CompleteCommit | CompleteAbort)
    }
}

impl std::fmt::Display for TransactionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `TransactionVersion` (the `transaction.version` feature): TV_0 original, TV_1
/// flexible `__transaction_state` values, TV_2 an epoch bump on every EndTxn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TransactionVersion {
    Tv0,
    Tv1,
    Tv2,
}

impl TransactionVersion {
    pub fn feature_level(self) -> i16 {
        match self {
            TransactionVersion::Tv0 => 0,
            TransactionVersion::Tv1 => 1,
            TransactionVersion::Tv2 => 2,
        }
    }

    /// `TransactionVersion.fromFeatureLevel` (`Features.fromFeatureLevel`'s error).
    pub fn from_feature_level(level: i16) -> TxnResult<Self> {
        match level {
            0 => Ok(TransactionVersion::Tv0),
            1 => Ok(TransactionVersion::Tv1),
            2 => Ok(TransactionVersion::Tv2),
            _ => Err(TxnError::IllegalArgument(format!(
                "No feature:transaction.version with feature level {level}"
            ))),
        }
    }

    /// `transactionLogValueVersion`: 1 (flexible) from TV_1 on.
    pub fn transaction_log_value_version(self) -> i16 {
        if self.feature_level() >= 1 {
            1
        } else {
            0
        }
    }

    /// `supportsEpochBump`: TV_2 bumps the epoch on commit and abort.
    pub fn supports_epoch_bump(self) -> bool {
        self.feature_level() >= 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TransactionMetadataTest.testTransactionStateIdAndNameMapping`, with the ids and
    /// names of `TransactionMetadata.scala` written out as the independent source.
    #[test]
    fn ids_and_names_map_both_ways() {
        let expected = [
            (0, "Empty"),
            (1, "Ongoing"),
            (2, "PrepareCommit"),
            (3, "PrepareAbort"),
            (4, "CompleteCommit"),
            (5, "CompleteAbort"),
            (6, "Dead"),
            (7, "PrepareEpochFence"),
        ];
        for (state, (id, name)) in TransactionState::ALL.into_iter().zip(expected) {
            assert_eq!(state.id(), id);
            assert_eq!(state.name(), name);
            assert_eq!(TransactionState::from_id(id), Ok(state));
            assert_eq!(TransactionState::from_name(name), Some(state));
        }
        for bad in [8i8, -1, i8::MAX, i8::MIN] {
            let e = TransactionState::from_id(bad).unwrap_err();
            assert!(e.to_string().contains(&format!("Unknown transaction state id {bad}")), "{e}");
        }
        assert_eq!(TransactionState::from_name("Bogus"), None);
    }

    #[test]
    fn valid_previous_states_are_kafkas() {
        use TransactionState::*;
        let can = |from: TransactionState, to: TransactionState| to.valid_previous_states().contains(&from);
        assert!(can(PrepareEpochFence, PrepareAbort));
        assert!(!can(PrepareEpochFence, PrepareCommit));
        assert!(!can(Empty, PrepareCommit));
        assert!(can(CompleteAbort, Ongoing));
        assert!(!can(Ongoing, Dead));
        assert!(!can(PrepareCommit, Empty));
        // Nothing leads into Empty from a prepare state, nor out of Dead.
        for to in TransactionState::ALL {
            assert!(!can(Dead, to));
        }
        assert_eq!(
            TransactionState::ALL.iter().filter(|s| s.is_expiration_allowed()).collect::<Vec<_>>(),
            [&Empty, &CompleteCommit, &CompleteAbort]
        );
    }

    #[test]
    fn transaction_versions() {
        assert_eq!(TransactionVersion::Tv0.transaction_log_value_version(), 0);
        assert_eq!(TransactionVersion::Tv1.transaction_log_value_version(), 1);
        assert_eq!(TransactionVersion::Tv2.transaction_log_value_version(), 1);
        assert!(!TransactionVersion::Tv1.supports_epoch_bump());
        assert!(TransactionVersion::Tv2.supports_epoch_bump());
        assert_eq!(
            TransactionVersion::from_feature_level(3),
            Err(TxnError::IllegalArgument("No feature:transaction.version with feature level 3".into()))
        );
    }
}
