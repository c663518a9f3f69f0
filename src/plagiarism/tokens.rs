//! Source files as streams of normalised tokens: what a copy keeps when its names, comments,
//! literals and layout are changed.
//!
//! Java is parsed with tree-sitter; every other file goes through a small generic lexer. Either
//! way names become one kind (`ID`), literals one kind per literal type, comments disappear, and
//! keywords and punctuation stay themselves. Kinds are interned to small integers, so comparing two
//! tokens is comparing two numbers.

use std::collections::HashMap;

/// The kind every identifier becomes (variables, methods, types, packages).
pub const IDENTIFIER: &str = "ID";
/// The kind of every number literal.
pub const NUMBER: &str = "NUM";
/// The kind of every string literal (text blocks included).
pub const STRING: &str = "STR";
/// The kind of every character literal.
pub const CHARACTER: &str = "CHAR";

/// One normalised token: its interned kind, the file (its index in the submission) and the
/// 1-based line where it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: u32,
    pub file: u32,
    pub line: u32,
}

/// Words the generic lexer keeps as themselves: control flow and declarations shared by most
/// scripting and C-like languages, which shape a program more than its names do.
const GENERIC_KEYWORDS: &[&str] = &[
    "if", "else", "elif", "for", "while", "do", "return", "break", "continue", "def", "class",
    "function", "fn", "let", "var", "const", "import", "from", "try", "catch", "except", "finally",
    "switch", "case", "new", "in", "then", "fi", "done", "esac",
];

/// Turns files into token streams whose kinds are comparable across all files it has read.
pub struct Tokenizer {
    kinds: HashMap<Box<str>, u32>,
    java: tree_sitter::Parser,
    java_ready: bool,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenizer {
    #[must_use]
    pub fn new() -> Self {
        let mut java = tree_sitter::Parser::new();
        // Fails only when the grammar and the library disagree on the ABI version; Java files
        // then go through the generic lexer rather than failing the comparison.
        let java_ready = java
            .set_language(&tree_sitter_java::LANGUAGE.into())
            .is_ok();
        Self {
            kinds: HashMap::new(),
            java,
            java_ready,
        }
    }

    /// The small integer standing for `kind`; the same kind always gets the same number.
    pub fn intern(&mut self, kind: &str) -> u32 {
        if let Some(&id) = self.kinds.get(kind) {
            return id;
        }
        let id = u32::try_from(self.kinds.len()).unwrap_or(u32::MAX);
        self.kinds.insert(kind.into(), id);
        id
    }

    /// Appends the tokens of one file (`file` is its index in the submission) to `out`; `.java`
    /// files are parsed as Java, everything else is read by the generic lexer.
    pub fn tokenize(&mut self, file: u32, name: &str, content: &str, out: &mut Vec<Token>) {
        let is_java = std::path::Path::new(name)
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("java"));
        if !(is_java && self.java_ready && self.java_tokens(file, content, out)) {
            self.generic_tokens(file, content, out);
        }
    }

    /// The leaves of Java's syntax tree, in source order; false when the parser gave up.
    fn java_tokens(&mut self, file: u32, content: &str, out: &mut Vec<Token>) -> bool {
        let Some(tree) = self.java.parse(content, None) else {
            return false;
        };
        let mut cursor = tree.walk();
        loop {
            let node = cursor.node();
            let kind = node.kind();
            let line = line_of(node.start_position().row);
            let descend = match java_kind(kind) {
                JavaKind::Comment => false,
                JavaKind::Literal(literal) => {
                    self.push(out, literal, file, line);
                    false
                }
                JavaKind::Identifier => {
                    self.push(out, IDENTIFIER, file, line);
                    false
                }
                JavaKind::Other if node.child_count() > 0 => true,
                // A missing node is the parser's guess at what a broken file lacks: not code.
                JavaKind::Other => {
                    if !node.is_missing() && !kind.is_empty() {
                        self.push(out, kind, file, line);
                    }
                    false
                }
            };
            if descend && cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return true;
                }
            }
        }
    }

    /// A lexer for any language: names, numbers and strings by their shape, `//`, `#` and
    /// `/* */` comments dropped, every other visible character a token of its own.
    fn generic_tokens(&mut self, file: u32, content: &str, out: &mut Vec<Token>) {
        let chars: Vec<char> = content.chars().collect();
        let mut line = 1;
        let mut at = 0;
        while let Some(&c) = chars.get(at) {
            let next = chars.get(at + 1).copied();
            if c == '\n' {
                line += 1;
                at += 1;
            } else if c.is_whitespace() {
                at += 1;
            } else if c == '#' || (c == '/' && next == Some('/')) {
                while chars.get(at).is_some_and(|&c| c != '\n') {
                    at += 1;
                }
            } else if c == '/' && next == Some('*') {
                at += 2;
                while at < chars.len() && !(chars[at] == '*' && chars.get(at + 1) == Some(&'/')) {
                    line += u32::from(chars[at] == '\n');
                    at += 1;
                }
                at += 2;
            } else if c == '"' || c == '\'' {
                self.push(out, STRING, file, line);
                let (end, lines) = string_end(&chars, at);
                at = end;
                line += lines;
            } else if c.is_ascii_digit() {
                self.push(out, NUMBER, file, line);
                while chars
                    .get(at)
                    .is_some_and(|&c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    at += 1;
                }
            } else if c.is_alphabetic() || c == '_' {
                let start = at;
                while chars
                    .get(at)
                    .is_some_and(|&c| c.is_alphanumeric() || c == '_')
                {
                    at += 1;
                }
                let word: String = chars[start..at].iter().collect();
                let kind = if GENERIC_KEYWORDS.contains(&word.as_str()) {
                    word.as_str()
                } else {
                    IDENTIFIER
                };
                self.push(out, kind, file, line);
            } else {
                self.push(out, c.encode_utf8(&mut [0; 4]), file, line);
                at += 1;
            }
        }
    }

    fn push(&mut self, out: &mut Vec<Token>, kind: &str, file: u32, line: u32) {
        let kind = self.intern(kind);
        out.push(Token { kind, file, line });
    }
}

