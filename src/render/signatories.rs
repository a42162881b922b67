//! The signatories as the site shows them: counts, the published names in pages, data chunks
//! for the filters, and charts drawn at build time as SVG.
//!
//! Only signatories who consented are named; the rest are counted. Nothing here ever sees an
//! e-mail address: the model holds none.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::{Signatories, Signatory};
use crate::theme::long_date;

/// Names per page of the signatories list: keeps each page a few tens of kilobytes.
pub const PAGE_SIZE: usize = 500;
/// Names per data file the filters load.
pub const CHUNK_SIZE: usize = 5_000;
/// Places offered in the place filter and drawn in the chart.
const TOP_PLACES: usize = 50;
const CHART_PLACES: usize = 10;

#[derive(Debug, Clone, Serialize)]
pub struct SignatoryView<'a> {
    pub name: &'a str,
    pub function: Option<&'a str>,
    pub organisation: Option<&'a str>,
    pub place: Option<&'a str>,
    pub category: Option<&'a str>,
    pub highlight: bool,
    /// The date of the appeal's version that was current when they signed, when there are
    /// several versions.
    pub version: Option<NaiveDate>,
}

/// Site-wide signature figures, as `site.signatures` in templates.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub total: usize,
    pub published: usize,
    /// Signed without consent to show the name: counted, not named.
    pub unnamed: usize,
    pub goal: Option<u64>,
    /// Progress towards the goal, 0 to 100.
    pub percent: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CountBy {
    pub name: String,
    pub count: usize,
}

/// The published signatories in the order the site shows them, with everything made from them.
///
/// It owns its data (the signatories are shared, not copied), so that `serve` can keep it from
/// one build to the next while the signatory file stays the same; the HTML of the name lists
/// and the data chunks are then kept with it too, made once.
pub struct SignatoryList {
    signatories: Arc<Signatories>,
    versions: Vec<NaiveDate>,
    pub counts: Counts,
    /// Highlighted, published signatories, in the order of the data file (indexes).
    highlighted: Vec<usize>,
    /// All other published signatories, by name (indexes).
    named: Vec<usize>,
    pub categories: Vec<CountBy>,
    pub places: Vec<CountBy>,
    pub chart_over_time: String,
    pub chart_places: String,
    strings: Strings,
    /// The hash `serve` keeps the list under, from the signatory file and the list's settings.
    /// Only then are the HTML and data below kept once made; one build keeps nothing.
    pub key: Option<crate::cache::Key>,
    /// When kept: what the list shows of each signatory, made once (see [`Kept`]).
    kept: Option<Kept>,
    pages_html: Vec<OnceLock<Arc<str>>>,
    highlighted_html: OnceLock<Arc<str>>,
    named_html: OnceLock<Arc<str>>,
    chunks: Vec<OnceLock<Arc<[u8]>>>,
}

impl SignatoryList {
    /// With a `key`, the list is kept (see [`Self::key`]); then the signatories' rows are
    /// taken from `previous` for each block it has too.
    pub fn new(
        signatories: Arc<Signatories>,
        versions: &[NaiveDate],
        goal: Option<u64>,
        strings: Strings,
        key: Option<crate::cache::Key>,
        previous: Option<&SignatoryList>,
    ) -> Self {
        // One pass in the file's order: looking a signatory up by index searches its block.
        let (mut highlighted, mut named) = (Vec::new(), Vec::new());
        for (i, s) in signatories.iter().enumerate().filter(|(_, s)| s.publish) {
            match s.highlight {
                true => highlighted.push(i),
                false => named.push(i),
            }
        }
        let published = highlighted.len() + named.len();
        let total = signatories.len();
        let percent = goal
            .filter(|g| *g > 0)
            .map(|g| ((total as u64 * 100) / g).min(100));
        let published_ones = || signatories.iter().filter(|s| s.publish);
        let rows = key.map(|_| Rows::of(&signatories, versions, &strings, previous));
        // Sorting the names takes as long as the rest together.
        let (from_previous, (places, categories, chart_over_time)) = rayon::join(
            || match &rows {
                Some(rows) => {
                    let keys: Vec<&str> = rows.iter().flat_map(|r| r.sort_keys()).collect();
                    let order = previous.and_then(|p| p.named_in(&signatories, rows, &keys));
                    match order {
                        Some((order, from_previous)) => {
                            named = order;
                            Some(from_previous)
                        }
                        None => {
                            use rayon::slice::ParallelSliceMut;
                            named.par_sort_by(|&a, &b| keys[a].cmp(keys[b]));
                            None
                        }
                    }
                }
                None => {
                    named.sort_by_cached_key(|&i| sort_key(&signatories[i]));
                    None
                }
            },
            || {
                (
                    count_by(published_ones().filter_map(|s| s.place.as_deref())),
                    count_by(published_ones().filter_map(|s| s.category.as_deref())),
                    chart_over_time(&signatories, &strings),
                )
            },
        );
        SignatoryList {
            counts: Counts {
                total,
                published,
                unnamed: total - published,
                goal,
                percent,
            },
            categories,
            chart_over_time,
            chart_places: chart_places(&places, &strings),
            places: places.into_iter().take(TOP_PLACES).collect(),
            pages_html: (0..named.len().div_ceil(PAGE_SIZE).max(1))
                .map(|_| OnceLock::new())
                .collect(),
            chunks: (0..published.div_ceil(CHUNK_SIZE).max(1))
                .map(|_| OnceLock::new())
                .collect(),
            highlighted_html: OnceLock::new(),
            named_html: OnceLock::new(),
            versions: versions.to_vec(),
            kept: rows.map(|rows| {
                let previous = from_previous
                    .as_deref()
                    .zip(previous.and_then(|p| p.kept.as_ref()));
                Kept::new(rows, &signatories, &named, previous)
            }),
            highlighted,
            named,
            strings,
            key,
            signatories,
        }
    }

