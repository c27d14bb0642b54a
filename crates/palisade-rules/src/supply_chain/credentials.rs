//! Recognising credentials in text, for the secrets rules (this module is not a rule).
//!
//! Everything here answers *whether* a text holds a credential and *what kind*; nothing returns,
//! copies or formats the credential itself, so that no message built from these answers can quote
//! a secret.

use std::sync::LazyLock;

use memchr::memmem;

use crate::secret_names::is_secret_name;

/// One credential found in a text, described for a message. Never holds the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Detection {
    /// What it is: "a PEM private key", "a GitHub personal access token", "a literal value for
    /// `db.password`".
    pub(crate) what: String,
    /// The 1-based line of the text where it is.
    pub(crate) line: usize,
}

/// How many findings one text may produce: a file full of tokens is one problem, not a thousand.
const MAX_DETECTIONS: usize = 5;

/// Longest configuration key quoted in a message.
const MAX_KEY_CHARS: usize = 80;

/// A token recognised by its prefix and the shape of what follows.
struct TokenKind {
    prefix: &'static str,
    what: &'static str,
    /// The characters of the token after its prefix.
    body: fn(u8) -> bool,
    min: usize,
    max: usize,
    /// A further test of the body (structure, digits).
    valid: fn(&[u8]) -> bool,
}

fn alphanumeric(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
}

fn word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn word_or_dash(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

fn alphanumeric_or_dash(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-'
}

fn upper_or_digit(byte: u8) -> bool {
    byte.is_ascii_uppercase() || byte.is_ascii_digit()
}

fn hex(byte: u8) -> bool {
    byte.is_ascii_hexdigit()
}

fn base64_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'=')
}

fn jwt_byte(byte: u8) -> bool {
    word_or_dash(byte) || byte == b'.'
}

fn path_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'/'
}

fn any_body(_: &[u8]) -> bool {
    true
}

fn has_digit(body: &[u8]) -> bool {
    body.iter().any(u8::is_ascii_digit)
}

/// `header.payload.signature`, the payload a JSON object too (`eyJ`).
fn jwt_shape(body: &[u8]) -> bool {
    let parts: Vec<&[u8]> = body.split(|byte| *byte == b'.').collect();
    parts.len() == 3 && parts[0].len() >= 10 && parts[1].len() >= 10 && parts[1].starts_with(b"eyJ")
}

/// SendGrid keys are `SG.<22>.<43>`.
fn sendgrid_shape(body: &[u8]) -> bool {
    body.get(22) == Some(&b'.') && body.iter().filter(|byte| **byte == b'.').count() == 1
}

/// `T…/B…/secret` after `hooks.slack.com/services/`.
fn slack_webhook_shape(body: &[u8]) -> bool {
    body.first() == Some(&b'T') && body.iter().filter(|byte| **byte == b'/').count() >= 2
}

