//! Signatory data: `store::parse` of any text never panics, errors name a line inside the file,
//! and what loads is written back (`to_text`, what `save` writes) and loads again unchanged.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use oproep::Error;
use oproep::signing::store;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("content/signatories.yaml");
    match store::parse(text, file) {
        Ok(data) => {
            let written = store::to_text(&data).expect("the data can be written");
            let again = store::parse(&written, file)
                .unwrap_or_else(|err| panic!("what was written does not load: {err}\n{written}"));
            assert_eq!(again, data, "written and loaded again, the data changed");
        }
        Err(Error::Content { location, .. }) => {
            let lines = text.lines().count().max(1);
            if let Some(line) = location.line {
                assert!((1..=lines).contains(&line), "line {line} of {lines}");
            }
        }
        Err(err) => panic!("not a content error: {err}"),
    }
});
