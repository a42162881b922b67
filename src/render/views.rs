//! What templates see: the site's data shaped for display, built once per build.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::BaseUrl;
use super::markdown::{self, Heading};
use super::signatories::{Counts, SignatoryList, Strings as ChartStrings};
use crate::cache::BuildCache;
use crate::mailto::mailto;
use crate::model::{Example, People, Site, Source, SourceLink};
use crate::theme::Theme;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// Site-wide values every template gets as `site`.
#[derive(Debug, Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: String,
    pub language: String,
    /// Absolute base URL, ending in `/`.
    pub base_url: String,
    /// Path every internal link starts with, ending in `/`.
    pub base_path: String,
    /// The `mailto:` link that signs the appeal.
    pub sign_url: String,
    pub sign_address: String,
    pub goal: Option<u64>,
    pub home_url: String,
    pub appeal_url: String,
    pub actors_url: String,
    pub examples_url: String,
    pub nav: Vec<Link>,
    /// The current appeal's calls.
    pub calls: Vec<CallView>,
    pub actors: Vec<ActorCard>,
    pub people: People,
    /// Title of the current appeal.
    pub appeal_title: String,
    pub signatures: Counts,
    pub sign_page_url: String,
    pub signatories_url: String,
    /// The `mailto:` link that withdraws a signature.
    pub withdraw_url: String,
    pub sign_subject: String,
    pub sign_body: String,
    /// One form field per line of the mail body that asks for something (`Naam:`).
    pub sign_form: Vec<FormField>,
    /// When set, links to sign carry the address only as `address_codes` for a script.
    pub hide_address: bool,
    pub address_codes: String,
    /// The address as text that harvesters do not recognise, for readers without script.
    pub address_spelled: String,
    pub news_url: Option<String>,
    pub search_url: String,
    /// The page comparing the versions, when there is more than one.
    pub changes_url: Option<String>,
    /// Absolute URL of the image shown with shared links.
    pub share_image: Option<String>,
}

/// A field of the signing form; filling it in completes `line` in the mail body.
#[derive(Debug, Clone, Serialize)]
pub struct FormField {
    pub id: String,
    pub label: String,
    /// The body line as the template has it, e.g. `Naam:`.
    pub line: String,
    /// A ja/nee question rather than free text.
    pub yes_no: bool,
}

