//! [`TopicName`]: a topic's name held once per thread and shared. Every name is interned
//! (one allocation per distinct name, kept for the thread's life: a cluster has few
//! topics), so cloning a name copies a pointer and two equal names are almost always the
//! same pointer, which compares without reading the text. Orders, hashes, prints and
//! serializes exactly as the `String` it replaces, so maps keyed by it iterate as before.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::rc::Rc;

thread_local! {
    /// Every name made on this thread, by text.
    static NAMES: RefCell<BTreeSet<Rc<str>>> = const { RefCell::new(BTreeSet::new()) };
}

#[derive(Clone)]
pub struct TopicName(Rc<str>);

impl TopicName {
    /// The shared name with this text (made on first use).
    pub fn new(text: &str) -> Self {
        NAMES.with(|names| {
            let mut names = names.borrow_mut();
            if let Some(name) = names.get(text) {
                return TopicName(Rc::clone(name));
            }
            let name: Rc<str> = Rc::from(text);
            names.insert(Rc::clone(&name));
            TopicName(name)
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for TopicName {
    fn default() -> Self {
        TopicName::new("")
    }
}

impl Deref for TopicName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for TopicName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for TopicName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for TopicName {
    fn from(text: &str) -> Self {
        TopicName::new(text)
    }
}

impl From<&String> for TopicName {
    fn from(text: &String) -> Self {
        TopicName::new(text)
    }
}

impl From<String> for TopicName {
    fn from(text: String) -> Self {
        TopicName::new(&text)
    }
}

impl From<&TopicName> for TopicName {
    fn from(name: &TopicName) -> Self {
        name.clone()
    }
}

impl From<TopicName> for String {
    fn from(name: TopicName) -> Self {
        name.0.to_string()
    }
}

impl PartialEq for TopicName {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Eq for TopicName {}

impl PartialOrd for TopicName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TopicName {
    fn cmp(&self, other: &Self) -> Ordering {
        if Rc::ptr_eq(&self.0, &other.0) {
            Ordering::Equal
        } else {
            self.0.cmp(&other.0)
        }
    }
}

impl Hash for TopicName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

impl PartialEq<str> for TopicName {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for TopicName {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for TopicName {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<TopicName> for str {
    fn eq(&self, other: &TopicName) -> bool {
        *self == *other.0
    }
}

impl PartialEq<TopicName> for &str {
    fn eq(&self, other: &TopicName) -> bool {
        **self == *other.0
    }
}

impl PartialEq<TopicName> for String {
    fn eq(&self, other: &TopicName) -> bool {
        **self == *other.0
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl fmt::Debug for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for TopicName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TopicName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(TopicName::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_equal_names_and_reads_as_a_string() {
        let a = TopicName::new("orders");
        let b = TopicName::from(String::from("orders"));
        assert!(Rc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, b);
        assert_eq!(a, "orders");
        assert_eq!(format!("{a} {a:?}"), format!("{} {:?}", "orders", "orders"));
        assert_eq!(TopicName::new("a").cmp(&TopicName::new("b")), "a".cmp("b"));
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"orders\"");
        let back: TopicName = serde_json::from_str("\"orders\"").unwrap();
        assert!(Rc::ptr_eq(&back.0, &a.0));
    }
}