    /// The named signatories of a new list of `signatories` in the order the list shows them,
    /// from this list's order: the names of the blocks both lists have are in order already,
    /// and only those of new blocks are sorted in among them. With it, for each name, its place
    /// in this list's order, if it has one. `None` when the blocks both have are in another
    /// order now, or this list kept no rows.
    fn named_in(
        &self,
        signatories: &Signatories,
        rows: &[Arc<Rows>],
        keys: &[&str],
    ) -> Option<(Vec<usize>, Vec<Option<u32>>)> {
        let old = self.kept.as_ref()?;
        let by_address: rustc_hash::FxHashMap<usize, usize> = (signatories.blocks().iter())
            .enumerate()
            .map(|(new, block)| (block.as_ptr() as usize, new))
            .collect();
        // For each block of this list, where it is in the new one, if it is there with the
        // same rows; they must come in the same order.
        let blocks = self.signatories.blocks().iter().zip(&old.rows);
        let moved: Vec<Option<usize>> = blocks
            .map(|(block, old)| {
                let new = *by_address.get(&(block.as_ptr() as usize))?;
                Arc::ptr_eq(old, &rows[new]).then_some(new)
            })
            .collect();
        let kept: Vec<usize> = moved.iter().flatten().copied().collect();
        if !kept.is_sorted() {
            return None;
        }
        let start = |block: usize| signatories.block_start(block);
        let still_named = self.named.iter().enumerate().filter_map(|(place, &i)| {
            let (block, j) = old.located[i];
            let new = moved[block as usize]?;
            Some((start(new) + j as usize, narrow(place)))
        });
        let mut new_blocks = vec![true; signatories.blocks().len()];
        for &new in &kept {
            new_blocks[new] = false;
        }
        let mut fresh: Vec<usize> = (signatories.blocks().iter().enumerate())
            .filter(|&(new, _)| new_blocks[new])
            .flat_map(|(new, block)| {
                let named = block
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.publish && !s.highlight);
                named.map(move |(j, _)| start(new) + j)
            })
            .collect();
        fresh.sort_by(|&a, &b| keys[a].cmp(keys[b]));
        // Merged by name, and for the same name in the order of the file, as sorting would.
        // The new names go in where a search among the names kept finds their place: comparing
        // each kept name (70,000 of them) with the next new one was most of this.
        let still: Vec<(usize, u32)> = still_named.collect();
        fn was(run: &[(usize, u32)]) -> impl Iterator<Item = (usize, Option<u32>)> + '_ {
            run.iter().map(|&(i, place)| (i, Some(place)))
        }
        let mut merged = Vec::with_capacity(still.len() + fresh.len());
        let mut taken = 0;
        for f in fresh {
            let before = |&(i, _): &(usize, u32)| (keys[i], i) < (keys[f], f);
            let at = taken + still[taken..].partition_point(before);
            merged.extend(was(&still[taken..at]));
            merged.push((f, None));
            taken = at;
        }
        merged.extend(was(&still[taken..]));
        Some(merged.into_iter().unzip())
    }

    /// The hash that stands for one part of the list (`"page 2"`, `"named"`) in a page's
    /// fingerprint, when the list is kept.
    pub fn made_from(&self, part: &str) -> Option<crate::cache::Key> {
        self.key
            .map(|key| crate::cache::key(&[key.as_bytes(), part.as_bytes()]))
    }

    /// `cell`'s value, made by `make` the first time when kept, or made anew each time.
    fn kept<T: Clone>(&self, cell: &OnceLock<T>, make: impl FnOnce() -> T) -> T {
        if self.key.is_some() {
            cell.get_or_init(make).clone()
        } else {
            make()
        }
    }

    fn view(&self, index: usize) -> SignatoryView<'_> {
        view(&self.signatories[index], &self.versions)
    }

    /// The list items of page `number` (from 1) of the named signatories.
    pub fn page_html(&self, number: usize) -> Arc<str> {
        let start = ((number - 1) * PAGE_SIZE).min(self.named.len());
        let end = (start + PAGE_SIZE).min(self.named.len());
        self.kept(&self.pages_html[number - 1], || match &self.kept {
            Some(kept) => kept.items.slice(start..end).into(),
            None => self.items_html(&self.named[start..end]).into(),
        })
    }

    pub fn highlighted_html(&self) -> Arc<str> {
        self.kept(&self.highlighted_html, || {
            self.items_html(&self.highlighted).into()
        })
    }

    /// Every named signatory, for the print page.
    pub fn named_html(&self) -> Arc<str> {
        // The pages' lists, one after another: each name is made into HTML once.
        self.kept(&self.named_html, || {
            use rayon::prelude::*;
            if let Some(kept) = &self.kept {
                return kept.items.text.as_str().into();
            }
            let pages: Vec<Arc<str>> = (1..=self.page_count())
                .into_par_iter()
                .map(|number| self.page_html(number))
                .collect();
            let mut all = String::with_capacity(pages.iter().map(|page| page.len()).sum());
            for page in &pages {
                all.push_str(page);
            }
            all.into()
        })
    }

    /// The list items for these signatories. Made here rather than in a template: a list of
    /// tens of thousands of names is the one place where the template engine is too slow.
    fn items_html(&self, indexes: &[usize]) -> String {
        let mut html = String::with_capacity(indexes.len() * 120);
        match &self.kept {
            Some(kept) => {
                for &i in indexes {
                    html.push_str(kept.item(i));
                }
            }
            None => {
                let mut labels = VersionLabels::new(&self.strings);
                for &i in indexes {
                    push_item(&mut html, &self.view(i), &mut labels);
                }
            }
        }
        html
    }

    pub fn page_count(&self) -> usize {
        self.pages_html.len()
    }

    pub fn chunks_len(&self) -> usize {
        self.chunks.len()
    }

    /// Data file `index` of the ones the filters load (see `chunks_len`): published
    /// signatories, highlighted first, as compact rows `[name, function, organisation, place,
    /// category]`.
    pub fn chunk(&self, index: usize) -> Arc<[u8]> {
        self.kept(&self.chunks[index], || {
            let mut json = b"[".to_vec();
            match &self.kept {
                Some(kept) => {
                    // Rows end in a comma: the named ones are cut from the rows in order.
                    let start = index * CHUNK_SIZE;
                    let end = (start + CHUNK_SIZE).min(self.counts.published);
                    let highlighted = self.highlighted.len();
                    for &i in &self.highlighted[start.min(highlighted)..end.min(highlighted)] {
                        json.extend_from_slice(kept.row(i).as_bytes());
                    }
                    let named = start.saturating_sub(highlighted)..end.saturating_sub(highlighted);
                    json.extend_from_slice(kept.data.slice(named).as_bytes());
                    if json.ends_with(b",") {
                        json.pop();
                    }
                }
                None => {
                    let indexes = self.highlighted.iter().chain(&self.named);
                    let indexes = indexes.skip(index * CHUNK_SIZE).take(CHUNK_SIZE);
                    for (n, &i) in indexes.enumerate() {
                        if n > 0 {
                            json.push(b',');
                        }
                        push_row(&mut json, &self.signatories[i]);
                    }
                }
            }
            json.push(b']');
            json.into()
        })
    }
}

