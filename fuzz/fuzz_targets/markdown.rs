//! Markdown to HTML: whatever the text, the HTML holds only the tags and attributes the
//! renderer writes and no script URL (tests/support/html_safety.rs), raw HTML stays text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oproep::render::markdown;

#[path = "../../tests/support/html_safety.rs"]
mod html_safety;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for base in ["/", "/sub/"] {
        let rendered = markdown::render(text, base);
        if let Err(problem) = html_safety::check(&rendered.html) {
            panic!(
                "unsafe HTML: {problem}\ninput: {text:?}\nhtml: {}",
                rendered.html
            );
        }
        for heading in &rendered.headings {
            assert!(!heading.id.is_empty());
        }
        let inline = markdown::render_inline(text, base);
        if let Err(problem) = html_safety::check(&inline) {
            panic!("unsafe inline HTML: {problem}\ninput: {text:?}\nhtml: {inline}");
        }
    }
    let _ = markdown::to_plain_text(text);
    if let Some(link) = markdown::safe_link(text, "/") {
        let html = format!("<a href=\"{}\">x</a>", html_escape(&link));
        if let Err(problem) = html_safety::check(&html) {
            panic!("unsafe link: {problem}\ninput: {text:?}");
        }
    }
});

/// What Tera's autoescaping does to a value in an attribute.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2F;")
}
