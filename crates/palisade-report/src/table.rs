//! The report for people: findings grouped by layer from the outside in, input errors, and a
//! summary line.
//!
//! ```text
//! Workloads (2 findings)
//!
//!   critical  privileged-container  Deployment prod/web  deploy/web.yaml:21:13
//!             Container "web" runs privileged: it can reach every device of the node & load
//!             kernel modules, so a compromise of <web> is root on the node
//!             fix: Remove `securityContext.privileged: true`; grant only the capabilities the
//!                  container needs.
//! ```

use std::io::{self, Write};
use std::sync::Arc;

use palisade_model::{Finding, Layer, ObjectRef, ScanSummary, Severity};

use crate::style::{self, paint};
use crate::text::{WIDTH, count, wrap, wrap_into};
use crate::{RenderOptions, Report, write_in_parallel};

/// Where the message and fix lines start: under the rule name.
const INDENT: &str = "            ";

pub(crate) fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let color = options.color;
    let mut first_section = true;
    let mut section_break = |out: &mut dyn Write| -> io::Result<()> {
        if !first_section {
            writeln!(out)?;
        }
        first_section = false;
        Ok(())
    };

    for group in by_layer_then_severity(report.findings) {
        let Some(layer) = group.first().map(|finding| finding.layer) else {
            continue;
        };
        section_break(out)?;
        let heading = format!(
            "{} ({})",
            layer.title(),
            count(group.len(), "finding", "findings")
        );
        writeln!(out, "{}", paint(style::BOLD, &heading, color))?;
        // Formatting (wrapping, colour) is the costly part: done in parallel, written in order.
        write_in_parallel(&group, out, |finding, _, buffer, wrapped: &mut Wrapped| {
            writeln!(buffer)?;
            write_finding(finding, color, buffer, wrapped)
        })?;
    }

    if !report.errors.is_empty() {
        section_break(out)?;
        let heading = format!(
            "Could not read {}",
            count(report.errors.len(), "input", "inputs")
        );
        writeln!(out, "{}", paint(style::ERROR, &heading, color))?;
        writeln!(out)?;
        for error in report.errors {
            out.write_all(wrap(&error.to_string(), "  ", "    ", WIDTH).as_bytes())?;
        }
    }

    section_break(out)?;
    let clean =
        report.findings.is_empty() && report.errors.is_empty() && report.summary.findings == 0;
    let line_style = if clean { style::SUCCESS } else { style::BOLD };
    for line in join_lines(&summary_parts(report.summary, clean), "; ", WIDTH) {
        writeln!(out, "{}", paint(line_style, &line, color))?;
    }
    Ok(())
}

/// The findings of each layer, outside in (one list per layer of [`Layer::ALL`], empty where a
/// layer has none), each from the most severe down; findings of one layer and severity keep
/// the caller's order. One pass into buckets, instead of a filter per layer and a sort.
fn by_layer_then_severity(findings: &[Finding]) -> Vec<Vec<&Finding>> {
    let bucket = |finding: &Finding| {
        let layer = Layer::ALL
            .iter()
            .position(|layer| *layer == finding.layer)
            .unwrap_or(0);
        let severity = Severity::ALL
            .iter()
            .position(|severity| *severity == finding.severity)
            .unwrap_or(0);
        layer * Severity::ALL.len() + (Severity::ALL.len() - 1 - severity)
    };
    let mut sizes = [0usize; Layer::ALL.len() * Severity::ALL.len()];
    for finding in findings {
        sizes[bucket(finding)] += 1;
    }
    let mut buckets: Vec<Vec<&Finding>> =
        sizes.iter().map(|&size| Vec::with_capacity(size)).collect();
    for finding in findings {
        buckets[bucket(finding)].push(finding);
    }
    buckets
        .chunks_mut(Severity::ALL.len())
        .map(|severities| severities.iter_mut().flat_map(std::mem::take).collect())
        .collect()
}

/// The texts a chunk of the table has wrapped, by address: most findings carry their rule's
/// fix, and findings share one copy of a message that recurs (the same container in many
/// workloads); wrapping each again for each finding was a tenth of the table.
#[derive(Default)]
struct WrappedTexts(Vec<((usize, usize), Vec<u8>)>);