/// What a kept list holds besides its output, so that the next one (when someone signs) is
/// made from it by copying rather than anew.
struct Kept {
    /// What the list shows of each signatory, block by block as the signatories' blocks are.
    rows: Vec<Arc<Rows>>,
    /// For each signatory, its block and its place in it. Looked up by searching the blocks,
    /// that was a fifth of what `serve` did when someone signed.
    located: Vec<(u32, u32)>,
    /// The named signatories' list items in the list's order; the pages are cut from it.
    items: Pieces,
    /// Their data rows likewise, each with the comma after it; the data files are cut from it.
    data: Pieces,
}

impl Kept {
    /// With `previous`, where each of the `named` was in the previous list, if it was there,
    /// and that list's pieces: runs of names both lists have are copied from it at once.
    /// Gathered one by one from the blocks' rows, in the order of the names, the pages and
    /// data files of 100,000 signatories took half of what `serve` did when someone signed.
    fn new(
        rows: Vec<Arc<Rows>>,
        signatories: &Signatories,
        named: &[usize],
        previous: Option<(&[Option<u32>], &Kept)>,
    ) -> Kept {
        let mut kept = Kept {
            rows,
            located: locations(signatories),
            items: Pieces::default(),
            data: Pieces::default(),
        };
        (kept.items, kept.data) = rayon::join(
            || {
                let previous = previous.map(|(from, kept)| (from, &kept.items));
                Pieces::in_order(named, previous, |i| kept.item(i))
            },
            || {
                let previous = previous.map(|(from, kept)| (from, &kept.data));
                Pieces::in_order(named, previous, |i| kept.row(i))
            },
        );
        kept
    }

