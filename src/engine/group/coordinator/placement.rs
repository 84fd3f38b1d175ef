//! Where a group's coordinator lives: the leader of partition
//! `Utils.abs(groupId.hashCode()) % partitions` of `__consumer_offsets`
//! (`GroupCoordinatorService.partitionFor`), with Java's `String.hashCode` over UTF-16
//! code units and `Utils.abs` mapping `Integer.MIN_VALUE` to 0.

pub use crate::engine::text::{java_string_hash_code, utils_abs};

/// Kafka's internal topic of committed offsets and group metadata.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// The `__consumer_offsets` partition of `group_id` among `partitions` (≥ 1).
pub fn partition_for(group_id: &str, partitions: u32) -> u32 {
    (utils_abs(java_string_hash_code(group_id)) as u32) % partitions.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hash_codes() {
        // Values Java prints for "…".hashCode().
        assert_eq!(java_string_hash_code(""), 0);
        assert_eq!(java_string_hash_code("a"), 97);
        assert_eq!(java_string_hash_code("abc"), 96354);
        assert_eq!(java_string_hash_code("hello"), 99162322);
        assert_eq!(java_string_hash_code("Aa"), java_string_hash_code("BB"), "Java's classic collision");
        // Overflowing: "polygenelubricants".hashCode() == Integer.MIN_VALUE.
        assert_eq!(java_string_hash_code("polygenelubricants"), i32::MIN);
        // Non-ASCII counts UTF-16 units: "é" is 0xE9, "😀" is two surrogates.
        assert_eq!(java_string_hash_code("é"), 0xE9);
        assert_eq!(java_string_hash_code("😀"), 0xD83D * 31 + 0xDE00);
    }

    #[test]
    fn utils_abs_maps_min_value_to_zero() {
        assert_eq!(utils_abs(-5), 5);
        assert_eq!(utils_abs(i32::MIN), 0);
        assert_eq!(utils_abs(i32::MAX), i32::MAX);
    }

    #[test]
    fn partitions_for_groups() {
        assert_eq!(partition_for("polygenelubricants", 50), 0, "MIN_VALUE hash → Utils.abs → 0");
        // "hello": 99162322 % 50 = 22.
        assert_eq!(partition_for("hello", 50), 22);
        // A negative hash: "my-group".hashCode() == -1906497762.
        assert_eq!(java_string_hash_code("my-group"), -1_906_497_762);
        assert_eq!(partition_for("my-group", 50), 12);
        assert_eq!(java_string_hash_code("billing"), -109_829_509);
        assert_eq!(partition_for("billing", 50), 9);
        assert_eq!(partition_for("anything", 1), 0);
    }
}
