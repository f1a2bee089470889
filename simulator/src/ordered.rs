//! JSON objects that keep member order. `serde_json::Value` sorts members (the workspace
//! does not enable `preserve_order`, and enabling it would change other crates), but the
//! server writes `type` first, `id` first, and tests and eyes compare against that.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

/// A JSON node whose objects keep their order.
pub enum Node {
    Value(Value),
    Object(Ordered),
    Array(Vec<Node>),
}

/// An object with members in insertion order.
#[derive(Default)]
pub struct Ordered(pub Vec<(String, Node)>);

impl Ordered {
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Appends a member.
    pub fn put(&mut self, key: &str, node: impl Into<Node>) -> &mut Self {
        self.0.push((key.to_string(), node.into()));
        self
    }

    pub fn with(mut self, key: &str, node: impl Into<Node>) -> Self {
        self.put(key, node);
        self
    }
}

macro_rules! value_node {
    ($($t:ty),*) => {$(
        impl From<$t> for Node {
            fn from(v: $t) -> Self {
                Node::Value(Value::from(v))
            }
        }
    )*};
}

value_node!(&str, String, bool, u16, u32, u64, i32, i64, Vec<String>);

impl From<Value> for Node {
    fn from(v: Value) -> Self {
        Node::Value(v)
    }
}

impl From<Ordered> for Node {
    fn from(o: Ordered) -> Self {
        Node::Object(o)
    }
}

impl From<Vec<Ordered>> for Node {
    fn from(items: Vec<Ordered>) -> Self {
        Node::Array(items.into_iter().map(Node::Object).collect())
    }
}

/// A serialisable value as a node (falls back to `null` if it cannot be represented).
pub fn node_of<T: Serialize>(t: &T) -> Node {
    Node::Value(serde_json::to_value(t).unwrap_or(Value::Null))
}

impl Serialize for Ordered {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Value(v) => v.serialize(s),
            Node::Object(o) => o.serialize(s),
            Node::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
        }
    }
}
