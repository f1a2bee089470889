//! A small, strict JSON reader and writer (RFC 8259). Ours rather than serde_json's because the
//! component never needs numbers as floats, and serde's generic machinery plus float
//! formatting was about a sixth of the component's size. Strict where it matters for hostile
//! input: nesting depth is bounded, duplicate member names (compared ASCII-case-insensitively,
//! as the server reads them) are refused, and the input must be UTF-8.

use std::borrow::Cow;

/// A JSON value. Numbers keep their text; objects keep member order and original names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Deeper than any Altinn answer (they nest 4 levels); keeps recursion bounded.
pub const MAX_DEPTH: usize = 64;

impl Json {
    /// The member `name` (ASCII-case-insensitive), `None` when absent.
    pub fn member(&self, name: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| same_name(k, name)).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "a list",
            Json::Object(_) => "an object",
        }
    }

    /// Compact JSON text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => write_string(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (name, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(name, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

pub(crate) fn write_string(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let b = s.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let escape: &str = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // Every byte that needs an escape is ASCII, so `i` is a char boundary.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(c as usize) >> 4] as char);
            out.push(HEX[(c as usize) & 15] as char);
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Member names are compared as the server compares them: ASCII-case-insensitively. Inlined,
/// so that the length test (which rules out most names) costs no call; names are mostly
/// spelt exactly as looked up, so an exact compare comes first.
#[inline(always)]
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a == b || a.eq_ignore_ascii_case(b))
}

/// Parses one JSON document (surrounding white space allowed, nothing after it).
pub fn parse(bytes: &[u8]) -> Result<Json, String> {
    parse_borrowed(bytes).map(|v| v.to_json())
}

/// A parsed value that borrows from the input: member names and strings without escapes are
/// not copied, so reading a response allocates little more than the lists and objects.
#[derive(Debug)]
pub(crate) enum Value<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        }
    }

    /// Compact JSON text of a borrowed value (e.g. a member kept as JSON text).
    pub(crate) fn to_text(&self) -> String {
        self.to_json().to_text()
    }

    fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(n.to_string()),
            Value::String(s) => Json::String(s.to_string()),
            Value::Array(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Object(members) => Json::Object(members.iter().map(|(k, v)| (k.to_string(), v.to_json())).collect()),
        }
    }
}

/// `parse`, borrowing from `bytes`.
pub(crate) fn parse_borrowed(bytes: &[u8]) -> Result<Value<'_>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 (at byte {})", e.valid_up_to()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut p = Parser { b: text.as_bytes(), text, i: 0, members: Vec::new(), items: Vec::new() };
    p.ws();
    let value = p.value(0)?;
    p.ws();
    if p.i != p.b.len() {
        return Err(p.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    /// The members of the objects (and items of the lists) being read, innermost last: each is
    /// moved into a vector of exactly its size when it ends, instead of growing one per value.
    members: Vec<(Cow<'a, str>, Value<'a>)>,
    items: Vec<Value<'a>>,
}

impl<'a> Parser<'a> {
    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.i)
    }

    #[inline(always)]
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, String> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(value)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, String> {
        if depth >= MAX_DEPTH {
            return Err(self.error(&format!("nested deeper than {MAX_DEPTH} levels")));
        }
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>, String> {
        self.i += 1;
        let mark = self.members.len();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Object(Vec::new()));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a member name"));
            }
            let name = self.string()?;
            if self.members[mark..].iter().any(|(k, _)| same_name(k, &name)) {
                return Err(self.error(&format!("duplicate member {}", crate::text::quote(&name))));
            }
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.i += 1;
            self.ws();
            let value = self.value(depth + 1)?;
            self.members.push((name, value));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(self.members.drain(mark..).collect()));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value<'a>, String> {
        self.i += 1;
        let mark = self.items.len();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::Array(Vec::new()));
        }
        loop {
            self.ws();
            let item = self.value(depth + 1)?;
            self.items.push(item);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(self.items.drain(mark..).collect()));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }
    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value<'a>, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        Ok(Value::Number(&self.text[start..self.i]))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let hex = self.b.get(self.i..self.i + 4).ok_or_else(|| self.error("truncated \\u escape"))?;
        let mut v = 0;
        for &h in hex {
            v = v * 16 + (h as char).to_digit(16).ok_or_else(|| self.error("invalid \\u escape"))?;
        }
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            // The run of plain characters up to the next quote, backslash or control character:
            // all three are ASCII, so the run ends on a character boundary (the input is UTF-8).
            let start = self.i;
            let rest = &self.b[start..];
            self.i += rest.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).unwrap_or(rest.len());
            let run = &self.text[start..self.i];
            match self.peek() {
                // Every escape adds a character, so an empty `out` means there was none.
                Some(b'"') if out.is_empty() => {
                    self.i += 1;
                    return Ok(Cow::Borrowed(run));
                }
                Some(b'"') => {
                    self.i += 1;
                    out.push_str(run);
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    out.push_str(run);
                    self.i += 1;
                    let escape = self.peek().ok_or_else(|| self.error("truncated escape"))?;
                    self.i += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                None => return Err(self.error("unterminated string")),
                Some(_) => return Err(self.error("control character in a string")),
            }
        }
    }

    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.b[self.i..].starts_with(b"\\u") {
                    return Err(self.error("lone surrogate in \\u escape"));
                }
                self.i += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("invalid surrogate pair"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone surrogate in \\u escape")),
            c => c,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_serde_json() {
        let docs = [
            r#"{"a":[1,-2.5e+3,0.1,true,false,null],"b":{"c":"x\"\\\/\b\f\n\r\t\u00e6\ud83d\ude00"}}"#,
            " [ ] ",
            r#""plain""#,
            "-0",
            r#"{"links":{},"data":[{"id":"x"}]}"#,
        ];
        for doc in docs {
            let ours = parse(doc.as_bytes()).unwrap();
            let theirs: serde_json::Value = serde_json::from_str(doc).unwrap();
            let back: serde_json::Value = serde_json::from_str(&ours.to_text()).unwrap();
            assert_eq!(back, theirs, "{doc}");
        }
    }

    #[test]
    fn refuses_bad_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "1e",
            "+1",
            "\"\\x\"",
            "\"\u{1}\"",
            "\"\\ud800\"",
            "\"\\udc00x\"",
            "nul",
            "{} x",
            "{\"a\" 1}",
            "{\"a\":1,\"A\":2}",
            "[\"\\u12\"]",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(parse(b"\"\xff\"").is_err());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).unwrap_err().contains("deeper"));
        let ok_deep = "[".repeat(MAX_DEPTH - 1) + &"]".repeat(MAX_DEPTH - 1);
        assert!(parse(ok_deep.as_bytes()).is_ok());
    }

    #[test]
    fn writes_control_characters_escaped() {
        assert_eq!(Json::String("a\u{1}\"".into()).to_text(), r#""a\u0001\"""#);
    }
}
