//! Whether an image reference imitates a popular image, publisher or registry (this module is
//! not a rule; `typosquatted_image` reports what it finds).
//!
//! A name resembles a reference name when it is spelled with look-alike characters (`0` for
//! `o`, `rn` for `m`, a Cyrillic `х` for `x`), or when it is a small Damerau-Levenshtein
//! distance away. How small depends on the length of the reference name, because one edit of a
//! short name reaches many innocent words (`unit` is one letter from `init`, `node` from
//! `nodes`) while one or two edits of a long name almost never do:
//!
//! | reference length | what counts |
//! | --- | --- |
//! | any | look-alike characters |
//! | 3 and more | one transposition (`ngnix`), one doubled letter (`nginnx`) |
//! | 5 and more | one added, dropped or changed letter (`ngnx`, `mysql8`) |
//! | 9 and more (12 for a registry host) | two edits (`elastisearh`, `pubilc.ecr.aw`) |
//!
//! The first two rows are "telling" resemblances: nobody names their own image `ngnix` or
//! `bitnarni` by accident of taste. Where a name is plausibly someone's own choice (a
//! repository in a user's namespace: `someuser/redis6`, `someuser/nodes`), only telling
//! resemblances count.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::image_ref::ImageRef;
use crate::supply_chain::popular_images::{
    OFFICIAL_MIRRORS, OTHER_GENUINE_REGISTRIES, POPULAR_NAMESPACED, POPULAR_REGISTRIES,
    RESERVED_LIBRARY_NAMES, TRUSTED_PUBLISHERS, Tier, is_official, official_images,
};

/// Names longer than this are not image names (the distribution spec caps a whole name at 255
/// characters); they are never compared, so hostile input stays cheap.
const MAX_COMPONENT: usize = 255;

/// How a name differs from the name it resembles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Resemblance {
    /// The same name once look-alike characters are read as what they imitate.
    LookAlike,
    /// Two adjacent characters swapped.
    Transposed,
    /// One character written twice.
    Doubled(char),
    /// One character left out.
    Dropped(char),
    /// One character added.
    Added(char),
    /// One character changed.
    Substituted,
    /// Two edits of any kind.
    TwoEdits,
}

impl Resemblance {
    /// Resemblances nobody arrives at by choosing a name of their own.
    fn is_telling(&self) -> bool {
        matches!(
            self,
            Resemblance::LookAlike | Resemblance::Transposed | Resemblance::Doubled(_)
        )
    }

    /// Closer resemblances sort first.
    fn rank(&self) -> u8 {
        match self {
            Resemblance::LookAlike => 0,
            Resemblance::Transposed | Resemblance::Doubled(_) => 1,
            Resemblance::Dropped(_) | Resemblance::Added(_) | Resemblance::Substituted => 2,
            Resemblance::TwoEdits => 3,
        }
    }

    /// Whether it is close enough to report for a reference of `reference_len` characters
    /// (the table in the module documentation), under `strictness`.
    fn counts(&self, reference_len: usize, strictness: Strictness) -> bool {
        if strictness == Strictness::TellingOnly && !self.is_telling() {
            return false;
        }
        let two_edits_from = match strictness {
            Strictness::Host => 12,
            _ => 9,
        };
        match self {
            Resemblance::LookAlike => true,
            Resemblance::Transposed | Resemblance::Doubled(_) => reference_len >= 3,
            Resemblance::Dropped(_) | Resemblance::Added(_) | Resemblance::Substituted => {
                reference_len >= 5
            }
            Resemblance::TwoEdits => reference_len >= two_edits_from,
        }
    }
}

/// Which resemblances count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strictness {
    /// The table in the module documentation.
    ByLength,
    /// Only telling resemblances: for names someone may have chosen as their own.
    TellingOnly,
    /// The table, but two edits only of hosts of 12 characters or more: two edits of
    /// `docker.io` already reach an internal mirror such as `docker.int`.
    Host,
}

/// How `candidate` resembles `reference`, if it is within two edits or spelled with look-alike
/// characters. Both are compared in lower case; equal names do not resemble, they are the same.
#[cfg(test)]
pub(crate) fn resemblance(candidate: &str, reference: &str) -> Option<Resemblance> {
    ComparableName::new(candidate)?.resembles(&ComparableName::new(reference)?)
}

/// A name prepared for comparison once, so that comparing one image with every reference name
/// allocates nothing and skips the edit distance for names of very different lengths.
pub(crate) struct ComparableName {
    lower: String,
    skeleton: String,
    lower_chars: usize,
    skeleton_chars: usize,
}

