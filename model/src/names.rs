//! Names of things an admin creates (clusters, hosts, VMs, networks, NICs).

use std::fmt;

/// A name checked once at the boundary: 1 to 40 characters of letters,
/// digits, '-', '_' and '.', starting with a letter or digit. Such a name is
/// safe in URLs, logs and libvirt XML alike.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityName(String);

pub const MAX_NAME_LEN: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {MAX_NAME_LEN} characters")]
    TooLong,
    #[error("the name must start with a letter or a digit")]
    BadStart,
    #[error("the name may hold only letters, digits, '-', '_' and '.', not '{0}'")]
    BadCharacter(char),
}

/// The first `nicN` (N from 1) none of `taken` is: the name a new or
/// adopted NIC gets.
pub fn next_free_nic_name<'a>(taken: impl IntoIterator<Item = &'a str> + Clone) -> String {
    (1..).map(|n| format!("nic{n}")).find(|name| !taken.clone().into_iter().any(|t| t == name)).expect("some name is free")
}

impl EntityName {
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let text = text.trim();
        let first = text.chars().next().ok_or(NameError::Empty)?;
        if text.chars().count() > MAX_NAME_LEN {
            return Err(NameError::TooLong);
        }
        if !first.is_ascii_alphanumeric() {
            return Err(NameError::BadStart);
        }
        if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_.".contains(*c))) {
            return Err(NameError::BadCharacter(bad));
        }
        Ok(EntityName(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntityName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_names_and_trims() {
        assert_eq!(EntityName::parse(" Default ").unwrap().as_str(), "Default");
        assert_eq!(EntityName::parse("vm-01_a.b").unwrap().as_str(), "vm-01_a.b");
    }

    #[test]
    fn refuses_hostile_or_empty_names() {
        let cases = [
            ("", NameError::Empty),
            ("   ", NameError::Empty),
            ("-x", NameError::BadStart),
            ("x'/><hostdev", NameError::BadCharacter('\'')),
            ("a b", NameError::BadCharacter(' ')),
            ("a/b", NameError::BadCharacter('/')),
        ];
        for (text, expected) in cases {
            assert_eq!(EntityName::parse(text), Err(expected), "{text:?}");
        }
        assert_eq!(EntityName::parse(&"a".repeat(41)), Err(NameError::TooLong));
    }
}