impl WrappedTexts {
    /// The texts kept for one chunk; past this many, a text is wrapped each time.
    const MOST: usize = 64;

    /// Writes `text` wrapped: from what was kept where `shared` (a text that other findings
    /// hold too, so its address names it while the report is written), otherwise anew.
    fn write(&mut self, text: &str, shared: bool, out: &mut Vec<u8>, prefixes: (&str, &str)) {
        let (first_prefix, prefix) = prefixes;
        if !shared {
            wrap_into(out, text, first_prefix, prefix, WIDTH);
            return;
        }
        let key = (text.as_ptr() as usize, text.len());
        if let Some((_, wrapped)) = self.0.iter().find(|(of, _)| *of == key) {
            out.extend_from_slice(wrapped);
            return;
        }
        let start = out.len();
        wrap_into(out, text, first_prefix, prefix, WIDTH);
        if self.0.len() < Self::MOST {
            self.0.push((key, out[start..].to_vec()));
        }
    }
}

/// What one chunk of the table keeps of the texts it has wrapped.
#[derive(Default)]
struct Wrapped {
    messages: WrappedTexts,
    fixes: WrappedTexts,
    /// The last file name met (by address) and its length in characters: the findings of
    /// one object come together.
    file_chars: Option<(usize, usize)>,
    /// The last object met (by address), its label as written and its length in characters.
    object_label: Option<(usize, Vec<u8>, usize)>,
}

/// Joins `parts` with `separator`, starting a new line instead where a part would run past
/// `width` (the separator then ends the line, without its trailing space).
fn join_lines(parts: &[String], separator: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for part in parts {
        match lines.last_mut() {
            Some(line)
                if line.chars().count() + separator.chars().count() + part.chars().count()
                    <= width =>
            {
                line.push_str(separator);
                line.push_str(part);
            }
            Some(line) => {
                line.push_str(separator.trim_end());
                lines.push(part.clone());
            }
            None => lines.push(part.clone()),
        }
    }
    lines
}

/// One finding: the header line (severity, rule, object, position), the wrapped message and
/// fix. Pushed straight into the chunk's buffer, without `format!` or a `String` per piece: the
/// table of a large scan is a hundred thousand of these.
fn write_finding(
    finding: &Finding,
    color: bool,
    out: &mut Vec<u8>,
    wrapped: &mut Wrapped,
) -> io::Result<()> {
    let severity = finding.severity.as_str();
    let severity_padding = SEVERITY_WIDTH.saturating_sub(severity.len());
    if color {
        let style = style::severity(finding.severity);
        write!(out, "  {}", style.render())?;
        out.extend_from_slice(severity.as_bytes());
        out.extend_from_slice(&SPACES[..severity_padding]);
        write!(out, "{}  ", style.render_reset())?;
        painted(out, style::BOLD, &finding.rule)?;
    } else {
        out.extend_from_slice(b"  ");
        out.extend_from_slice(severity.as_bytes());
        out.extend_from_slice(&SPACES[..severity_padding]);
        out.extend_from_slice(b"  ");
        out.extend_from_slice(finding.rule.as_bytes());
    }
    out.extend_from_slice(b"  ");
    let address = Arc::as_ptr(&finding.object) as usize;
    let object_len = match &wrapped.object_label {
        Some((of, label, chars)) if *of == address => {
            out.extend_from_slice(label);
            *chars
        }
        _ => {
            let start = out.len();
            let chars = push_object_label(out, &finding.object);
            wrapped.object_label = Some((address, out[start..].to_vec(), chars));
            chars
        }
    };

    let mut line = itoa::Buffer::new();
    let mut column = itoa::Buffer::new();
    let position: [&str; 5] = match &finding.location {
        Some(location) => [
            &location.file,
            ":",
            line.format(location.line),
            ":",
            column.format(location.column),
        ],
        // A live object has no file: the path of the field stands where the position would.
        None => [live_position(finding), "", "", "", ""],
    };
    let position_len: usize = match &finding.location {
        Some(location) => {
            let address = location.file.as_ptr() as usize;
            let file_chars = match wrapped.file_chars {
                Some((of, chars)) if of == address => chars,
                _ => {
                    let chars = location.file.chars().count();
                    wrapped.file_chars = Some((address, chars));
                    chars
                }
            };
            // The line and column are ASCII digits.
            file_chars + position[1..].iter().map(|part| part.len()).sum::<usize>()
        }
        None => position.iter().map(|part| part.chars().count()).sum(),
    };
    // The position goes at the end of the line, or under it when the line would be too long.
    let rule_len = if finding.rule.is_ascii() {
        finding.rule.len()
    } else {
        finding.rule.chars().count()
    };
    let header_len = 12 + rule_len + 2 + object_len;
    if header_len + 2 + position_len <= WIDTH {
        out.extend_from_slice(b"  ");
    } else {
        out.push(b'\n');
        out.extend_from_slice(INDENT.as_bytes());
    }
    if color {
        write!(out, "{}", style::DIM.render())?;
    }
    for part in position {
        out.extend_from_slice(part.as_bytes());
    }
    if color {
        write!(out, "{}", style::DIM.render_reset())?;
    }
    out.push(b'\n');

    wrapped
        .messages
        .write(&finding.message, true, out, (INDENT, INDENT));
    if !finding.fix.is_empty() {
        // A fix made for this finding alone is wrapped for it alone.
        let shared = matches!(finding.fix, std::borrow::Cow::Borrowed(_));
        wrapped.fixes.write(
            &finding.fix,
            shared,
            out,
            (FIX_FIRST_PREFIX, FIX_HANGING_PREFIX),
        );
    }
    Ok(())
}

