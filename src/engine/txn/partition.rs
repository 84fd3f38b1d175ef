//! Which `__transaction_state` partition owns a transactional id, as
//! `TransactionStateManager.partitionFor` computes it:
//! `Utils.abs(transactionalId.hashCode) % transactionTopicPartitionCount`.
//! Java's `String.hashCode` runs over UTF-16 code units (`s[0]*31^(n-1) + … + s[n-1]`,
//! wrapping int arithmetic), and `Utils.abs` maps `Integer.MIN_VALUE` to 0 where
//! `Math.abs` would keep it negative. Invariant: the result is in `0..partition_count`.

/// `transaction.state.log.num.partitions` default (`TransactionLogConfig`).
pub const TRANSACTION_STATE_LOG_NUM_PARTITIONS_DEFAULT: i32 = 50;

/// `java.lang.String.hashCode`.
pub fn java_string_hash_code(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// `org.apache.kafka.common.utils.Utils.abs`: `Integer.MIN_VALUE` → 0, else `|n|`.
pub fn utils_abs(n: i32) -> i32 {
    if n == i32::MIN {
        0
    } else {
        n.abs()
    }
}

/// `partitionFor(transactionalId)` for a topic of `partition_count` partitions (> 0).
pub fn partition_for(transactional_id: &str, partition_count: i32) -> i32 {
    utils_abs(java_string_hash_code(transactional_id)) % partition_count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (id, `id.hashCode()`, partition of 50) as a JVM printed them (`javac` on this
    /// machine: `s.hashCode()`, and `Utils.abs(h) % 50`). "polygenelubricants" hashes to
    /// Integer.MIN_VALUE: `Math.abs(h) % 50` is -48 there, `Utils.abs` gives partition 0.
    const JAVA: [(&str, i32, i32); 8] = [
        ("hello", 99162322, 22),
        ("abc", 96354, 4),
        ("polygenelubricants", i32::MIN, 0),
        ("日本", 835047, 47),
        // U+1F600 is the surrogate pair D83D DE00: Java hashes UTF-16 code units.
        ("😀", 1772899, 49),
        ("zzzzzzzz", -1910022912, 12),
        ("transactional-id-7", 1051133897, 47),
        ("é", 233, 33),
    ];

    #[test]
    fn ids_hash_and_partition_as_java_does() {
        for (id, hash, partition) in JAVA {
            assert_eq!(java_string_hash_code(id), hash, "{id}");
            assert_eq!(partition_for(id, TRANSACTION_STATE_LOG_NUM_PARTITIONS_DEFAULT), partition, "{id}");
        }
        assert_eq!(java_string_hash_code(""), 0);
        assert_eq!(utils_abs(i32::MIN), 0);
        assert_eq!(utils_abs(-7), 7);
        assert_eq!(partition_for("hello", 1), 0);
    }
}
