//! Random secrets (session cookies, API tokens) and how they are stored:
//! SHA-256, so a copy of the database signs nobody in. The secrets are 256
//! random bits, so a fast hash is enough (passwords use argon2).

use sha2::{Digest, Sha256};

/// 32 bytes from the OS, as 64 hex digits, after `prefix`.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the OS random source");
    format!("{prefix}{}", hex::encode(bytes))
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_fresh_and_hashes_stable() {
        let (a, b) = (super::new_secret("hnt_"), super::new_secret("hnt_"));
        assert_ne!(a, b);
        assert!(a.starts_with("hnt_") && a.len() == 68);
        assert_eq!(super::hash(&a), super::hash(&a));
        assert_ne!(super::hash(&a), super::hash(&b));
    }
}