impl ComparableName {
    pub(crate) fn new(name: &str) -> Option<ComparableName> {
        // Checked on bytes first (a character is at most four), so a huge name costs nothing.
        if name.is_empty() || name.len() > 4 * MAX_COMPONENT {
            return None;
        }
        let lower = name.to_lowercase();
        let lower_chars = lower.chars().count();
        if lower_chars > MAX_COMPONENT {
            return None;
        }
        let skeleton = skeleton(&lower);
        let skeleton_chars = skeleton.chars().count();
        Some(ComparableName {
            lower,
            skeleton,
            lower_chars,
            skeleton_chars,
        })
    }

    pub(crate) fn resembles(&self, reference: &ComparableName) -> Option<Resemblance> {
        if self.lower == reference.lower {
            return None;
        }
        if self.skeleton == reference.skeleton {
            return Some(Resemblance::LookAlike);
        }
        // A name with characters from outside ASCII is compared by its skeleton: `nginхx` (with
        // a Cyrillic х) is then a doubled letter of `nginx`. An ASCII name is compared as
        // written, so that `redis5` stays one added letter of `redis` instead of `rediss`.
        if self.lower.is_ascii() {
            if self.lower_chars.abs_diff(reference.lower_chars) > 2 {
                return None;
            }
            edit(&self.lower, &reference.lower)
        } else {
            if self.skeleton_chars.abs_diff(reference.skeleton_chars) > 2 {
                return None;
            }
            edit(&self.skeleton, &reference.skeleton)
        }
    }
}

/// Whether two ASCII names are certainly more than two edits apart: each edit adds at most one
/// character the other name lacks and removes at most one (a transposition neither), so the
/// larger of the two sides of their difference as multisets of characters is at most their
/// Damerau-Levenshtein distance. Most image names differ from most references in far more
/// characters, and this rules them out without computing the distance (which allocated and
/// took most of the typosquatting rule's time).
fn certainly_more_than_two_edits_apart(candidate: &str, reference: &str) -> bool {
    if !candidate.is_ascii() || !reference.is_ascii() {
        return false;
    }
    let mut balance = [0i32; 128];
    for byte in candidate.bytes() {
        balance[usize::from(byte)] += 1;
    }
    for byte in reference.bytes() {
        balance[usize::from(byte)] -= 1;
    }
    let (only_in_candidate, only_in_reference) =
        balance
            .iter()
            .fold((0, 0), |(extra, missing), &count| match count {
                count if count > 0 => (extra + count, missing),
                count => (extra, missing - count),
            });
    only_in_candidate.max(only_in_reference) > 2
}

/// The Damerau-Levenshtein resemblance of two names, up to two edits.
fn edit(candidate: &str, reference: &str) -> Option<Resemblance> {
    if certainly_more_than_two_edits_apart(candidate, reference) {
        return None;
    }
    let written: Vec<char> = candidate.chars().collect();
    let expected: Vec<char> = reference.chars().collect();
    if written.len().abs_diff(expected.len()) > 2 {
        return None;
    }
    match strsim::damerau_levenshtein(candidate, reference) {
        1 => Some(single_edit(&written, &expected)),
        2 => Some(Resemblance::TwoEdits),
        _ => None,
    }
}

/// Which single edit turns `expected` into `written` (they are one edit apart).
fn single_edit(written: &[char], expected: &[char]) -> Resemblance {
    let first_difference = written
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(written.len().min(expected.len()));
    let at = first_difference;
    if written.len() == expected.len() {
        let swapped = at + 1 < written.len()
            && written[at] == expected[at + 1]
            && written[at + 1] == expected[at];
        if swapped {
            Resemblance::Transposed
        } else {
            Resemblance::Substituted
        }
    } else if written.len() > expected.len() {
        let extra = written[at];
        let doubled = (at > 0 && written[at - 1] == extra) || written.get(at + 1) == Some(&extra);
        if doubled {
            Resemblance::Doubled(extra)
        } else {
            Resemblance::Added(extra)
        }
    } else {
        Resemblance::Dropped(expected[at])
    }
}

/// The name with look-alike characters replaced by what they imitate: letters from other
/// scripts and accented letters by ASCII ones, invisible characters removed, `rn` read as `m`,
/// `vv` as `w`, `cl` as `d`, digits as the letters they resemble, and `1`, `i`, `l` as one.
pub(crate) fn skeleton(name: &str) -> String {
    let mut ascii = String::with_capacity(name.len());
    for character in name.chars().flat_map(char::to_lowercase) {
        if is_invisible(character) {
            continue;
        }
        match confusable(character) {
            Some(replacement) => ascii.push(replacement),
            None => ascii.push(character),
        }
    }
    let merged = ascii
        .replace("rn", "m")
        .replace("vv", "w")
        .replace("cl", "d");
    merged
        .chars()
        .map(|character| match character {
            '0' => 'o',
            '1' | 'i' | '|' | '!' => 'l',
            '5' => 's',
            '_' => '-',
            other => other,
        })
        .collect()
}