    /// Signatory `i`'s list item.
    fn item(&self, i: usize) -> &str {
        let (block, j) = self.located[i];
        self.rows[block as usize].items.get(j as usize)
    }

    /// Signatory `i`'s data row, with the comma after it.
    fn row(&self, i: usize) -> &str {
        let (block, j) = self.located[i];
        self.rows[block as usize].data.get(j as usize)
    }
}

/// Pieces of text one after another, and where each ends.
#[derive(Default)]
struct Pieces {
    text: String,
    ends: Vec<usize>,
}

impl Pieces {
    /// The pieces of `named`, in its order: where `previous` gives a name's place in earlier
    /// pieces, copied from those, a run at a time; otherwise `fresh`'s.
    fn in_order<'a>(
        named: &[usize],
        previous: Option<(&[Option<u32>], &Pieces)>,
        fresh: impl Fn(usize) -> &'a str,
    ) -> Pieces {
        let Some((from, previous)) = previous else {
            let mut pieces = Pieces::default();
            for &i in named {
                pieces.push(fresh(i));
            }
            return pieces;
        };
        let mut pieces = Pieces {
            text: String::with_capacity(previous.text.len() + previous.text.len() / 64),
            ends: Vec::with_capacity(named.len()),
        };
        let mut k = 0;
        while k < named.len() {
            let Some(first) = from[k] else {
                pieces.push(fresh(named[k]));
                k += 1;
                continue;
            };
            let mut last = first;
            k += 1;
            while k < named.len() && from[k] == Some(last + 1) {
                last += 1;
                k += 1;
            }
            pieces.extend_from(previous, first as usize..last as usize + 1);
        }
        pieces
    }

    fn push(&mut self, piece: &str) {
        self.text.push_str(piece);
        self.ends.push(self.text.len());
    }

    /// Pieces `range` of `other`, copied at once.
    fn extend_from(&mut self, other: &Pieces, range: std::ops::Range<usize>) {
        let (base, from) = (self.text.len(), other.start(range.start));
        self.text.push_str(other.slice(range.clone()));
        self.ends
            .extend(other.ends[range].iter().map(|end| base + end - from));
    }

    fn start(&self, i: usize) -> usize {
        i.checked_sub(1).map_or(0, |before| self.ends[before])
    }

    fn get(&self, i: usize) -> &str {
        self.slice(i..i + 1)
    }

    /// Pieces `range`, one after another.
    fn slice(&self, range: std::ops::Range<usize>) -> &str {
        match range.is_empty() {
            true => "",
            false => &self.text[self.start(range.start)..self.ends[range.end - 1]],
        }
    }
}

/// What the list shows of each signatory of one block of the signatory file: made once and
/// kept while the block is, so that when someone signs `serve` makes these for one block
/// rather than for 100,000 signatories. Unpublished signatories have an empty item and row.
struct Rows {
    sort_keys: Vec<Box<str>>,
    /// Each signatory's list item.
    items: Pieces,
    /// Each signatory's row in the data files, with the comma after it.
    data: Pieces,
    /// What the items were made with: rows are taken over only from a list made the same.
    versions: Vec<NaiveDate>,
    strings: Arc<Strings>,
}

impl Rows {
    /// The rows of each block of `signatories`, taken from `previous` where it has the block.
    fn of(
        signatories: &Signatories,
        versions: &[NaiveDate],
        strings: &Strings,
        previous: Option<&SignatoryList>,
    ) -> Vec<Arc<Rows>> {
        use rayon::prelude::*;
        let strings = Arc::new(strings.clone());
        // Blocks by address: a block the previous list holds is alive, so its address is its.
        let kept: rustc_hash::FxHashMap<usize, &Arc<Rows>> = previous
            .and_then(|previous| Some((previous, &previous.kept.as_ref()?.rows)))
            .map(|(previous, rows)| {
                let blocks = previous.signatories.blocks().iter();
                blocks
                    .zip(rows)
                    .filter(|(_, rows)| rows.versions == versions && *rows.strings == *strings)
                    .map(|(block, rows)| (block.as_ptr() as usize, rows))
                    .collect()
            })
            .unwrap_or_default();
        signatories
            .blocks()
            .par_iter()
            .map(|block| match kept.get(&(block.as_ptr() as usize)) {
                Some(rows) => Arc::clone(rows),
                None => Arc::new(Rows::new(block, versions, strings.clone())),
            })
            .collect()
    }

