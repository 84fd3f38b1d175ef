//! The group coordinator's broker configs, with Kafka's names and defaults
//! (`GroupCoordinatorConfig`): `offsets.topic.num.partitions` 50,
//! `offsets.topic.replication.factor` 3, `offsets.topic.segment.bytes` 104857600,
//! `offsets.commit.timeout.ms` 5000, `group.initial.rebalance.delay.ms` 3000,
//! `group.min.session.timeout.ms` 6000, `group.max.session.timeout.ms` 1800000,
//! `group.max.size` 2147483647; and the fixed 5-minute JoinGroup timeout of new members.
//! Invariant: a value set through [`GroupCoordinatorConfig::set`] is one Kafka accepts.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCoordinatorConfig {
    pub offsets_topic_num_partitions: u32,
    pub offsets_topic_replication_factor: u32,
    pub offsets_topic_segment_bytes: u32,
    pub offsets_commit_timeout_ms: i64,
    pub group_initial_rebalance_delay_ms: i64,
    pub group_min_session_timeout_ms: i64,
    pub group_max_session_timeout_ms: i64,
    pub group_max_size: u32,
    /// `CLASSIC_GROUP_NEW_MEMBER_JOIN_TIMEOUT_MS` (not configurable in Kafka).
    pub new_member_join_timeout_ms: i64,
}

impl Default for GroupCoordinatorConfig {
    fn default() -> Self {
        GroupCoordinatorConfig {
            offsets_topic_num_partitions: 50,
            offsets_topic_replication_factor: 3,
            offsets_topic_segment_bytes: 104_857_600,
            offsets_commit_timeout_ms: 5_000,
            group_initial_rebalance_delay_ms: 3_000,
            group_min_session_timeout_ms: 6_000,
            group_max_session_timeout_ms: 1_800_000,
            group_max_size: i32::MAX as u32,
            new_member_join_timeout_ms: 300_000,
        }
    }
}

/// The config names this module owns.
pub const GROUP_COORDINATOR_CONFIG_NAMES: [&str; 8] = [
    "offsets.topic.num.partitions",
    "offsets.topic.replication.factor",
    "offsets.topic.segment.bytes",
    "offsets.commit.timeout.ms",
    "group.initial.rebalance.delay.ms",
    "group.min.session.timeout.ms",
    "group.max.session.timeout.ms",
    "group.max.size",
];

impl GroupCoordinatorConfig {
    /// Sets one config by Kafka name: `Ok(false)` when the name is not a group config,
    /// `Err` with the reason when the value is refused.
    pub fn set(&mut self, name: &str, value: &str) -> Result<bool, String> {
        if !GROUP_COORDINATOR_CONFIG_NAMES.contains(&name) {
            return Ok(false);
        }
        let number = value.trim().parse::<i64>().map_err(|_| format!("{name}: '{value}' is not a number"))?;
        let min = match name {
            "group.initial.rebalance.delay.ms" => 0,
            "offsets.topic.segment.bytes" => 14,
            _ => 1,
        };
        if number < min || number > i64::from(i32::MAX) {
            return Err(format!("{name}: {number} must be between {min} and {}", i32::MAX));
        }
        match name {
            "offsets.topic.num.partitions" => self.offsets_topic_num_partitions = number as u32,
            "offsets.topic.replication.factor" => self.offsets_topic_replication_factor = number as u32,
            "offsets.topic.segment.bytes" => self.offsets_topic_segment_bytes = number as u32,
            "offsets.commit.timeout.ms" => self.offsets_commit_timeout_ms = number,
            "group.initial.rebalance.delay.ms" => self.group_initial_rebalance_delay_ms = number,
            "group.min.session.timeout.ms" => self.group_min_session_timeout_ms = number,
            "group.max.session.timeout.ms" => self.group_max_session_timeout_ms = number,
            _ => self.group_max_size = number as u32,
        }
        if self.group_min_session_timeout_ms > self.group_max_session_timeout_ms {
            return Err(format!(
                "group.min.session.timeout.ms ({}) is above group.max.session.timeout.ms ({})",
                self.group_min_session_timeout_ms, self.group_max_session_timeout_ms
            ));
        }
        Ok(true)
    }
}