fn is_invisible(character: char) -> bool {
    matches!(
        character,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

/// The ASCII letter a character from another script (or an accented or full-width letter) is
/// mistaken for.
fn confusable(character: char) -> Option<char> {
    if ('\u{FF01}'..='\u{FF5E}').contains(&character) {
        // Full-width forms of the printable ASCII characters.
        return char::from_u32(character as u32 - 0xFEE0).map(|c| c.to_ascii_lowercase());
    }
    let ascii = match character {
        // Cyrillic.
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' => 'e',
        'һ' | 'н' => 'h',
        'і' | 'ї' => 'i',
        'ј' => 'j',
        'к' => 'k',
        'ӏ' => 'l',
        'м' => 'm',
        'о' => 'o',
        'р' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'ԝ' => 'w',
        'х' => 'x',
        'ԁ' => 'd',
        'ԍ' => 'g',
        'п' => 'n',
        // Greek.
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'γ' => 'y',
        'ω' => 'w',
        // Latin letters that pass for plain ones.
        'ı' => 'i',
        'ɡ' => 'g',
        'ʟ' => 'l',
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'ğ' | 'ģ' => 'g',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => 'i',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ŕ' | 'ř' => 'r',
        'ś' | 'ş' | 'š' => 's',
        'ţ' | 'ť' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        _ => return None,
    };
    Some(ascii)
}

/// One reference name: what it is called, how a message names it, and its tier.
struct Reference {
    name: &'static str,
    /// `name`, prepared for comparison.
    comparable: Option<ComparableName>,
    /// ``the official image `nginx` ``, ``the publisher `bitnami` ``.
    description: String,
    tier: Tier,
}

/// The closest reference that `candidate` resembles closely enough.
fn closest<'r>(
    candidate: &str,
    references: impl IntoIterator<Item = &'r Reference>,
    strictness: Strictness,
) -> Option<(&'r Reference, Resemblance)> {
    let candidate = ComparableName::new(candidate)?;
    references
        .into_iter()
        .enumerate()
        .filter_map(|(order, reference)| {
            let found = candidate.resembles(reference.comparable.as_ref()?)?;
            found
                .counts(reference.name.chars().count(), strictness)
                .then_some((order, reference, found))
        })
        .min_by_key(|(order, reference, found)| (found.rank(), reference.tier, *order))
        .map(|(_, reference, found)| (reference, found))
}

fn official_references() -> &'static [Reference] {
    static REFERENCES: OnceLock<Vec<Reference>> = OnceLock::new();
    REFERENCES.get_or_init(|| {
        official_images()
            .map(|(name, tier)| Reference {
                name,
                comparable: ComparableName::new(name),
                description: match tier {
                    Tier::Deprecated => format!("the (deprecated) official image `{name}`"),
                    _ => format!("the official image `{name}`"),
                },
                tier,
            })
            .collect()
    })
}

fn popular_repository_references() -> &'static [Reference] {
    static REFERENCES: OnceLock<Vec<Reference>> = OnceLock::new();
    REFERENCES.get_or_init(|| {
        POPULAR_NAMESPACED
            .iter()
            .map(|(namespace, repository)| Reference {
                name: repository,
                comparable: ComparableName::new(repository),
                description: format!("the popular image `{namespace}/{repository}`"),
                tier: Tier::One,
            })
            .collect()
    })
}

fn publisher_references() -> &'static [Reference] {
    static REFERENCES: OnceLock<Vec<Reference>> = OnceLock::new();
    REFERENCES.get_or_init(|| {
        TRUSTED_PUBLISHERS
            .iter()
            .map(|name| Reference {
                name,
                comparable: ComparableName::new(name),
                description: if *name == "library" {
                    "`library`, the Docker Hub namespace of the official images".to_string()
                } else {
                    format!("the publisher `{name}`")
                },
                tier: if *name == "library" {
                    Tier::One
                } else {
                    Tier::Two
                },
            })
            .collect()
    })
}

fn registry_references() -> &'static [Reference] {
    static REFERENCES: OnceLock<Vec<Reference>> = OnceLock::new();
    REFERENCES.get_or_init(|| {
        POPULAR_REGISTRIES
            .iter()
            .map(|name| Reference {
                name,
                comparable: ComparableName::new(name),
                description: format!("the registry `{name}`"),
                tier: Tier::One,
            })
            .collect()
    })
}