/// The widest severity name (`critical`): the column the rule names start after.
const SEVERITY_WIDTH: usize = 8;
const SPACES: [u8; SEVERITY_WIDTH] = [b' '; SEVERITY_WIDTH];
/// The fix's first line starts with its label under the rule name, the further lines under
/// the label's end.
const FIX_FIRST_PREFIX: &str = "            fix: ";
const FIX_HANGING_PREFIX: &str = "                 ";

/// `text` between the escapes of `style`.
fn painted(out: &mut Vec<u8>, style: anstyle::Style, text: &str) -> io::Result<()> {
    write!(out, "{}", style.render())?;
    out.extend_from_slice(text.as_bytes());
    write!(out, "{}", style.render_reset())
}

/// Characters (Unicode scalar values) in UTF-8 `bytes`: those that do not continue one.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| (byte as i8) >= -0x40).count()
}

/// Where a finding on a live object (read from a cluster, not a file) is: the JSON pointer of
/// the field, or the whole object.
fn live_position(finding: &Finding) -> &str {
    if finding.path.is_empty() {
        "(the object)"
    } else {
        &finding.path
    }
}

/// `Deployment prod/web`, or `ClusterRole admin` for a cluster-scoped object; returns its
/// length in characters.
fn push_object_label(out: &mut Vec<u8>, object: &ObjectRef) -> usize {
    let start = out.len();
    out.extend_from_slice(object.kind.as_bytes());
    out.push(b' ');
    if let Some(namespace) = &object.namespace {
        out.extend_from_slice(namespace.as_bytes());
        out.push(b'/');
    }
    out.extend_from_slice(object.name.as_bytes());
    char_count(&out[start..])
}