#[rustfmt::skip]
const TOKENS: &[TokenKind] = &[
    TokenKind { prefix: "ghp_", what: "a GitHub personal access token", body: alphanumeric, min: 36, max: 255, valid: any_body },
    TokenKind { prefix: "gho_", what: "a GitHub OAuth token", body: alphanumeric, min: 36, max: 255, valid: any_body },
    TokenKind { prefix: "ghu_", what: "a GitHub app user token", body: alphanumeric, min: 36, max: 255, valid: any_body },
    TokenKind { prefix: "ghs_", what: "a GitHub app installation token", body: alphanumeric, min: 36, max: 255, valid: any_body },
    TokenKind { prefix: "ghr_", what: "a GitHub refresh token", body: alphanumeric, min: 36, max: 255, valid: any_body },
    TokenKind { prefix: "github_pat_", what: "a GitHub fine-grained personal access token", body: word, min: 60, max: 255, valid: any_body },
    TokenKind { prefix: "glpat-", what: "a GitLab personal access token", body: word_or_dash, min: 20, max: 255, valid: any_body },
    TokenKind { prefix: "glrt-", what: "a GitLab runner token", body: word_or_dash, min: 20, max: 255, valid: any_body },
    TokenKind { prefix: "xoxb-", what: "a Slack bot token", body: alphanumeric_or_dash, min: 20, max: 255, valid: has_digit },
    TokenKind { prefix: "xoxp-", what: "a Slack user token", body: alphanumeric_or_dash, min: 20, max: 255, valid: has_digit },
    TokenKind { prefix: "xoxa-", what: "a Slack app token", body: alphanumeric_or_dash, min: 20, max: 255, valid: has_digit },
    TokenKind { prefix: "xoxr-", what: "a Slack refresh token", body: alphanumeric_or_dash, min: 20, max: 255, valid: has_digit },
    TokenKind { prefix: "xoxo-", what: "a Slack token", body: alphanumeric_or_dash, min: 20, max: 255, valid: has_digit },
    TokenKind { prefix: "xoxs-", what: "a Slack token", body: alphanumeric_or_dash, min: 20, max: 255, valid: has_digit },
    TokenKind { prefix: "hooks.slack.com/services/", what: "a Slack incoming-webhook URL", body: path_byte, min: 20, max: 255, valid: slack_webhook_shape },
    TokenKind { prefix: "sk_live_", what: "a Stripe live secret key", body: alphanumeric, min: 20, max: 255, valid: any_body },
    TokenKind { prefix: "rk_live_", what: "a Stripe live restricted key", body: alphanumeric, min: 20, max: 255, valid: any_body },
    TokenKind { prefix: "AIza", what: "a Google API key", body: word_or_dash, min: 35, max: 35, valid: any_body },
    TokenKind { prefix: "npm_", what: "an npm access token", body: alphanumeric, min: 36, max: 36, valid: any_body },
    TokenKind { prefix: "SG.", what: "a SendGrid API key", body: jwt_byte, min: 66, max: 66, valid: sendgrid_shape },
    TokenKind { prefix: "dckr_pat_", what: "a Docker Hub personal access token", body: word_or_dash, min: 20, max: 255, valid: any_body },
    TokenKind { prefix: "hvs.", what: "a HashiCorp Vault token", body: word_or_dash, min: 24, max: 255, valid: any_body },
    TokenKind { prefix: "shpat_", what: "a Shopify access token", body: hex, min: 32, max: 32, valid: any_body },
    TokenKind { prefix: "shpss_", what: "a Shopify shared secret", body: hex, min: 32, max: 32, valid: any_body },
    TokenKind { prefix: "sk-ant-", what: "an Anthropic API key", body: word_or_dash, min: 32, max: 255, valid: any_body },
    TokenKind { prefix: "sk-proj-", what: "an OpenAI API key", body: word_or_dash, min: 32, max: 255, valid: any_body },
    TokenKind { prefix: "pypi-AgEIcHlwaS5vcmc", what: "a PyPI API token", body: word_or_dash, min: 50, max: 512, valid: any_body },
    TokenKind { prefix: "AccountKey=", what: "an Azure storage account key", body: base64_byte, min: 40, max: 255, valid: any_body },
    TokenKind { prefix: "SharedAccessKey=", what: "an Azure shared access key", body: base64_byte, min: 30, max: 255, valid: any_body },
    TokenKind { prefix: "eyJ", what: "a JSON Web Token (a bearer credential)", body: jwt_byte, min: 40, max: 16_384, valid: jwt_shape },
];

/// A finder of each prefix of [`TOKENS`], built once: on the short values ConfigMaps mostly
/// hold, building a substring searcher for every prefix and value cost more than searching.
static TOKEN_FINDERS: LazyLock<Vec<memmem::Finder<'static>>> = LazyLock::new(|| {
    TOKENS
        .iter()
        .map(|kind| memmem::Finder::new(kind.prefix))
        .collect()
});

/// AWS access key ids: `AKIA` (long-term) and `ASIA` (temporary), 16 more upper-case characters.
/// An id alone is not secret; it is reported with a secret access key beside it.
const AWS_KEY_ID_PREFIXES: &[&str] = &["AKIA", "ASIA"];
const AWS_KEY_ID_BODY: usize = 16;
const AWS_SECRET_KEY_LENGTH: usize = 40;