/// What an image imitates, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Impersonation {
    /// The imitated name: `nginx`, `docker.io`, `bitnami`, `grafana/grafana`.
    pub imitated: String,
    /// One sentence saying what imitates what, and how.
    pub explanation: String,
}

impl Impersonation {
    /// `subject` names `name` in the message: `` `ngnix` ``, ``the registry host `dockerr.io` ``.
    fn near_miss(
        subject: &str,
        name: &str,
        reference: &Reference,
        resemblance: &Resemblance,
    ) -> Self {
        Impersonation {
            imitated: reference.name.to_string(),
            explanation: explain(subject, name, reference, resemblance),
        }
    }
}

/// Whether `image` imitates a popular registry, publisher or image. The real official images
/// under any spelling (`nginx`, `docker.io/library/nginx:1.27`) and the exact names of other
/// official images never do.
pub(crate) fn impersonation(image: &ImageRef) -> Option<Impersonation> {
    // A cluster runs the same few images in many workloads, and comparing one name with every
    // reference is the costly part: remember the answers, per worker thread, within a bound.
    const REMEMBERED: usize = 4096;
    thread_local! {
        static ANSWERS: RefCell<HashMap<(String, String), Option<Impersonation>>> =
            RefCell::new(HashMap::new());
    }
    let key = (image.registry.clone(), image.path.clone());
    if let Some(answer) = ANSWERS.with(|answers| answers.borrow().get(&key).cloned()) {
        return answer;
    }
    let answer = judge_impersonation(image);
    ANSWERS.with(|answers| {
        let mut answers = answers.borrow_mut();
        if answers.len() >= REMEMBERED {
            answers.clear();
        }
        answers.insert(key, answer.clone());
    });
    answer
}

fn judge_impersonation(image: &ImageRef) -> Option<Impersonation> {
    // Longer names are refused by every registry, so nothing can be pulled under them.
    if image.registry.len() + image.path.len() > 4 * MAX_COMPONENT
        || image.registry.chars().count() + 1 + image.path.chars().count() > MAX_COMPONENT
    {
        return None;
    }
    if image.explicit_registry
        && let Some(found) = registry_impersonation(&image.registry)
    {
        return Some(found);
    }
    if let Some(name) = library_name(image) {
        return library_impersonation(name);
    }
    if image.is_docker_hub() {
        return namespace_impersonation(&image.path);
    }
    None
}

/// The official-image name an image asks for, on Docker Hub or on a mirror of it.
fn library_name(image: &ImageRef) -> Option<&str> {
    let name = match image.official_name() {
        Some(name) => name,
        None => OFFICIAL_MIRRORS
            .iter()
            .find(|(host, _)| *host == image.registry)
            .and_then(|(_, prefix)| image.path.strip_prefix(prefix))?,
    };
    (!name.contains('/')).then_some(name)
}

fn library_impersonation(name: &str) -> Option<Impersonation> {
    let name = name.to_lowercase();
    if is_official(&name) {
        return None;
    }
    let (reference, found) = closest(&name, official_references(), Strictness::ByLength)?;
    Some(Impersonation::near_miss(
        &format!("`{name}`"),
        &name,
        reference,
        &found,
    ))
}

/// A Docker Hub image outside `library/`: `namespace/repository`.
fn namespace_impersonation(path: &str) -> Option<Impersonation> {
    let path = path.to_lowercase();
    let (namespace, rest) = path.split_once('/')?;
    let repository = rest.rsplit('/').next().unwrap_or(rest);
    if TRUSTED_PUBLISHERS.contains(&namespace) {
        return None;
    }
    let repository_is_known = is_official(repository)
        || POPULAR_NAMESPACED
            .iter()
            .any(|(_, popular)| *popular == repository);
    if let Some((reference, found)) =
        closest(namespace, publisher_references(), Strictness::ByLength)
    {
        // A namespace one letter from a publisher's may be a different person's honest name
        // (`minion` is not `minio`); it imitates when the resemblance is telling, when it is
        // `library`'s, or when the repository is one the publisher is known for.
        if found.is_telling() || reference.name == "library" || repository_is_known {
            return Some(Impersonation::near_miss(
                &format!("the Docker Hub namespace `{namespace}`"),
                namespace,
                reference,
                &found,
            ));
        }
    }
    // A project's own namespace holding its own name (`emqx/emqx`, `rockylinux/rockylinux`) is
    // how vendors publish beside their official image; a squatter needs another namespace.
    if RESERVED_LIBRARY_NAMES.contains(&repository) || namespace == repository {
        return None;
    }
    if is_official(repository) {
        return Some(Impersonation {
            imitated: repository.to_string(),
            explanation: format!(
                "`{namespace}/{repository}` takes the name of the official image `{repository}` under the Docker Hub namespace `{namespace}`, which is not its publisher"
            ),
        });
    }
    if let Some((popular_namespace, popular)) = POPULAR_NAMESPACED
        .iter()
        .find(|(_, popular)| *popular == repository)
    {
        return Some(Impersonation {
            imitated: format!("{popular_namespace}/{popular}"),
            explanation: format!(
                "`{namespace}/{repository}` takes the name of the popular image `{popular_namespace}/{popular}` under the Docker Hub namespace `{namespace}`, which is not its publisher"
            ),
        });
    }
    let references = official_references()
        .iter()
        .chain(popular_repository_references());
    let (reference, found) = closest(repository, references, Strictness::TellingOnly)?;
    Some(Impersonation::near_miss(
        &format!("`{namespace}/{repository}`"),
        repository,
        reference,
        &found,
    ))
}

