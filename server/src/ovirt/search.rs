//! The part of oVirt's search language that scripts use to find things:
//! `name=VALUE` with `*` wildcards, and `Clusters.name=VALUE` for data
//! centers; `case_sensitive=false` and `max=N` beside it. Anything else is
//! refused with a 400 that says what is supported, never an empty list
//! that a script would read as "not found".

use super::fault::Fault;
use serde::Deserialize;

/// The query parameters of a `list()`.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub search: Option<String>,
    pub case_sensitive: Option<String>,
    pub max: Option<String>,
    // Read and ignored: hotnic always sends everything it has.
    #[allow(dead_code)]
    pub follow: Option<String>,
    #[allow(dead_code)]
    pub all_content: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Name,
    ClusterName,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// None: everything.
    criterion: Option<(Field, String)>,
    case_sensitive: bool,
    pub max: Option<usize>,
}

impl Search {
    /// Reads the query; `fields` are the search fields this collection
    /// supports.
    pub fn parse(query: &ListQuery, fields: &[Field]) -> Result<Search, Fault> {
        let case_sensitive = match query.case_sensitive.as_deref() {
            None => true,
            Some(text) => super::xml::boolean("case_sensitive", text).map_err(Fault::bad_request)?,
        };
        let max = match query.max.as_deref() {
            None => None,
            Some(text) => match text.trim().parse::<i64>() {
                Ok(n) if n < 0 => None,
                Ok(n) => Some(n as usize),
                Err(_) => return Err(Fault::bad_request(format!("max must be a number, not '{text}'"))),
            },
        };
        let criterion = match query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => Some(criterion(text, fields)?),
        };
        Ok(Search { criterion, case_sensitive, max })
    }

    /// Whether an object with this name (and cluster name) matches.
    pub fn matches(&self, name: &str, cluster_name: Option<&str>) -> bool {
        match &self.criterion {
            None => true,
            Some((Field::Name, pattern)) => glob(pattern, name, self.case_sensitive),
            Some((Field::ClusterName, pattern)) => cluster_name.is_some_and(|c| glob(pattern, c, self.case_sensitive)),
        }
    }

    /// The matching items, at most `max`.
    pub fn filter<T>(&self, items: impl IntoIterator<Item = T>, keep: impl Fn(&Search, &T) -> bool) -> Vec<T> {
        items.into_iter().filter(|item| keep(self, item)).take(self.max.unwrap_or(usize::MAX)).collect()
    }
}

fn criterion(text: &str, fields: &[Field]) -> Result<(Field, String), Fault> {
    let supported = || {
        if fields.is_empty() {
            return format!("this list takes no search (oVirt's does not either), not '{text}'");
        }
        let forms: Vec<&str> = fields
            .iter()
            .map(|f| match f {
                Field::Name => "name=VALUE",
                Field::ClusterName => "Clusters.name=VALUE",
            })
            .collect();
        format!("hotnic supports the searches {} (VALUE may hold * wildcards), not '{text}'", forms.join(" and "))
    };
    let (key, value) = text.split_once('=').ok_or_else(|| Fault::bad_request(supported()))?;
    let field = match key.trim() {
        k if k.eq_ignore_ascii_case("name") => Field::Name,
        k if k.eq_ignore_ascii_case("clusters.name") => Field::ClusterName,
        _ => return Err(Fault::bad_request(supported())),
    };
    if !fields.contains(&field) {
        return Err(Fault::bad_request(supported()));
    }
    let value = value.trim();
    let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
    let lower = format!(" {} ", value.to_ascii_lowercase());
    let combined = [" and ", " or ", " sortby ", " page "].iter().any(|word| lower.contains(word));
    if value.is_empty() || combined || value.contains(['=', '<', '>', '!']) {
        return Err(Fault::bad_request(supported()));
    }
    Ok((field, value.to_owned()))
}

/// `*` matches any run of characters; everything else itself.
fn glob(pattern: &str, text: &str, case_sensitive: bool) -> bool {
    let (pattern, text) = if case_sensitive { (pattern.to_owned(), text.to_owned()) } else { (pattern.to_lowercase(), text.to_lowercase()) };
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(text: &str, fields: &[Field]) -> Result<Search, Fault> {
        Search::parse(&ListQuery { search: Some(text.into()), ..Default::default() }, fields)
    }

    #[test]
    fn names_with_wildcards() {
        let s = search("name=web*", &[Field::Name]).unwrap();
        assert!(s.matches("web1", None) && s.matches("web", None) && !s.matches("aweb", None) && !s.matches("Web1", None));
        let s = search("name=*b*1", &[Field::Name]).unwrap();
        assert!(s.matches("web1", None) && s.matches("b1", None) && !s.matches("web2", None));
        let s = search("name=\"my vm\"", &[Field::Name]).unwrap();
        assert!(s.matches("my vm", None));
        let query = ListQuery { search: Some("name=WEB*".into()), case_sensitive: Some("false".into()), ..Default::default() };
        assert!(Search::parse(&query, &[Field::Name]).unwrap().matches("web1", None));
    }

    #[test]
    fn clusters_name_for_data_centers() {
        let s = search("Clusters.name=prod", &[Field::Name, Field::ClusterName]).unwrap();
        assert!(s.matches("anything", Some("prod")) && !s.matches("prod", Some("test")));
        assert_eq!(search("Clusters.name=prod", &[Field::Name]).unwrap_err().status, 400, "not for VMs");
    }

    #[test]
    fn anything_else_is_a_clear_400() {
        for text in ["status=up", "name=a and status=up", "name=a or name=b", "name!=a", "web", "name=", "name=a sortby name"] {
            let fault = search(text, &[Field::Name]).unwrap_err();
            assert_eq!(fault.status, 400, "{text}");
            assert!(fault.detail.contains("hotnic supports the searches name=VALUE"), "{}", fault.detail);
        }
        let bad_max = ListQuery { max: Some("many".into()), ..Default::default() };
        assert!(Search::parse(&bad_max, &[Field::Name]).unwrap_err().detail.contains("max must be a number"));
    }

    #[test]
    fn max_limits_and_no_search_lists_all() {
        let query = ListQuery { max: Some("2".into()), ..Default::default() };
        let s = Search::parse(&query, &[Field::Name]).unwrap();
        assert_eq!(s.filter(["a", "b", "c"], |s, n| s.matches(n, None)), ["a", "b"]);
    }
}
