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
    IMPORT_MAKE_NETWORK: "import_make_network", Bool, "false",
        "Whether the import's `make` container may reach the network (false: no network at all).";
    PULL_INTERVAL_MINUTES: "pull_interval_minutes", Int, "0",
        "Minutes between scheduled imports of the task repository (0: only webhook and admins).";
    EXAM_CATEGORY: "exam_category", Text, "",
        "Name or slug of the category students exclusively see during an exam (empty: no exam).";
    IMMEDIATE_FEEDBACK: "immediate_feedback", Bool, "true",
        "Whether solutions are checked when submitted; off (exam mode) stores them unchecked.";
    SUBMISSION_LIMIT: "submission_limit", Int, "-1",
        "Solutions a student may submit per task unless the task sets its own limit (-1: unlimited).";
    ALLOWED_EXTENSIONS: "allowed_extensions", List, ".java",
        "Comma-separated file extensions students may submit (empty: any).";
    MAX_UPLOAD_FILES: "max_upload_files", Int, "20",
        "Files one solution may have.";
    MAX_UPLOAD_KIB: "max_upload_kib", Int, "1024",
        "KiB the files of one solution may have together.";
    DEADLINE_GRACE_SECONDS: "deadline_grace_seconds", Int, "0",
        "Seconds after a deadline during which solutions are still accepted.";
    MAX_TIME_LIMIT_SECONDS: "max_time_limit_seconds", Int, "300",
        "The longest wall time a task's meta.json may ask for.";
    MAX_MEMORY_MIB: "max_memory_mib", Int, "1024",
        "The most memory (MiB) a task's meta.json may ask for.";
    MAX_CPUS_TENTHS: "max_cpus_tenths", Int, "20",
        "The most CPU (in tenths of a core) a task's meta.json may ask for.";
    MAX_PROCESSES: "max_processes", Int, "512",
        "The most processes a task's meta.json may ask for.";
    EDITOR_AUTOCOMPLETION: "editor_autocompletion", Bool, "false",
        "Whether the browser editor suggests completions (off: students type every word themselves).";
    GRADE_MAX_POINTS: "grade_max_points", Int, "10",
        "The most points the grade export gives a student for one category (a point per task solved).";
}
