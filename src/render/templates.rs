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
        let months: Vec<String> = theme
            .strings
            .get("months")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
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
        Ok(date) => {
            use chrono::Datelike;
            match months.get(date.month0() as usize) {
                Some(month) => format!("{} {} {}", date.day(), month, date.year()),
                None => iso.to_string(),
            }
        }
        Err(_) => iso.to_string(),
    }
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

    pub fn insert<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.context.insert(key, value);
        self.added.push(key);
    }

    pub fn context(&self) -> &Context {
        self.context
    }

    /// A hash of everything the template will see, for reusing an earlier build's page:
    /// `shared` stands for the values every page shares (and the templates themselves).
    pub fn fingerprint(&self, shared: &crate::cache::Key, template: &str) -> crate::cache::Key {
        // The values are laid out in one buffer and hashed at once: much faster than many
        // small updates, and strings are copied as they are rather than escaped as JSON.
        let mut bytes = Vec::with_capacity(16 * 1024);
        bytes.extend_from_slice(shared.as_bytes());
        put_str(&mut bytes, template);
        for key in &self.added {
            put_str(&mut bytes, key);
            put_value(&mut bytes, self.context.get(key).unwrap_or(&Value::Null));
        }
        blake3::hash(&bytes)
    }
}

fn put_str(bytes: &mut Vec<u8>, text: &str) {
    bytes.extend_from_slice(&(text.len() as u64).to_le_bytes());
    bytes.extend_from_slice(text.as_bytes());
}

/// Each value with a type tag and lengths, so that different values never give the same bytes.
fn put_value(bytes: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => bytes.push(0),
        Value::Bool(b) => bytes.extend_from_slice(&[1, *b as u8]),
        Value::Number(n) => {
            bytes.push(2);
            put_str(bytes, &n.to_string());
        }
        Value::String(s) => {
            bytes.push(3);
            put_str(bytes, s);
        }
        Value::Array(items) => {
            bytes.push(4);
            bytes.extend_from_slice(&(items.len() as u64).to_le_bytes());
            for item in items {
                put_value(bytes, item);
            }
        }
        Value::Object(map) => {
            bytes.push(5);
            bytes.extend_from_slice(&(map.len() as u64).to_le_bytes());
            for (key, item) in map {
                put_str(bytes, key);
                put_value(bytes, item);
            }
        }
    }
}

impl Drop for PageContext<'_> {
    fn drop(&mut self) {
        for key in &self.added {
            self.context.remove(key);
        }
    }
}
