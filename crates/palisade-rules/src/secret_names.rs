//! Whether the name of a variable says that its value is a secret: `DB_PASSWORD`,
//! `githubToken`, `AWS_SECRET_ACCESS_KEY`, but not `POSTGRES_PASSWORD_FILE` (a path, the safe
//! pattern), `TOKEN_TTL` or `PWD` (the working directory).

/// Words that make a name secret when they are one of its words.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATEKEY",
];

/// Two-word sequences that make a name secret.
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("API", "KEY"),
    ("PRIVATE", "KEY"),
    ("ACCESS", "KEY"),
    ("SECRET", "KEY"),
    ("AUTH", "KEY"),
    ("ENCRYPTION", "KEY"),
    ("SIGNING", "KEY"),
    ("MASTER", "KEY"),
    ("CLIENT", "SECRET"),
];

/// A last word that says the value is about the secret, not the secret itself.
const NOT_THE_SECRET: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "NAME",
    "REF",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "LENGTH",
    "LEN",
    "URL",
    "URI",
    "ENDPOINT",
    "TYPE",
    "HEADER",
    "MODE",
    "POLICY",
    "ID",
    "KIND",
    "VERSION",
    "ENABLED",
    "REQUIRED",
    "TIMEOUT",
    "SECONDS",
    "MINUTES",
    "HOURS",
    "DAYS",
    "PERIOD",
    "INTERVAL",
    "COUNT",
    "MIN",
    "MAX",
    "AUDIENCE",
    "ISSUER",
    "METHOD",
    "KEYRING",
];

/// Splits `awsSecretAccessKey`, `AWS_SECRET_ACCESS_KEY` and `aws-secret.access-key` into the
/// same upper-case words.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for character in name.chars() {
        if !character.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if character.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = character.is_ascii_lowercase() || character.is_ascii_digit();
        current.push(character.to_ascii_uppercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether a variable with this name holds a secret value.
pub fn is_secret_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_THE_SECRET.contains(&last.as_str()) {
        return false;
    }
    words
        .iter()
        .any(|word| SECRET_WORDS.contains(&word.as_str()))
        || words.windows(2).any(|pair| {
            SECRET_PAIRS
                .iter()
                .any(|(first, second)| pair[0] == *first && pair[1] == *second)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "PASSWORD",
            "DB_PASSWORD",
            "POSTGRES_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "db_pass",
            "dbPassword",
            "REDIS_PASSWD",
            "JWT_SECRET",
            "CLIENT_SECRET",
            "GITHUB_TOKEN",
            "githubToken",
            "API_KEY",
            "apiKey",
            "APIKEY",
            "STRIPE_API_KEY",
            "PRIVATE_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID_SECRET",
            "SSH_PASSPHRASE",
            "GOOGLE_CREDENTIALS",
            "secret",
        ] {
            assert!(is_secret_name(name), "{name} should be a secret name");
        }
    }

    #[test]
    fn names_that_are_not_secrets() {
        for name in [
            "PWD",
            "PATH",
            "POSTGRES_PASSWORD_FILE",
            "TOKEN_PATH",
            "SECRET_NAME",
            "TOKEN_TTL",
            "PASSWORD_LENGTH",
            "PASSPORT_NUMBER",
            "BYPASS_CACHE",
            "KEYCLOAK_URL",
            "TOKENIZER_THREADS",
            "MONKEY",
            "AWS_ACCESS_KEY_ID",
            "SECRET_KEY_REF",
            "",
            "_",
        ] {
            assert!(!is_secret_name(name), "{name} should not be a secret name");
        }
    }
}
