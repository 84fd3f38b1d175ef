//! Config values as the Java clients parse them, refused in `ConfigException`'s words
//! (`Invalid value {value} for configuration {name}: {why}`): whole numbers in a range,
//! booleans, and `bootstrap.servers` as broker ids. A refusal names the config, so a
//! scenario or the page can point at it.

use crate::engine::cluster::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A refused client config: the config's name and the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigError {
    pub name: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Java's `Integer.MAX_VALUE`, the upper bound of INT configs.
pub const INT_MAX: i64 = i32::MAX as i64;

/// `Invalid value {value} for configuration {name}: {why}`.
pub fn invalid(name: &str, value: &str, why: &str) -> ConfigError {
    ConfigError {
        name: name.to_string(),
        message: format!("Invalid value {value} for configuration {name}: {why}"),
    }
}

/// A whole number from `min` to `max`.
pub fn parse_range(name: &str, value: &str, min: i64, max: i64) -> Result<i64, ConfigError> {
    let v: i64 = value.trim().parse().map_err(|_| invalid(name, value, "Not a number of type INT/LONG"))?;
    if v < min {
        return Err(invalid(name, value, &format!("Value must be at least {min}")));
    }
    if v > max {
        return Err(invalid(name, value, &format!("Value must be no more than {max}")));
    }
    Ok(v)
}

/// `true` or `false`.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid(name, value, "Expected value to be either true or false")),
    }
}

/// `bootstrap.servers`: at least one broker id, separated by commas (`"1,2,3"`).
pub fn parse_bootstrap(name: &str, value: &str) -> Result<Vec<NodeId>, ConfigError> {
    let bootstrap: Vec<NodeId> = value
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<NodeId>())
        .collect::<Result<_, _>>()
        .map_err(|_| invalid(name, value, "expected broker ids separated by commas"))?;
    if bootstrap.is_empty() {
        return Err(invalid(name, value, "at least one broker is needed"));
    }
    Ok(bootstrap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_use_config_exception_wording() {
        assert_eq!(parse_range("a.ms", " 7 ", 0, 10), Ok(7));
        assert_eq!(
            parse_range("a.ms", "11", 0, 10).unwrap_err().message,
            "Invalid value 11 for configuration a.ms: Value must be no more than 10"
        );
        assert_eq!(parse_range("a.ms", "x", 0, 10).unwrap_err().name, "a.ms");
        assert_eq!(parse_bool("b", "false"), Ok(false));
        assert!(parse_bool("b", "yes")
            .unwrap_err()
            .message
            .ends_with("Expected value to be either true or false"));
        assert_eq!(parse_bootstrap("bootstrap.servers", "1, 2,"), Ok(vec![1, 2]));
        assert!(parse_bootstrap("bootstrap.servers", ",").is_err());
        assert!(parse_bootstrap("bootstrap.servers", "one").is_err());
    }
}
