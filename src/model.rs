//! The site as plain Rust types: what `load` produces and `render` consumes.
//!
//! Front matter structs deny unknown fields so that a misspelt key (`plaats:` for `place:`)
//! is reported instead of silently ignored.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// `content/site.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub title: String,
    pub description: String,
    /// Absolute URL the site is published at, e.g. `https://example.org/oproep/`.
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    pub signing: SigningSettings,
    /// Number of signatures the campaign aims for; shown as progress when set.
    #[serde(default)]
    pub goal: Option<u64>,
    /// Image shown when a page is shared (Open Graph), a path in the site or a URL.
    #[serde(default)]
    pub share_image: Option<String>,
    /// URL path of each section; the folder in `content/` has the same name.
    #[serde(default)]
    pub paths: SectionPaths,
}

fn default_language() -> String {
    "nl".into()
}

fn yes() -> bool {
    true
}

fn default_theme() -> String {
    "default".into()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SigningSettings {
    /// Where signing mails go; the only e-mail address that is published.
    pub address: String,
    pub subject: String,
    /// The template of the mail body the signatory fills in.
    pub body: String,
    /// Keep the address out of the HTML, so that address harvesters do not find it; a small
    /// script puts the link together in the reader's browser.
    #[serde(default)]
    pub hide_address: bool,
}

/// Folder names in `content/`, which are also the URL paths of the sections.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SectionPaths {
    pub appeal: String,
    pub actors: String,
    pub examples: String,
    /// The page that explains signing.
    pub sign: String,
    pub signatories: String,
    pub news: String,
    pub search: String,
}

impl Default for SectionPaths {
    fn default() -> Self {
        SectionPaths {
            appeal: "oproep".into(),
            actors: "actoren".into(),
            examples: "voorbeelden".into(),
            sign: "onderteken".into(),
            signatories: "ondertekenaars".into(),
            news: "nieuws".into(),
            search: "zoeken".into(),
        }
    }
}

/// Front matter every markdown page may carry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PageMeta {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// A template of the theme to render this page with, instead of the default one.
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub draft: bool,
    /// Whether a top-level page appears in the navigation.
    #[serde(default = "yes")]
    pub menu: bool,
    /// Free-form values for custom templates.
    #[serde(default)]
    pub extra: BTreeMap<String, serde_yaml::Value>,
}

/// A markdown file: where it came from, its URL path and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub file: PathBuf,
    /// Site-relative URL path without leading slash, ending in `/` (empty for the home page).
    pub path: String,
    /// Markdown body after the front matter.
    pub body: std::sync::Arc<str>,
    /// The raw front matter, kept to point errors at the right line.
    pub front_matter: std::sync::Arc<str>,
    /// With `serve`'s cache: the hash of the file as it was read, which stands for its body in
    /// what is made from it, so that the body is not hashed again on every rebuild.
    pub key: Option<crate::cache::Key>,
}

/// A plain page: the home page, the about page, or any other markdown file.
#[derive(Debug, Clone)]
pub struct Page {
    pub meta: PageMeta,
    pub source: Source,
}

/// One of the numbered calls of the appeal ("wij roepen op tot").
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// Stable identifier that examples use to refer to the call.
    pub id: String,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AppealMeta {
    pub title: String,
    pub date: NaiveDate,
    #[serde(default)]
    pub description: Option<String>,
    pub calls: Vec<Call>,
    #[serde(default)]
    pub draft: bool,
}

/// One dated version of the appeal's text.
#[derive(Debug, Clone)]
pub struct AppealVersion {
    pub meta: AppealMeta,
    pub source: Source,
}

/// The appeal: its versions, oldest first; the last one is current.
#[derive(Debug, Clone)]
pub struct Appeal {
    pub versions: Vec<AppealVersion>,
}

impl Appeal {
    pub fn current(&self) -> &AppealVersion {
        self.versions
            .last()
            .expect("load_site guarantees at least one version")
    }

    pub fn calls(&self) -> &[Call] {
        &self.current().meta.calls
    }
}