/// The parts of the summary line: `12 findings (2 critical, 5 high, 3 medium, 2 low, 0 info) in
/// 7 objects from 3 files`, `1 suppressed`, `2 documents without apiVersion/kind skipped`,
/// `1 input error`.
fn summary_parts(summary: &ScanSummary, clean: bool) -> Vec<String> {
    let mut parts = Vec::new();
    let scope = if summary.files > 0 {
        format!(
            "{} from {}",
            count(summary.objects, "object", "objects"),
            count(summary.files, "file", "files")
        )
    } else {
        count(summary.objects, "object", "objects")
    };
    if clean {
        parts.push(format!("No findings in {scope}"));
    } else {
        let by_severity = Severity::ALL
            .iter()
            .rev()
            .map(|severity| {
                let n = summary.by_severity.get(severity).copied().unwrap_or(0);
                format!("{n} {severity}")
            })
            .collect::<Vec<_>>()
            .join(", ");
        parts.push(format!(
            "{} ({by_severity}) in {scope}",
            count(summary.findings, "finding", "findings")
        ));
    }
    if summary.suppressed > 0 {
        parts.push(format!("{} suppressed", summary.suppressed));
    }
    if summary.skipped_documents > 0 {
        parts.push(format!(
            "{} without apiVersion/kind skipped",
            count(summary.skipped_documents, "document", "documents")
        ));
    }
    if summary.errors > 0 {
        parts.push(count(summary.errors, "input error", "input errors"));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{self, Fixture};

    fn rendered(report: &Report, color: bool) -> String {
        let mut out = Vec::new();
        render(report, &RenderOptions { color }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fix_prefixes_sit_under_the_rule_name() {
        assert_eq!(FIX_FIRST_PREFIX, format!("{INDENT}fix: "));
        assert_eq!(FIX_HANGING_PREFIX, " ".repeat(FIX_FIRST_PREFIX.len()));
        assert_eq!(INDENT.len(), 2 + SEVERITY_WIDTH + 2);
    }

    #[test]
    fn snapshot() {
        let fixture = Fixture::new();
        insta::assert_snapshot!(rendered(&fixture.report(), false));
    }

    #[test]
    fn groups_appear_outside_in_and_sorted_by_severity() {
        let fixture = Fixture::new();
        let text = rendered(&fixture.report(), false);
        let position = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle:?} missing from\n{text}"))
        };
        let headings = [
            "Access (1 finding)",
            "Network (1 finding)",
            "Workloads (2 findings)",
            "Supply chain (1 finding)",
        ];
        let positions: Vec<usize> = headings.iter().map(|h| position(h)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(!text.contains("Host ("), "{text}");
        // Within Workloads the critical finding comes before the info one, although the caller
        // sorted the info one (line 3) first.
        assert!(
            position("critical  privileged-container") < position("info      team-label-required")
        );
        assert!(position("Could not read 2 inputs") > positions[3]);
        assert!(text.contains("  deploy/unreadable.yaml: permission denied (os error 13)\n"));
        assert!(text.contains("  deploy/broken.yaml:4:7: mapping values"));
        // A live object: the path where the file position would be.
        assert!(
            text.contains("ClusterRoleBinding ci-admin  /roleRef/name\n"),
            "{text}"
        );
    }

    #[test]
    fn lines_fit_in_100_columns_except_unbreakable_headers() {
        let fixture = Fixture::new();
        for line in rendered(&fixture.report(), false).lines() {
            if line.starts_with(INDENT) {
                assert!(line.chars().count() <= WIDTH, "{line:?}");
            }
            assert_eq!(line, line.trim_end(), "trailing whitespace in {line:?}");
        }
    }

    #[test]
    fn long_positions_go_on_their_own_line() {
        let mut fixture = Fixture::new();
        for finding in &mut fixture.findings {
            if let Some(location) = &mut finding.location {
                location.file = format!("clusters/production/eu-west-1/{}", location.file).into();
            }
        }
        let text = rendered(&fixture.report(), false);
        assert!(
            text.contains(
                "  critical  privileged-container  Deployment prod/web\n            \
             clusters/production/eu-west-1/deploy/web.yaml:21:13\n"
            ),
            "{text}"
        );
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
        }
    }

    #[test]
    fn colour_only_when_asked() {
        let fixture = Fixture::new();
        let plain = rendered(&fixture.report(), false);
        assert!(!plain.contains('\u{1b}'));
        let coloured = rendered(&fixture.report(), true);
        // critical is bold red, high red, medium yellow, low blue, info dim.
        assert!(
            coloured.contains("\u{1b}[1m\u{1b}[31mcritical"),
            "{coloured:?}"
        );
        assert!(coloured.contains("\u{1b}[31mhigh"));
        assert!(coloured.contains("\u{1b}[33mmedium"));
        assert!(coloured.contains("\u{1b}[34mlow"));
        assert!(coloured.contains("\u{1b}[2minfo"));
        // Stripping the escapes gives the plain text back.
        assert_eq!(strip_ansi(&coloured), plain);
    }

    #[test]
    fn summary_lines() {
        let fixture = Fixture::new();
        assert_eq!(
            join_lines(&summary_parts(&fixture.summary, false), "; ", WIDTH),
            [
                "5 findings (1 critical, 1 high, 1 medium, 1 low, 1 info) in 5 objects from 4 files; \
                 1 suppressed;",
                "1 document without apiVersion/kind skipped; 2 input errors"
            ]
        );
        assert_eq!(
            summary_parts(&fixture.summary, false).join("; "),
            "5 findings (1 critical, 1 high, 1 medium, 1 low, 1 info) in 5 objects from 4 files; \
             1 suppressed; 1 document without apiVersion/kind skipped; 2 input errors"
        );
        let clean = fixtures::clean_summary();
        let report = Report {
            findings: &[],
            errors: &[],
            summary: &clean,
            rules: &fixture.rules,
            tool_version: fixtures::VERSION,
        };
        assert_eq!(
            rendered(&report, false),
            "No findings in 1 object from 1 file\n"
        );
        let live = ScanSummary {
            objects: 2,
            ..clean.clone()
        };
        let live = ScanSummary { files: 0, ..live };
        assert_eq!(summary_parts(&live, true), ["No findings in 2 objects"]);
    }

    #[test]
    fn buckets_equal_a_filter_and_a_stable_sort_per_layer() {
        // The fixture's findings many times over, in a scrambled order, each copy marked so
        // that a change of order among equal severities shows.
        let fixture = Fixture::new();
        let mut findings = Vec::new();
        for copy in 0..7 {
            for (index, finding) in fixture.findings.iter().enumerate() {
                if (index + copy) % 3 != 0 {
                    let mut finding = finding.clone();
                    finding.message = format!("{} (copy {copy})", finding.message).into();
                    findings.push(finding);
                }
            }
        }
        findings.rotate_left(5);
        let grouped = by_layer_then_severity(&findings);
        assert_eq!(grouped.len(), Layer::ALL.len());
        for (layer, group) in Layer::ALL.iter().zip(&grouped) {
            let mut expected: Vec<&Finding> =
                findings.iter().filter(|f| f.layer == *layer).collect();
            expected.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
            let messages = |list: &[&Finding]| -> Vec<String> {
                list.iter().map(|f| f.message.to_string()).collect()
            };
            assert_eq!(messages(group), messages(&expected), "{layer:?}");
        }
        assert!(grouped.iter().filter(|group| !group.is_empty()).count() >= 4);
    }

    #[test]
    fn a_text_wrapped_once_is_written_as_wrapped_each_time() {
        let long: &'static str = "Set `resources.limits.memory` on every container, and a \
            LimitRange in the namespace so that containers that set none get a default; \
            measure first.";
        let short: &'static str = "Remove it.";
        let own = format!("{long} Also for this one.");
        // (text, shared): the same addresses again and again, and a text of its own.
        let texts = [
            (long, true),
            (short, true),
            (own.as_str(), false),
            (long, true),
            (own.as_str(), false),
            (short, true),
            (long, true),
        ];
        for prefixes in [(FIX_FIRST_PREFIX, FIX_HANGING_PREFIX), (INDENT, INDENT)] {
            let mut kept = WrappedTexts::default();
            let mut cached = Vec::new();
            let mut direct = Vec::new();
            for (text, shared) in texts {
                kept.write(text, shared, &mut cached, prefixes);
                wrap_into(&mut direct, text, prefixes.0, prefixes.1, WIDTH);
            }
            assert_eq!(
                String::from_utf8(cached).unwrap(),
                String::from_utf8(direct).unwrap()
            );
            // Only the shared texts are kept.
            assert_eq!(kept.0.len(), 2);
        }
        // Past the bound, texts are still written, wrapped anew.
        let many: Vec<String> = (0..2 * WrappedTexts::MOST)
            .map(|index| format!("message number {index} {long}"))
            .collect();
        let mut kept = WrappedTexts::default();
        let mut cached = Vec::new();
        let mut direct = Vec::new();
        for text in many.iter().chain(&many) {
            kept.write(text, true, &mut cached, (INDENT, INDENT));
            wrap_into(&mut direct, text, INDENT, INDENT, WIDTH);
        }
        assert_eq!(cached, direct);
        assert_eq!(kept.0.len(), WrappedTexts::MOST);
    }

    fn strip_ansi(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