/// Every credential in `text`, at most [`MAX_DETECTIONS`], one per kind.
pub(crate) fn scan(text: &str) -> Vec<Detection> {
    let mut found: Vec<Detection> = Vec::new();
    let add = |found: &mut Vec<Detection>, what: String, offset: usize| {
        if found.len() < MAX_DETECTIONS && !found.iter().any(|d| d.what == what) {
            found.push(Detection {
                what,
                line: line_of(text, offset),
            });
        }
    };

    // Only the first key counts (one finding per kind), and a header says `PRIVATE KEY`: most
    // texts are not split into lines for it.
    if memmem::find(text.as_bytes(), b"PRIVATE KEY").is_some() {
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            if is_private_key_header(line) {
                add(&mut found, "a PEM private key".into(), offset);
                break;
            }
            offset += line.len();
        }
    }

    // A prefix can only be in the text if each of its bytes is: most texts rule out most
    // prefixes before any search.
    let mut present = [false; 256];
    for &byte in text.as_bytes() {
        present[usize::from(byte)] = true;
    }
    let may_hold = |prefix: &str| prefix.bytes().all(|byte| present[usize::from(byte)]);

    for (kind, finder) in TOKENS.iter().zip(TOKEN_FINDERS.iter()) {
        if !may_hold(kind.prefix) {
            continue;
        }
        if let Some(at) = find_token(text, kind, finder) {
            add(&mut found, kind.what.into(), at);
        }
    }

    if AWS_KEY_ID_PREFIXES.iter().any(|prefix| may_hold(prefix))
        && let Some(at) = find_aws_key_pair(text)
    {
        add(
            &mut found,
            "an AWS access key id with its secret access key".into(),
            at,
        );
    }

    // A line already reported for a key or token is not reported again for its setting.
    let reported_lines: Vec<usize> = found.iter().map(|detection| detection.line).collect();
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if !is_comment(line) && !reported_lines.contains(&(index + 1)) {
            if url_with_password(line) {
                add(&mut found, "a URL with an embedded password".into(), offset);
            }
            for (key, value) in assignments(line) {
                if is_secret_name(key) && is_literal_secret(value) {
                    add(
                        &mut found,
                        format!("a literal value for `{}`", shorten(key)),
                        offset,
                    );
                }
            }
        }
        offset += line.len();
    }
    found
}

fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
}

fn shorten(key: &str) -> String {
    if key.chars().count() <= MAX_KEY_CHARS {
        key.to_string()
    } else {
        let mut short: String = key.chars().take(MAX_KEY_CHARS).collect();
        short.push('…');
        short
    }
}

/// `-----BEGIN RSA PRIVATE KEY-----`, `-----BEGIN OPENSSH PRIVATE KEY-----`,
/// `-----BEGIN ENCRYPTED PRIVATE KEY-----`, `-----BEGIN PGP PRIVATE KEY BLOCK-----`, and the
/// three-dash spellings hand-written keys sometimes have.
fn is_private_key_header(line: &str) -> bool {
    let trimmed = line.trim();
    let Some(rest) = trimmed.strip_prefix("---") else {
        return false;
    };
    let rest = rest.trim_start_matches('-');
    rest.starts_with("BEGIN ") && rest.contains("PRIVATE KEY")
}

/// Whether the byte before `at` ends a word, so that a prefix inside a longer word is not a
/// token (`pnpm_…` is not `npm_…`).
fn starts_a_word(bytes: &[u8], at: usize) -> bool {
    at == 0
        || bytes
            .get(at - 1)
            .is_none_or(|byte| !(byte.is_ascii_alphanumeric() || *byte == b'_'))
}

/// The first token of `kind` in `text`; `finder` finds its prefix (non-overlapping matches,
/// left to right, as `str::match_indices`).
fn find_token(text: &str, kind: &TokenKind, finder: &memmem::Finder) -> Option<usize> {
    // Too short to hold the prefix and the shortest body: no search (setting one up costs more
    // than most of the values the rules look at are long).
    if text.len() < kind.prefix.len() + kind.min {
        return None;
    }
    let bytes = text.as_bytes();
    for at in finder.find_iter(bytes) {
        if !starts_a_word(bytes, at) {
            continue;
        }
        let start = at + kind.prefix.len();
        let length = bytes[start..]
            .iter()
            .take(kind.max + 1)
            .take_while(|byte| (kind.body)(**byte))
            .count();
        if length >= kind.min && length <= kind.max && (kind.valid)(&bytes[start..start + length]) {
            return Some(at);
        }
    }
    None
}

