//! Every runtime setting INLOOP knows, with its default and meaning.

use super::{Kind, Setting};

macro_rules! settings {
    ($($name:ident: $key:literal, $kind:ident, $default:literal, $help:literal;)*) => {
        $(
            #[doc = $help]
            pub const $name: Setting = Setting { key: $key, kind: Kind::$kind, default: $default, help: $help };
        )*
        /// All settings, in the order they are listed to admins.
        pub const ALL: &[&Setting] = &[$(&$name),*];
    };
}

settings! {
    SIGNUP_ALLOWED: "signup_allowed", Bool, "true",
        "Whether new users may sign up.";
    EMAIL_PATTERN: "email_pattern", Regex, "",
        "A regular expression every sign-up e-mail address must match (empty: any address).";
    EMAIL_HELP_TEXT: "email_help_text", Markdown, "",
        "Shown below the e-mail field of the sign-up form (Markdown).";
    EMAIL_ERROR_MESSAGE: "email_error_message", Markdown, "This e-mail address is not accepted here.",
        "Shown when an address does not match the pattern (Markdown).";
    OWNWORK_REQUIRED: "ownwork_required", Bool, "false",
        "Whether users must confirm the own-work declaration before using INLOOP.";
    OWNWORK_DECLARATION: "ownwork_declaration", Markdown,
        "I declare that I will solve the tasks on my own and hand in only my own work.",
        "The own-work declaration users confirm (Markdown).";
    AUTO_ASSIGN_GROUPS: "auto_assign_groups", List, "",
        "Comma-separated groups every user joins when logging in.";
    PRIVACY_TEXT: "privacy_text", Markdown,
        "INLOOP stores your account data and your solutions to run this course.",
        "The privacy statement linked from the sign-up form (Markdown).";
    GIT_URL: "git_url", Text, "",
        "URL of the task repository (https://, ssh:// or file://); empty: imports fail.";
    GIT_BRANCH: "git_branch", Text, "main",
        "Branch of the task repository that is imported (and whose pushes the webhook accepts).";
    PULL_INTERVAL_MINUTES: "pull_interval_minutes", Int, "0",
        "Minutes between scheduled imports of the task repository (0: only webhook and admins).";
}