fn registry_impersonation(registry: &str) -> Option<Impersonation> {
    let host = registry_host(registry).to_lowercase();
    let genuine = |known: &&str| host == *known || host.ends_with(&format!(".{known}"));
    if host == "localhost"
        || host.starts_with('[')
        || host.chars().all(|c| c.is_ascii_digit() || c == '.')
        || POPULAR_REGISTRIES.iter().any(genuine)
        || OTHER_GENUINE_REGISTRIES.iter().any(genuine)
    {
        return None;
    }
    let (reference, found) = closest(&host, registry_references(), Strictness::Host)?;
    Some(Impersonation::near_miss(
        &format!("the registry host `{host}`"),
        &host,
        reference,
        &found,
    ))
}

/// The host of `registry.example.com:5000` (an IPv6 literal keeps its brackets).
fn registry_host(registry: &str) -> &str {
    match registry.rsplit_once(':') {
        Some((host, port))
            if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) && !host.is_empty() =>
        {
            host
        }
        _ => registry,
    }
}

/// `` `ngnix` is one transposition away from the official image `nginx` ``.
fn explain(subject: &str, name: &str, reference: &Reference, resemblance: &Resemblance) -> String {
    let object = &reference.description;
    match resemblance {
        Resemblance::LookAlike => format!(
            "{subject} spells {object} with look-alike characters ({})",
            differing_part(name, reference.name)
        ),
        Resemblance::Transposed => format!(
            "{subject} is one transposition away from {object} ({})",
            differing_part(name, reference.name)
        ),
        Resemblance::Doubled(letter) => {
            format!("{subject} doubles the {} of {object}", quoted(*letter))
        }
        Resemblance::Dropped(letter) => {
            format!("{subject} drops the {} of {object}", quoted(*letter))
        }
        Resemblance::Added(letter) => {
            format!("{subject} adds {} to {object}", quoted(*letter))
        }
        Resemblance::Substituted => format!(
            "{subject} is one letter away from {object} ({})",
            differing_part(name, reference.name)
        ),
        Resemblance::TwoEdits => format!("{subject} is two edits away from {object}"),
    }
}

