//! The session cookie: HttpOnly (no script reads it), SameSite=Strict (no
//! other site's page sends it), Secure when hotnic is served over HTTPS.
//! Its value is a random secret; the database keeps only its hash.

use http::HeaderMap;

pub const SESSION_COOKIE: &str = "hotnic_session";

/// Whether cookies get `Secure`: put in each request by the server, from
/// its public origin (https://…).
#[derive(Debug, Clone, Copy, Default)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    pub fn session(self, secret: &str) -> String {
        format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict{}", self.suffix())
    }

    /// Tells the browser to forget the session cookie.
    pub fn cleared(self) -> String {
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", self.suffix())
    }

    fn suffix(self) -> &'static str {
        if self.secure {
            "; Secure"
        } else {
            ""
        }
    }
}

/// The session secret a request carries, if any.
pub fn session_secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_session_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::COOKIE, "a=1; hotnic_session=abc ; b=2".parse().unwrap());
        assert_eq!(session_secret(&headers).as_deref(), Some("abc"));
        headers.insert(http::header::COOKIE, "hotnic_session=".parse().unwrap());
        assert_eq!(session_secret(&headers), None);
        assert!(CookiePolicy { secure: true }.session("s").ends_with("SameSite=Strict; Secure"));
        assert!(CookiePolicy::default().cleared().contains("Max-Age=0"));
    }
}
