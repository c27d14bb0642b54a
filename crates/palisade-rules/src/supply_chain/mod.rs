//! Supply chain: images, registries, credentials and secrets in manifests, Dockerfiles.
