//! Which origins may talk to the page, from `?embed_origin=`: a comma-separated list of
//! origins (`https://course.example.org,http://localhost:8888`), or `*` for any. The
//! page's own origin may always talk to it. Without the parameter only the page's own
//! origin may: a course page on another origin must be named, so a page the author did
//! not choose can neither drive the run nor read its events (events are posted to each
//! allowed origin by name, never to `*` unless `embed_origin=*` asks for it).
//!
//! An origin is `scheme://host[:port]` as the browser's `MessageEvent.origin` spells it
//! (http or https, lowercase, no path): the check is an exact match, as the HTML
//! standard's `postMessage` target-origin check is. `null` (a file or sandboxed page) is
//! refused: every such page shares it, so naming it would let any of them in.

/// Origins listed in `embed_origin` at most.
pub const MAX_ORIGINS: usize = 8;
/// Characters of one origin at most.
pub const MAX_ORIGIN_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// `embed_origin=*`: any origin, events posted to `*`.
    Any,
    /// These origins (the page's own first).
    Only(Vec<String>),
}

/// One origin, normalized (lowercase, a trailing `/` dropped), or what is wrong with it.
pub fn origin(text: &str) -> Result<String, String> {
    let t = text.trim();
    let t = t.strip_suffix('/').unwrap_or(t);
    if t.chars().count() > MAX_ORIGIN_CHARS {
        return Err(format!(
            "\"{}…\": longer than {MAX_ORIGIN_CHARS} characters",
            t.chars().take(40).collect::<String>()
        ));
    }
    let lower = t.to_ascii_lowercase();
    if lower == "null" {
        return Err("\"null\": files and sandboxed pages share this origin, so it cannot be allowed by name (use * if you mean any)".into());
    }
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| format!("\"{t}\": an origin starts with http:// or https://"))?;
    let (host, port) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        // An IPv6 literal: `[::1]` or `[::1]:8080`.
        Some((ip, after)) if !ip.is_empty() && ip.chars().all(|c| c.is_ascii_hexdigit() || c == ':') => {
            match after.strip_prefix(':') {
                Some(p) => ("[v6]", Some(p)),
                None if after.is_empty() => ("[v6]", None),
                None => ("", None),
            }
        }
        Some(_) => ("", None),
        None => match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        },
    };
    let host_ok = !host.is_empty()
        && host.chars().all(|c| host == "[v6]" || c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    if !host_ok {
        return Err(format!("\"{t}\": an origin is scheme://host[:port], with no path, query or user"));
    }
    if let Some(p) = port {
        if p.parse::<u16>().map_or(true, |p| p == 0) {
            return Err(format!("\"{t}\": the port must be 1 … 65535"));
        }
    }
    Ok(lower)
}

impl AllowedOrigins {
    /// From the `embed_origin` parameter (if any) and the page's own origin. A bad entry
    /// is an error naming it: the page then allows its own origin only.
    pub fn parse(param: Option<&str>, own: &str) -> Result<AllowedOrigins, String> {
        let own = own.to_ascii_lowercase();
        let Some(param) = param.map(str::trim).filter(|p| !p.is_empty()) else {
            return Ok(AllowedOrigins::Only(vec![own]));
        };
        if param == "*" {
            return Ok(AllowedOrigins::Any);
        }
        let listed: Vec<&str> = param.split(',').filter(|s| !s.trim().is_empty()).collect();
        if listed.len() > MAX_ORIGINS {
            return Err(format!("embed_origin: {} origins, at most {MAX_ORIGINS}", listed.len()));
        }
        let mut all = vec![own];
        for o in listed {
            let o = origin(o).map_err(|e| format!("embed_origin: {e}"))?;
            if !all.contains(&o) {
                all.push(o);
            }
        }
        Ok(AllowedOrigins::Only(all))
    }

    /// Only the page's own origin (what a bad `embed_origin` falls back to).
    pub fn own(own: &str) -> AllowedOrigins {
        AllowedOrigins::Only(vec![own.to_ascii_lowercase()])
    }

    /// Whether a message from `origin` (`MessageEvent.origin`) is taken.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            AllowedOrigins::Any => true,
            AllowedOrigins::Only(list) => list.iter().any(|o| o == origin),
        }
    }

    /// The target origins events are posted to (the browser delivers each only if the
    /// parent's origin is that one).
    pub fn targets(&self) -> Vec<String> {
        match self {
            AllowedOrigins::Any => vec!["*".into()],
            AllowedOrigins::Only(list) => list.clone(),
        }
    }
}