/// Every body line ending in `:` asks for a value; a `(ja/nee)` or `(yes/no)` one for consent.
pub fn form_fields(body: &str) -> Vec<FormField> {
    body.lines()
        .map(str::trim_end)
        .filter(|line| line.ends_with(':') && line.len() > 1)
        .enumerate()
        .map(|(i, line)| {
            let label = line.trim_end_matches(':').trim();
            let lower = label.to_lowercase();
            let yes_no = lower.contains("ja/nee") || lower.contains("yes/no");
            let label = match label.rfind('(') {
                Some(at) if yes_no => label[..at].trim(),
                _ => label,
            };
            FormField {
                id: format!("veld-{}", i + 1),
                label: label.to_string(),
                line: line.to_string(),
                yes_no,
            }
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct CallView {
    pub number: usize,
    pub id: String,
    pub title: String,
    /// The call's text as HTML.
    pub text: String,
    /// Where the call stands in the current appeal.
    pub url: String,
    /// Examples that illustrate this call: the first [`LINKED_EXAMPLES`] of them.
    pub examples: Vec<Link>,
    /// How many examples illustrate this call in all.
    pub examples_total: usize,
    /// The page that lists them all.
    pub examples_url: String,
}

/// Lists of examples inside other pages (after each call of the appeal, on an actor's page)
/// show at most this many, and link to the filter page with all of them: a campaign with
/// thousands of examples would otherwise put thousands of links on those pages.
pub const LINKED_EXAMPLES: usize = 12;

/// The examples overview filtered on one value of a facet: `voorbeelden/actor/rijk/`.
fn filter_path(examples_path: &str, segment: &str, slug: &str) -> String {
    format!("{examples_path}{segment}/{slug}/")
}

/// The URL segment of each facet's filter pages.
const ACTOR_SEGMENT: &str = "actor";
const CALL_SEGMENT: &str = "oproep";
const PLACE_SEGMENT: &str = "plaats";
const THEME_SEGMENT: &str = "thema";

#[derive(Debug, Clone, Serialize)]
pub struct ActorCard {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub url: String,
    /// Recommendations as HTML.
    pub recommendations: Vec<String>,
    /// Examples that name this actor: the first [`LINKED_EXAMPLES`] of them.
    pub examples: Vec<Link>,
    /// How many examples name this actor in all.
    pub examples_total: usize,
    /// The page that lists them all.
    pub examples_url: String,
    pub recipient: Option<String>,
    /// A `mailto:` that forwards the appeal's recommendations for this actor.
    pub forward_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExampleCard {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub url: String,
    pub place: String,
    pub organisation: Option<String>,
    pub actors: Vec<Link>,
    pub calls: Vec<Link>,
    pub themes: Vec<String>,
    pub source: Option<SourceLink>,
    pub date: Option<String>,
    /// `actor:gemeenten call:x place:utrecht theme:ouders`: what the instant filter matches.
    pub filter_keys: String,
    /// The place and the themes as they are in URLs, for the filter pages.
    #[serde(skip)]
    pub place_slug: String,
    #[serde(skip)]
    pub theme_slugs: Vec<String>,
    /// With `serve`'s cache: a hash of what the facets take from this example (see
    /// [`facets_input`]), made once with the card rather than on every rebuild.
    #[serde(skip)]
    pub facet_key: Option<crate::cache::Key>,
}

/// One way to narrow the examples (by actor, call, place or theme) and its values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facet {
    /// `actor`, `call`, `place` or `theme`.
    pub key: &'static str,
    pub label: String,
    pub values: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetValue {
    pub slug: String,
    pub title: String,
    /// `key:slug`, as in the `filter_keys` of the examples that have this value.
    pub filter: String,
    /// The page listing the examples with this value, which works without script.
    pub url: String,
    /// Site-relative path of that page.
    #[serde(skip)]
    pub path: String,
    #[serde(skip)]
    pub examples: Vec<usize>,
}

/// A dated news item, for lists and the feed.
#[derive(Debug, Clone, Serialize)]
pub struct NewsCard {
    pub title: String,
    pub url: String,
    /// The absolute URL, for the feed.
    pub permalink: String,
    pub date: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub title: String,
    pub date: String,
    pub description: Option<String>,
    pub url: String,
    pub current: bool,
    pub calls: Vec<CallView>,
}

/// A markdown body rendered to HTML, with its headings for a table of contents.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Body {
    pub html: String,
    pub toc: Vec<Heading>,
    /// The text without markup, for the search index; made once, kept with the body.
    #[serde(skip)]
    plain: std::sync::OnceLock<String>,
}

impl Body {
    pub fn plain_text(&self) -> &str {
        self.plain.get_or_init(|| super::plain_text(&self.html))
    }
}

/// Everything rendered once per build, shared by all pages.
pub struct SiteViews {
    pub site: SiteView,
    /// The examples overview's filters.
    pub facets: Arc<Vec<Facet>>,
    /// Each example's card, rendered once and reused on every page that lists it.
    pub cards: Vec<Arc<str>>,
    /// The hash each card is kept under by `serve`; empty for one build.
    pub card_keys: Vec<Option<crate::cache::Key>>,
    /// The links to every filter page, rendered once for all the pages that list examples.
    pub facet_links: Arc<str>,
    /// With `serve`'s cache: for each example, a hash of everything its page and its card
    /// are made from besides the templates and the values every page shares (see
    /// [`example_inputs`]); empty for one build.
    pub example_inputs: Vec<Option<crate::cache::Key>>,
    /// The part of every example's inputs that stands for the files other than its own.
    other_inputs: Option<crate::cache::Key>,
    /// The actors with the examples that name them, for the actor pages.
    pub actors: Vec<ActorCard>,
    /// The theme's interface strings, as `t` in templates.
    pub strings: serde_json::Map<String, serde_json::Value>,
    pub versions: Vec<VersionView>,
    pub version_bodies: Vec<Arc<Body>>,
    pub actor_bodies: Vec<Arc<Body>>,
    /// Shared with `serve`'s cache, which keeps each while what it is made from is unchanged.
    pub examples: Vec<Arc<ExampleCard>>,
    pub example_bodies: Vec<Arc<Body>>,
    pub home_body: Arc<Body>,
    pub actors_intro: Arc<Body>,
    pub examples_intro: Arc<Body>,
    pub page_bodies: Vec<Arc<Body>>,
    pub signatories: Arc<SignatoryList>,
    pub news: Vec<NewsCard>,
    pub news_bodies: Vec<Arc<Body>>,
    pub news_intro: Arc<Body>,
    /// For each version after the first: the comparison with the one before, as HTML. Made
    /// by the one page that shows it, while the other pages render.
    changes: std::sync::OnceLock<Vec<String>>,
    /// With `serve`'s cache: the hash of what the facets are made from, which stands for them
    /// in the fingerprints of the pages that show them.
    facets_key: Option<crate::cache::Key>,
}

impl SiteViews {
    /// Takes in `example`, the `i`th example, whose file changed below its front matter: its
    /// body and inputs are made anew; its card, made from the front matter, stays.
    pub fn replace_example_body(
        &mut self,
        i: usize,
        example: &Example,
        cache: Option<&BuildCache>,
    ) {
        self.example_bodies[i] = body(&example.source, &self.site.base_path, cache);
        if let Some(inputs) = self.example_inputs.get_mut(i) {
            *inputs = self
                .other_inputs
                .and_then(|rest| example_input(&rest, example));
        }
    }

    /// Takes in the signatories anew: their list, and their count that every page may show.
    pub fn replace_signatories(&mut self, list: Arc<SignatoryList>) {
        self.site.signatures = list.counts.clone();
        self.signatories = list;
    }

    /// For each version of the appeal after the first: the comparison with the one before.
    pub fn changes(&self, site: &Site) -> &[String] {
        self.changes.get_or_init(|| changes(site))
    }

    /// The hash that stands for the facets in a page's fingerprint: every filter page shows
    /// them all, and hashing them once per page was a tenth of a rebuild.
    pub fn facets_made_from(&self) -> Option<crate::cache::Key> {
        self.facets_key
    }

    /// The hash that stands for these cards in a page's fingerprint, when they are kept.
    pub fn cards_made_from(
        &self,
        indexes: impl Iterator<Item = usize>,
    ) -> Option<crate::cache::Key> {
        let mut hasher = blake3::Hasher::new();
        for i in indexes {
            hasher.update(self.card_keys.get(i).copied().flatten()?.as_bytes());
        }
        Some(hasher.finalize())
    }
}

/// For each example, a hash of what its page and card are made from, other than the templates
/// and the values every page shares: its own file, and, for the links to actors and calls and
/// the section's title, every other content file, the settings and the site's address.
///
/// With it, `serve` knows an example's page and card are unchanged without assembling and
/// hashing their template values, which for thousands of examples was most of a rebuild. It
/// errs on the side of too much: a change in any other content file counts for every example.
/// `None` for an example whose file has no hash, which then goes the long way.
fn example_inputs(
    site: &Site,
    base: &BaseUrl,
) -> (Option<crate::cache::Key>, Vec<Option<crate::cache::Key>>) {
    let settings = serde_json::to_vec(&site.settings).expect("settings serialize");
    let people = serde_json::to_vec(&site.people).expect("people serialize");
    let others = [
        &site.home.source,
        &site.actors_section.source,
        &site.examples_section.source,
    ]
    .into_iter()
    .chain(site.appeal.versions.iter().map(|v| &v.source))
    .chain(site.actors.iter().map(|a| &a.source))
    .chain(site.news_section.iter().map(|s| &s.source))
    .chain(site.news.iter().map(|n| &n.source))
    .chain(site.pages.iter().map(|p| &p.source));
    let mut parts: Vec<&[u8]> = vec![
        b"example inputs",
        base.absolute.as_bytes(),
        base.path.as_bytes(),
        &settings,
        &people,
    ];
    for source in others {
        match &source.key {
            Some(key) => parts.push(key.as_bytes()),
            None => return (None, vec![None; site.examples.len()]),
        }
    }
    let rest = crate::cache::key(&parts);
    let inputs = site
        .examples
        .iter()
        .map(|e| example_input(&rest, e))
        .collect();
    (Some(rest), inputs)
}

/// One example's part of [`example_inputs`]: `rest` stands for everything but its own file.
fn example_input(rest: &crate::cache::Key, example: &Example) -> Option<crate::cache::Key> {
    Some(crate::cache::derive(rest, example.source.key?.as_bytes()))
}

fn body(source: &Source, base_path: &str, cache: Option<&BuildCache>) -> Arc<Body> {
    let render = || {
        let rendered = markdown::render(&source.body, base_path);
        Ok(Arc::new(Body {
            html: rendered.html,
            toc: rendered.headings,
            plain: Default::default(),
        }))
    };
    match cache {
        Some(cache) => {
            // The file's hash stands for its text, which is long.
            let key = match source.key {
                Some(file) => crate::cache::derive(&file, base_path.as_bytes()),
                None => crate::cache::key(&[b"text", source.body.as_bytes(), base_path.as_bytes()]),
            };
            cache.bodies.get_or(key, render)
        }
        None => render(),
    }
    .expect("rendering markdown does not fail")
}

impl SiteViews {
    pub fn new(
        site: &Site,
        theme: &Theme,
        base: &BaseUrl,
        cache: Option<&BuildCache>,
        signatories_key: Option<crate::cache::Key>,
    ) -> SiteViews {
        let settings = &site.settings;
        let bp = base.path.as_str();
        let url = |path: &str| format!("{bp}{path}");
        let appeal_url = url(&format!("{}/", settings.paths.appeal));
        let actors_url = url(&site.actors_section.source.path);
        let examples_url = url(&site.examples_section.source.path);

        let actor_link = |slug: &str| {
            site.actors.iter().find(|a| a.slug == slug).map(|a| Link {
                title: a.meta.title.clone(),
                url: url(&a.source.path),
            })
        };
        let current_calls = site.appeal.calls();
        let call_link = |id: &str| {
            current_calls.iter().find(|c| c.id == id).map(|c| Link {
                title: c.title.clone(),
                url: format!("{appeal_url}#{}", call_anchor(&c.id)),
            })
        };

        let card_of = |e: &Example| {
            let place_slug = slug::slugify(&e.meta.place);
            let theme_slugs: Vec<String> = e.meta.themes.iter().map(slug::slugify).collect();
            let filter_keys = e
                .meta
                .actors
                .iter()
                .map(|a| format!("actor:{a}"))
                .chain(e.meta.calls.iter().map(|c| format!("call:{c}")))
                .chain(std::iter::once(format!("place:{place_slug}")))
                .chain(theme_slugs.iter().map(|t| format!("theme:{t}")))
                .collect::<Vec<_>>()
                .join(" ");
            let facet_key = cache.map(|_| facet_key(e, &place_slug, &theme_slugs));
            ExampleCard {
                slug: e.slug.clone(),
                title: e.meta.title.clone(),
                description: e.meta.description.clone(),
                url: url(&e.source.path),
                place: e.meta.place.clone(),
                organisation: e.meta.organisation.clone(),
                actors: e.meta.actors.iter().filter_map(|s| actor_link(s)).collect(),
                calls: e.meta.calls.iter().filter_map(|c| call_link(c)).collect(),
                themes: e.meta.themes.clone(),
                // A source link is written by hand: only safe targets become links.
                source: e.meta.source.clone().map(|mut s| {
                    s.url = s.url.and_then(|u| markdown::safe_link(&u, bp));
                    s
                }),
                date: e.meta.date.map(|d| d.to_string()),
                filter_keys,
                place_slug,
                theme_slugs,
                facet_key,
            }
        };
        let (other_inputs, example_inputs) =
            cache.map_or_else(Default::default, |_| example_inputs(site, base));
        let examples: Vec<Arc<ExampleCard>> = site
            .examples
            .par_iter()
            .enumerate()
            .map(
                |(i, e)| match cache.zip(example_inputs.get(i).copied().flatten()) {
                    // The inputs cover the example's file and everything its links come from.
                    Some((cache, inputs)) => {
                        let card = cache
                            .example_cards
                            .get_or(inputs, || Ok(Arc::new(card_of(e))))
                            .expect("making a card does not fail");
                        debug_assert!(
                            *card == card_of(e),
                            "an example found by its files' hash differs from a fresh one: \
                         example_inputs leaves out something it is made from"
                        );
                        card
                    }
                    None => Arc::new(card_of(e)),
                },
            )
            .collect();
        // The first few that name each actor and each call, and how many do: in one pass, as
        // one per actor and call was a few milliseconds with thousands of examples.
        let mut by_actor: FxHashMap<&str, Naming> = FxHashMap::default();
        let mut by_call: FxHashMap<&str, Naming> = FxHashMap::default();
        for (i, e) in site.examples.iter().enumerate() {
            for actor in &e.meta.actors {
                by_actor.entry(actor).or_default().add(i);
            }
            for call in &e.meta.calls {
                by_call.entry(call).or_default().add(i);
            }
        }
        let examples_naming = |naming: Option<&Naming>| {
            let Some(naming) = naming else {
                return (Vec::new(), 0);
            };
            let links = naming
                .first
                .iter()
                .map(|&i| Link {
                    title: examples[i].title.clone(),
                    url: examples[i].url.clone(),
                })
                .collect();
            (links, naming.total)
        };

        let calls_of = |calls: &[crate::model::Call], page_url: &str| -> Vec<CallView> {
            calls
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let (examples, examples_total) = examples_naming(by_call.get(c.id.as_str()));
                    CallView {
                        number: i + 1,
                        id: c.id.clone(),
                        title: c.title.clone(),
                        text: markdown::render_inline(&c.text, bp),
                        url: format!("{page_url}#{}", call_anchor(&c.id)),
                        examples,
                        examples_total,
                        examples_url: filter_path(&examples_url, CALL_SEGMENT, &c.id),
                    }
                })
                .collect()
        };

        let actors: Vec<ActorCard> = site
            .actors
            .iter()
            .map(|a| {
                let (examples, examples_total) = examples_naming(by_actor.get(a.slug.as_str()));
                ActorCard {
                    slug: a.slug.clone(),
                    title: a.meta.title.clone(),
                    description: a.meta.description.clone(),
                    url: url(&a.source.path),
                    recommendations: a
                        .meta
                        .recommendations
                        .iter()
                        .map(|r| markdown::render_inline(r, bp))
                        .collect(),
                    examples,
                    examples_total,
                    examples_url: filter_path(&examples_url, ACTOR_SEGMENT, &a.slug),
                    recipient: a.meta.recipient.clone(),
                    forward_url: forward_mailto(
                        theme,
                        a,
                        &site.appeal.current().meta.title,
                        &format!("{}{}", base.absolute, a.source.path),
                    ),
                }
            })
            .collect();

        let current_index = site.appeal.versions.len() - 1;
        let versions: Vec<VersionView> = site
            .appeal
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let current = i == current_index;
                let page_url = if current {
                    appeal_url.clone()
                } else {
                    url(&v.source.path)
                };
                VersionView {
                    title: v.meta.title.clone(),
                    date: v.meta.date.to_string(),
                    description: v.meta.description.clone(),
                    calls: calls_of(&v.meta.calls, &page_url),
                    url: page_url,
                    current,
                }
            })
            .collect();

        let mut nav = vec![
            Link {
                title: string(theme, "nav_home"),
                url: url(""),
            },
            Link {
                title: string(theme, "nav_appeal"),
                url: appeal_url.clone(),
            },
            Link {
                title: site.actors_section.meta.title.clone(),
                url: actors_url.clone(),
            },
            Link {
                title: site.examples_section.meta.title.clone(),
                url: examples_url.clone(),
            },
        ];
        if let Some(news) = &site.news_section {
            nav.push(Link {
                title: news.meta.title.clone(),
                url: url(&news.source.path),
            });
        }
        nav.push(Link {
            title: string(theme, "signatories_title"),
            url: url(&format!("{}/", settings.paths.signatories)),
        });
        nav.extend(
            site.pages
                .iter()
                .filter(|p| p.meta.menu && p.source.path.matches('/').count() == 1)
                .map(|p| Link {
                    title: p.meta.title.clone(),
                    url: url(&p.source.path),
                }),
        );

        let signing = &settings.signing;
        let current = site.appeal.current();
        let sign_page_url = url(&format!("{}/", settings.paths.sign));
        let signatories_url = url(&format!("{}/", settings.paths.signatories));
        // The large parts do not depend on each other.
        let (list, (bodies, (facets, facets_key))) = rayon::join(
            || signatory_list(site, theme, cache, signatories_key, None),
            || {
                rayon::join(
                    || Bodies::new(site, bp, cache),
                    || {
                        let make = || {
                            facets(
                                site,
                                theme,
                                &examples,
                                &examples_url,
                                &site.examples_section.source.path,
                            )
                        };
                        let key =
                            cache.and_then(|_| facets_input(site, theme, &examples, &examples_url));
                        let Some((cache, key)) = cache.zip(key) else {
                            return (Arc::new(make()), None);
                        };
                        let facets = cache
                            .facets
                            .get_or(key, || Ok(Arc::new(make())))
                            .expect("making the facets does not fail");
                        debug_assert!(
                            *facets == make(),
                            "facets found by their input's hash differ from fresh ones: \
                             facets_input leaves out something they are made from"
                        );
                        (facets, Some(key))
                    },
                )
            },
        );
        let (sign_url, withdraw_url) = if signing.hide_address {
            // Without the script, these lead to the page that spells the address out.
            let fallback = format!("{sign_page_url}#adres");
            (fallback.clone(), fallback)
        } else {
            (
                mailto(&signing.address, &signing.subject, &signing.body),
                mailto(
                    &signing.address,
                    &string(theme, "withdraw_subject"),
                    &string(theme, "withdraw_body"),
                ),
            )
        };
        SiteViews {
            facets,
            cards: Vec::new(),
            card_keys: Vec::new(),
            facet_links: Arc::from(""),
            example_inputs,
            other_inputs,
            actors: actors.clone(),
            strings: theme.strings.clone(),
            site: SiteView {
                title: settings.title.clone(),
                description: settings.description.clone(),
                language: settings.language.clone(),
                base_url: base.absolute.clone(),
                base_path: bp.to_string(),
                sign_url,
                withdraw_url,
                signatures: list.counts.clone(),
                sign_page_url,
                signatories_url,
                sign_subject: signing.subject.clone(),
                sign_body: signing.body.clone(),
                sign_form: form_fields(&signing.body),
                hide_address: signing.hide_address,
                address_codes: if signing.hide_address {
                    signing
                        .address
                        .chars()
                        .rev()
                        .map(|c| (c as u32).to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                } else {
                    String::new()
                },
                news_url: site.news_section.as_ref().map(|n| url(&n.source.path)),
                search_url: url(&format!("{}/", settings.paths.search)),
                changes_url: (site.appeal.versions.len() > 1)
                    .then(|| url(&format!("{}/wijzigingen/", settings.paths.appeal))),
                share_image: Some(match &settings.share_image {
                    Some(image) if image.starts_with("http") => image.clone(),
                    Some(image) => format!("{}{}", base.absolute, image.trim_start_matches('/')),
                    None => format!("{}static/share.png", base.absolute),
                }),
                address_spelled: signing
                    .address
                    .replace('@', &format!(" {} ", string(theme, "address_at")))
                    .replace('.', &format!(" {} ", string(theme, "address_dot"))),
                sign_address: signing.address.clone(),
                goal: settings.goal,
                home_url: url(""),
                appeal_url,
                actors_url,
                examples_url,
                nav,
                // The site-wide lists stay small: which examples belong to a call or an actor
                // is only needed on the appeal and actor pages, not in every page's context.
                calls: versions[current_index]
                    .calls
                    .iter()
                    .map(|c| CallView {
                        examples: Vec::new(),
                        ..c.clone()
                    })
                    .collect(),
                actors: actors
                    .iter()
                    .map(|a| ActorCard {
                        examples: Vec::new(),
                        ..a.clone()
                    })
                    .collect(),
                people: site.people.clone(),
                appeal_title: current.meta.title.clone(),
            },
            version_bodies: bodies.versions,
            versions,
            actor_bodies: bodies.actors,
            example_bodies: bodies.examples,
            examples,
            home_body: bodies.home,
            actors_intro: bodies.actors_intro,
            examples_intro: bodies.examples_intro,
            page_bodies: bodies.pages,
            signatories: list,
            news: site
                .news
                .iter()
                .map(|n| NewsCard {
                    title: n.meta.title.clone(),
                    url: url(&n.source.path),
                    permalink: format!("{}{}", base.absolute, n.source.path),
                    date: n.meta.date.to_string(),
                    description: n.meta.description.clone(),
                })
                .collect(),
            news_bodies: bodies.news,
            news_intro: bodies.news_intro,
            changes: Default::default(),
            facets_key,
        }
    }
}

