//! Recognising unrendered Helm/Go (and Jinja) templates, so that the user is told to render
//! them instead of getting a baffling YAML syntax error.

use palisade_model::Pos;

/// The first template marker (`{{` or `{%`) outside comments and quotes on lines up to and
/// including `error_line`, as a snippet and its position.
pub(crate) fn template_near(text: &str, error_line: u32) -> Option<(String, Pos)> {
    for (index, line) in text.lines().enumerate() {
        let number = index as u32 + 1;
        if number > error_line.max(1) {
            break;
        }
        if line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(column) = unquoted_marker(line) {
            let rest = &line[column..];
            let end = rest
                .find("}}")
                .or_else(|| rest.find("%}"))
                .map(|i| i + 2)
                .unwrap_or(rest.len());
            let mut end = end.min(80);
            while !rest.is_char_boundary(end) {
                end -= 1;
            }
            let char_column = line[..column].chars().count() as u32 + 1;
            return Some((format!("`{}`", &rest[..end]), Pos::new(number, char_column)));
        }
    }
    None
}

/// Byte offset of `{{` or `{%` on a line, outside quotes and before any comment.
fn unquoted_marker(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let (mut single, mut double) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'#' if !single && !double && (i == 0 || bytes[i - 1].is_ascii_whitespace()) => {
                return None;
            }
            b'{' if !single && !double && matches!(bytes.get(i + 1), Some(b'{' | b'%')) => {
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_helm_markers_but_not_quoted_or_commented_ones() {
        let text = "# {{ comment }}\nsummary: \"{{ $labels.pod }}\"\nimage: {{ .Values.image }}\n";
        let (snippet, pos) = template_near(text, 3).unwrap();
        assert_eq!(snippet, "`{{ .Values.image }}`");
        assert_eq!(pos, Pos::new(3, 8));
        assert!(template_near("a: \"{{ x }}\"\n", 1).is_none());
        assert!(template_near("{{- if .Values.enabled }}\n", 1).is_some());
    }
}
