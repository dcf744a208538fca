//! Token scopes.

use std::fmt;
use std::str::FromStr;

/// What a Communication Services token allows.
///
/// The service may add scopes; [`Scope::Other`] carries any this crate does
/// not know yet.
///
/// ```
/// use azure_user_tokens::identity::Scope;
/// assert_eq!("voip".parse::<Scope>().unwrap(), Scope::VoIp);
/// assert_eq!(Scope::ChatJoinLimited.as_str(), "chat.join.limited");
/// assert_eq!("future.scope".parse::<Scope>().unwrap(), Scope::Other("future.scope".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `chat`: full chat.
    Chat,
    /// `voip`: calls.
    VoIp,
    /// `chat.join`: join chats the user is invited to.
    ChatJoin,
    /// `chat.join.limited`: join chats without adding or removing members.
    ChatJoinLimited,
    /// `voip.join`: join calls the user is invited to.
    VoIpJoin,
    /// A scope this version of the crate does not know.
    Other(String),
}

impl Scope {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Scope::Chat => "chat",
            Scope::VoIp => "voip",
            Scope::ChatJoin => "chat.join",
            Scope::ChatJoinLimited => "chat.join.limited",
            Scope::VoIpJoin => "voip.join",
            Scope::Other(other) => other,
        }
    }
}

impl FromStr for Scope {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "chat" => Scope::Chat,
            "voip" => Scope::VoIp,
            "chat.join" => Scope::ChatJoin,
            "chat.join.limited" => Scope::ChatJoinLimited,
            "voip.join" => Scope::VoIpJoin,
            other => Scope::Other(other.to_string()),
        })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Scope {
    fn from(s: &str) -> Self {
        match s.parse() {
            Ok(scope) => scope,
            Err(never) => match never {},
        }
    }
}