/// `'rn' for 'm'`: the part of `written` that differs from `expected`, after their common
/// beginning and end, with the code points of characters outside ASCII.
fn differing_part(written: &str, expected: &str) -> String {
    let written: Vec<char> = written.to_lowercase().chars().collect();
    let expected: Vec<char> = expected.chars().collect();
    let prefix = written
        .iter()
        .zip(&expected)
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = written[prefix..]
        .iter()
        .rev()
        .zip(expected[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let written_part: String = written[prefix..written.len() - suffix].iter().collect();
    let expected_part: String = expected[prefix..expected.len() - suffix].iter().collect();
    let mut text = format!("'{written_part}' for '{expected_part}'");
    let foreign: Vec<String> = written_part
        .chars()
        .filter(|c| !c.is_ascii())
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    if !foreign.is_empty() {
        let _ = write!(text, ", {}", foreign.join(" "));
    }
    text
}

fn quoted(letter: char) -> String {
    if letter.is_ascii() {
        format!("'{letter}'")
    } else {
        format!("'{letter}' (U+{:04X})", letter as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(image: &str) -> Option<Impersonation> {
        let parsed = ImageRef::parse(image).unwrap_or_else(|| panic!("{image} should parse"));
        impersonation(&parsed)
    }

    fn imitates(image: &str) -> String {
        match check(image) {
            Some(found) => found.imitated,
            None => panic!("{image} should be reported"),
        }
    }

    #[test]
    fn resemblances_by_kind() {
        assert_eq!(resemblance("ngnix", "nginx"), Some(Resemblance::Transposed));
        assert_eq!(
            resemblance("nginnx", "nginx"),
            Some(Resemblance::Doubled('n'))
        );
        assert_eq!(
            resemblance("dockerr", "docker"),
            Some(Resemblance::Doubled('r'))
        );
        assert_eq!(
            resemblance("ngnx", "nginx"),
            Some(Resemblance::Dropped('i'))
        );
        assert_eq!(
            resemblance("nginxa", "nginx"),
            Some(Resemblance::Added('a'))
        );
        assert_eq!(
            resemblance("ngimx", "nginx"),
            Some(Resemblance::Substituted)
        );
        assert_eq!(
            resemblance("elastisearh", "elasticsearch"),
            Some(Resemblance::TwoEdits)
        );
        assert_eq!(resemblance("nginx", "nginx"), None);
        assert_eq!(resemblance("NGINX", "nginx"), None);
        assert_eq!(resemblance("apache", "nginx"), None);
    }

    #[test]
    fn look_alike_characters() {
        for (candidate, reference) in [
            ("ng1nx", "nginx"),
            ("nglnx", "nginx"),
            ("m0ngo", "mongo"),
            ("ubuntu", "ubuntu"),
            ("redrnine", "redmine"),
            ("vvordpress", "wordpress"),
            ("clrupal", "drupal"),
            ("po5tgres", "postgres"),
            ("hello_world", "hello-world"),
            ("nginх", "nginx"),         // Cyrillic х
            ("nginx\u{200B}", "nginx"), // zero-width space
            ("ｎｇｉｎｘ", "nginx"),    // full-width
            ("ubuntú", "ubuntu"),
            ("рostgres", "postgres"), // Cyrillic р
            ("docker.lo", "docker.io"),
        ] {
            let expected = (candidate != reference).then_some(Resemblance::LookAlike);
            assert_eq!(
                resemblance(candidate, reference),
                expected,
                "{candidate} vs {reference}"
            );
        }
        // A foreign letter plus an edit is judged on the skeleton.
        assert_eq!(
            resemblance("nginхх", "nginx"),
            Some(Resemblance::Doubled('x'))
        );
        // An ASCII name with a digit stays an added character, not a look-alike.
        assert_eq!(
            resemblance("redis5", "redis"),
            Some(Resemblance::Added('5'))
        );
    }

    #[test]
    fn official_names_have_distinct_skeletons() {
        let mut seen = std::collections::HashMap::new();
        for (name, _) in official_images() {
            if let Some(other) = seen.insert(skeleton(name), name) {
                panic!("{name} and {other} look alike");
            }
        }
    }

    #[test]
    fn hostile_names() {
        assert_eq!(resemblance("", "nginx"), None);
        assert_eq!(resemblance("nginx", ""), None);
        let huge = "n".repeat(100_000);
        assert_eq!(resemblance(&huge, "nginx"), None);
        let huge_alike = format!("nginx{}", "\u{200B}".repeat(300));
        assert_eq!(resemblance(&huge_alike, "nginx"), None);
        assert_eq!(resemblance("\u{0}", "nginx"), None);
        assert_eq!(resemblance("🦀🦀🦀🦀🦀", "nginx"), None);
        assert_eq!(skeleton(""), "");
        // Whole hostile references: huge paths, hosts and namespaces are judged without a match.
        for image in [
            format!("{}:1.0", "a".repeat(1_000_000)),
            format!("someuser/{}", "n".repeat(1_000_000)),
            format!("{}/nginx", "b".repeat(1_000_000)),
            format!("{}.io/app", "d".repeat(1_000_000)),
            "ключ/значение".to_string(),
        ] {
            assert_eq!(check(&image), None);
        }
        assert_eq!(differing_part("", "nginx"), "'' for 'nginx'");
        assert_eq!(registry_host(":5000"), ":5000");
        assert_eq!(registry_host("[::1]:5000"), "[::1]");
    }

    #[test]
    fn the_real_official_images_under_any_spelling() {
        for image in [
            "nginx",
            "nginx:1.27",
            "library/nginx",
            "docker.io/nginx",
            "docker.io/library/nginx:1.27",
            "index.docker.io/library/nginx@sha256:0123456789abcdef",
            "registry-1.docker.io/library/nginx:latest",
            "NGINX",
            "public.ecr.aws/docker/library/nginx:1.27",
            "mirror.gcr.io/library/redis",
            "scratch",
            "centos:7",
            "hello-world",
            "rocket.chat",
        ] {
            assert_eq!(check(image), None, "{image}");
        }
    }

    #[test]
    fn exact_names_of_other_official_images_are_not_typos() {
        for image in [
            "redis",
            "redmine",
            "mongo",
            "mongo-express",
            "php",
            "php-zendserver",
            "unit",
            "node",
            "nats",
            "ruby",
            "rust",
            "perl",
            "solr",
            "kong",
            "gcc",
            "ros",
            "nim",
            "alt",
            "java",
            "vault",
            "consul",
            "jenkins",
            "tomee",
            "tomcat",
            "spark",
            "storm",
        ] {
            assert_eq!(check(image), None, "{image}");
        }
    }

    #[test]
    fn near_misses_of_official_names() {
        assert_eq!(imitates("ngnix"), "nginx");
        assert_eq!(imitates("ngnix:1.27"), "nginx");
        assert_eq!(imitates("docker.io/library/ngnix"), "nginx");
        assert_eq!(imitates("nginnx"), "nginx");
        assert_eq!(imitates("ngnx"), "nginx");
        assert_eq!(imitates("ng1nx"), "nginx");
        assert_eq!(imitates("nginх"), "nginx");
        assert_eq!(imitates("ubunut"), "ubuntu");
        assert_eq!(imitates("pyhton"), "python");
        assert_eq!(imitates("postgers:16"), "postgres");
        assert_eq!(imitates("postgre"), "postgres");
        assert_eq!(imitates("mysq1"), "mysql");
        assert_eq!(imitates("alpnie"), "alpine");
        assert_eq!(imitates("busyb0x"), "busybox");
        assert_eq!(imitates("elastisearh"), "elasticsearch");
        assert_eq!(imitates("wordpres"), "wordpress");
        assert_eq!(imitates("ndoe"), "node");
        assert_eq!(imitates("n0de"), "node");
        assert_eq!(imitates("cent0s"), "centos");
        assert_eq!(imitates("public.ecr.aws/docker/library/ngnix"), "nginx");
        let found = check("ngnix").unwrap();
        assert_eq!(
            found.explanation,
            "`ngnix` is one transposition away from the official image `nginx` ('ni' for 'in')"
        );
        let found = check("nginх").unwrap();
        assert_eq!(
            found.explanation,
            "`nginх` spells the official image `nginx` with look-alike characters ('х' for 'x', U+0445)"
        );
    }

    #[test]
    fn short_names_need_a_telling_resemblance() {
        // One changed, added or dropped letter of a name of four letters or fewer reaches too
        // many innocent words.
        for image in [
            "nod",
            "nodes",
            "rusty",
            "bar",
            "foo",
            "app",
            "test",
            "init",
            "ko",
            "pilot",
            "arse",
            "myapp",
            "my-image",
            "backup-tool",
            "pghero",
        ] {
            assert_eq!(check(image), None, "{image}");
        }
    }

    #[test]
    fn wrong_namespace_pretending_to_be_official() {
        assert_eq!(imitates("someuser/nginx"), "nginx");
        assert_eq!(imitates("vibersastra/ubuntu"), "ubuntu");
        assert_eq!(imitates("vibersastra/golang:1.21"), "golang");
        assert_eq!(imitates("docker.io/someuser/golang"), "golang");
        assert_eq!(imitates("someuser/grafana"), "grafana/grafana");
        assert_eq!(imitates("someuser/ngnix"), "nginx");
        assert_eq!(imitates("someuser/pyhton"), "python");
        let found = check("vibersastra/ubuntu").unwrap();
        assert!(
            found.explanation.contains(
                "under the Docker Hub namespace `vibersastra`, which is not its publisher"
            ),
            "{}",
            found.explanation
        );
    }

    #[test]
    fn publishers_may_reuse_official_names() {
        for image in [
            "bitnami/redis:7.2",
            "bitnami/postgresql",
            "ubuntu/nginx",
            "arm64v8/alpine",
            "grafana/grafana",
            "docker.io/grafana/grafana:11.0.0",
            "prom/prometheus",
            "jenkins/jenkins:lts",
            "hashicorp/vault",
            "minio/minio",
            "kubernetes/redis",
            "nginx/nginx-ingress",
            "nginx/unit",
            "istio/init",
            "rancher/mirrored-pause",
            "calico/node",
            "docker/hello-world",
            "library/ubuntu",
            "fluent/fluentd",
        ] {
            assert_eq!(check(image), None, "{image}");
        }
    }

    /// The quick test never rules out names within two edits: checked on every pair of names
    /// of up to five characters over a small alphabet (where edits overlap most), and on the
    /// reference names against each other.
    #[test]
    fn names_ruled_out_quickly_are_more_than_two_edits_apart() {
        let mut names = vec![String::new()];
        let mut shorter = vec![String::new()];
        for _ in 0..5 {
            shorter = shorter
                .iter()
                .flat_map(|name| ["a", "b", "c"].map(|letter| format!("{name}{letter}")))
                .collect();
            names.extend(shorter.iter().cloned());
        }
        names.extend(official_images().map(|(name, _)| name.to_string()));
        let mut ruled_out = 0;
        for a in &names {
            for b in &names {
                if certainly_more_than_two_edits_apart(a, b) {
                    ruled_out += 1;
                    assert!(strsim::damerau_levenshtein(a, b) > 2, "{a:?} {b:?}");
                }
            }
        }
        assert!(ruled_out > names.len() * names.len() / 2, "{ruled_out}");
        // Outside ASCII, the distance decides.
        assert!(!certainly_more_than_two_edits_apart("ngiпx", "postgres"));
    }

    #[test]
    fn own_names_in_own_namespaces_are_not_typos() {
        for image in [
            "someuser/redis6",
            "someuser/nodes",
            "someuser/python3",
            "someuser/nginx-custom",
            "ymqytw/nginxhttps",
            "foo/bar",
            "foo/baz",
            "resouer/mytomcat",
            "weaveworksdemos/user",
            "selenium/hub",
            "minion/app",
            "mattf/storm-nimbus",
            "someuser/scratch",
            "emqx/emqx:5.7",
            "rockylinux/rockylinux:9",
        ] {
            assert_eq!(check(image), None, "{image}");
        }
    }

    #[test]
    fn namespaces_imitating_publishers() {
        assert_eq!(imitates("bitnarni/redis"), "bitnami");
        assert_eq!(imitates("bitnamii/anything"), "bitnami");
        assert_eq!(imitates("bitnаmi/redis"), "bitnami"); // Cyrillic а
        assert_eq!(imitates("bitnam/redis"), "bitnami");
        assert_eq!(imitates("libary/nginx"), "library");
        assert_eq!(imitates("librray/anything"), "library");
        assert_eq!(imitates("grafanna/grafana"), "grafana");
        assert_eq!(imitates("minion/minio"), "minio");
        assert_eq!(imitates("pr0m/prometheus"), "prom");
        let found = check("bitnarni/redis").unwrap();
        assert_eq!(
            found.explanation,
            "the Docker Hub namespace `bitnarni` spells the publisher `bitnami` with look-alike characters ('rn' for 'm')"
        );
    }

    #[test]
    fn look_alike_registry_hosts() {
        assert_eq!(imitates("dockerr.io/library/nginx"), "docker.io");
        assert_eq!(imitates("docker.lo/library/nginx"), "docker.io");
        assert_eq!(imitates("qauy.io/org/app"), "quay.io");
        assert_eq!(imitates("ghcr.co/org/app"), "ghcr.io");
        assert_eq!(imitates("gchr.io/org/app"), "ghcr.io");
        assert_eq!(imitates("registry.k8s.lo/pause:3.9"), "registry.k8s.io");
        assert_eq!(imitates("regsitry.k8s.io/pause:3.9"), "registry.k8s.io");
        assert_eq!(imitates("k8s.gcr.lo/pause"), "k8s.gcr.io");
        assert_eq!(
            imitates("mcr.microsfot.com/dotnet/runtime"),
            "mcr.microsoft.com"
        );
        assert_eq!(imitates("public.ecr.avvs/org/app"), "public.ecr.aws");
        assert_eq!(imitates("pubilc.ecr.aw/org/app"), "public.ecr.aws");
        let found = check("dockerr.io/library/nginx").unwrap();
        assert_eq!(
            found.explanation,
            "the registry host `dockerr.io` doubles the 'r' of the registry `docker.io`"
        );
    }

    #[test]
    fn genuine_registries() {
        for image in [
            "ghcr.io/org/app",
            "gcr.io/project/app",
            "us.gcr.io/project/app",
            "b.gcr.io/kuar/etcd",
            "k8s.gcr.io/pause",
            "registry.k8s.io/pause:3.9",
            "quay.io/prometheus/prometheus",
            "quay.io:443/org/app",
            "mcr.microsoft.com/dotnet/runtime",
            "public.ecr.aws/eks/coredns",
            "icr.io/org/app",
            "us.icr.io/org/app",
            "nvcr.io/nvidia/k8s-device-plugin",
            "lscr.io/linuxserver/nginx",
            "cgr.dev/chainguard/nginx",
            "123456789012.dkr.ecr.us-west-2.amazonaws.com/app",
            "europe-docker.pkg.dev/project/repo/app",
            "localhost:5000/nginx",
            "127.0.0.1:5000/app",
            "registry.example.com/team/nginx",
            "registry.istio.io/release/app",
            "docker.elastic.co/elasticsearch/elasticsearch:8.13.0",
            "registry.gitlab.com/org/app",
            "docker.int/library/nginx",
            "docker.corp.example/library/nginx",
        ] {
            assert_eq!(check(image), None, "{image}");
        }
    }
}
