//! `palisade who-can` and `palisade access`: load the inputs, ask the RBAC model of
//! `palisade-rules`, print the answer as a table or JSON.

use std::io::{self, Write};

use palisade_load::{Input, Limits, load_inputs};
use palisade_model::{InputError, Inventory};
use palisade_rules::access::rbac::Principal;
use palisade_rules::access::rbac::Rbac;
use palisade_rules::access::rbac::query::{
    self, AccessAnswer, RuleLine, WhoCanAnswer, WhoCanQuestion,
};

use crate::cli::{AccessArgs, RbacOutput, WhoCanArgs};
use crate::output::{EXIT_CLEAN, EXIT_ERROR, write_report};

fn load(paths: &[String]) -> (Inventory, Vec<InputError>) {
    let inputs: Vec<Input> = paths.iter().map(|p| Input::parse(p)).collect();
    let loaded = load_inputs(&inputs, &mut io::stdin(), &Limits::default());
    (Inventory::from_objects(loaded.objects), loaded.errors)
}

/// Prints the answer, then the input errors (which make the exit code 2: the answer may miss
/// what could not be read).
fn finish(errors: &[InputError], render: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> u8 {
    if let Err(message) = write_report(None, render) {
        eprintln!("palisade: {message}");
        return EXIT_ERROR;
    }
    for error in errors {
        eprintln!("palisade: {error}");
    }
    if errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    }
}

pub fn who_can(arguments: &WhoCanArgs) -> u8 {
    let (inventory, errors) = load(&arguments.paths);
    let rbac = Rbac::build(&inventory);
    let answer = query::who_can(
        &rbac,
        &WhoCanQuestion {
            verb: arguments.verb.clone(),
            resource: arguments.resource.clone(),
            subresource: arguments.subresource.clone(),
            name: arguments.name.clone(),
            namespace: arguments.namespace.clone(),
        },
    );
    finish(&errors, |out| match arguments.output {
        RbacOutput::Json => writeln!(out, "{}", pretty(&answer.to_json())),
        RbacOutput::Table => who_can_table(&answer, out),
    })
}

