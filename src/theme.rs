//! Themes: templates, static files and interface strings.
//!
//! The default theme is compiled into the binary, so a site without a `themes/` folder builds.
//! A site's `themes/<name>/` is laid over it file by file: one template, one stylesheet or one
//! string can be replaced without copying the rest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::error::{Error, Location, Result};
use crate::yaml;

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

pub const DEFAULT_THEME_NAME: &str = "default";
/// The built-in strings every language is checked against.
const REFERENCE_STRINGS: &str = "strings/nl.yaml";

/// A file of the theme, from the binary or from the site's `themes/` folder.
#[derive(Debug, Clone)]
pub enum ThemeFile {
    Embedded(&'static [u8]),
    OnDisk(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Theme {
    /// Template name (`actor.html`) to its source text and where it came from.
    pub templates: BTreeMap<String, (String, String)>,
    /// Path below `static/` to the file.
    pub static_files: BTreeMap<PathBuf, ThemeFile>,
    /// The interface strings for the site's language (`strings/<language>.yaml`).
    pub strings: Strings,
}

impl Theme {
    /// The month names of the site's language (`months` in the strings), January first.
    pub fn months(&self) -> Vec<String> {
        self.strings
            .get("months")
            .and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `2020-12-21` -> `21 december 2020`, with the month names of the site's language; the date
/// as it is when a month has no name.
pub fn long_date(date: chrono::NaiveDate, months: &[String]) -> String {
    use chrono::Datelike;
    match months.get(date.month0() as usize) {
        Some(month) => format!("{} {} {}", date.day(), month, date.year()),
        None => date.to_string(),
    }
}

/// Loads theme `name` for `language`, laying `site_root/themes/<name>/` over the default theme.
pub fn load_theme(site_root: &Path, name: &str, language: &str) -> Result<Theme> {
    let site_theme = site_root.join("themes").join(name);
    if name != DEFAULT_THEME_NAME && !site_theme.is_dir() {
        return Err(Error::content(
            Location::file(&site_theme),
            format!("theme `{name}` does not exist"),
            "create that folder, or set `theme: default` in content/site.yaml",
        ));
    }

    let mut templates = BTreeMap::new();
    let mut static_files = BTreeMap::new();
    let mut strings_sources: Vec<(String, PathBuf)> = Vec::new();
    let mut strings_from_site = false;
    let strings_name = format!("strings/{language}.yaml");

    for file in embedded_files(&DEFAULT_THEME) {
        let path = file.path();
        let origin = format!("(built-in theme)/{}", path.display());
        if let Ok(rest) = path.strip_prefix("templates") {
            let text = String::from_utf8_lossy(file.contents()).into_owned();
            templates.insert(template_name(rest), (text, origin));
        } else if let Ok(rest) = path.strip_prefix("static") {
            static_files.insert(rest.to_path_buf(), ThemeFile::Embedded(file.contents()));
        } else if path == Path::new(&strings_name) {
            let text = String::from_utf8_lossy(file.contents()).into_owned();
            strings_sources.push((text, PathBuf::from(origin)));
        }
    }

    if site_theme.is_dir() {
        for entry in walkdir::WalkDir::new(&site_theme).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                let path = e.path().unwrap_or(&site_theme).to_path_buf();
                Error::io("cannot read", path, e.into())
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let relative = path.strip_prefix(&site_theme).unwrap_or(path);
            if let Ok(rest) = relative.strip_prefix("templates") {
                let text = crate::load::read_text(path)?;
                templates.insert(template_name(rest), (text, path.display().to_string()));
            } else if let Ok(rest) = relative.strip_prefix("static") {
                static_files.insert(rest.to_path_buf(), ThemeFile::OnDisk(path.to_path_buf()));
            } else if relative == Path::new(&strings_name) {
                strings_sources.push((crate::load::read_text(path)?, path.to_path_buf()));
                strings_from_site = true;
            }
        }
    }

    if strings_sources.is_empty() {
        return Err(Error::content(
            Location::file(&site_theme.join(&strings_name)),
            format!("the theme has no interface strings for language `{language}`"),
            format!(
                "set `language:` in content/site.yaml to one of: {}, or add {strings_name} to the theme",
                available_languages().join(", ")
            ),
        ));
    }
    // Later sources (the site's) override single strings of earlier ones (the built-in theme).
    let mut strings = Strings::new();
    let mut last_source = PathBuf::new();
    for (text, path) in strings_sources {
        strings.extend(parse_strings(&text, &path, &strings_name)?);
        last_source = path;
    }
    // A language file made for a site must have every string the templates use (the built-in
    // ones have: `every_language_has_every_string`).
    let reference = DEFAULT_THEME
        .get_file(REFERENCE_STRINGS)
        .filter(|_| strings_from_site);
    if let Some(reference) = reference {
        let text = String::from_utf8_lossy(reference.contents());
        let reference = parse_strings(&text, Path::new(REFERENCE_STRINGS), REFERENCE_STRINGS)?;
        let missing: Vec<&str> = reference
            .keys()
            .filter(|k| !strings.contains_key(*k))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(Error::content(
                Location::file(&last_source),
                format!(
                    "the strings for language `{language}` lack: {}",
                    missing.join(", ")
                ),
                format!(
                    "add them; the Dutch texts of the default theme are in {REFERENCE_STRINGS}"
                ),
            ));
        }
    }
    Ok(Theme {
        templates,
        static_files,
        strings,
    })
}

type Strings = serde_json::Map<String, serde_json::Value>;

/// The default theme's strings files as JSON, by their path in the theme, converted by build.rs
/// when oproep was compiled (reading their YAML was a twentieth of the real site's CPU time).
static DEFAULT_STRINGS_JSON: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/default_strings.rs"));

/// Parses the strings file at `path`, `name` in a theme (`strings/nl.yaml`). When its text is
/// that of the default theme's file (as in a copy of the theme), it is read from that file's JSON.
fn parse_strings(text: &str, path: &Path, name: &str) -> Result<Strings> {
    let built_in = DEFAULT_THEME
        .get_file(name)
        .is_some_and(|file| file.contents() == text.as_bytes());
    let json = DEFAULT_STRINGS_JSON.iter().find(|(file, _)| *file == name);
    match json {
        Some((_, json)) if built_in => {
            Ok(serde_json::from_str(json).expect("build.rs wrote this JSON from a mapping"))
        }
        _ => yaml::parse(text, path, 1),
    }
}

/// Languages the built-in theme has strings for.
pub fn available_languages() -> Vec<String> {
    DEFAULT_THEME
        .get_dir("strings")
        .map(|dir| {
            dir.files()
                .filter_map(|f| f.path().file_stem())
                .map(|s| s.to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn template_name(relative: &Path) -> String {
    relative.to_string_lossy().replace('\\', "/")
}

fn embedded_files(dir: &'static Dir<'static>) -> Vec<&'static include_dir::File<'static>> {
    let mut files: Vec<_> = dir.files().collect();
    for sub in dir.dirs() {
        files.extend(embedded_files(sub));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A string missing in one language would show its key on the site.
    #[test]
    fn every_language_has_every_string() {
        let keys = |language: &str| -> Vec<String> {
            let theme =
                load_theme(Path::new("/nonexistent"), DEFAULT_THEME_NAME, language).unwrap();
            let mut keys: Vec<String> = theme.strings.keys().cloned().collect();
            keys.sort();
            keys
        };
        let dutch = keys("nl");
        assert!(dutch.len() > 50);
        for language in available_languages() {
            assert_eq!(keys(&language), dutch, "strings/{language}.yaml");
        }
    }

    #[test]
    fn a_site_language_missing_strings_names_them() {
        let dir = tempfile::tempdir().unwrap();
        let strings = dir.path().join("themes/default/strings");
        std::fs::create_dir_all(&strings).unwrap();
        std::fs::write(strings.join("fy.yaml"), "sign: \"Tekenje\"\n").unwrap();
        let err = load_theme(dir.path(), DEFAULT_THEME_NAME, "fy")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("fy.yaml") && err.contains("lack") && err.contains("nav_home"),
            "{err}"
        );
    }

    /// What build.rs made of the default theme's strings reads as their YAML does.
    #[test]
    fn built_in_strings_read_from_their_json_as_from_their_yaml() {
        for language in available_languages() {
            let name = format!("strings/{language}.yaml");
            let text = String::from_utf8_lossy(DEFAULT_THEME.get_file(&name).unwrap().contents());
            let from_yaml: Strings = yaml::parse(&text, Path::new(&name), 1).unwrap();
            assert!(
                DEFAULT_STRINGS_JSON.iter().any(|(file, _)| *file == name),
                "{name} has its JSON"
            );
            assert_eq!(
                parse_strings(&text, Path::new(&name), &name).unwrap(),
                from_yaml
            );
        }
    }

    /// A site's copy of a strings file with one string changed shows that string: only the
    /// default theme's own text is read from its JSON.
    #[test]
    fn a_changed_copy_of_the_strings_is_read_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let strings = dir.path().join("themes/default/strings");
        std::fs::create_dir_all(&strings).unwrap();
        let name = "strings/nl.yaml";
        let text = String::from_utf8_lossy(DEFAULT_THEME.get_file(name).unwrap().contents());
        let built_in = load_theme(Path::new("/nonexistent"), DEFAULT_THEME_NAME, "nl").unwrap();
        let sign = built_in.strings["sign"].as_str().unwrap();
        let changed = text.replacen(&format!("\nsign: \"{sign}\""), "\nsign: \"Teken nu\"", 1);
        assert_ne!(changed, text, "the built-in sign string appears as written");
        std::fs::write(strings.join("nl.yaml"), &changed).unwrap();
        let theme = load_theme(dir.path(), DEFAULT_THEME_NAME, "nl").unwrap();
        assert_eq!(theme.strings["sign"], "Teken nu");
        std::fs::write(strings.join("nl.yaml"), &*text).unwrap();
        let theme = load_theme(dir.path(), DEFAULT_THEME_NAME, "nl").unwrap();
        assert_eq!(theme.strings, built_in.strings);
    }

    #[test]
    fn an_unknown_language_is_a_clear_error() {
        let err = load_theme(Path::new("/nonexistent"), DEFAULT_THEME_NAME, "fy").unwrap_err();
        assert!(err.to_string().contains("language `fy`"), "{err}");
    }
}
