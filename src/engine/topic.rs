//! Topic names and topic configs, validated by Kafka's rules.
