//! Partitioners: key -> partition, bit-exact with Kafka's Java client and librdkafka.
