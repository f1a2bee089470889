//! JSON objects that keep member order. `serde_json::Value` sorts members (the workspace
//! does not enable `preserve_order`, and enabling it would change other crates), but the
//! server writes `type` first, `id` first, and tests and eyes compare against that.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
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

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Replaces a member in place, or appends it.
    pub fn set(&mut self, key: &str, node: impl Into<Node>) {
        match self.get_mut(key) {
            Some(v) => *v = node.into(),
            None => {
                self.put(key, node);
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(i).1)
    }

    /// Inserts a member right after `after` (or at the end when there is no such member).
    pub fn insert_after(&mut self, after: &str, key: &str, node: impl Into<Node>) {
        let at = self.0.iter().position(|(k, _)| k == after).map_or(self.0.len(), |i| i + 1);
        self.0.insert(at, (key.to_string(), node.into()));
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

/// Reads JSON keeping member order (to rewrite an answer without reordering it).
impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Value(Value::from(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Value(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Value(Value::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Value(Value::from(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Value(Value::from(v)))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Value(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut members = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Node>()? {
            members.push((k, v));
        }
        Ok(Node::Object(Ordered(members)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_member_order() {
        let text = r#"{"z":1,"a":{"y":[true,null,"s",1.5,-2],"b":{}},"m":[]}"#;
        let node: Node = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&node).unwrap(), text);
    }

    #[test]
    fn edits() {
        let mut o = Ordered::new().with("a", 1u32).with("b", 2u32);
        o.set("a", "x");
        o.set("c", 3u32);
        o.insert_after("a", "a2", true);
        assert!(o.remove("b").is_some());
        assert!(o.remove("nope").is_none());
        assert_eq!(serde_json::to_string(&o).unwrap(), r#"{"a":"x","a2":true,"c":3}"#);
    }
}