pub fn access(arguments: &AccessArgs) -> u8 {
    let principal = match Principal::parse(&arguments.subject) {
        Ok(principal) => principal,
        Err(message) => {
            eprintln!("palisade: {message}");
            return EXIT_ERROR;
        }
    };
    let (inventory, errors) = load(&arguments.paths);
    let rbac = Rbac::build(&inventory);
    let mut answer = query::access(&rbac, &principal);
    if let Some(namespace) = &arguments.namespace {
        answer.rights.retain(|right| {
            match right.scope_json.get("namespace").and_then(|n| n.as_str()) {
                Some(own) => own == namespace,
                // Cluster-wide, or a RoleBinding without a namespace (it lands where applied).
                None => true,
            }
        });
    }
    finish(&errors, |out| match arguments.output {
        RbacOutput::Json => writeln!(out, "{}", pretty(&answer.to_json())),
        RbacOutput::Table => access_table(&answer, out),
    })
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
fn write_table(out: &mut dyn Write, rows: &[Vec<String>]) -> io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|row| row.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                let pad = widths[c] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn with_location(text: String, location: &Option<String>) -> String {
    match location {
        Some(location) => format!("{text} ({location})"),
        None => text,
    }
}

fn rule_cell(rule: &RuleLine) -> String {
    let role = if rule.builtin {
        format!("{} (built in)", rule.role.describe())
    } else {
        rule.role.describe()
    };
    with_location(format!("{role} rule {}", rule.index), &rule.location)
}

fn who_can_table(answer: &WhoCanAnswer, out: &mut dyn Write) -> io::Result<()> {
    let question = &answer.question;
    let mut what = format!("{} {}", question.verb, question.resource);
    if let Some(sub) = &question.subresource
        && !question.resource.contains('/')
    {
        what.push('/');
        what.push_str(sub);
    }
    if let Some(name) = &question.name {
        what.push_str(&format!(" named {name}"));
    }
    let group = match &answer.group {
        Some(group) if group.is_empty() => " (core API group)".to_string(),
        Some(group) => format!(" (API group {group})"),
        None if question.resource.starts_with('/') => " (non-resource URL)".to_string(),
        None => " (API group unknown to palisade: any group)".to_string(),
    };
    let place = match &question.namespace {
        Some(namespace) if answer.namespaced => format!(" in namespace {namespace}"),
        _ if answer.namespaced => " in any namespace".to_string(),
        _ => " (cluster-scoped)".to_string(),
    };
    writeln!(out, "Who can {what}{group}{place}:")?;
    let mut rows = vec![vec![
        "SUBJECT".to_string(),
        "WHERE".to_string(),
        "BINDING".to_string(),
        "ROLE RULE".to_string(),
    ]];
    rows.push(vec![
        "Group system:masters".to_string(),
        "everywhere".to_string(),
        "(none: members bypass authorization)".to_string(),
        "-".to_string(),
    ]);
    for holder in &answer.holders {
        let subject = match &holder.subject_namespace {
            Some(namespace) if holder.subject_kind == "ServiceAccount" => {
                format!("ServiceAccount {namespace}/{}", holder.subject_name)
            }
            _ => format!("{} {}", holder.subject_kind, holder.subject_name),
        };
        let mut rules: Vec<String> = holder.rules.iter().take(2).map(rule_cell).collect();
        if holder.rules.len() > 2 {
            rules.push(format!("and {} more", holder.rules.len() - 2));
        }
        let mut binding = with_location(holder.binding.describe(), &holder.binding.location);
        if holder.shipped {
            binding.push_str(" [shipped]");
        }
        rows.push(vec![
            subject,
            holder.scope.clone(),
            binding,
            rules.join("; "),
        ]);
    }
    write_table(out, &rows)?;
    if answer.holders.is_empty() {
        writeln!(out, "No binding in the input allows it.")?;
    }
    Ok(())
}

fn resources_cell(rule: &RuleLine) -> String {
    let mut parts = Vec::new();
    if !rule.resources.is_empty() {
        let groups: Vec<&str> = rule
            .api_groups
            .iter()
            .map(|g| if g.is_empty() { "core" } else { g.as_str() })
            .collect();
        let mut text = rule.resources.join(",");
        if groups != ["core"] {
            text.push_str(&format!(" [{}]", groups.join(",")));
        }
        if !rule.resource_names.is_empty() {
            text.push_str(&format!(" named {}", rule.resource_names.join(",")));
        }
        parts.push(text);
    }
    if !rule.non_resource_urls.is_empty() {
        parts.push(format!("URLs {}", rule.non_resource_urls.join(",")));
    }
    parts.join("; ")
}

fn access_table(answer: &AccessAnswer, out: &mut dyn Write) -> io::Result<()> {
    let principal = &answer.principal;
    if principal.username.is_some() {
        writeln!(
            out,
            "Rights of {} (with the groups {}):",
            principal.display,
            principal.groups.join(", ")
        )?;
    } else {
        writeln!(out, "Rights of {}:", principal.display)?;
    }
    if answer.is_master() {
        writeln!(
            out,
            "Members of system:masters bypass authorization: every right, whatever the bindings say."
        )?;
    }
    let mut rows = vec![vec![
        "WHERE".to_string(),
        "VERBS".to_string(),
        "RESOURCES".to_string(),
        "VIA".to_string(),
        "BINDING".to_string(),
        "ROLE RULE".to_string(),
    ]];
    for right in &answer.rights {
        let mut binding = with_location(right.binding.describe(), &right.binding.location);
        if right.shipped {
            binding.push_str(" [shipped]");
        }
        rows.push(vec![
            right.scope.clone(),
            right.rule.verbs.join(","),
            resources_cell(&right.rule),
            right.via_subject.clone(),
            binding,
            rule_cell(&right.rule),
        ]);
    }
    write_table(out, &rows)?;
    if answer.rights.is_empty() {
        writeln!(out, "No binding in the input grants it anything.")?;
    }
    Ok(())
}