    fn new(block: &[Signatory], versions: &[NaiveDate], strings: Arc<Strings>) -> Rows {
        let mut labels = VersionLabels::new(&strings);
        let mut items = Pieces::default();
        let (mut data, mut data_ends) = (Vec::new(), Vec::with_capacity(block.len()));
        for s in block {
            if s.publish {
                push_item(&mut items.text, &view(s, versions), &mut labels);
                push_row(&mut data, s);
                data.push(b',');
            }
            items.ends.push(items.text.len());
            data_ends.push(data.len());
        }
        Rows {
            sort_keys: block.iter().map(|s| sort_key(s).into()).collect(),
            items,
            data: Pieces {
                text: String::from_utf8(data).expect("JSON is UTF-8"),
                ends: data_ends,
            },
            versions: versions.to_vec(),
            strings: strings.clone(),
        }
    }

    fn sort_keys(&self) -> impl Iterator<Item = &str> {
        self.sort_keys.iter().map(|key| &**key)
    }
}

/// Each signatory's block and place in it, in the order of the file.
fn locations(signatories: &Signatories) -> Vec<(u32, u32)> {
    let blocks = signatories.blocks().iter().enumerate();
    let within = |(b, block): (usize, &Arc<[Signatory]>)| (0..block.len()).map(move |j| (b, j));
    let located = blocks.flat_map(within);
    located.map(|(b, j)| (narrow(b), narrow(j))).collect()
}

fn narrow(n: usize) -> u32 {
    u32::try_from(n).expect("fewer than 4 billion signatories")
}

/// Names are listed in alphabetical order, whatever their case.
fn sort_key(signatory: &Signatory) -> String {
    signatory.name.to_lowercase()
}

fn view<'a>(s: &'a Signatory, versions: &[NaiveDate]) -> SignatoryView<'a> {
    // Versions are sorted; someone who signed before the first counts for the first.
    let version = (versions.len() > 1).then(|| {
        versions
            .iter()
            .rev()
            .find(|v| **v <= s.date)
            .copied()
            .unwrap_or(versions[0])
    });
    SignatoryView {
        version,
        name: &s.name,
        function: s.function.as_deref(),
        organisation: s.organisation.as_deref(),
        place: s.place.as_deref(),
        category: s.category.as_deref(),
        highlight: s.highlight,
    }
}

/// The label of each version someone signed: a handful, made once, not once per name.
struct VersionLabels<'a> {
    strings: &'a Strings,
    made: BTreeMap<NaiveDate, String>,
}

impl<'a> VersionLabels<'a> {
    fn new(strings: &'a Strings) -> Self {
        VersionLabels {
            strings,
            made: BTreeMap::new(),
        }
    }

    fn of(&mut self, version: NaiveDate) -> &str {
        let strings = self.strings;
        self.made.entry(version).or_insert_with(|| {
            let date = long_date(version, &strings.months);
            format!(
                "<span class=\"version\">{} {}</span>",
                escape(&strings.version),
                escape(&date)
            )
        })
    }
}

/// One signatory's list item.
fn push_item(html: &mut String, s: &SignatoryView, labels: &mut VersionLabels) {
    use html_escape::encode_safe_to_string as escape_into;
    html.push_str("<li><span class=\"name\">");
    escape_into(s.name, html);
    html.push_str("</span>");
    if let Some(version) = s.version {
        html.push_str(labels.of(version));
    }
    if s.function.is_some() || s.organisation.is_some() {
        html.push_str("<span class=\"role\">");
        let role = [s.function, s.organisation].into_iter().flatten();
        for (i, part) in role.enumerate() {
            if i > 0 {
                html.push_str(", ");
            }
            escape_into(part, html);
        }
        html.push_str("</span>");
    }
    if let Some(place) = s.place {
        html.push_str("<span class=\"place\">");
        escape_into(place, html);
        html.push_str("</span>");
    }
    html.push_str("</li>\n");
}

/// One signatory's row in the data files: `[name, function, organisation, place, category]`.
fn push_row(json: &mut Vec<u8>, s: &Signatory) {
    let row = [
        &s.name,
        s.function.as_deref().unwrap_or(""),
        s.organisation.as_deref().unwrap_or(""),
        s.place.as_deref().unwrap_or(""),
        s.category.as_deref().unwrap_or(""),
    ];
    serde_json::to_writer(json, &row).expect("strings always serialize");
}

