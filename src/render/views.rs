//! What templates see: the site's data shaped for display, built once per build.

use rayon::prelude::*;
use serde::Serialize;

use super::BaseUrl;
use super::markdown::{self, Heading};
use super::signatories::{Counts, SignatoryList, Strings as ChartStrings};
use crate::mailto::mailto;
use crate::model::{People, Site, SourceLink};
use crate::theme::Theme;

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// Site-wide values every template gets as `site`.
#[derive(Debug, Serialize)]
pub struct SiteView<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub language: &'a str,
    /// Absolute base URL, ending in `/`.
    pub base_url: &'a str,
    /// Path every internal link starts with, ending in `/`.
    pub base_path: &'a str,
    /// The `mailto:` link that signs the appeal.
    pub sign_url: String,
    pub sign_address: &'a str,
    pub goal: Option<u64>,
    pub home_url: String,
    pub appeal_url: String,
    pub actors_url: String,
    pub examples_url: String,
    pub nav: Vec<Link>,
    /// The current appeal's calls.
    pub calls: Vec<CallView>,
    pub actors: Vec<ActorCard>,
    pub people: &'a People,
    /// Title of the current appeal.
    pub appeal_title: &'a str,
    pub signatures: Counts,
    pub sign_page_url: String,
    pub signatories_url: String,
    /// The `mailto:` link that withdraws a signature.
    pub withdraw_url: String,
    pub sign_subject: &'a str,
    pub sign_body: &'a str,
    /// One form field per line of the mail body that asks for something (`Naam:`).
    pub sign_form: Vec<FormField>,
    /// When set, links to sign carry the address only as `address_codes` for a script.
    pub hide_address: bool,
    pub address_codes: String,
    /// The address as text that harvesters do not recognise, for readers without script.
    pub address_spelled: String,
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
    /// Examples that illustrate this call.
    pub examples: Vec<Link>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActorCard {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub url: String,
    /// Recommendations as HTML.
    pub recommendations: Vec<String>,
    /// Examples that name this actor.
    pub examples: Vec<Link>,
}

#[derive(Debug, Clone, Serialize)]
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
}

/// Everything rendered once per build, shared by all pages.
pub struct SiteViews<'a> {
    pub site: SiteView<'a>,
    /// The theme's interface strings, as `t` in templates.
    pub strings: &'a serde_json::Map<String, serde_json::Value>,
    pub versions: Vec<VersionView>,
    pub version_bodies: Vec<Body>,
    pub actor_bodies: Vec<Body>,
    pub examples: Vec<ExampleCard>,
    pub example_bodies: Vec<Body>,
    pub home_body: Body,
    pub actors_intro: Body,
    pub examples_intro: Body,
    pub page_bodies: Vec<Body>,
    pub signatories: SignatoryList<'a>,
}

fn body(markdown: &str, base_path: &str) -> Body {
    let rendered = markdown::render(markdown, base_path);
    Body {
        html: rendered.html,
        toc: rendered.headings,
    }
}

impl<'a> SiteViews<'a> {
    pub fn new(site: &'a Site, theme: &'a Theme, base: &'a BaseUrl) -> SiteViews<'a> {
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

        let examples: Vec<ExampleCard> = site
            .examples
            .iter()
            .map(|e| ExampleCard {
                slug: e.slug.clone(),
                title: e.meta.title.clone(),
                description: e.meta.description.clone(),
                url: url(&e.source.path),
                place: e.meta.place.clone(),
                organisation: e.meta.organisation.clone(),
                actors: e.meta.actors.iter().filter_map(|s| actor_link(s)).collect(),
                calls: e.meta.calls.iter().filter_map(|c| call_link(c)).collect(),
                themes: e.meta.themes.clone(),
                source: e.meta.source.clone().map(|mut s| {
                    s.url = s.url.map(|u| rebase(&u, bp));
                    s
                }),
                date: e.meta.date.map(|d| d.to_string()),
            })
            .collect();
        let examples_naming = |pick: &dyn Fn(&crate::model::Example) -> bool| -> Vec<Link> {
            site.examples
                .iter()
                .zip(&examples)
                .filter(|(e, _)| pick(e))
                .map(|(_, card)| Link {
                    title: card.title.clone(),
                    url: card.url.clone(),
                })
                .collect()
        };

        let calls_of = |calls: &[crate::model::Call], page_url: &str| -> Vec<CallView> {
            calls
                .iter()
                .enumerate()
                .map(|(i, c)| CallView {
                    number: i + 1,
                    id: c.id.clone(),
                    title: c.title.clone(),
                    text: markdown::render_inline(&c.text, bp),
                    url: format!("{page_url}#{}", call_anchor(&c.id)),
                    examples: examples_naming(&|e| e.meta.calls.contains(&c.id)),
                })
                .collect()
        };

        let actors: Vec<ActorCard> = site
            .actors
            .iter()
            .map(|a| ActorCard {
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
                examples: examples_naming(&|e| e.meta.actors.contains(&a.slug)),
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
        let list = SignatoryList::new(
            &site.signatories,
            settings.goal,
            &ChartStrings {
                over_time_title: string(theme, "chart_over_time"),
                places_title: string(theme, "chart_places"),
                months: theme
                    .strings
                    .get("months")
                    .and_then(|m| m.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default(),
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
            strings: &theme.strings,
            site: SiteView {
                title: &settings.title,
                description: &settings.description,
                language: &settings.language,
                base_url: &base.absolute,
                base_path: bp,
                sign_url,
                withdraw_url,
                signatures: list.counts.clone(),
                sign_page_url,
                signatories_url,
                sign_subject: &signing.subject,
                sign_body: &signing.body,
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
                address_spelled: signing
                    .address
                    .replace('@', &format!(" {} ", string(theme, "address_at")))
                    .replace('.', &format!(" {} ", string(theme, "address_dot"))),
                sign_address: &signing.address,
                goal: settings.goal,
                home_url: url(""),
                appeal_url,
                actors_url,
                examples_url,
                nav,
                calls: versions[current_index].calls.clone(),
                actors,
                people: &site.people,
                appeal_title: &current.meta.title,
            },
            version_bodies: site
                .appeal
                .versions
                .par_iter()
                .map(|v| body(&v.source.body, bp))
                .collect(),
            versions,
            actor_bodies: site
                .actors
                .par_iter()
                .map(|a| body(&a.source.body, bp))
                .collect(),
            example_bodies: site
                .examples
                .par_iter()
                .map(|e| body(&e.source.body, bp))
                .collect(),
            examples,
            home_body: body(&site.home.source.body, bp),
            actors_intro: body(&site.actors_section.source.body, bp),
            examples_intro: body(&site.examples_section.source.body, bp),
            page_bodies: site
                .pages
                .par_iter()
                .map(|p| body(&p.source.body, bp))
                .collect(),
            signatories: list,
        }
    }
}

/// The fragment id of a call on the appeal page.
pub fn call_anchor(id: &str) -> String {
    format!("oproep-{id}")
}

/// Puts a root-relative URL from content under the base path; leaves others alone.
fn rebase(url: &str, base_path: &str) -> String {
    match url.strip_prefix('/') {
        Some(rest) if !rest.starts_with('/') => format!("{base_path}{rest}"),
        _ => url.to_string(),
    }
}

fn string(theme: &Theme, key: &str) -> String {
    theme
        .strings
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or(key)
        .to_string()
}
