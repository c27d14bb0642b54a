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
    "BEARER",
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
    ("ACCOUNT", "KEY"),
    ("STORAGE", "KEY"),
    ("SHARED", "KEY"),
    ("HMAC", "KEY"),
    ("SSH", "KEY"),
    ("KEY", "CONTENT"),
];

/// Cloud providers whose `<PROVIDER>_..._KEY` variables hold account keys (`AZURE_BATCH_KEY`).
const KEY_PROVIDERS: &[&str] = &["AZURE"];

/// Words that make the variable a switch or a reference about a secret, wherever they stand:
/// `MYSQL_ALLOW_EMPTY_PASSWORD`, `MYSQL_RANDOM_ROOT_PASSWORD`, `existingSecret` (the name of a
/// Secret object).
const ABOUT_THE_SECRET: &[&str] = &[
    "ALLOW", "EMPTY", "RANDOM", "SKIP", "ENABLE", "DISABLE", "REQUIRE", "EXISTING", "GENERATE",
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
    "AUTH",
    "AUTHENTICATION",
    "ENCRYPTION",
    "ALGORITHM",
    "FORMAT",
    "SIZE",
    "BITS",
    "PROVIDER",
    "STORE",
    "BACKEND",
    "HOST",
    "PORT",
    "PREFIX",
    "SUFFIX",
    "LOCATION",
    "FILENAME",
    "FOLDER",
    "MOUNT",
    "NAMESPACE",
    "ENV",
    "USER",
    "USERNAME",
    "EMAIL",
];

/// Words before `ACCESS_KEY` in S3-style names, where the access key is the key id (the user
/// name) and the secret key is the secret: `MINIO_ACCESS_KEY`, `AWS_ACCESS_KEY`.
const S3_STYLE: &[&str] = &["AWS", "AMAZON", "S3", "MINIO"];

/// Words before a last `SECRET` that make the name refer to a Secret object holding that kind of
/// credential: `credentialsSecret`, `tlsSecret`, `passwordSecret`, `imagePullSecret`.
const SECRET_OBJECT_OF: &[&str] = &[
    "CREDENTIALS",
    "CREDENTIAL",
    "CREDS",
    "TLS",
    "PASSWORD",
    "CERT",
    "CERTS",
    "CERTIFICATE",
    "PULL",
    "KUBECONFIG",
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

/// A part of every word and pair that can make a name secret ([`SECRET_WORDS`],
/// [`SECRET_PAIRS`], a provider's `…_KEY`), in upper case.
const SECRET_PARTS: &[&[u8]] = &[
    b"PASS",
    b"SECRET",
    b"TOKEN",
    b"KEY",
    b"CREDENTIAL",
    b"BEARER",
];

/// Whether `name` has one of [`SECRET_PARTS`] in it, in any case. A name without one cannot be
/// secret, and most names (a configuration file's keys, a container's variables) are ruled out
/// without being split into words, which took most of the time of judging them.
fn may_be_secret(name: &str) -> bool {
    let bytes = name.as_bytes();
    (0..bytes.len()).any(|at| {
        matches!(
            bytes[at].to_ascii_uppercase(),
            b'P' | b'S' | b'T' | b'K' | b'C' | b'B'
        ) && SECRET_PARTS.iter().any(|part| {
            bytes[at..]
                .get(..part.len())
                .is_some_and(|candidate| candidate.eq_ignore_ascii_case(part))
        })
    })
}

/// Whether a variable with this name holds a secret value.
pub fn is_secret_name(name: &str) -> bool {
    if !may_be_secret(name) {
        return false;
    }
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_THE_SECRET.contains(&last.as_str())
        || words
            .iter()
            .any(|word| ABOUT_THE_SECRET.contains(&word.as_str()))
    {
        return false;
    }
    if let [.., before, last] = words.as_slice()
        && last == "SECRET"
        && SECRET_OBJECT_OF.contains(&before.as_str())
    {
        return false;
    }
    if let [.., owner, access, key] = words.as_slice()
        && access == "ACCESS"
        && key == "KEY"
        && S3_STYLE.contains(&owner.as_str())
    {
        return false;
    }
    let provider_key = words.len() > 1
        && last == "KEY"
        && words
            .first()
            .is_some_and(|first| KEY_PROVIDERS.contains(&first.as_str()));
    provider_key
        || words
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
            "AZURE_BATCH_KEY",
            "AZURE_STORAGE_ACCOUNT_KEY",
            "OCI_CLI_KEY_CONTENT",
            "SSH_KEY",
            "BEARER",
            "spring.datasource.password",
            "node.session.auth.password_in",
            "-Djavax.net.ssl.keyStorePassword",
            "SECRET_BLAH",
            "ACCESS_KEY",
            "SYSDIG_ACCESS_KEY",
            "ACCESS_TOKEN_SECRET",
            "API_KEY_SECRET",
            "WEBHOOK_SECRET",
        ] {
            assert!(is_secret_name(name), "{name} should be a secret name");
        }
    }

    /// The quick test must never rule out a name the full one would call secret.
    #[test]
    fn every_secret_word_and_pair_has_a_secret_part() {
        let mut names: Vec<String> = SECRET_WORDS.iter().map(|word| word.to_string()).collect();
        names.extend(
            SECRET_PAIRS
                .iter()
                .map(|(first, second)| format!("{first}_{second}")),
        );
        names.extend(
            KEY_PROVIDERS
                .iter()
                .map(|provider| format!("{provider}_BATCH_KEY")),
        );
        for name in names {
            let lower = name.to_ascii_lowercase();
            assert!(may_be_secret(&name), "{name}");
            assert!(may_be_secret(&lower), "{lower}");
            assert!(is_secret_name(&name), "{name} should be a secret name");
        }
        for name in [
            "PWD",
            "PATH",
            "color.good",
            "how.nice.to.look",
            "",
            "é",
            "P",
            "KE",
        ] {
            assert!(!may_be_secret(name), "{name}");
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
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
            "MYSQL_RANDOM_ROOT_PASSWORD",
            "ALLOW_EMPTY_PASSWORD",
            "existingSecret",
            "PasswordAuthentication",
            "password_encryption",
            "ENABLE_TOKEN_AUTH",
            "AZURE",
            "AZURE_REGION",
            "SSH_PUBLIC_KEY",
            "TOKEN_PROVIDER",
            "secretEnv",
            "SECRET_USERNAME",
            "RABBITMQ_DEFAULT_USER",
            "credentialsSecret",
            "tlsSecret",
            "passwordSecret",
            "imagePullSecret",
            "MINIO_ACCESS_KEY",
            "AWS_ACCESS_KEY",
        ] {
            assert!(!is_secret_name(name), "{name} should not be a secret name");
        }
    }

    #[test]
    fn hostile_names() {
        let huge = "A_".repeat(100_000) + "PASSWORD";
        assert!(is_secret_name(&huge));
        assert!(is_secret_name("pässwörd_TOKEN"));
        assert!(!is_secret_name("пароль"));
        assert!(!is_secret_name("\u{0}\u{7f}"));
        assert!(!is_secret_name(&"é".repeat(10_000)));
    }
}
