use super::*;

#[test]
fn renders_basic_markdown() {
    let html = render("Some *emphasis* and **strong** text.");
    assert_eq!(
        html,
        "<p>Some <em>emphasis</em> and <strong>strong</strong> text.</p>\n"
    );
}

#[test]
fn scripts_and_their_content_are_removed() {
    let html = render("Hi <script>alert('x')</script>\n\n<script>\nalert(1)\n</script>\n");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("alert"), "{html}");
    assert!(html.contains("Hi"), "{html}");
}

#[test]
fn event_handlers_and_styles_are_removed() {
    let html = render(
        "<img src=\"images/x.png\" onerror=\"alert(1)\" style=\"width:1px\">\n\n\
         <p onclick=\"alert(2)\">para</p>\n\n<style>body { display: none }</style>\n",
    );
    assert!(!html.contains("onerror"), "{html}");
    assert!(!html.contains("onclick"), "{html}");
    assert!(!html.contains("style"), "{html}");
    assert!(!html.contains("display"), "{html}");
    assert!(html.contains("<img src=\"images/x.png\">"), "{html}");
}

#[test]
fn javascript_and_data_urls_are_neutralised() {
    let cases = [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "<a href=\"javascript:alert(1)\">click</a>",
        "<a href=\"&#106;avascript:alert(1)\">click</a>",
        "<a href=\" javascript:alert(1)\">click</a>",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![img](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
        "<a href=\"vbscript:msgbox(1)\">click</a>",
    ];
    for markdown in cases {
        let html = render(markdown);
        assert!(
            !html.to_lowercase().contains("script:"),
            "{markdown} gave {html}"
        );
        assert!(!html.contains("data:"), "{markdown} gave {html}");
        assert!(!html.contains("href="), "{markdown} gave {html}");
        assert!(!html.contains("src="), "{markdown} gave {html}");
    }
}

#[test]
fn relative_links_to_task_files_are_kept() {
    let html = render("See [Foo.java](attachments/Foo.java) and ![diagram](images/x.png).");
    assert!(
        html.contains(r#"<a href="attachments/Foo.java" rel="noopener noreferrer">Foo.java</a>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<img src="images/x.png" alt="diagram">"#),
        "{html}"
    );
    let html = render("[up](../other/) [anchor](#usage) [root](/tasks/)");
    for href in ["../other/", "#usage", "/tasks/"] {
        assert!(html.contains(&format!("href=\"{href}\"")), "{html}");
    }
}

#[test]
fn links_to_other_sites_get_rel() {
    let html = render(
        "[docs](https://docs.oracle.com/javase/) <a href=\"http://x.org\" rel=\"opener\">x</a>",
    );
    assert!(
        html.contains(
            r#"<a href="https://docs.oracle.com/javase/" rel="noopener noreferrer">docs</a>"#
        ),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="http://x.org" rel="noopener noreferrer">x</a>"#),
        "{html}"
    );
    assert!(
        render("[mail](mailto:tutor@example.org)").contains("href=\"mailto:tutor@example.org\"")
    );
}

#[test]
fn fenced_code_keeps_its_language_class() {
    let html = render("```java\nclass A { int x = 1 < 2 ? 1 : 0; }\n```\n");
    assert_eq!(
        html,
        "<pre><code class=\"language-java\">class A { int x = 1 &lt; 2 ? 1 : 0; }\n</code></pre>\n"
    );
    assert!(render("```c++\nint x;\n```").contains("class=\"language-c++\""));
    assert_eq!(
        render("```\nplain\n```\n"),
        "<pre><code>plain\n</code></pre>\n"
    );
}

#[test]
fn only_language_classes_survive_on_code() {
    let html = render("<pre><code class=\"evil language-rust hidden\">x</code></pre>");
    assert!(html.contains("<code class=\"language-rust\">"), "{html}");
    let html = render("<code class=\"btn btn-danger\">x</code>");
    assert!(html.contains("<code>x</code>"), "{html}");
    let html = render("```java\" onclick=\"alert(1)\nx\n```");
    assert!(!html.contains("onclick"), "{html}");
}

#[test]
fn tables_are_rendered_with_alignment_classes() {
    let html = render(
        "| Name | Points | Note |\n|:-----|:------:|-----:|\n| Ann | 3 | ok |\n| Bob | 4 | |\n",
    );
    assert!(html.contains("<table>"), "{html}");
    assert!(html.contains("<thead>"), "{html}");
    assert!(
        html.contains("<th class=\"align-left\">Name</th>"),
        "{html}"
    );
    assert!(
        html.contains("<th class=\"align-center\">Points</th>"),
        "{html}"
    );
    assert!(html.contains("<td class=\"align-right\">ok</td>"), "{html}");
    assert!(html.contains("<td class=\"align-left\">Bob</td>"), "{html}");
    assert!(!html.contains("style"), "{html}");
    let plain = render("| a | b |\n|---|---|\n| 1 | 2 |\n");
    assert!(
        plain.contains("<th>a</th>") && plain.contains("<td>2</td>"),
        "{plain}"
    );
    let forged = render("<table><tr><td class=\"evil align-center\">x</td></tr></table>");
    assert!(forged.contains("<td class=\"align-center\">"), "{forged}");
}

#[test]
fn headings_get_unique_ids() {
    let html = render("# Einführung\n\n## Aufgabe 1: `Foo.bar()`\n\n## Einführung\n\n### ???\n");
    assert!(
        html.contains("<h1 id=\"einführung\">Einführung</h1>"),
        "{html}"
    );
    assert!(html.contains("<h2 id=\"aufgabe-1-foobar\">"), "{html}");
    assert!(
        html.contains("<h2 id=\"einführung-1\">Einführung</h2>"),
        "{html}"
    );
    assert!(html.contains("<h3 id=\"section\">"), "{html}");
}

#[test]
fn explicit_heading_ids_win_and_are_reserved() {
    let html = render("# Usage\n\n# Later {#usage}\n\n# Again {#usage}\n\n# Tips {.fancy}\n");
    assert!(html.contains("<h1 id=\"usage-1\">Usage</h1>"), "{html}");
    assert!(html.contains("<h1 id=\"usage\">Later</h1>"), "{html}");
    assert!(html.contains("<h1 id=\"usage-2\">Again</h1>"), "{html}");
    assert!(html.contains("<h1 id=\"tips\">Tips</h1>"), "{html}");
    assert!(!html.contains("fancy"), "{html}");
}

#[test]
fn strikethrough_task_lists_and_smart_punctuation() {
    let html = render("~~old~~ \"quoted\" -- wait...\n\n- [x] done\n- [ ] todo\n");
    assert!(html.contains("<del>old</del>"), "{html}");
    assert!(
        html.contains("\u{201c}quoted\u{201d} \u{2013} wait\u{2026}"),
        "{html}"
    );
    assert!(
        html.contains("<input disabled=\"\" type=\"checkbox\" checked=\"\">"),
        "{html}"
    );
    assert!(
        html.contains("<input disabled=\"\" type=\"checkbox\">"),
        "{html}"
    );
}

#[test]
fn only_checkbox_inputs_keep_their_type() {
    let html = render("<input type=\"password\" name=\"pw\" value=\"x\">");
    assert!(
        !html.contains("password") && !html.contains("name="),
        "{html}"
    );
}

#[test]
fn empty_input_renders_nothing() {
    assert_eq!(render(""), "");
}