/// Counts per value, most first, then by name.
fn count_by<'a>(values: impl Iterator<Item = &'a str>) -> Vec<CountBy> {
    // Counted per spelling first: tens of thousands of signatories name a few hundred places.
    let mut spellings: rustc_hash::FxHashMap<&str, (usize, usize)> = Default::default();
    for (i, value) in values.enumerate() {
        let value = value.trim();
        if !value.is_empty() {
            spellings.entry(value).or_insert((i, 0)).1 += 1;
        }
    }
    let mut spellings: Vec<(&str, (usize, usize))> = spellings.into_iter().collect();
    spellings.sort_unstable_by_key(|&(_, (first, _))| first);
    let mut counts: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (value, (_, count)) in spellings {
        // "Den Haag" and "den haag" are one place; the first spelling seen is shown.
        let entry = counts
            .entry(value.to_lowercase())
            .or_insert_with(|| (value.to_string(), 0));
        entry.1 += count;
    }
    let mut list: Vec<CountBy> = counts
        .into_values()
        .map(|(name, count)| CountBy { name, count })
        .collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    list
}

/// The chart labels, from the theme's strings.
#[derive(Serialize, Clone, PartialEq)]
pub struct Strings {
    /// "versie", before the date of the version someone signed.
    pub version: String,
    pub over_time_title: String,
    pub places_title: String,
    pub months: Vec<String>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const PAD_LEFT: f64 = 72.0;
const PAD_BOTTOM: f64 = 34.0;
const PAD_TOP: f64 = 16.0;

/// Cumulative signatures per day, as a line.
fn chart_over_time(signatories: &Signatories, strings: &Strings) -> String {
    let mut per_day: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for s in signatories.iter() {
        *per_day.entry(s.date).or_default() += 1;
    }
    let (Some((&first, _)), Some((&last, _))) =
        (per_day.first_key_value(), per_day.last_key_value())
    else {
        return String::new();
    };
    let total = signatories.len() as f64;
    let days = ((last - first).num_days() as f64).max(1.0);
    let plot_w = WIDTH - PAD_LEFT - 8.0;
    let plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM;
    let x = |d: NaiveDate| PAD_LEFT + (d - first).num_days() as f64 / days * plot_w;
    let y = |n: f64| PAD_TOP + plot_h - n / total * plot_h;

    let mut points = format!("{:.1},{:.1}", x(first), y(0.0));
    let mut running = 0usize;
    for (&day, &count) in &per_day {
        let _ = write!(points, " {:.1},{:.1}", x(day), y(running as f64));
        running += count;
        let _ = write!(points, " {:.1},{:.1}", x(day), y(running as f64));
    }
    let label = |d: NaiveDate| long_date(d, &strings.months);
    let title = escape(&strings.over_time_title);
    let desc = escape(&format!(
        "{} – {}: {}",
        label(first),
        label(last),
        signatories.len()
    ));
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-time-title chart-time-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-time-title">{title}</title><desc id="chart-time-desc">{desc}</desc>"#
    );
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{PAD_LEFT}" y1="{b:.1}" x2="{r:.1}" y2="{b:.1}"/><line class="axis" x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{b:.1}"/>"#,
        b = HEIGHT - PAD_BOTTOM,
        r = WIDTH - 8.0
    );
    let _ = write!(
        svg,
        r#"<polyline class="line" fill="none" points="{points}"/><text x="{lx:.1}" y="{ty:.1}" text-anchor="end">{total}</text><text x="{lx:.1}" y="{by:.1}" text-anchor="end">0</text><text x="{PAD_LEFT}" y="{dy:.1}">{from}</text><text x="{r:.1}" y="{dy:.1}" text-anchor="end">{to}</text></svg>"#,
        lx = PAD_LEFT - 6.0,
        ty = PAD_TOP + 10.0,
        by = HEIGHT - PAD_BOTTOM,
        dy = HEIGHT - 8.0,
        r = WIDTH - 8.0,
        total = signatories.len(),
        from = escape(&label(first)),
        to = escape(&label(last)),
    );
    svg
}