/// The published signatories as the site lists them.
pub fn signatory_list(
    site: &Site,
    theme: &Theme,
    cache: Option<&BuildCache>,
    signatories_key: Option<crate::cache::Key>,
    previous: Option<&SignatoryList>,
) -> Arc<SignatoryList> {
    let version_dates: Vec<chrono::NaiveDate> =
        site.appeal.versions.iter().map(|v| v.meta.date).collect();
    let goal = site.settings.goal;
    let strings = ChartStrings {
        version: string(theme, "version_signed"),
        over_time_title: string(theme, "chart_over_time"),
        places_title: string(theme, "chart_places"),
        months: theme.months(),
    };
    let make = |strings, key| {
        let signatories = site.signatories.clone();
        SignatoryList::new(signatories, &version_dates, goal, strings, key, previous)
    };
    match cache.zip(signatories_key) {
        Some((cache, signatories)) => {
            let inputs = serde_json::to_vec(&(&version_dates, goal, &strings))
                .expect("dates, numbers and strings serialize");
            let key = crate::cache::key(&[signatories.as_bytes(), &inputs]);
            cache
                .signatory_lists
                .get_or(key, || Ok(Arc::new(make(strings, Some(key)))))
                .expect("making the list does not fail")
        }
        None => Arc::new(make(strings, None)),
    }
}

