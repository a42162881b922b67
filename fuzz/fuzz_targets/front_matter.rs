//! Front matter: `split_front_matter` and the YAML parse into every front matter type, as
//! `load` does for each markdown file. Errors must name a line inside the file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use oproep::Error;
use oproep::load::{parse_front_matter, split_front_matter};
use oproep::model::{ActorMeta, AppealMeta, ExampleMeta, NewsMeta, PageMeta};

fuzz_target!(|data: &[u8]| {
    // `load` refuses a file that is not UTF-8 before it gets here.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("content/fuzz.md");
    // The closing `---` line counts too: an error at the end of the front matter points at it.
    let lines = text.lines().count().max(1);
    let (front_matter, body) = match split_front_matter(text, file) {
        Ok(parts) => parts,
        Err(err) => return check_error(&err, lines),
    };
    assert!(front_matter.len() + body.len() < text.len());
    assert!(text.ends_with(body));
    let check = |result: oproep::Result<()>| {
        if let Err(err) = result {
            check_error(&err, lines);
        }
    };
    check(parse_front_matter::<PageMeta>(front_matter, file).map(drop));
    check(parse_front_matter::<AppealMeta>(front_matter, file).map(drop));
    check(parse_front_matter::<ActorMeta>(front_matter, file).map(drop));
    check(parse_front_matter::<ExampleMeta>(front_matter, file).map(drop));
    check(parse_front_matter::<NewsMeta>(front_matter, file).map(drop));
});

fn check_error(err: &Error, lines: usize) {
    let Error::Content { location, .. } = err else {
        panic!("not a content error: {err}");
    };
    if let Some(line) = location.line {
        assert!(
            (1..=lines).contains(&line),
            "line {line} is outside the file of {lines} lines: {err}"
        );
    }
}
