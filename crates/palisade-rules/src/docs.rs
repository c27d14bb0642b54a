//! Reads a rule's documentation from the leading `//!` comment of its source file.

/// The markdown of the leading `//!` block of `source` (also how palisade-audit documents its
/// rules).
pub fn leading_doc_comment(source: &str) -> String {
    let mut lines = Vec::new();
    for line in source.lines() {
        let trimmed = line.trim_start();
        if let Some(text) = trimmed.strip_prefix("//!") {
            lines.push(text.strip_prefix(' ').unwrap_or(text));
        } else if trimmed.is_empty() && lines.is_empty() {
            continue;
        } else {
            break;
        }
    }
    let mut doc = lines.join("\n");
    doc.truncate(doc.trim_end().len());
    doc.push('\n');
    doc
}

/// The sections every rule's documentation must have, in this order.
#[cfg(test)]
pub(crate) const REQUIRED_SECTIONS: [&str; 4] = [
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## References",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_only_the_leading_block() {
        let source = "//! ## What it does\n//!\n//! Finds things.\n\nuse x;\n//! not this\n";
        assert_eq!(
            leading_doc_comment(source),
            "## What it does\n\nFinds things.\n"
        );
    }
}