/// The offset of an AWS access key id, when the text also holds something shaped like its
/// secret access key (40 characters of base64).
fn find_aws_key_pair(text: &str) -> Option<usize> {
    if text.len() < AWS_KEY_ID_PREFIXES[0].len() + AWS_KEY_ID_BODY {
        return None;
    }
    let bytes = text.as_bytes();
    let id_at = AWS_KEY_ID_PREFIXES.iter().find_map(|prefix| {
        text.match_indices(prefix).map(|(at, _)| at).find(|&at| {
            let start = at + prefix.len();
            let length = bytes[start..]
                .iter()
                .take(AWS_KEY_ID_BODY + 1)
                .take_while(|byte| upper_or_digit(**byte))
                .count();
            starts_a_word(bytes, at)
                && length == AWS_KEY_ID_BODY
                && bytes
                    .get(start + length)
                    .is_none_or(|byte| !byte.is_ascii_alphanumeric())
        })
    })?;
    let has_secret = bytes
        .split(|byte| !(byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/')))
        .any(|run| {
            run.len() == AWS_SECRET_KEY_LENGTH
                && run.iter().any(u8::is_ascii_lowercase)
                && run.iter().any(u8::is_ascii_uppercase)
                && run.iter().any(u8::is_ascii_digit)
        });
    has_secret.then_some(id_at)
}

/// A comment line of the usual configuration formats.
fn is_comment(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with('#')
        || trimmed.starts_with("//")
        || trimmed.starts_with(';')
        || trimmed.starts_with("<!--")
        || trimmed.starts_with("-- ")
        || trimmed.starts_with("* ")
        || trimmed.starts_with("/*")
}

/// `scheme://user:password@host`, with a password that is written out.
fn url_with_password(line: &str) -> bool {
    line.match_indices("://").any(|(at, _)| {
        let rest = &line[at + 3..];
        let authority_end = rest
            .find(|c: char| {
                c.is_whitespace()
                    || matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | ',' | '`')
            })
            .unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let Some((userinfo, host)) = authority.rsplit_once('@') else {
            return false;
        };
        let Some((_, password)) = userinfo.split_once(':') else {
            return false;
        };
        !host.is_empty() && is_literal_secret(password)
    })
}

/// The `key = value` / `key: value` / `"key": "value"` / `--key=value` / `<key>value</key>` /
/// `key="value"` pairs of one line of a configuration file.
fn assignments(line: &str) -> Vec<(&str, &str)> {
    let mut trimmed = line.trim();
    while let Some(rest) = trimmed.strip_prefix("- ") {
        trimmed = rest.trim_start();
    }
    if let Some(rest) = trimmed.strip_prefix("export ") {
        trimmed = rest.trim_start();
    }
    if trimmed.starts_with('<') {
        return xml_pairs(trimmed);
    }
    let Some(separator) = trimmed.find([':', '=']) else {
        return Vec::new();
    };
    let key = unquote(trimmed[..separator].trim()).trim_start_matches('-');
    let value = &trimmed[separator + 1..];
    // In YAML a colon separates only when a space (or the end) follows: `http://x` is no key.
    if trimmed.as_bytes()[separator] == b':'
        && !(value.is_empty() || value.starts_with([' ', '\t']))
    {
        return Vec::new();
    }
    if !is_config_key(key) {
        return Vec::new();
    }
    vec![(key, scalar(value))]
}

fn is_config_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 200
        && key
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-'))
}

fn unquote(text: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = text
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner;
        }
    }
    text
}

/// The value part of an assignment: a quoted string up to its closing quote, else the text up to
/// a trailing comment, without a trailing `,` or `;`.
fn scalar(value: &str) -> &str {
    let value = value.trim();
    for quote in ['"', '\''] {
        if let Some(rest) = value.strip_prefix(quote) {
            return match rest.find(quote) {
                Some(end) => &rest[..end],
                None => rest,
            };
        }
    }
    let value = match value.find(" #").or_else(|| value.find(" ;")) {
        Some(comment) => &value[..comment],
        None => value,
    };
    value.trim().trim_end_matches([',', ';']).trim()
}

