//! The rule catalogue: the `palisade rules` listing, the `palisade explain RULE` page, and the
//! Markdown pages of `docs/rules/`.

use std::io::{self, Write};

use palisade_model::{Layer, RuleDoc, reference_url};
use serde::Serialize;

use crate::json::write_pretty;
use crate::style::{self, paint};
use crate::text::{WIDTH, count, wrap};
use crate::{RenderOptions, RulesFormat};

/// The first line of every generated Markdown page.
const GENERATED: &str =
    "<!-- Generated from the rules' source by palisade; do not edit by hand. -->";

/// Writes the rule listing: a table of name, severity, layer and summary; a JSON array; or the
/// Markdown index page of `docs/rules/` (the same text as [`rules_index_markdown`]). Rules are
/// listed by layer, from the outside in, then by name.
pub fn render_rules(
    rules: &[RuleDoc],
    format: RulesFormat,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        RulesFormat::Table => rules_table(rules, options.color, out),
        RulesFormat::Json => rules_json(rules, out),
        RulesFormat::Markdown => out.write_all(rules_index_markdown(rules).as_bytes()),
    }
}

/// The rules by layer (outside in), then by name.
fn sorted(rules: &[RuleDoc]) -> Vec<&RuleDoc> {
    let mut sorted: Vec<&RuleDoc> = rules.iter().collect();
    sorted.sort_by_key(|doc| (doc.meta.layer, doc.meta.name));
    sorted
}

fn rules_table(rules: &[RuleDoc], color: bool, out: &mut dyn Write) -> io::Result<()> {
    let rules = sorted(rules);
    let width = |header: &str, cell: &dyn Fn(&RuleDoc) -> usize| {
        rules
            .iter()
            .map(|doc| cell(doc))
            .chain([header.len()])
            .max()
            .unwrap_or(0)
    };
    let name_width = width("NAME", &|doc| doc.meta.name.chars().count());
    let severity_width = width("SEVERITY", &|doc| doc.meta.severity.as_str().len());
    let layer_width = width("LAYER", &|doc| doc.meta.layer.as_str().len());
    let summary_column = name_width + severity_width + layer_width + 6;
    // Wrap summaries under their column while that leaves room for a sensible line.
    let summary_width = if WIDTH.saturating_sub(summary_column) >= 30 {
        WIDTH
    } else {
        usize::MAX
    };
    let hanging = " ".repeat(summary_column);

    let header = format!(
        "{:<name_width$}  {:<severity_width$}  {:<layer_width$}  SUMMARY",
        "NAME", "SEVERITY", "LAYER"
    );
    writeln!(out, "{}", paint(style::BOLD, &header, color))?;
    for doc in &rules {
        let meta = &doc.meta;
        let cells = format!(
            "{:<name_width$}  {:<severity_width$}  {:<layer_width$}  ",
            meta.name,
            paint(
                style::severity(meta.severity),
                meta.severity.as_str(),
                color
            ),
            meta.layer.as_str(),
        );
        // Wrap as if the cells were blank, then put the (possibly coloured) cells in their place.
        let summary = wrap(meta.summary, &hanging, &hanging, summary_width);
        match summary.strip_prefix(hanging.as_str()) {
            Some(rest) => write!(out, "{cells}{rest}")?,
            None => writeln!(out, "{}", cells.trim_end())?,
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}. `palisade explain RULE` shows a rule's documentation.",
        count(rules.len(), "rule", "rules")
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonRule<'a> {
    name: &'a str,
    severity: &'static str,
    layer: &'static str,
    /// `object`, `inventory` or `audit-event`: what the rule looks at.
    scope: &'static str,
    threat_actors: Vec<&'static str>,
    references: Vec<JsonReference<'a>>,
    summary: &'a str,
    fix: &'a str,
    documentation: &'a str,
}

#[derive(Serialize)]
struct JsonReference<'a> {
    id: &'a str,
    url: Option<String>,
}

fn rules_json(rules: &[RuleDoc], out: &mut dyn Write) -> io::Result<()> {
    let view: Vec<JsonRule> = sorted(rules)
        .into_iter()
        .map(|doc| {
            let meta = &doc.meta;
            JsonRule {
                name: meta.name,
                severity: meta.severity.as_str(),
                layer: meta.layer.as_str(),
                scope: doc.scope.as_str(),
                threat_actors: meta
                    .threat_actors
                    .iter()
                    .map(|actor| actor.as_str())
                    .collect(),
                references: meta
                    .references
                    .iter()
                    .map(|id| JsonReference {
                        id,
                        url: reference_url(id),
                    })
                    .collect(),
                summary: meta.summary,
                fix: meta.fix,
                documentation: &doc.documentation,
            }
        })
        .collect();
    write_pretty(&view, out)
}