/// Where the string literal opening at `start` ends (one past its closing quote) and how many
/// line breaks it spans. Tripled quotes (Python) run to the next triple; single ones end at the
/// next unescaped quote of the same kind or at the end of the line.
fn string_end(chars: &[char], start: usize) -> (usize, u32) {
    let quote = chars[start];
    let tripled = chars.get(start + 1) == Some(&quote) && chars.get(start + 2) == Some(&quote);
    let mut at = start + if tripled { 3 } else { 1 };
    let mut lines = 0;
    while let Some(&c) = chars.get(at) {
        if tripled && c == quote && chars[at..].starts_with(&[quote, quote, quote]) {
            return (at + 3, lines);
        }
        if !tripled && c == quote {
            return (at + 1, lines);
        }
        if !tripled && c == '\n' {
            return (at, lines);
        }
        lines += u32::from(c == '\n');
        at += if c == '\\' { 2 } else { 1 };
    }
    (chars.len(), lines)
}

/// How the Java walk treats a node, by its tree-sitter kind.
enum JavaKind {
    Comment,
    Identifier,
    Literal(&'static str),
    Other,
}

fn java_kind(kind: &str) -> JavaKind {
    match kind {
        "line_comment" | "block_comment" => JavaKind::Comment,
        "identifier" | "type_identifier" => JavaKind::Identifier,
        "decimal_integer_literal"
        | "hex_integer_literal"
        | "octal_integer_literal"
        | "binary_integer_literal"
        | "decimal_floating_point_literal"
        | "hex_floating_point_literal" => JavaKind::Literal(NUMBER),
        "string_literal" | "text_block" => JavaKind::Literal(STRING),
        "character_literal" => JavaKind::Literal(CHARACTER),
        _ => JavaKind::Other,
    }
}

/// A tree-sitter row (0-based) as a 1-based line.
fn line_of(row: usize) -> u32 {
    u32::try_from(row + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(name: &str, content: &str) -> Vec<String> {
        let mut tokenizer = Tokenizer::new();
        let mut out = Vec::new();
        tokenizer.tokenize(0, name, content, &mut out);
        let names: HashMap<u32, String> = tokenizer
            .kinds
            .iter()
            .map(|(kind, &id)| (id, kind.to_string()))
            .collect();
        out.iter().map(|token| names[&token.kind].clone()).collect()
    }

    #[test]
    fn java_names_and_literals_are_normalised_and_comments_dropped() {
        let java = "class A {\n  // note\n  int f(int x) { return x * 42 + \"s\".length(); }\n}\n";
        assert_eq!(
            kinds("A.java", java).join(" "),
            "class ID { int ID ( int ID ) { return ID * NUM + STR . ID ( ) ; } }"
        );
    }

    #[test]
    fn generic_lexer_drops_comments_and_normalises_names_in_python() {
        let python = "# add two numbers\ndef add(first, second):\n    \"\"\"Docs\n    more\"\"\"\n    return first + second * 2  # twice\n";
        assert_eq!(
            kinds("add.py", python).join(" "),
            "def ID ( ID , ID ) : STR return ID + ID * NUM"
        );
    }

    #[test]
    fn generic_lexer_reads_shell_and_counts_lines() {
        let shell = "#!/bin/sh\n/* block\ncomment */ for f in *.txt; do\n  echo \"$f\" 'x'\ndone\n";
        let mut tokenizer = Tokenizer::new();
        let mut out = Vec::new();
        tokenizer.tokenize(3, "run.sh", shell, &mut out);
        let lines: Vec<u32> = out.iter().map(|token| token.line).collect();
        assert_eq!(lines, [3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 5]);
        assert!(out.iter().all(|token| token.file == 3));
        assert_eq!(
            kinds("run.sh", shell).join(" "),
            "for ID in * . ID ; do ID STR STR done"
        );
    }
}
