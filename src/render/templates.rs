//! Tera templates of the theme, compiled once per build.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera, Value};

use crate::error::{Error, Result};
use crate::theme::Theme;

/// Templates in this folder are rendered once per build, with only `site` and `t`, and every
/// page gets the results as `shared.NAME`: the parts of a page frame that are the same on every
/// page then cost nothing per page.
const FRAGMENTS: &str = "shared/";

pub struct Templates {
    tera: Tera,
    origins: HashMap<String, String>,
}

impl Templates {
    pub fn new(theme: &Theme) -> Result<Templates> {
        let mut tera = Tera::default();
        let origins: HashMap<String, String> = theme
            .templates
            .iter()
            .map(|(name, (_, origin))| (name.clone(), origin.clone()))
            .collect();
        // Parsing is most of the cost and each template parses on its own, so in parallel;
        // then the same steps as `Tera::add_raw_templates`.
        let parsed = theme
            .templates
            .par_iter()
            .map(|(name, (text, _))| {
                tera::Template::new(name, None, text)
                    .map(|template| (name.clone(), template))
                    .map_err(|e| tera::Error::chain(format!("Failed to parse '{name}'"), e))
            })
            .collect::<std::result::Result<Vec<_>, tera::Error>>();
        parsed
            .and_then(|parsed| {
                tera.templates.extend(parsed);
                tera.build_inheritance_chains()?;
                tera.check_macro_files()
            })
            .map_err(|err| {
                // Tera names the template in its message; find its file for the hint.
                let message = error_chain(&err);
                let origin = origins
                    .iter()
                    .find(|(name, _)| message.contains(&format!("'{name}'")))
                    .map(|(name, origin)| (name.clone(), origin.clone()));
                let (name, origin) = origin.unwrap_or_else(|| ("?".into(), "the theme".into()));
                Error::Template {
                    name,
                    message,
                    hint: format!("fix the template in {origin}"),
                }
            })?;
        // Every attribute in a theme is quoted, so `&<>"'` are the characters that matter.
        // Tera's default also escapes `/`, which makes every URL in a page longer.
        tera.set_escape_fn(|text| html_escape::encode_quoted_attribute(text).into_owned());
        let months = theme.months();
        tera.register_filter(
            "long_date",
            move |value: &Value, _: &HashMap<String, Value>| {
                let text = tera::try_get_value!("long_date", "value", String, value);
                Ok(Value::String(long_date(&text, &months)))
            },
        );
        Ok(Templates { tera, origins })
    }

    /// The theme's shared fragments, `shared/NAME.html`, as (NAME, template name).
    pub fn fragments(&self) -> impl Iterator<Item = (&str, &str)> {
        self.origins.keys().filter_map(|template| {
            let name = template.strip_prefix(FRAGMENTS)?.strip_suffix(".html")?;
            Some((name, template.as_str()))
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.origins.contains_key(name)
    }

    pub fn render(&self, name: &str, context: &Context) -> Result<String> {
        self.tera
            .render(name, context)
            .map_err(|err| Error::Template {
                name: name.to_string(),
                message: error_chain(&err),
                hint: match self.origins.get(name) {
                    Some(origin) => format!("fix the template in {origin}"),
                    None => format!("add {name} to the theme's templates/ folder"),
                },
            })
    }
}

/// Tera puts the useful part (which variable, which line) in the error's sources.
fn error_chain(err: &tera::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        parts.push(inner.to_string());
        source = inner.source();
    }
    parts.join(": ")
}

/// `2020-12-21` -> `21 december 2020`, with the month names of the site's language.
fn long_date(iso: &str, months: &[String]) -> String {
    match chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(date) => crate::theme::long_date(date, months),
        Err(_) => iso.to_string(),
    }
}

/// Where a page's own values go: into its template context, or into its fingerprint.
pub trait PageValues {
    fn insert<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T);
}

/// One page's template context, on top of the values every page shares (`site`, `t`).
///
/// The shared values are converted for the template engine once per thread instead of once per
/// page, which was most of a large build's time. The page's own values are removed again when
/// this is dropped, so the next page on the thread starts from the shared values alone.
pub struct PageContext<'c> {
    context: &'c mut Context,
    added: Vec<&'static str>,
}

impl<'c> PageContext<'c> {
    pub fn new(shared: &'c mut Context) -> Self {
        PageContext {
            context: shared,
            added: Vec::new(),
        }
    }

    pub fn context(&self) -> &Context {
        self.context
    }
}

impl PageValues for PageContext<'_> {
    fn insert<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.context.insert(key, value);
        self.added.push(key);
    }
}

impl Drop for PageContext<'_> {
    fn drop(&mut self) {
        for key in &self.added {
            self.context.remove(key);
        }
    }
}

/// A hash of everything a template will see, for reusing an earlier build's page.
///
/// The values are written as JSON into one buffer and hashed at once: much cheaper than
/// converting them for the template engine, and JSON marks where each value ends, so different
/// values never give the same bytes.
pub struct Fingerprint {
    bytes: Vec<u8>,
}

thread_local! {
    /// The buffer of the last fingerprint on this thread: a rebuild of `serve` makes thousands,
    /// and a fresh buffer each time costs more than the hashing.
    static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl Fingerprint {
    /// `shared` stands for the values every page shares, and the templates themselves.
    pub fn new(shared: &crate::cache::Key) -> Self {
        let mut bytes = BUFFER.take();
        bytes.clear();
        bytes.extend_from_slice(shared.as_bytes());
        Fingerprint { bytes }
    }

    pub fn finish(mut self, template: &str) -> crate::cache::Key {
        put_str(&mut self.bytes, template);
        let key = blake3::hash(&self.bytes);
        BUFFER.set(self.bytes);
        key
    }
}

impl PageValues for Fingerprint {
    fn insert<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        put_str(&mut self.bytes, key);
        serde_json::to_writer(&mut self.bytes, value)
            .expect("template values serialize, as the template context needs them to");
    }
}

fn put_str(bytes: &mut Vec<u8>, text: &str) {
    bytes.extend_from_slice(&(text.len() as u64).to_le_bytes());
    bytes.extend_from_slice(text.as_bytes());
}
