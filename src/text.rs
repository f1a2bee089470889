//! Small helpers for quoting untrusted text in messages.

/// At most `max` characters of `text`, with `…` when cut, so that a 1 MB input never ends up
/// whole in an error message.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// `clip` in double quotes, with quotes, backslashes and control characters escaped, for
/// quoting untrusted text inside messages.
pub fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in clip(text, 60).chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `text` holds a control character (`char::is_control`), checked by byte when ASCII.
pub fn has_control(text: &str) -> bool {
    if text.is_ascii() {
        text.bytes().any(|b| b < 0x20 || b == 0x7f)
    } else {
        text.chars().any(char::is_control)
    }
}

/// At least `max + 1` characters: counts them only when the byte length allows it.
pub fn longer_than(text: &str, max: usize) -> bool {
    text.len() > max && text.chars().count() > max
}