/// `<password>x</password>` and the attributes `password="x"` of one XML line.
fn xml_pairs(line: &str) -> Vec<(&str, &str)> {
    let mut pairs = Vec::new();
    if let Some(rest) = line.strip_prefix('<')
        && let Some(close) = rest.find('>')
    {
        let name = &rest[..close];
        let content = &rest[close + 1..];
        if is_config_key(name)
            && let Some(end) = content.find("</")
            && content[end + 2..].starts_with(name)
        {
            pairs.push((name, content[..end].trim()));
        }
    }
    let bytes = line.as_bytes();
    for (at, _) in line.match_indices('=') {
        let Some(quote) = bytes
            .get(at + 1)
            .copied()
            .filter(|b| matches!(b, b'"' | b'\''))
        else {
            continue;
        };
        let name_start = line[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':')))
            .map_or(0, |space| space + 1);
        let name = &line[name_start..at];
        let value_start = at + 2;
        let Some(length) = line[value_start..].find(quote as char) else {
            continue;
        };
        if is_config_key(name) {
            pairs.push((name, &line[value_start..value_start + length]));
        }
    }
    pairs
}

/// Values that switch something on or off rather than hold a secret.
const SWITCHES: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "null", "none", "nil", "~", "0", "1", "enabled",
    "disabled", "redacted",
];

/// Prefixes of values that say where a secret lives instead of holding it.
const REFERENCE_PREFIXES: &[&str] = &[
    "env:",
    "file:",
    "vault:",
    "ref+",
    "secretref:",
    "arn:aws:secretsmanager:",
    "arn:aws:ssm:",
    "projects/",
];

/// Whether `value`, written under a secret-like name, is the secret written out: not empty, not
/// a switch (`true`, `1`), not a reference to where the secret lives (`$(VAR)`, `${VAR}`,
/// `{{ .Values.x }}`, `<your-password>`, `/run/secrets/db`), not masked (`****`) and not
/// public material (a certificate, an SSH public key).
pub(crate) fn is_literal_secret(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty()
        || SWITCHES.iter().any(|word| value.eq_ignore_ascii_case(word))
        || !value.chars().any(char::is_alphanumeric)
        || is_reference(value)
        || is_placeholder(value)
        || is_path(value)
        || is_public_material(value)
    {
        return false;
    }
    true
}

/// A placeholder or a reference: templates, variables, `<...>`.
pub(crate) fn is_reference(value: &str) -> bool {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    value.contains("{{")
        || value.contains("${")
        || value.contains("$(")
        || value.contains("%(")
        || value.contains("#{")
        || value
            .strip_prefix('$')
            .and_then(|rest| rest.chars().next())
            .is_some_and(|next| next.is_ascii_alphabetic() || next == '_')
        || (value.starts_with('<') && value.ends_with('>'))
        || REFERENCE_PREFIXES
            .iter()
            .any(|prefix| lower.starts_with(prefix))
}

/// Documentation placeholders (`your-token-here`, `REPLACE_ME`) and the `__SERVICEACCOUNT_TOKEN__`
/// markers an installer substitutes.
fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    let substitution = value.len() > 4
        && value.starts_with("__")
        && value.ends_with("__")
        && value[2..value.len() - 2]
            .bytes()
            .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || byte == b'_');
    substitution
        || words.first() == Some(&"your")
        || words.windows(2).any(|pair| pair == ["replace", "me"])
        || lower.contains("replaceme")
        || words.last() == Some(&"here")
}

/// An absolute file path such as `/var/run/secrets/gcp/key.json` (`GOOGLE_APPLICATION_CREDENTIALS`).
fn is_path(value: &str) -> bool {
    let Some(rest) = value.strip_prefix('/').or_else(|| value.strip_prefix("~/")) else {
        return false;
    };
    rest.contains('/')
        && value.bytes().all(|byte| {
            byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'.' | b'_' | b'-' | b'~')
        })
}

/// Certificates and public keys: material meant to be shared.
pub(crate) fn is_public_material(text: &str) -> bool {
    let trimmed = text.trim_start();
    if [
        "ssh-rsa ",
        "ssh-ed25519 ",
        "ssh-dss ",
        "ecdsa-sha2-",
        "sk-ssh-ed25519",
    ]
    .iter()
    .any(|prefix| trimmed.starts_with(prefix))
    {
        return !text.contains("PRIVATE KEY");
    }
    let mut headers = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("-----BEGIN "))
        .peekable();
    if headers.peek().is_none() {
        return false;
    }
    headers.all(|header| {
        [
            "CERTIFICATE",
            "TRUSTED CERTIFICATE",
            "PUBLIC KEY",
            "X509 CRL",
            "PGP PUBLIC KEY",
        ]
        .iter()
        .any(|public| header.starts_with(public) || header.starts_with(&format!("RSA {public}")))
    }) && !text.contains("PRIVATE KEY")
}

