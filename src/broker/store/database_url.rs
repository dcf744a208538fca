//! `--database URL`: `sqlite:///path/broker.db` or `postgres://…`. The URL
//! may carry a password, so it is a secret: `Display` and `Debug` hide it.

use std::fmt;
use std::path::PathBuf;

use url::Url;

use crate::Secret;

/// A database URL, checked for its scheme.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(Secret);

impl DatabaseUrl {
    /// `sqlite:…` or `postgres://…` / `postgresql://…`.
    pub fn parse(text: &str) -> crate::Result<Self> {
        let text = text.trim();
        let scheme = text.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" | "postgres" | "postgresql" => Ok(DatabaseUrl(Secret::new(text))),
            _ => Err(crate::Error::validation(
                "database",
                "expected sqlite:///path/broker.db or postgres://user@host/db",
            )),
        }
    }

    /// `sqlite://<path>`, creating nothing yet.
    pub fn sqlite(path: &std::path::Path) -> Self {
        DatabaseUrl(Secret::new(format!("sqlite://{}", path.display())))
    }

    /// The default: `broker.db` under the user's data directory.
    pub fn default_sqlite() -> Self {
        Self::sqlite(&default_sqlite_path())
    }

    pub(crate) fn is_sqlite(&self) -> bool {
        self.0.expose().starts_with("sqlite:")
    }

    /// The SQLite file, when this is a SQLite URL to a file.
    pub(crate) fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.0.expose().strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
    }

    /// The URL itself, password included (only for connecting).
    pub(crate) fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// `$XDG_DATA_HOME/azure-user-tokens/broker.db`, else
/// `~/.local/share/azure-user-tokens/broker.db` (`%APPDATA%\azure-user-tokens`
/// on Windows, `~/Library/Application Support/azure-user-tokens` on macOS),
/// else `./broker.db`.
pub fn default_sqlite_path() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let data_dir = if cfg!(windows) {
        var("APPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|home| PathBuf::from(home).join("Library/Application Support"))
    } else {
        var("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".local/share")))
    };
    match data_dir {
        Some(dir) => dir.join("azure-user-tokens").join("broker.db"),
        None => PathBuf::from("broker.db"),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Url::parse(self.0.expose()) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                f.write_str(url.as_str())
            }
            Ok(url) => f.write_str(url.as_str()),
            // Not a URL we can parse: show only the scheme.
            Err(_) => write!(f, "{}:…", self.0.expose().split(':').next().unwrap_or("")),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let url = DatabaseUrl::parse("postgres://broker:s3cret@127.0.0.1:5432/broker").unwrap();
        assert!(!format!("{url} {url:?}").contains("s3cret"));
        assert!(format!("{url}").contains("127.0.0.1:5432/broker"));
    }

    #[test]
    fn schemes_and_paths() {
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        let url = DatabaseUrl::parse("sqlite:///var/lib/b/broker.db").unwrap();
        assert!(url.is_sqlite());
        assert_eq!(
            url.sqlite_path(),
            Some(PathBuf::from("/var/lib/b/broker.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:rel.db?mode=rwc")
                .unwrap()
                .sqlite_path(),
            Some(PathBuf::from("rel.db"))
        );
        assert!(DatabaseUrl::default_sqlite().is_sqlite());
        assert!(default_sqlite_path().ends_with("azure-user-tokens/broker.db"));
    }
}