/// The places with the most (named) signatories, as horizontal bars.
fn chart_places(places: &[CountBy], strings: &Strings) -> String {
    let top: Vec<&CountBy> = places.iter().take(CHART_PLACES).collect();
    let Some(max) = top.first().map(|p| p.count as f64) else {
        return String::new();
    };
    let row = 30.0;
    let height = top.len() as f64 * row + 8.0;
    let label_w = 200.0;
    let bar_w = WIDTH - label_w - 60.0;
    let title = escape(&strings.places_title);
    let desc = escape(
        &top.iter()
            .map(|p| format!("{}: {}", p.name, p.count))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart-places-title chart-places-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-places-title">{title}</title><desc id="chart-places-desc">{desc}</desc>"#
    );
    for (i, place) in top.iter().enumerate() {
        let y = 4.0 + i as f64 * row;
        let w = (place.count as f64 / max * bar_w).max(1.0);
        let name: String = place.name.chars().take(22).collect();
        let _ = write!(
            svg,
            r#"<text x="{tx}" y="{ty:.1}" text-anchor="end">{name}</text><rect class="bar" x="{label_w}" y="{y:.1}" width="{w:.1}" height="{h}"/><text x="{cx:.1}" y="{ty:.1}">{count}</text>"#,
            tx = label_w - 6.0,
            ty = y + 19.0,
            h = row - 6.0,
            cx = label_w + w + 6.0,
            name = escape(&name),
            count = place.count,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Text inside SVG is XML: names come from strangers.
fn escape(text: &str) -> String {
    html_escape::encode_safe(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Signatory;

    fn signatory(name: &str, place: &str, date: &str, publish: bool) -> Signatory {
        Signatory {
            name: name.into(),
            function: None,
            organisation: None,
            place: Some(place.into()),
            date: date.parse().unwrap(),
            category: None,
            publish,
            highlight: false,
            sender: None,
        }
    }

    fn strings() -> Strings {
        Strings {
            version: "versie".into(),
            over_time_title: "Ondertekeningen".into(),
            places_title: "Plaatsen".into(),
            months: vec![],
        }
    }

    #[test]
    fn the_print_list_is_every_named_signatory_once_in_order_kept_or_not() {
        let all: Vec<Signatory> = (0..PAGE_SIZE * 2 + 3)
            .map(|i| {
                signatory(
                    &format!("Naam {:04}", (i * 7919) % 10_000),
                    "Ede",
                    "2021-01-01",
                    true,
                )
            })
            .collect();
        let count = all.len();
        let key = crate::cache::key(&[b"test"]);
        for key in [None, Some(key)] {
            let list = SignatoryList::new(
                Arc::new(all.clone().into()),
                &[],
                None,
                strings(),
                key,
                None,
            );
            assert_eq!(list.page_count(), 3);
            let named = list.named_html();
            assert_eq!(named.matches("<li>").count(), count);
            let names: Vec<&str> = named
                .split("<span class=\"name\">")
                .skip(1)
                .map(|rest| rest.split('<').next().unwrap())
                .collect();
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(names, sorted);
            let pages: String = (1..=3).map(|n| list.page_html(n).to_string()).collect();
            assert_eq!(*named, pages);
        }
    }

    /// `serve` loads the signatories in blocks (`signing::store::signatory_blocks`): the site
    /// must not depend on where the blocks end.
    #[test]
    fn the_list_is_the_same_whichever_blocks_the_signatories_come_in() {
        let signatory_number = |i: usize| {
            let place = ["Ede", "ede", "Zwolle", "Assen"][i % 4];
            let date = format!("2021-{:02}-{:02}", i % 12 + 1, i % 28 + 1);
            // Each name several times, every 7th in capitals: the same names are listed as
            // they come in the file.
            let name = match i % 7 {
                0 => format!("NAAM {:03} <b>", (i * 7919) % 1000),
                _ => format!("Naam {:03} <b>", (i * 7919) % 1000),
            };
            let mut s = signatory(&name, place, &date, !i.is_multiple_of(3));
            s.highlight = i.is_multiple_of(500);
            s.function = i.is_multiple_of(2).then(|| "wijk\"werker\"".to_string());
            s
        };
        let all: Vec<Signatory> = (0..CHUNK_SIZE + 700).map(signatory_number).collect();
        let versions: Vec<NaiveDate> = ["2021-01-01", "2021-06-01"]
            .iter()
            .map(|d| d.parse().unwrap())
            .collect();
        let list = |signatories: Signatories, key, previous| {
            let signatories = Arc::new(signatories);
            SignatoryList::new(signatories, &versions, None, strings(), key, previous)
        };
        let in_blocks = |all: &[Signatory]| {
            let mut blocks: Vec<Arc<[Signatory]>> = Vec::new();
            let mut rest = all;
            for size in [1, 0, 333, 2500, 4000].into_iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (block, after) = rest.split_at(size.min(rest.len()));
                blocks.push(block.into());
                rest = after;
            }
            Signatories::from_blocks(blocks)
        };
        let signatories = in_blocks(&all);
        assert_eq!(signatories.len(), all.len());
        assert!(signatories.iter().eq(all.iter()));
        assert!((0..all.len()).all(|i| signatories[i] == all[i]));

        let assert_same = |list: &SignatoryList, whole: &SignatoryList, what: &str| {
            assert_eq!(*list.named_html(), *whole.named_html(), "{what}");
            assert_eq!(
                *list.highlighted_html(),
                *whole.highlighted_html(),
                "{what}"
            );
            assert_eq!(list.page_count(), whole.page_count(), "{what}");
            for n in 1..=whole.page_count() {
                assert_eq!(*list.page_html(n), *whole.page_html(n), "{what}");
            }
            assert_eq!(list.chunks_len(), whole.chunks_len(), "{what}");
            for i in 0..whole.chunks_len() {
                assert_eq!(list.chunk(i), whole.chunk(i), "{what}: chunk {i}");
            }
            assert_eq!(list.chart_over_time, whole.chart_over_time, "{what}");
            assert_eq!(list.chart_places, whole.chart_places, "{what}");
        };
        let whole = list(all.clone().into(), None, None);
        assert!(whole.named_html().contains("NAAM ") && whole.named_html().contains("&lt;b&gt;"));
        assert!(whole.named_html().contains("class=\"version\""));
        let key = Some(crate::cache::key(&[b"test"]));
        assert_same(&list(in_blocks(&all), None, None), &whole, "in blocks");
        let kept = list(signatories, key, None);
        assert_same(&kept, &whole, "kept, in blocks");

        // One more, and one changed, the other blocks as they were: the kept list takes their
        // rows over, and is still what the whole list is.
        let mut changed = all.clone();
        changed[1000].name = "Anders".into();
        changed.push(signatory_number(99_999));
        let kept_blocks = kept.signatories.blocks();
        let mut blocks: Vec<Arc<[Signatory]>> = kept_blocks[..kept_blocks.len() - 1].to_vec();
        let last_start = all.len() - kept_blocks.last().unwrap().len();
        blocks.push(changed[last_start..].into());
        let changed_block = kept.signatories.locate(1000).0;
        blocks[changed_block] = {
            let start: usize = kept_blocks[..changed_block].iter().map(|b| b.len()).sum();
            changed[start..start + kept_blocks[changed_block].len()].into()
        };
        let patched = list(Signatories::from_blocks(blocks), key, Some(&kept));
        let rows = |list: &SignatoryList| list.kept.as_ref().unwrap().rows.clone();
        let taken = rows(&patched)
            .iter()
            .zip(rows(&kept).iter())
            .filter(|(new, old)| Arc::ptr_eq(new, old))
            .count();
        assert_eq!(
            taken,
            rows(&kept).len() - 2,
            "all but the two changed blocks"
        );
        assert_same(&patched, &list(changed.into(), None, None), "patched");

        // The same blocks in another order: the names are sorted anew.
        let mut reordered = kept.signatories.blocks().to_vec();
        reordered.swap(2, 3);
        let reordered = Signatories::from_blocks(reordered);
        let in_order: Vec<Signatory> = reordered.iter().cloned().collect();
        let patched = list(reordered, key, Some(&kept));
        assert_same(&patched, &list(in_order.into(), None, None), "reordered");
    }

    #[test]
    fn names_only_with_consent_and_places_merged_by_case() {
        let all = vec![
            signatory("B", "Den Haag", "2021-01-02", true),
            signatory("a", "den haag", "2021-01-01", true),
            signatory("Verborgen", "Utrecht", "2021-01-03", false),
        ];
        let list = SignatoryList::new(Arc::new(all.into()), &[], Some(10), strings(), None, None);
        assert_eq!(list.counts.total, 3);
        assert_eq!(list.counts.unnamed, 1);
        assert_eq!(list.counts.percent, Some(30));
        let names: Vec<&str> = list.named.iter().map(|&i| list.view(i).name).collect();
        assert_eq!(names, ["a", "B"]);
        assert_eq!(list.places.len(), 1);
        assert_eq!(list.places[0].count, 2);
        // The first spelling met, in the order of the file, is the one shown.
        assert_eq!(list.places[0].name, "Den Haag");
        let data: String = (0..list.chunks_len())
            .map(|i| String::from_utf8(list.chunk(i).to_vec()).unwrap())
            .collect();
        assert!(data.contains("\"B\"") && !data.contains("Verborgen"));
    }

    #[test]
    fn svg_text_is_escaped() {
        let all = vec![signatory(
            "x",
            "<script>alert(1)</script>",
            "2021-01-01",
            true,
        )];
        let list = SignatoryList::new(Arc::new(all.into()), &[], None, strings(), None, None);
        assert!(!list.chart_places.contains("<script>"));
        assert!(list.chart_places.contains("&lt;script&gt;"));
    }
}