/// A section's `_index.md`: title and introduction of an overview page.
#[derive(Debug, Clone)]
pub struct Section {
    pub meta: PageMeta,
    pub source: Source,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActorMeta {
    pub title: String,
    /// Position in lists; lower comes first.
    #[serde(default)]
    pub order: i64,
    #[serde(default)]
    pub description: Option<String>,
    /// The appeal's recommendations for this actor, each in markdown.
    #[serde(default)]
    pub recommendations: Vec<String>,
    /// Who a reader forwards the appeal to for this actor, e.g. "je wethouder".
    #[serde(default)]
    pub recipient: Option<String>,
    #[serde(default)]
    pub draft: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewsMeta {
    pub title: String,
    pub date: NaiveDate,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub draft: bool,
}

/// A dated campaign update in `content/nieuws/`.
#[derive(Debug, Clone)]
pub struct NewsItem {
    pub slug: String,
    pub meta: NewsMeta,
    pub source: Source,
}

/// Someone the appeal addresses (Rijk, gemeenten, ...) with its recommendations.
#[derive(Debug, Clone)]
pub struct Actor {
    pub slug: String,
    pub meta: ActorMeta,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceLink {
    pub title: String,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleMeta {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub place: String,
    #[serde(default)]
    pub organisation: Option<String>,
    /// Slugs of the actors this example illustrates.
    pub actors: Vec<String>,
    /// Ids of the calls this example illustrates.
    #[serde(default)]
    pub calls: Vec<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub source: Option<SourceLink>,
    #[serde(default)]
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub draft: bool,
}

/// A good-practice example ("goed voorbeeld").
#[derive(Debug, Clone)]
pub struct Example {
    pub slug: String,
    pub meta: ExampleMeta,
    pub source: Source,
    /// The title in lowercase, as examples are sorted: made once, when the file is parsed,
    /// since `serve` sorts thousands of examples on every rebuild.
    pub sort_key: String,
}

/// Someone named in the appeal: an author or a round-table participant.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
}

/// `content/people.yaml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct People {
    #[serde(default)]
    pub authors: Vec<Person>,
    #[serde(default)]
    pub round_table_intro: Option<String>,
    #[serde(default)]
    pub round_table: Vec<Person>,
}

/// Someone who signed the appeal. Never holds an e-mail address: `sender` is a keyed hash of
/// it, which recognises a second mail from the same address without storing the address.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The day they signed.
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Whether the name may be shown on the site. Without consent a signatory is only counted.
    #[serde(default)]
    pub publish: bool,
    /// Initiators, round-table participants, organisations: shown first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub highlight: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
}

/// The signatories of the site, in the order of the data file: in blocks, which `serve` keeps
/// while their lines in the file stay the same, so that a new signatory parses one block
/// rather than tens of thousands of lines (see `signing::store::signatory_blocks`).
#[derive(Debug, Clone, Default)]
pub struct Signatories {
    blocks: Vec<std::sync::Arc<[Signatory]>>,
    /// Where each block ends in the whole list.
    ends: Vec<usize>,
}

impl Signatories {
    pub fn from_blocks(blocks: Vec<std::sync::Arc<[Signatory]>>) -> Signatories {
        let ends = blocks
            .iter()
            .scan(0, |end, block| {
                *end += block.len();
                Some(*end)
            })
            .collect();
        Signatories { blocks, ends }
    }

    pub fn len(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &Signatory> {
        self.blocks.iter().flat_map(|block| block.iter())
    }

    pub fn blocks(&self) -> &[std::sync::Arc<[Signatory]>] {
        &self.blocks
    }

    /// The block that holds signatory `index`, and where in it.
    pub fn locate(&self, index: usize) -> (usize, usize) {
        let block = self.ends.partition_point(|&end| end <= index);
        (block, index - self.block_start(block))
    }

    /// The index of block `block`'s first signatory in the whole list.
    pub fn block_start(&self, block: usize) -> usize {
        block.checked_sub(1).map_or(0, |before| self.ends[before])
    }
}

impl From<Vec<Signatory>> for Signatories {
    fn from(signatories: Vec<Signatory>) -> Signatories {
        Signatories::from_blocks(vec![signatories.into()])
    }
}

impl std::ops::Index<usize> for Signatories {
    type Output = Signatory;

    fn index(&self, index: usize) -> &Signatory {
        let (block, within) = self.locate(index);
        &self.blocks[block][within]
    }
}

/// Everything in `content/`, checked and cross-referenced.
#[derive(Debug, Clone)]
pub struct Site {
    pub settings: Settings,
    pub home: Page,
    pub appeal: Appeal,
    pub actors_section: Section,
    /// Sorted by `order`, then title.
    pub actors: Vec<Actor>,
    pub examples_section: Section,
    /// Sorted by title. Shared, not copied: `serve` keeps each one while its file is unchanged.
    pub examples: Vec<std::sync::Arc<Example>>,
    pub people: People,
    /// The news section's `_index.md`, if the site has news.
    pub news_section: Option<Section>,
    /// Newest first.
    pub news: Vec<NewsItem>,
    /// Every other markdown page, such as the about page.
    pub pages: Vec<Page>,
    /// Shared, not copied: `serve` keeps it between builds while the file is unchanged.
    pub signatories: std::sync::Arc<Signatories>,
}
