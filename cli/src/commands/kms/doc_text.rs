//! The service model's documentation (HTML) as plain text for `--help`: paragraphs without tags,
//! list items as `- ` lines, entities decoded, wrapped to the terminal's usual 79 columns.
//!
//! Hand-written rather than an HTML crate: the model uses a handful of tags (`p`, `ul`, `li`,
//! `code`, `a`, `b`, `i`, `note`) and no nesting that matters for text, so a small tag stripper
//! is all it needs.

/// The paragraphs of `html`, tags stripped, whitespace collapsed, empty ones dropped.
pub fn paragraphs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        current.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = &rest[open..];
            break;
        };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        let name = tag.split_whitespace().next().unwrap_or("");
        match name {
            "p" | "/p" | "ul" | "/ul" | "ol" | "/ol" | "note" | "/note" | "/li" | "br" | "br/" => {
                finish(&mut current, &mut out);
            }
            "li" => {
                finish(&mut current, &mut out);
                current.push_str("- ");
            }
            _ => {}
        }
        rest = &rest[open + close + 1..];
    }
    current.push_str(rest);
    finish(&mut current, &mut out);
    out
}

/// Ends the paragraph in `current` (if it has words; a lone bullet is kept for its item).
fn finish(current: &mut String, out: &mut Vec<String>) {
    let text = decode(&current.split_whitespace().collect::<Vec<_>>().join(" "));
    if text == "-" {
        return;
    }
    if !text.is_empty() {
        out.push(text);
    }
    current.clear();
}

/// The few HTML entities the model uses.
fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The first sentence of `html`: its first paragraph up to the first full stop that ends a
/// sentence (followed by a space or the paragraph's end).
pub fn first_sentence(html: &str) -> String {
    let Some(first) = paragraphs(html).into_iter().next() else {
        return String::new();
    };
    match first.find(". ") {
        Some(end) => first[..=end].to_owned(),
        None => first,
    }
}

/// `text` wrapped to `width` columns, every line starting with `indent`.
pub fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if line.len() > indent.len() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_stripped_and_paragraphs_kept() {
        let html = "<p>Creates a <i>unique</i> <code>KeyId</code>. Then &lt;more&gt;.</p> \
                    <ul> <li> <p> <a>EnableKey</a> </p> </li> </ul>";
        assert_eq!(
            paragraphs(html),
            vec!["Creates a unique KeyId. Then <more>.", "- EnableKey"]
        );
    }

    #[test]
    fn the_first_sentence_ends_at_its_full_stop() {
        assert_eq!(
            first_sentence("<p>Cancels the deletion of a KMS key. When this succeeds...</p>"),
            "Cancels the deletion of a KMS key."
        );
        assert_eq!(first_sentence("<p>No stop</p><p>Second.</p>"), "No stop");
        assert_eq!(first_sentence(""), "");
    }

    #[test]
    fn text_is_wrapped_with_its_indent() {
        assert_eq!(wrap("aaa bbb ccc", "  ", 9), "  aaa bbb\n  ccc\n");
        assert_eq!(wrap("", "  ", 9), "");
    }
}