/// Every markdown body of the site as HTML.
struct Bodies {
    home: Arc<Body>,
    actors_intro: Arc<Body>,
    examples_intro: Arc<Body>,
    news_intro: Arc<Body>,
    versions: Vec<Arc<Body>>,
    actors: Vec<Arc<Body>>,
    examples: Vec<Arc<Body>>,
    pages: Vec<Arc<Body>>,
    news: Vec<Arc<Body>>,
}

impl Bodies {
    /// All in one parallel pass, so that no kind of page waits for another: the appeal's
    /// versions are the longest texts of a small site, the examples most of a large one.
    fn new(site: &Site, base_path: &str, cache: Option<&BuildCache>) -> Bodies {
        let lists: [Vec<&Source>; 5] = [
            site.appeal.versions.iter().map(|v| &v.source).collect(),
            site.actors.iter().map(|a| &a.source).collect(),
            site.examples.iter().map(|e| &e.source).collect(),
            site.pages.iter().map(|p| &p.source).collect(),
            site.news.iter().map(|n| &n.source).collect(),
        ];
        let singles = [
            Some(&site.home.source),
            Some(&site.actors_section.source),
            Some(&site.examples_section.source),
            site.news_section.as_ref().map(|n| &n.source),
        ];
        let all: Vec<Option<&Source>> = singles
            .into_iter()
            .chain(lists.iter().flatten().map(|&source| Some(source)))
            .collect();
        let mut rendered = all
            .par_iter()
            .map(|source| {
                source
                    .map(|s| body(s, base_path, cache))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .into_iter();
        let mut next = || rendered.next().expect("one body per source");
        let (home, actors_intro, examples_intro, news_intro) = (next(), next(), next(), next());
        let mut list = |i: usize| (0..lists[i].len()).map(|_| next()).collect::<Vec<_>>();
        Bodies {
            home,
            actors_intro,
            examples_intro,
            news_intro,
            versions: list(0),
            actors: list(1),
            examples: list(2),
            pages: list(3),
            news: list(4),
        }
    }
}

/// The word diff of each version against the one before.
fn changes(site: &Site) -> Vec<String> {
    site.appeal
        .versions
        .windows(2)
        .map(|pair| {
            let text = |v: &crate::model::AppealVersion| {
                super::diff::version_text(&v.source.body, &v.meta.calls)
            };
            super::diff::word_diff_html(&text(&pair[0]), &text(&pair[1]))
        })
        .collect()
}

/// A mail a reader sends on to someone in this actor's role: the recommendations and a link.
fn forward_mailto(
    theme: &Theme,
    actor: &crate::model::Actor,
    appeal_title: &str,
    page_url: &str,
) -> String {
    let recipient = actor
        .meta
        .recipient
        .clone()
        .unwrap_or_else(|| string(theme, "forward_default_recipient"));
    let mut body = string(theme, "forward_greeting").replace("{recipient}", &recipient);
    body.push_str("\n\n");
    body.push_str(
        &string(theme, "forward_intro")
            .replace("{actor}", &actor.meta.title)
            .replace("{appeal}", appeal_title),
    );
    body.push_str("\n\n");
    for recommendation in &actor.meta.recommendations {
        body.push_str(&format!("- {recommendation}\n"));
    }
    body.push_str(&format!(
        "\n{}\n{page_url}\n\n",
        string(theme, "forward_read_more")
    ));
    body.push_str(&string(theme, "forward_closing"));
    let subject = string(theme, "forward_subject").replace("{actor}", &actor.meta.title);
    mailto("", &subject, &body)
}

/// The examples that name one actor or call: the first [`LINKED_EXAMPLES`], and how many.
#[derive(Default)]
struct Naming {
    first: Vec<usize>,
    total: usize,
    last: Option<usize>,
}

impl Naming {
    /// Counts example `i`, once however often it names the same one.
    fn add(&mut self, i: usize) {
        if self.last == Some(i) {
            return;
        }
        self.last = Some(i);
        self.total += 1;
        if self.first.len() < LINKED_EXAMPLES {
            self.first.push(i);
        }
    }
}

/// The facets of the examples overview, each value with the examples that have it. `cards` are
/// the examples' cards, which hold their places and themes as slugs.
fn facets(
    site: &Site,
    theme: &Theme,
    cards: &[Arc<ExampleCard>],
    examples_url: &str,
    examples_path: &str,
) -> Vec<Facet> {
    let mut facets = Vec::new();
    let mut make = |key: &'static str,
                    segment: &str,
                    label: &str,
                    values: Vec<(String, String)>,
                    slugs_of: &SlugsOf| {
        // One pass over the examples, not one per value: there can be thousands of both.
        let mut index: HashMap<&str, Vec<usize>> = values
            .iter()
            .map(|(slug, _)| (slug.as_str(), Vec::new()))
            .collect();
        for i in 0..site.examples.len() {
            slugs_of(i, &mut |slug| {
                if let Some(examples) = index.get_mut(slug)
                    && examples.last() != Some(&i)
                {
                    examples.push(i);
                }
            });
        }
        let mut examples_of = |slug: &str| index.remove(slug).unwrap_or_default();
        let values: Vec<FacetValue> = values
            .iter()
            .map(|(slug, title)| {
                let examples = examples_of(slug);
                FacetValue {
                    url: filter_path(examples_url, segment, slug),
                    path: filter_path(examples_path, segment, slug),
                    filter: format!("{key}:{slug}"),
                    slug: slug.clone(),
                    title: title.clone(),
                    examples,
                }
            })
            .filter(|v| !v.examples.is_empty())
            .collect();
        if !values.is_empty() {
            facets.push(Facet {
                key,
                label: string(theme, label),
                values,
            });
        }
    };
    let examples = &site.examples;
    make(
        "actor",
        ACTOR_SEGMENT,
        "facet_actor",
        site.actors
            .iter()
            .map(|a| (a.slug.clone(), a.meta.title.clone()))
            .collect(),
        &|i, slug| examples[i].meta.actors.iter().for_each(|a| slug(a)),
    );
    make(
        "call",
        CALL_SEGMENT,
        "facet_call",
        site.appeal
            .calls()
            .iter()
            .map(|c| (c.id.clone(), c.title.clone()))
            .collect(),
        &|i, slug| examples[i].meta.calls.iter().for_each(|c| slug(c)),
    );
    let mut places: Vec<(String, String)> = cards
        .iter()
        .map(|card| (card.place_slug.clone(), card.place.clone()))
        .collect();
    places.sort_by_cached_key(|p| p.1.to_lowercase());
    places.dedup_by(|a, b| a.0 == b.0);
    make("place", PLACE_SEGMENT, "facet_place", places, &|i, slug| {
        slug(&cards[i].place_slug)
    });
    let mut themes: Vec<(String, String)> = cards
        .iter()
        .flat_map(|card| {
            card.theme_slugs
                .iter()
                .cloned()
                .zip(card.themes.iter().cloned())
        })
        .collect();
    themes.sort_by_cached_key(|t| t.1.to_lowercase());
    themes.dedup_by(|a, b| a.0 == b.0);
    make("theme", THEME_SEGMENT, "facet_theme", themes, &|i, slug| {
        cards[i].theme_slugs.iter().for_each(|t| slug(t))
    });
    facets
}

/// A hash of everything [`facets`] makes the facets from: `serve` makes them anew only when
/// an example's place, themes, actors or calls change, or the actors' and calls' titles.
/// `None` when a card has no [`facet_key`].
fn facets_input(
    site: &Site,
    theme: &Theme,
    cards: &[Arc<ExampleCard>],
    examples_url: &str,
) -> Option<crate::cache::Key> {
    let labels = ["facet_actor", "facet_call", "facet_place", "facet_theme"]
        .map(|label| string(theme, label));
    let actors: Vec<(&str, &str)> = site
        .actors
        .iter()
        .map(|a| (a.slug.as_str(), a.meta.title.as_str()))
        .collect();
    let calls: Vec<(&str, &str)> = site
        .appeal
        .calls()
        .iter()
        .map(|c| (c.id.as_str(), c.title.as_str()))
        .collect();
    let mut cbor = Vec::new();
    ciborium::into_writer(
        &(
            b"facets",
            &labels,
            &actors,
            &calls,
            examples_url,
            &site.examples_section.source.path,
        ),
        &mut cbor,
    )
    .expect("strings serialize");
    let mut hasher = blake3::Hasher::new();
    hasher.update(&cbor);
    for card in cards {
        hasher.update(card.facet_key?.as_bytes());
    }
    Some(hasher.finalize())
}

/// What the facets take from one example: its actors and calls, its place and its themes,
/// with their slugs.
fn facet_key(example: &Example, place_slug: &str, theme_slugs: &[String]) -> crate::cache::Key {
    let meta = &example.meta;
    // The lengths keep (["a", "b"], []) apart from (["a"], ["b"]).
    let lengths = [meta.actors.len(), meta.calls.len(), meta.themes.len()]
        .map(|n| n as u64)
        .map(u64::to_le_bytes)
        .concat();
    let mut parts: Vec<&[u8]> = vec![&lengths, meta.place.as_bytes(), place_slug.as_bytes()];
    let lists = [&meta.actors, &meta.calls, &meta.themes, theme_slugs];
    parts.extend(lists.into_iter().flatten().map(|s| s.as_bytes()));
    crate::cache::key(&parts)
}

/// Calls back with each slug that example `i` has for a facet.
type SlugsOf<'f> = dyn Fn(usize, &mut dyn FnMut(&str)) + 'f;

/// The fragment id of a call on the appeal page.
pub fn call_anchor(id: &str) -> String {
    format!("oproep-{id}")
}

pub fn string(theme: &Theme, key: &str) -> String {
    theme
        .strings
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or(key)
        .to_string()
}