/// The index page of `docs/rules/`: every rule by layer, linking to `<name>.md`.
pub fn rules_index_markdown(rules: &[RuleDoc]) -> String {
    let rules = sorted(rules);
    let mut page = String::new();
    page.push_str(GENERATED);
    page.push_str("\n\n# Rules\n\n");
    page.push_str(&format!(
        "palisade has {}, grouped by the layer of the cluster they look at, from the outside in. \
         Each page says what the rule finds, why that is dangerous, an example, and how to fix it.\n",
        count(rules.len(), "rule", "rules")
    ));
    for layer in Layer::ALL {
        let in_layer: Vec<&&RuleDoc> = rules.iter().filter(|doc| doc.meta.layer == layer).collect();
        if in_layer.is_empty() {
            continue;
        }
        page.push_str(&format!("\n## {}\n\n", layer.title()));
        page.push_str("| Rule | Severity | Summary | References |\n");
        page.push_str("| --- | --- | --- | --- |\n");
        for doc in in_layer {
            let meta = &doc.meta;
            let references = if meta.references.is_empty() {
                "—".to_string()
            } else {
                meta.references
                    .iter()
                    .map(|reference| format!("`{}`", table_cell(reference)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            page.push_str(&format!(
                "| [{name}]({name}.md) | {} | {} | {} |\n",
                meta.severity,
                table_cell(meta.summary),
                references,
                name = meta.name,
            ));
        }
    }
    page
}

/// The page `docs/rules/<name>.md`: title, summary, a metadata table (severity, layer, threat
/// actors, references with links), the documentation, and the fix.
pub fn rule_markdown_page(rule: &RuleDoc) -> String {
    let meta = &rule.meta;
    let mut page = String::new();
    page.push_str(GENERATED);
    page.push_str(&format!("\n\n# {}\n\n", meta.name));
    if !meta.summary.is_empty() {
        page.push_str(meta.summary.trim());
        page.push_str("\n\n");
    }

    let actors = if meta.threat_actors.is_empty() {
        "—".to_string()
    } else {
        meta.threat_actors
            .iter()
            .map(|actor| actor.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let references = if meta.references.is_empty() {
        "—".to_string()
    } else {
        meta.references
            .iter()
            .map(|reference| match reference_url(reference) {
                Some(url) => format!("[`{}`]({url})", table_cell(reference)),
                None => format!("`{}`", table_cell(reference)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    page.push_str("| Severity | Layer | Threat actors | References |\n");
    page.push_str("| --- | --- | --- | --- |\n");
    page.push_str(&format!(
        "| {} | {} | {actors} | {references} |\n",
        meta.severity, meta.layer
    ));

    let documentation = rule.documentation.trim();
    if !documentation.is_empty() {
        page.push('\n');
        page.push_str(documentation);
        page.push('\n');
    }
    if !meta.fix.is_empty() {
        page.push_str("\n## Fix\n\n");
        page.push_str(meta.fix.trim());
        page.push('\n');
    }
    page
}

/// Text fit for one cell of a Markdown table: no line breaks, `|` escaped.
fn table_cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// Writes the `palisade explain RULE` page: a header line with name, severity, layer and threat
/// actors, the summary, the fix, the references with their addresses, then the documentation
/// (Markdown, as written).
pub fn render_rule_doc(
    rule: &RuleDoc,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let color = options.color;
    let meta = &rule.meta;
    let mut header = format!("{} ({}, {} layer)", meta.name, meta.severity, meta.layer);
    if !meta.threat_actors.is_empty() {
        let actors = meta
            .threat_actors
            .iter()
            .map(|actor| actor.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        header.push_str(&format!(" — threat actors: {actors}"));
    }
    let header = wrap(&header, "", "  ", WIDTH);
    // The name and severity open the first line; style them in place.
    let plain_start = format!("{} ({}", meta.name, meta.severity);
    let styled_start = format!(
        "{} ({}",
        paint(style::BOLD, meta.name, color),
        paint(
            style::severity(meta.severity),
            meta.severity.as_str(),
            color
        )
    );
    out.write_all(header.replacen(&plain_start, &styled_start, 1).as_bytes())?;
    if !meta.summary.is_empty() {
        out.write_all(wrap(meta.summary, "", "", WIDTH).as_bytes())?;
    }

    if !meta.fix.is_empty() {
        writeln!(out)?;
        let label = format!("{} ", paint(style::BOLD, "Fix:", color));
        // The label's width on screen is 5 whatever its escapes.
        let mut fix = wrap(meta.fix, "Fix: ", "     ", WIDTH);
        fix.replace_range(.."Fix: ".len(), &label);
        out.write_all(fix.as_bytes())?;
    }

    if !meta.references.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint(style::BOLD, "References:", color))?;
        let id_width = meta
            .references
            .iter()
            .map(|reference| reference.chars().count())
            .max()
            .unwrap_or(0);
        for reference in meta.references {
            match reference_url(reference) {
                Some(url) => writeln!(out, "  {reference:<id_width$}  {url}")?,
                None => writeln!(out, "  {reference}")?,
            }
        }
    }

    let documentation = rule.documentation.trim();
    if !documentation.is_empty() {
        writeln!(out)?;
        writeln!(out, "{documentation}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::fixtures;

    fn listing(format: RulesFormat, color: bool) -> String {
        let mut out = Vec::new();
        render_rules(
            &fixtures::rules(),
            format,
            &RenderOptions { color },
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn explain(rule: &RuleDoc, color: bool) -> String {
        let mut out = Vec::new();
        render_rule_doc(rule, &RenderOptions { color }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_snapshot() {
        insta::assert_snapshot!(listing(RulesFormat::Table, false));
    }

    #[test]
    fn table_is_sorted_by_layer_then_name_and_coloured_on_request() {
        let text = listing(RulesFormat::Table, false);
        let names: Vec<&str> = text
            .lines()
            .skip(1)
            .filter_map(|line| line.split_whitespace().next())
            .filter(|word| word.contains('-'))
            .collect();
        assert_eq!(
            names,
            [
                "anonymous-kubelet-auth",
                "cluster-admin-binding",
                "missing-egress-policy",
                "privileged-container",
                "latest-image-tag"
            ]
        );
        assert!(!text.contains('\u{1b}'));
        assert!(listing(RulesFormat::Table, true).contains("\u{1b}[33mmedium"));
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
        }
    }

    #[test]
    fn json_listing() {
        let value: Value = serde_json::from_str(&listing(RulesFormat::Json, true)).unwrap();
        let rules = value.as_array().unwrap();
        assert_eq!(rules.len(), 5);
        assert_eq!(rules[0]["name"], "anonymous-kubelet-auth");
        let privileged = &rules[3];
        assert_eq!(
            *privileged,
            json!({
                "name": "privileged-container",
                "severity": "critical",
                "layer": "workload",
                "scope": "object",
                "threatActors": ["internal-attacker", "privileged-attacker"],
                "references": [
                    {"id": "pss:baseline:privileged-containers",
                     "url": "https://kubernetes.io/docs/concepts/security/pod-security-standards/"},
                    {"id": "cis-k8s:5.2.2", "url": "https://www.cisecurity.org/benchmark/kubernetes"},
                    {"id": "nsa-cisa:pod-security", "url": null},
                    {"id": "mitre:T1611", "url": "https://attack.mitre.org/techniques/T1611/"}
                ],
                "summary": "A container runs privileged.",
                "fix": "Remove `securityContext.privileged: true`.",
                "documentation": fixtures::rules()[0].documentation,
            })
        );
    }

    #[test]
    fn markdown_index_snapshot() {
        let text = listing(RulesFormat::Markdown, true);
        assert_eq!(text, rules_index_markdown(&fixtures::rules()));
        assert!(text.contains("| [missing-egress-policy](missing-egress-policy.md) | medium |"));
        insta::assert_snapshot!(text);
    }

    #[test]
    fn markdown_page_snapshot() {
        let rules = fixtures::rules();
        let page = rule_markdown_page(&rules[0]);
        assert!(page.ends_with("## Fix\n\nRemove `securityContext.privileged: true`.\n"));
        assert!(page.contains("[`mitre:T1611`](https://attack.mitre.org/techniques/T1611/)"));
        assert!(page.contains(", `nsa-cisa:pod-security`,"));
        insta::assert_snapshot!(page);
        // No documentation, no references: the page still holds together.
        let bare = rule_markdown_page(&rules[4]);
        assert!(bare.contains("| low | supply-chain | — | — |\n"), "{bare}");
        for line in page.lines().chain(bare.lines()) {
            assert_eq!(line, line.trim_end(), "trailing whitespace in {line:?}");
        }
    }

    #[test]
    fn explain_snapshot() {
        let rules = fixtures::rules();
        let text = explain(&rules[0], false);
        assert!(text.starts_with(
            "privileged-container (critical, workload layer) — threat actors: internal-attacker,\n  \
             privileged-attacker\nA container runs privileged.\n"
        ));
        assert!(explain(&rules[0], true).starts_with(
            "\u{1b}[1mprivileged-container\u{1b}[0m (\u{1b}[1m\u{1b}[31mcritical\u{1b}[0m, workload"
        ));
        for line in text.lines() {
            assert!(
                line.chars().count() <= WIDTH || line.starts_with("  pss:"),
                "{line:?}"
            );
        }
        assert!(text.contains(
            "\n  mitre:T1611                         https://attack.mitre.org/techniques/T1611/\n"
        ));
        assert!(text.contains("\n  nsa-cisa:pod-security\n"));
        assert!(text.ends_with("A privileged container is root on the node.\n"));
        insta::assert_snapshot!(text);
        let coloured = explain(&rules[0], true);
        assert!(
            coloured.contains("\u{1b}[1mFix:\u{1b}[0m Remove"),
            "{coloured:?}"
        );
        // A rule with nothing but a name, severity, layer, summary and fix.
        assert_eq!(
            explain(&rules[4], false),
            "latest-image-tag (low, supply-chain layer)\nAn image uses the tag latest or no tag at \
             all, so what runs can change without any change to the\nmanifest that a reviewer \
             could see.\n\nFix: Pin images by digest.\n"
        );
    }
}
