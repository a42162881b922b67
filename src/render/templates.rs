//! Tera templates of the theme, compiled once per build.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera, Value};

use super::parsed::{Codec, ParsedTemplates};
use crate::cache::Key;
use crate::error::{Error, Result};
use crate::theme::Theme;

/// Templates in this folder are rendered once per build, with only `site` and `t`, and every
/// page gets the results as `shared.NAME`: the parts of a page frame that are the same on every
/// page then cost nothing per page.
const FRAGMENTS: &str = "shared/";

pub struct Templates {
    tera: Tera,
    origins: HashMap<String, String>,
    /// The templates that may read `site.signatures`, the one site value that changes with
    /// every new signatory. Only `serve` asks, so it is found out on the first question.
    signature_readers: std::sync::OnceLock<HashSet<String>>,
}

/// What [`Templates::reads_signatures`] looks for.
const SIGNATURES: &str = "site.signatures";

impl Templates {
    pub fn new(theme: &Theme) -> Result<Templates> {
        Templates::with_defaults(theme, DefaultTemplates::decode())
    }

    /// Like [`Templates::new`], with the default theme's templates already decoded.
    pub fn with_defaults(theme: &Theme, defaults: DefaultTemplates) -> Result<Templates> {
        let mut tera = Tera::default();
        let origins: HashMap<String, String> = theme
            .templates
            .iter()
            .map(|(name, (_, origin))| (name.clone(), origin.clone()))
            .collect();
        // The default theme's templates were parsed when oproep was compiled and are moved
        // out of what it stored; the others (a site's own) parse each on its own, so in
        // parallel. Then the same steps as `Tera::add_raw_templates`.
        let mut stored = defaults.0;
        let mut to_parse = Vec::new();
        for (name, (text, _)) in &theme.templates {
            match stored.remove(text) {
                Some(mut template) => {
                    template.name.clone_from(name);
                    tera.templates.insert(name.clone(), template);
                }
                None => to_parse.push((name, text)),
            }
        }
        let parsed = to_parse
            .par_iter()
            .map(|&(name, text)| {
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
        tera.set_escape_fn(escape);
        tera.register_filter("mark_current", mark_current_filter);
        let months = theme.months();
        tera.register_filter(
            "long_date",
            move |value: &Value, _: &HashMap<String, Value>| {
                let text = tera::try_get_value!("long_date", "value", String, value);
                Ok(Value::String(long_date(&text, &months)))
            },
        );
        Ok(Templates {
            tera,
            origins,
            signature_readers: Default::default(),
        })
    }

    /// The theme's shared fragments, `shared/NAME.html`, as (NAME, template name).
    pub fn fragments(&self) -> impl Iterator<Item = (&str, &str)> {
        self.origins.keys().filter_map(|template| {
            let name = template.strip_prefix(FRAGMENTS)?.strip_suffix(".html")?;
            Some((name, template.as_str()))
        })
    }

    /// Whether the template may show the signature count: when it does not, a page made with
    /// it stays the same when someone signs.
    pub fn reads_signatures(&self, name: &str) -> bool {
        let readers = self.signature_readers.get_or_init(|| {
            let names = self.origins.keys();
            names
                .filter(|name| may_read(&self.tera, name, SIGNATURES))
                .cloned()
                .collect()
        });
        readers.contains(name)
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

/// The default theme's templates as `build.rs` parsed them, by their source text: a template
/// of a site's theme with the same text is the same template.
pub struct DefaultTemplates(HashMap<String, tera::Template>);

impl DefaultTemplates {
    /// Decodes them anew, so that [`Templates`] can move them out rather than copy them.
    /// It needs nothing from the site, so a build does it while reading the theme.
    pub fn decode() -> DefaultTemplates {
        let bytes: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/default_templates.bin"));
        // Bytes this same binary wrote; should they not decode, every template is parsed.
        let templates = ParsedTemplates::take(&mut &bytes[..])
            .map(|templates| templates.into_iter().collect())
            .unwrap_or_default();
        DefaultTemplates(templates)
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

/// What `{{ value }}` does to text in a template.
fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// `{{ links | mark_current(url=page.url) }}`, optionally with `current="true"`: see
/// [`mark_current`].
fn mark_current_filter(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let html = tera::try_get_value!("mark_current", "value", String, value);
    let url = match args.get("url") {
        // A page under no menu item has no `menu_url`: nothing to mark.
        Some(Value::Null) => return Ok(Value::String(html)),
        Some(url) => tera::try_get_value!("mark_current", "url", String, url),
        None => {
            return Err("the `mark_current` filter needs `url`: mark_current(url=page.url)".into());
        }
    };
    let current = match args.get("current") {
        None | Some(Value::Null) => "page".to_string(),
        Some(current) => tera::try_get_value!("mark_current", "current", String, current),
    };
    Ok(Value::String(mark_current(&html, &url, &current)))
}

/// `html` with every link to `url` marked as the current one, with
/// `aria-current="current"` (`page` unless the template says otherwise). Links rendered once for
/// many pages (the menu, `facet_links.html`) are then marked on each page for the cost of a
/// search rather than a template loop, which was two fifths of the real site's page time.
fn mark_current(html: &str, url: &str, current: &str) -> String {
    let href = format!("href=\"{}\"", escape(url));
    html.replace(
        &href,
        &format!("{href} aria-current=\"{}\"", escape(current)),
    )
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

    /// Inserts a value known by the hash of what it was made from, such as a list of names
    /// made from the signatory file: a fingerprint takes that hash instead of the value, which
    /// for a long list costs much less.
    fn insert_made_from<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
        _made_from: impl FnOnce() -> Option<Key>,
    ) {
        self.insert(key, value);
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
/// The values are written as CBOR into one buffer and hashed at once: much cheaper than
/// converting them for the template engine. CBOR, like JSON, marks each value's kind and where it
/// ends, so different values never give the same bytes; unlike JSON it copies text as it is
/// instead of escaping it, which was a sixth of a `serve` rebuild.
pub struct Fingerprint {
    bytes: Vec<u8>,
}

thread_local! {
    /// The buffer of the last fingerprint on this thread: a rebuild of `serve` makes thousands,
    /// and a fresh buffer each time costs more than the hashing.
    static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl Fingerprint {
    pub fn new() -> Self {
        let mut bytes = BUFFER.take();
        bytes.clear();
        Fingerprint { bytes }
    }

    /// `shared` stands for the templates and for the values every page shares.
    pub fn finish(mut self, template: &str, shared: &Key) -> Key {
        put_str(&mut self.bytes, template);
        self.bytes.extend_from_slice(shared.as_bytes());
        let key = blake3::hash(&self.bytes);
        BUFFER.set(self.bytes);
        key
    }
}

impl PageValues for Fingerprint {
    fn insert<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        put_str(&mut self.bytes, key);
        ciborium::into_writer(value, &mut self.bytes)
            .expect("template values serialize, as the template context needs them to");
    }

    fn insert_made_from<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
        made_from: impl FnOnce() -> Option<Key>,
    ) {
        match made_from() {
            Some(hash) => {
                put_str(&mut self.bytes, key);
                // No CBOR value starts with the reserved byte 0x1c, so a hash never reads as one.
                self.bytes.push(0x1c);
                self.bytes.extend_from_slice(hash.as_bytes());
            }
            None => self.insert(key, value),
        }
    }
}

fn put_str(bytes: &mut Vec<u8>, text: &str) {
    bytes.extend_from_slice(&(text.len() as u64).to_le_bytes());
    bytes.extend_from_slice(text.as_bytes());
}

/// Whether the template `name`, with what it extends and includes and the macros it calls,
/// may read the context value at `path` (such as `site.signatures`). It errs on the side of
/// yes: a mention of a value above `path` (`site`, `site["…"]`) or of the whole context
/// counts, and a macro call counts as a call of every macro of that name in the theme.
///
/// `serve` uses this to leave values out of a page's fingerprint that its template never reads,
/// so that a new signatory does not re-render every page.
fn may_read(tera: &Tera, name: &str, path: &str) -> bool {
    let mut seen = HashSet::new();
    let mut todo = vec![Use::Template(name.to_string())];
    while let Some(next) = todo.pop() {
        if !seen.insert(next.clone()) {
            continue;
        }
        let mut reader = Reader {
            path,
            reads: false,
            uses: Vec::new(),
        };
        match &next {
            Use::Template(name) => {
                // A template that is not there fails when rendered; until then, assume the worst.
                let Some(template) = tera.templates.get(name) else {
                    return true;
                };
                todo.extend(template.parents.iter().cloned().map(Use::Template));
                reader.nodes(&template.ast);
            }
            Use::Macro(name) => {
                let mut definitions = tera
                    .templates
                    .values()
                    .filter_map(|template| template.macros.get(name))
                    .peekable();
                if definitions.peek().is_none() {
                    return true;
                }
                for definition in definitions {
                    for default in definition.args.values().flatten() {
                        reader.expr(default);
                    }
                    reader.nodes(&definition.body);
                }
            }
        }
        if reader.reads {
            return true;
        }
        todo.extend(reader.uses);
    }
    false
}

/// What a template uses besides its own text.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Use {
    Template(String),
    Macro(String),
}

/// Walks a template's syntax tree for the names it reads.
struct Reader<'p> {
    path: &'p str,
    reads: bool,
    uses: Vec<Use>,
}

impl Reader<'_> {
    fn ident(&mut self, ident: &str) {
        let path = self.path;
        // `site.signatures.total` reads `site.signatures`, and so do `site` and `site[x]`,
        // which may hand all of it on. `__tera_context` is the whole context.
        let whole_or_indexed = |prefix: &str| {
            ident == prefix
                || ident
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('['))
        };
        let mut above = path.match_indices('.').map(|(i, _)| &path[..i]);
        if above.any(whole_or_indexed)
            || whole_or_indexed(path)
            || ident
                .strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('.'))
            || ident.starts_with("__tera_context")
        {
            self.reads = true;
        }
    }

    fn nodes(&mut self, nodes: &[tera::ast::Node]) {
        use tera::ast::Node;
        for node in nodes {
            match node {
                Node::VariableBlock(_, expr) => self.expr(expr),
                Node::Include(_, names, _) => {
                    self.uses.extend(names.iter().cloned().map(Use::Template));
                }
                Node::Set(_, set) => self.expr(&set.value),
                Node::FilterSection(_, section, _) => {
                    self.call(&section.filter);
                    self.nodes(&section.body);
                }
                Node::Block(_, block, _) => self.nodes(&block.body),
                Node::Forloop(_, forloop, _) => {
                    self.expr(&forloop.container);
                    self.nodes(&forloop.body);
                    if let Some(body) = &forloop.empty_body {
                        self.nodes(body);
                    }
                }
                Node::If(condition, _) => {
                    for (_, expr, body) in &condition.conditions {
                        self.expr(expr);
                        self.nodes(body);
                    }
                    if let Some((_, body)) = &condition.otherwise {
                        self.nodes(body);
                    }
                }
                // Read when called, or followed separately, or they read nothing.
                Node::MacroDefinition(..)
                | Node::Super
                | Node::Text(_)
                | Node::Extends(..)
                | Node::ImportMacro(..)
                | Node::Raw(..)
                | Node::Break(_)
                | Node::Continue(_)
                | Node::Comment(..) => {}
            }
        }
    }

    fn call(&mut self, call: &tera::ast::FunctionCall) {
        for arg in call.args.values() {
            self.expr(arg);
        }
    }

    fn expr(&mut self, expr: &tera::ast::Expr) {
        self.value(&expr.val);
        for filter in &expr.filters {
            self.call(filter);
        }
    }

    fn value(&mut self, value: &tera::ast::ExprVal) {
        use tera::ast::ExprVal;
        match value {
            ExprVal::Ident(ident) => self.ident(ident),
            ExprVal::Math(math) => {
                self.expr(&math.lhs);
                self.expr(&math.rhs);
            }
            ExprVal::Logic(logic) => {
                self.expr(&logic.lhs);
                self.expr(&logic.rhs);
            }
            ExprVal::Test(test) => {
                self.ident(&test.ident);
                for arg in &test.args {
                    self.expr(arg);
                }
            }
            ExprVal::MacroCall(call) => {
                self.uses.push(Use::Macro(call.name.clone()));
                for arg in call.args.values() {
                    self.expr(arg);
                }
            }
            ExprVal::FunctionCall(call) => self.call(call),
            ExprVal::Array(items) => {
                for item in items {
                    self.expr(item);
                }
            }
            ExprVal::StringConcat(concat) => {
                for value in &concat.values {
                    self.value(value);
                }
            }
            ExprVal::In(test) => {
                self.expr(&test.lhs);
                self.expr(&test.rhs);
            }
            ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only links to exactly that address are marked, found by the address as templates write
    /// it (escaped).
    #[test]
    fn mark_current_marks_the_links_to_the_address_only() {
        let html = r#"<a href="/a/">A</a> <a href="/a/b/">B</a> <a href="/a/?x=1&amp;y=2">C</a> <a href="/a/">A again</a>"#;
        assert_eq!(
            mark_current(html, "/a/", "page"),
            r#"<a href="/a/" aria-current="page">A</a> <a href="/a/b/">B</a> <a href="/a/?x=1&amp;y=2">C</a> <a href="/a/" aria-current="page">A again</a>"#
        );
        assert_eq!(
            mark_current(html, "/a/?x=1&y=2", "true"),
            r#"<a href="/a/">A</a> <a href="/a/b/">B</a> <a href="/a/?x=1&amp;y=2" aria-current="true">C</a> <a href="/a/">A again</a>"#
        );
        assert_eq!(mark_current(html, "/c/", "page"), html);
    }

    /// The filter as templates call it: `current` defaults to `page`, a missing `menu_url`
    /// (null) marks nothing, no `url` at all is an error.
    #[test]
    fn the_mark_current_filter_takes_its_arguments_from_the_template() {
        let mut tera = tera(&[
            (
                "marked",
                "{{ links | mark_current(url=url, current=current) | safe }}",
            ),
            ("no_url", "{{ links | mark_current() | safe }}"),
        ]);
        tera.register_filter("mark_current", mark_current_filter);
        let mut context = Context::new();
        context.insert("links", r#"<a href="/a/">A</a>"#);
        context.insert("url", "/a/");
        context.insert("current", &Value::Null);
        let render = |context: &Context| tera.render("marked", context).unwrap();
        assert_eq!(
            render(&context),
            r#"<a href="/a/" aria-current="page">A</a>"#
        );
        context.insert("current", "true");
        assert_eq!(
            render(&context),
            r#"<a href="/a/" aria-current="true">A</a>"#
        );
        context.insert("url", &Value::Null);
        assert_eq!(render(&context), r#"<a href="/a/">A</a>"#);
        let err = tera.render("no_url", &context).unwrap_err();
        assert!(error_chain(&err).contains("needs `url`"), "{err:?}");
    }

    fn tera(templates: &[(&str, &str)]) -> Tera {
        let mut tera = Tera::default();
        tera.add_raw_templates(templates.to_vec()).unwrap();
        tera
    }

    const MACROS: (&str, &str) = (
        "macros.html",
        "{% macro count() %}{{ site.signatures.total }}{% endmacro count %}\
         {% macro title() %}{{ site.title }}{% endmacro title %}",
    );
    const BASE: (&str, &str) = (
        "base.html",
        "{% import \"macros.html\" as m %}<title>{{ m::title() }}</title>{% block main %}{% endblock main %}",
    );

    #[test]
    fn a_template_reads_the_signatures_only_when_it_or_what_it_calls_mentions_them() {
        let page = |body: &str| {
            let text = format!(
                "{{% extends \"base.html\" %}}{{% block main %}}{body}{{% endblock main %}}"
            );
            let tera = tera(&[
                MACROS,
                BASE,
                ("page.html", &text),
                ("part.html", "{{ site.signatures.total }}"),
            ]);
            may_read(&tera, "page.html", SIGNATURES)
        };
        // Importing a macro file that has a reading macro is not reading; calling it is.
        assert!(!page("{{ site.title }} {{ m::title() }}"));
        assert!(page("{{ m::count() }}"));
        for reads in [
            "{{ site.signatures.total }}",
            "{% if site.signatures.total > 1 %}x{% endif %}",
            "{{ site | json_encode }}",
            "{{ site[\"signatures\"] }}",
            "{% set s = site %}{{ s.signatures.total }}",
            "{% for k, v in site %}{{ k }}{% endfor %}",
            "{{ __tera_context }}",
            "{% include \"part.html\" %}",
            "{{ \"n: \" ~ site.signatures.total }}",
            "{{ t.x | replace(from=\"a\", to=site.signatures.total ~ \"\") }}",
        ] {
            assert!(page(reads), "{reads}");
        }
        assert!(!page("{{ site.signatures_page }} {{ page.signatures }}"));
    }

    #[test]
    fn in_the_default_theme_only_the_pages_that_show_the_count_read_it() {
        let theme = crate::theme::load_theme(std::path::Path::new("/nonexistent"), "default", "nl")
            .unwrap();
        let templates = Templates::new(&theme).unwrap();
        for name in ["home.html", "signatories.html", "print.html"] {
            assert!(templates.reads_signatures(name), "{name}");
        }
        for name in [
            "example.html",
            "actor.html",
            "appeal.html",
            "examples.html",
            "page.html",
        ] {
            assert!(!templates.reads_signatures(name), "{name}");
        }
    }

    #[test]
    fn every_default_template_is_parsed_in_advance_exactly_as_tera_parses_it() {
        let theme = crate::theme::load_theme(std::path::Path::new("/nonexistent"), "default", "nl")
            .unwrap();
        let parsed = DefaultTemplates::decode().0;
        assert_eq!(parsed.len(), theme.templates.len());
        for (name, (text, _)) in &theme.templates {
            let stored = parsed
                .get(text)
                .unwrap_or_else(|| panic!("{name} not stored"));
            let fresh = tera::Template::new(name, None, text).unwrap();
            assert_eq!(stored.name, fresh.name, "{name}");
            assert_eq!(stored.ast, fresh.ast, "{name}");
            assert_eq!(stored.macros, fresh.macros, "{name}");
            assert_eq!(stored.imported_macro_files, fresh.imported_macro_files);
            assert_eq!(stored.parent, fresh.parent, "{name}");
            assert_eq!(stored.blocks, fresh.blocks, "{name}");
        }
    }

    #[test]
    fn stored_templates_read_back_whole_and_broken_bytes_are_refused() {
        let source = "{% import \"m.html\" as m %}{% extends \"base.html\" %}\
            {% block main %}{% for k, v in x | sort %}{{ k ~ 'a' }}{% if v is odd and not y %}\
            {{ 1.5 * 2 + v % 3 }}{% elif z in [1, \"b\"] %}{% set w = m::f(a=1) %}\
            {% break %}{% endif %}{% else %}{# no #}{% raw %}{{ }}{% endraw %}{% endfor %}\
            {% filter upper %}{{ super() }}{% endfilter %}{% endblock main %}";
        let template = tera::Template::new("t.html", None, source).unwrap();
        let mut bytes = Vec::new();
        vec![(source.to_string(), template.clone())].put(&mut bytes);
        let read = ParsedTemplates::take(&mut &bytes[..]).unwrap();
        assert_eq!(read[0].0, source);
        assert_eq!(read[0].1.ast, template.ast);
        assert_eq!(read[0].1.blocks, template.blocks);
        // Cut short anywhere, the bytes are no templates, and the build parses the sources.
        for end in (0..bytes.len()).step_by(7) {
            assert!(ParsedTemplates::take(&mut &bytes[..end]).is_none(), "{end}");
        }
    }

    #[test]
    fn a_template_that_is_not_the_default_themes_is_parsed_from_its_text() {
        let mut theme =
            crate::theme::load_theme(std::path::Path::new("/nonexistent"), "default", "nl")
                .unwrap();
        theme.templates.insert(
            "own.html".into(),
            ("Hallo {{ name }}!".into(), "own".into()),
        );
        let templates = Templates::new(&theme).unwrap();
        let mut context = Context::new();
        context.insert("name", "wijk");
        assert_eq!(
            templates.render("own.html", &context).unwrap(),
            "Hallo wijk!"
        );
    }
}