/// File extensions of configuration files, whose content is judged line by line rather than by
/// the name of the key that holds them.
const CONFIG_EXTENSIONS: &[&str] = &[
    "ini",
    "conf",
    "cfg",
    "cnf",
    "config",
    "yaml",
    "yml",
    "json",
    "toml",
    "properties",
    "xml",
    "env",
    "hcl",
    "tpl",
    "tmpl",
    "lua",
    "js",
    "py",
    "sh",
    "rules",
    "md",
    "txt",
    "html",
    "css",
    "j2",
    "jinja",
    "rego",
];

/// Whether a data key names a configuration file (`grafana.ini`, `alertmanager.yaml`).
pub(crate) fn is_config_file_name(key: &str) -> bool {
    key.rsplit_once('.').is_some_and(|(stem, extension)| {
        !stem.is_empty()
            && CONFIG_EXTENSIONS
                .iter()
                .any(|known| extension.eq_ignore_ascii_case(known))
    })
}

/// Decodes standard base64 (the encoding of Secret `data` and ConfigMap `binaryData`), ignoring
/// line breaks. `None` when the text is not base64.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    // Kubernetes writes padded standard base64; people also paste it unpadded or wrapped.
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let symbols: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    LENIENT.decode(symbols).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<String> {
        scan(text).into_iter().map(|d| d.what).collect()
    }

    #[test]
    fn private_keys() {
        for header in [
            "-----BEGIN PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "-----BEGIN EC PRIVATE KEY-----",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----",
            "-----BEGIN PGP PRIVATE KEY BLOCK-----",
            "  ---BEGIN OPENSSH PRIVATE KEY---",
        ] {
            let text = format!("a: b\n{header}\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END-----\n");
            let found = scan(&text);
            assert_eq!(found.len(), 1, "{header}");
            assert_eq!(found[0].what, "a PEM private key");
            assert_eq!(found[0].line, 2);
        }
        assert!(scan("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----").is_empty());
        assert!(scan("-----BEGIN PUBLIC KEY-----\nMIIB\n").is_empty());
        assert!(scan("the words BEGIN PRIVATE KEY in prose").is_empty());
    }

    #[test]
    fn tokens_by_prefix() {
        let cases = [
            (
                "token: ghp_0123456789abcdefghijABCDEFGHIJ012345",
                "a GitHub personal access token",
            ),
            (
                "gho_0123456789abcdefghijABCDEFGHIJ012345",
                "a GitHub OAuth token",
            ),
            (
                "x=ghs_0123456789abcdefghijABCDEFGHIJ012345",
                "a GitHub app installation token",
            ),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
                "a GitHub fine-grained personal access token",
            ),
            (
                "glpat-abcdefghij0123456789",
                "a GitLab personal access token",
            ),
            (
                "xoxb-1234567890-1234567890123-abcdefghijABCDEFGHIJ",
                "a Slack bot token",
            ),
            (
                "https://hooks.slack.com/services/T00000000/B00000000/abcdefghijABCDEFGHIJabcd",
                "a Slack incoming-webhook URL",
            ),
            (
                "sk_live_abcdefghij0123456789ABCD",
                "a Stripe live secret key",
            ),
            (
                "rk_live_abcdefghij0123456789ABCD",
                "a Stripe live restricted key",
            ),
            (
                "key=AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
                "a Google API key",
            ),
            (
                "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789",
                "an npm access token",
            ),
            (
                "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ",
                "a SendGrid API key",
            ),
            (
                "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP0123==;",
                "an Azure storage account key",
            ),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "a JSON Web Token (a bearer credential)",
            ),
            (
                "hvs.CAESIJabcdefghijklmnopqrstuvwxyz012345",
                "a HashiCorp Vault token",
            ),
        ];
        for (text, what) in cases {
            assert_eq!(kinds(text), vec![what.to_string()], "{text}");
        }
    }

    #[test]
    fn near_misses_are_not_tokens() {
        for text in [
            "ghp_short",
            "xoxb-your-token-here-please",
            "sk_test_abcdefghij0123456789ABCD",
            "pnpm_abcdefghijklmnopqrstuvwxyz0123456789",
            "AIzaTooShort",
            "image: eyJhbGciOiJIUzI1NiJ9",
            "AKIAIOSFODNN7EXAMPLE",
            "SG.abc",
            "https://hooks.slack.com/services/YOUR/WEBHOOK/URL",
        ] {
            assert!(scan(text).is_empty(), "{text}: {:?}", scan(text));
        }
    }

    #[test]
    fn aws_key_ids_need_their_secret() {
        let id_only = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE";
        assert!(scan(id_only).is_empty());
        let pair = "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        assert_eq!(
            kinds(pair),
            vec!["an AWS access key id with its secret access key".to_string()]
        );
    }

    #[test]
    fn assignments_in_configuration_files() {
        let text = "\
[database]
user = app
password = hunter2
# password = commented-out
token: \"abc123\"
api_key: ${API_KEY}
secret: {{ .Values.secret }}
password_file: /run/secrets/db
existingSecret: my-secret
db.password=s3cr3t
\"clientSecret\": \"xyz\",
password: |
password:
password: \"\"
password: true
<password>p4ss</password>
<user name=\"admin\" password=\"tomcat\" roles=\"manager-gui\"/>
--token=abcdef
export DB_PASS=letmein
";
        let found = scan(text);
        let described: Vec<(String, usize)> =
            found.iter().map(|d| (d.what.clone(), d.line)).collect();
        assert_eq!(
            described,
            vec![
                ("a literal value for `password`".to_string(), 3),
                ("a literal value for `token`".to_string(), 5),
                ("a literal value for `db.password`".to_string(), 10),
                ("a literal value for `clientSecret`".to_string(), 11),
                ("a literal value for `DB_PASS`".to_string(), 19),
            ]
            .into_iter()
            .take(MAX_DETECTIONS)
            .collect::<Vec<_>>()
        );
        let xml =
            "<password>p4ss</password>\n<user name=\"admin\" password=\"tomcat\"/>\n--token=abcdef";
        let found = scan(xml);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].what, "a literal value for `password`");
        assert_eq!(found[1].what, "a literal value for `token`");
        assert_eq!(found[1].line, 3);
    }

    #[test]
    fn what_is_not_an_assignment() {
        for text in [
            "url: http://example.com",
            "expr: sum(rate(apiserver_request_total[5m]))",
            "- name: istio-token",
            "  mountPath: /var/run/secrets/tokens",
            "tokenPath: /var/run/secrets/token",
            "description: The token expired, request a new one",
            "password = %(db_password)s",
            "password: <your-password>",
            "password: ****",
            "password: $DB_PASSWORD",
            "\"password\": \"\",",
        ] {
            assert!(scan(text).is_empty(), "{text}: {:?}", scan(text));
        }
    }

    #[test]
    fn urls_with_passwords() {
        assert_eq!(
            kinds("DATABASE_URL=postgres://app:s3cret@db:5432/app"),
            vec!["a URL with an embedded password".to_string()]
        );
        assert_eq!(
            kinds("redis://:s3cret@redis:6379/0"),
            vec!["a URL with an embedded password".to_string()]
        );
        for text in [
            "postgres://app@db:5432/app",
            "postgres://app:$(DB_PASSWORD)@db/app",
            "postgres://app:${DB_PASSWORD}@db/app",
            "http://example.com/a:b@c",
            "# postgres://user:password@host/db",
            "ssh://git@github.com/org/repo",
        ] {
            assert!(scan(text).is_empty(), "{text}: {:?}", scan(text));
        }
    }

    #[test]
    fn literal_secrets() {
        for value in [
            "hunter2",
            "xxxxx",
            "a",
            "p@ss w0rd",
            "пароль",
            "$2y$12$abcdef",
        ] {
            assert!(is_literal_secret(value), "{value}");
        }
        for value in [
            "",
            "  ",
            "true",
            "NO",
            "1",
            "|",
            "****",
            "$(DB_PASSWORD)",
            "${DB_PASSWORD}",
            "$DB_PASSWORD",
            "{{ .Values.password }}",
            "<password>",
            "/var/secrets/google/key.json",
            "~/.aws/credentials",
            "env:DB_PASSWORD",
            "xoxb-your-token-here",
            "your_password",
            "REPLACE_ME",
            "paste-the-key-here",
            "__SERVICEACCOUNT_TOKEN__",
            "arn:aws:secretsmanager:eu-west-1:123:secret:db",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI user@host",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        ] {
            assert!(!is_literal_secret(value), "{value:?}");
        }
    }

    #[test]
    fn public_material() {
        assert!(is_public_material(
            "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nB\n"
        ));
        assert!(!is_public_material(
            "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nB\n"
        ));
        assert!(!is_public_material("plain text"));
        assert!(!is_public_material(""));
    }

    #[test]
    fn config_file_names() {
        for key in [
            "grafana.ini",
            "alertmanager.yaml",
            "app.JSON",
            "nginx.conf",
            ".env.env",
        ] {
            assert!(is_config_file_name(key), "{key}");
        }
        for key in [
            "password",
            "tls.key",
            ".dockerconfigjson",
            "ca.crt",
            ".ini",
            "token",
        ] {
            assert!(!is_config_file_name(key), "{key}");
        }
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVsbG8h").as_deref(), Some(&b"hello!"[..]));
        assert_eq!(decode_base64("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_base64("aGVs\nbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(decode_base64("a"), None);
        assert_eq!(decode_base64("aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("ä"), None);
    }

    #[test]
    fn hostile_texts() {
        let huge = "a".repeat(5_000_000);
        assert!(scan(&huge).is_empty());
        let many_prefixes = "ghp_".repeat(200_000);
        assert!(scan(&many_prefixes).is_empty());
        let many_lines = "password: x\n".repeat(100_000);
        assert_eq!(scan(&many_lines).len(), 1);
        let unicode = "pässwörd: ✓\nтокен: значение\n🔑: 🔒\n";
        assert!(scan(unicode).is_empty());
        let binary = String::from_utf8_lossy(&[0xff, 0x00, 0xfe, b'=', b':', 0x80]).into_owned();
        assert!(scan(&binary).is_empty());
        assert!(!is_literal_secret(&"*".repeat(1_000_000)));
        assert!(decode_base64(&"QUJD".repeat(1_000_000)).is_some());
    }

    /// The secrets rules on objects of the wrong shape: no panic, no finding.
    #[test]
    fn odd_objects() {
        let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: odd}
spec:
  containers:
    - null
    - name: 7
      image: [mongo]
      env: {DB_PASSWORD: x}
      envFrom: null
      command: {a: b}
    - name: c
      image: mongo:7
      env: [null, 3, {name: null, value: x}, {name: PASSWORD, value: null}, {name: TOKEN, value: [a]}]
      args: [null, 5, ""]
      volumeMounts: [{mountPath: null}]
  initContainers: {}
  ephemeralContainers: "x"
---
apiVersion: v1
kind: Secret
metadata:
  name: odd
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: "{not json Secret"
type: [a]
data: [a, b]
stringData: "text"
---
apiVersion: v1
kind: Secret
metadata:
  name: odd-values
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '["Secret"]'
data: {a: null, b: ""}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: odd}
data: [password]
binaryData: {token: "%%%", key: 12}
"#;
        let loaded = palisade_load::load_str("odd.yaml", yaml);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let inventory = palisade_model::Inventory::from_objects(loaded.objects);
        let outcome = crate::engine::check(&inventory, &crate::config::Config::default());
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        let ours: Vec<String> = outcome
            .findings
            .iter()
            .filter(|f| {
                [
                    "secret-in-env-var",
                    "default-credentials",
                    "secret-in-manifest",
                    "credential-in-configmap",
                ]
                .contains(&f.rule.as_ref())
            })
            .map(|f| format!("{} {} {}", f.rule, f.path, f.message))
            .collect();
        // Only the mongo server without credentials is a finding here.
        assert_eq!(ours.len(), 1, "{ours:#?}");
        assert!(
            ours[0].starts_with("default-credentials /spec/containers/2/env"),
            "{ours:?}"
        );
    }
}
