//! Small HTML helpers for the customer's pages: escaping and one page frame.

/// Escapes text for element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}\
header{border-bottom:3px solid #0062ba;margin-bottom:1.5rem}header p{color:#555;margin:.2rem 0 .8rem}\
h1{font-size:1.6rem}dl{display:grid;grid-template-columns:12rem 1fr;gap:.4rem 1rem}dt{font-weight:600}\
.en{color:#555;font-weight:normal}ul{padding-left:1.2rem}.actions{display:flex;gap:1rem;margin-top:2rem}\
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:4px;border:2px solid #0062ba;cursor:pointer}\
button.primary{background:#0062ba;color:#fff}button.secondary{background:#fff;color:#0062ba}\
.notice{background:#fff4e5;border-left:4px solid #e08a00;padding:.8rem 1rem}\
.error{background:#fdecea;border-left:4px solid #c62828;padding:.8rem 1rem}\
.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:.8rem 1rem}code{background:#f3f3f3;padding:0 .2rem}";

/// A complete page: Norwegian first, English beside it.
pub fn frame(title_nb: &str, title_en: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"nb\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t_nb} / {t_en} – Altinn (simulator)</title><style>{STYLE}</style></head><body>\
<header><strong>Altinn</strong> <span class=\"en\">(lokal simulator / local simulator)</span>\
<p>Tilgangsstyring / Access management</p></header>\
<h1>{t_nb} <span class=\"en\">/ {t_en}</span></h1>\n{body}\n</body></html>\n",
        t_nb = esc(title_nb),
        t_en = esc(title_en),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
