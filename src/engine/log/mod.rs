//! Partition logs: segments, indexes, roll, retention, fetch and recovery.
