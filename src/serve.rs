//! `oproep serve`: a live preview. Builds in memory, serves on 127.0.0.1, rebuilds when
//! `content/` or `themes/` change and tells open pages to reload.
//!
//! A failed rebuild keeps the last good site and shows the error on every page, so a
//! campaigner sees what to fix without losing the preview.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::BuildOptions;
use crate::cache::{BuildCache, Changes};
use crate::error::{Error, Result};
use crate::render::{Contents, OutputFile};

/// How long the watcher waits for a burst of saves to end before rebuilding. An editor's save
/// (write a temporary file, rename it, touch a backup) is a few system calls well within a
/// millisecond; every millisecond waited here is one more before the page reloads.
const DEBOUNCE: Duration = Duration::from_millis(3);
const EVENTS_PATH: &str = "/__oproep/events";
const SCRIPT_PATH: &str = "/__oproep/reload.js";
/// The overlay is styled from a file: the site's Content-Security-Policy forbids inline styles.
const OVERLAY_CSS_PATH: &str = "/__oproep/overlay.css";
const OVERLAY_CSS: &str = "#oproep-error{position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;margin:0;padding:1rem 1.25rem;background:#7a1010;color:#fff;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap;z-index:99999}";
const RELOAD_SCRIPT: &str = include_str!("serve_reload.js");
/// Sent on the reload channel when the server stops.
const SHUTDOWN: u64 = u64::MAX;

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub build: BuildOptions,
    /// 0 picks a free port.
    pub port: u16,
    /// Open the site in the default browser once it is served.
    pub open: bool,
}

/// What one rebuild did, for the line printed per rebuild.
#[derive(Debug, Clone)]
pub enum Rebuild {
    /// `rendered`: the pages whose template input changed; the others are reused. `read`: the
    /// content files read from disk; the others had not changed. `patched`: only examples'
    /// text or only the signatories changed, and the pages showing them were rendered into the
    /// last build (see [`crate::rerender`]).
    Built {
        pages: usize,
        rendered: usize,
        read: usize,
        patched: bool,
        took: Duration,
    },
    Failed {
        error: String,
        took: Duration,
    },
}

/// Output path -> file. The paths are hashed with FxHash: 10,000 of them go into a new map on
/// every rebuild.
type ServedFiles = HashMap<String, ServedFile, rustc_hash::FxBuildHasher>;

/// A file as served. Its parts, shared with the build's cache, are joined when it is asked for
/// rather than on every rebuild (see [`Contents::Parts`]).
#[derive(Debug, Clone)]
enum ServedFile {
    Bytes(Arc<[u8]>),
    Parts(Arc<[Arc<str>]>),
}

impl ServedFile {
    fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            ServedFile::Bytes(bytes) => bytes[..].into(),
            ServedFile::Parts(elements) => crate::render::join_parts(elements).into(),
        }
    }
}

/// The same bytes, however they are split into parts.
impl PartialEq for ServedFile {
    fn eq(&self, other: &ServedFile) -> bool {
        self.bytes() == other.bytes()
    }
}

/// The site as served.
#[derive(Default)]
struct Served {
    files: ServedFiles,
    /// The last build error, shown on every page until a build succeeds.
    error: Option<String>,
}

struct Shared {
    served: RwLock<Served>,
    reloads: broadcast::Sender<u64>,
    /// What the last build made, so that a rebuild redoes only what changed.
    cache: Mutex<BuildCache>,
}

/// Serves until Ctrl-C. `report` receives the address once listening, then one line per
/// rebuild; it is how the CLI prints and how tests learn the port.
pub fn serve(options: ServeOptions, report: impl Fn(&str) + Send + Sync + 'static) -> Result<()> {
    crate::memory::stay_small();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            Error::io(
                "cannot start the server runtime for",
                &options.build.root,
                e,
            )
        })?;
    runtime.block_on(run(options, Arc::new(report)))
}

async fn run(options: ServeOptions, report: Arc<dyn Fn(&str) + Send + Sync>) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| Error::Output {
            path: PathBuf::from(format!("127.0.0.1:{}", options.port)),
            message: format!("cannot listen: {e}\n  hint: choose another port with --port"),
        })?;
    let address = listener
        .local_addr()
        .map_err(|e| Error::io("cannot read the address of", ".", e))?;
    let url = format!("http://{address}/");
    let mut build = options.build.clone();
    // Links on the preview must point at the preview, not at the published site.
    build.base_url = Some(url.clone());

    let (reloads, _) = broadcast::channel(16);
    let shared = Arc::new(Shared {
        served: RwLock::new(Served::default()),
        reloads,
        cache: Mutex::new(BuildCache::default()),
    });
    // Watching starts first, so that no save after the address is printed goes unseen.
    let _watcher = watch(&build, shared.clone(), report.clone())?;
    report(&describe(
        &rebuild(&build, &shared, Changes::Unknown, true),
        "first build",
    ));
    report(&format!("serving {url} (Ctrl-C stops)"));
    if options.open {
        let _ = opener::open(&url);
    }
    let app = Router::new()
        .route(EVENTS_PATH, get(events))
        .route(SCRIPT_PATH, get(reload_script))
        .route(OVERLAY_CSS_PATH, get(overlay_css))
        .fallback(get(file))
        .with_state(shared.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            // Open event streams would keep the server waiting: end them.
            let _ = shared.reloads.send(SHUTDOWN);
        })
        .await
        .map_err(|e| Error::io("the server stopped on", &build.root, e))?;
    report("stopped");
    Ok(())
}

/// Renders the site, or what changed in it, and swaps it in; on failure the previous files
/// stay and the error is kept.
fn rebuild(
    build: &BuildOptions,
    shared: &Shared,
    changes: Changes,
    themes_changed: bool,
) -> Rebuild {
    let started = Instant::now();
    let result = {
        let mut cache = shared.cache.lock().unwrap_or_else(|p| p.into_inner());
        crate::rerender(build, &mut cache, changes, themes_changed)
    };
    let result = result.and_then(|mut rerendered| {
        files_of(std::mem::take(&mut rerendered.files)).map(|files| (files, rerendered))
    });
    // The files served until now and what the cache no longer holds are freed after the reload
    // event: freeing them took a few milliseconds of every rebuild at 2,000 examples.
    let mut done_with = None;
    let outcome = {
        let mut served = shared.served.write().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok((files, rerendered)) => {
                let old_files = if rerendered.partial {
                    let mut replaced = ServedFiles::default();
                    for (path, bytes) in files {
                        if let Some(old) = served.files.insert(path.clone(), bytes) {
                            replaced.insert(path, old);
                        }
                    }
                    replaced
                } else {
                    std::mem::replace(&mut served.files, files)
                };
                served.error = None;
                let built = Rebuild::Built {
                    pages: rerendered.pages,
                    rendered: rerendered.rendered,
                    read: rerendered.read,
                    patched: rerendered.partial,
                    took: started.elapsed(),
                };
                #[cfg(debug_assertions)]
                if rerendered.partial {
                    assert_patch_is_whole(shared, &served.files);
                }
                done_with = Some(old_files);
                built
            }
            Err(err) => {
                let error = err.to_string();
                served.error = Some(error.clone());
                Rebuild::Failed {
                    error,
                    took: started.elapsed(),
                }
            }
        }
    };
    let _ = shared.reloads.send(0);
    drop(done_with);
    shared
        .cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .tidy();
    outcome
}

/// In debug builds, which the tests run: a patched site must serve what rendering it whole
/// gives, or the patch left out something that changed.
#[cfg(debug_assertions)]
fn assert_patch_is_whole(shared: &Shared, served: &ServedFiles) {
    let cache = shared.cache.lock().unwrap_or_else(|p| p.into_inner());
    let whole = crate::render_last_uncached(&cache).expect("a patch keeps the last build");
    // Files copied from content/ are left out: they are read when served, and a test may be
    // writing one by now.
    let (copied, rendered): (Vec<_>, Vec<_>) = whole
        .into_iter()
        .partition(|file| matches!(file.contents, Contents::CopyOf(_)));
    let copied = files_of(
        copied
            .into_iter()
            .map(|file| OutputFile {
                contents: Contents::Bytes(Vec::new()),
                ..file
            })
            .collect(),
    )
    .expect("no file to read");
    let whole = files_of(rendered).expect("nothing to read");
    let differ: Vec<&String> = whole
        .iter()
        .filter(|(path, bytes)| served.get(*path) != Some(bytes))
        .map(|(path, _)| path)
        .chain(
            served
                .keys()
                .filter(|path| !whole.contains_key(*path) && !copied.contains_key(*path)),
        )
        .collect();
    assert!(
        differ.is_empty(),
        "a patched site differs from the same site rendered whole in {differ:?}"
    );
}

/// The files to serve, by their path in the site. Takes the files over: their paths become
/// the keys as they are, with nothing copied.
///
/// A file to copy that is gone by now is left out rather than failing the rebuild: an
/// editor's or a tool's temporary file (`sed -i` makes one) can be listed and then renamed
/// away, and the rename's own event rebuilds right after.
fn files_of(files: Vec<OutputFile>) -> Result<ServedFiles> {
    files
        .into_iter()
        .filter_map(|file| {
            let bytes = match file.contents {
                Contents::Bytes(b) => ServedFile::Bytes(Arc::from(b)),
                Contents::Shared(b) => ServedFile::Bytes(b),
                Contents::Parts(elements) => ServedFile::Parts(elements),
                Contents::Embedded(b) => ServedFile::Bytes(Arc::from(b)),
                Contents::CopyOf(path) => match std::fs::read(&path) {
                    Ok(bytes) => ServedFile::Bytes(Arc::from(bytes)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
                    Err(e) => return Some(Err(Error::io("cannot read", &path, e))),
                },
            };
            let key = match file.path.into_os_string().into_string() {
                Ok(key) => key,
                Err(other) => other.to_string_lossy().into_owned(),
            };
            let key = if cfg!(windows) {
                key.replace('\\', "/")
            } else {
                key
            };
            Some(Ok((key, bytes)))
        })
        .collect()
}

fn describe(rebuild: &Rebuild, what: &str) -> String {
    match rebuild {
        Rebuild::Built {
            pages,
            rendered,
            read,
            patched,
            took,
        } => {
            let files = if *read == 1 { "file" } else { "files" };
            let rest = if *patched {
                "; the other pages as they were"
            } else {
                ""
            };
            format!(
                "{what}: {pages} pages ({rendered} rendered anew, {read} content {files} read{rest}) in {:.1} ms",
                took.as_secs_f64() * 1000.0
            )
        }
        Rebuild::Failed { error, took } => format!(
            "{what}: build failed in {:.1} ms; the last good site stays served\n{error}",
            took.as_secs_f64() * 1000.0
        ),
    }
}

/// Watches `content/` and `themes/`; each burst of changes is one rebuild.
fn watch(
    build: &BuildOptions,
    shared: Arc<Shared>,
    report: Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<notify::RecommendedWatcher> {
    let (sender, receiver) = std::sync::mpsc::channel::<notify::Event>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let event = event.unwrap_or_else(|_| {
            // The watcher failed to say what changed: the next build must read everything.
            notify::Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan)
        });
        // Reading files (our own rebuild does) is not a change.
        if !matches!(event.kind, EventKind::Access(_)) {
            let _ = sender.send(event);
        }
    })
    .map_err(|e| watch_error(&build.root, e))?;
    for dir in ["content", "themes"] {
        let path = build.root.join(dir);
        if path.is_dir() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .map_err(|e| watch_error(&path, e))?;
        }
    }
    // Events name absolute paths; report them relative to the site.
    let root = build
        .root
        .canonicalize()
        .unwrap_or_else(|_| build.root.clone());
    let options = build.clone();
    std::thread::spawn(move || {
        let mut next = None;
        loop {
            let first = match next.take() {
                Some(event) => event,
                None => match receiver.recv() {
                    Ok(event) => event,
                    Err(_) => break,
                },
            };
            // An editor's save is a burst of events: wait until it is quiet.
            let mut rescan = first.need_rescan();
            let mut paths = first.paths;
            while let Ok(more) = receiver.recv_timeout(DEBOUNCE) {
                rescan |= more.need_rescan();
                paths.extend(more.paths);
            }
            let changed = changed_files(&root, paths.iter().map(PathBuf::as_path));
            if changed.is_empty() && !rescan {
                continue;
            }
            let (changes, themes_changed) = match rescan {
                true => (Changes::Unknown, true),
                false => content_changes(&options.root, &root, &paths),
            };
            report(&describe(
                &rebuild(&options, &shared, changes, themes_changed),
                &format!("changed {changed}"),
            ));
            // The rebuild trusted the watcher. What it may have missed is looked for now that
            // the reload event is out, unless more changes came in meanwhile: they go first.
            match receiver.try_recv() {
                Ok(event) => {
                    next = Some(event);
                    continue;
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => break,
                Err(std::sync::mpsc::TryRecvError::Empty) => {}
            }
            rebuild_what_the_watcher_missed(&options, &shared, report.as_ref());
        }
    });
    Ok(watcher)
}

/// Rebuilds with the files that changed without the watcher naming them, if any: the rebuild
/// before trusted it (see [`BuildCache::missed_changes`]).
fn rebuild_what_the_watcher_missed(build: &BuildOptions, shared: &Shared, report: &dyn Fn(&str)) {
    let missed = shared
        .cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .missed_changes(&build.content_dir());
    let Ok(missed) = missed else { return };
    if missed.is_empty() {
        return;
    }
    let named: Vec<String> = missed
        .iter()
        .map(|p| Path::new("content").join(p).display().to_string())
        .collect();
    report(&describe(
        &rebuild(build, shared, Changes::Paths(missed), false),
        &format!(
            "changed {} (found by the check after the rebuild)",
            named.join(", ")
        ),
    ));
}

fn watch_error(path: &Path, err: notify::Error) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        message: format!("cannot watch for changes: {err}"),
    }
}

/// The changed paths as the build's file cache takes them: relative to `content/`; and whether
/// any was in `themes/`, which a build reads anew whole. A path anywhere else means the watcher
/// saw something unexpected, and every file is read again.
fn content_changes(root: &Path, canonical_root: &Path, paths: &[PathBuf]) -> (Changes, bool) {
    let mut changed = Vec::new();
    let mut themes_changed = false;
    for path in paths {
        let under = |dir: &str| {
            [root, canonical_root]
                .iter()
                .find_map(|root| path.strip_prefix(root.join(dir)).ok())
        };
        if let Some(relative) = under("content") {
            changed.push(relative.to_path_buf());
        } else if under("themes").is_some() {
            themes_changed = true;
        } else {
            return (Changes::Unknown, true);
        }
    }
    (Changes::Paths(changed), themes_changed)
}

/// The changed files, relative to the site, leaving out editors' temporary files and our own.
fn changed_files<'a>(root: &Path, paths: impl Iterator<Item = &'a Path>) -> String {
    let mut names: Vec<String> = paths
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            // A folder counts: one renamed moves every file in it.
            !(name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp"))
        })
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .collect();
    names.sort();
    names.dedup();
    names.join(", ")
}

async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl tokio_stream::Stream<Item = std::result::Result<Event, std::convert::Infallible>>> {
    let stream = BroadcastStream::new(shared.reloads.subscribe())
        .take_while(|message| !matches!(message, Ok(SHUTDOWN)))
        .map(|_| Ok(Event::default().event("reload").data("reload")));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn reload_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        RELOAD_SCRIPT,
    )
        .into_response()
}

async fn overlay_css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        OVERLAY_CSS,
    )
        .into_response()
}

/// Serves a file of the site; HTML gets the reload script and, after a failed build, the error.
async fn file(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let path = percent_encoding::percent_decode_str(uri.path().trim_start_matches('/'))
        .decode_utf8_lossy()
        .into_owned();
    let served = shared.served.read().unwrap_or_else(|p| p.into_inner());
    let key = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.clone()
    };
    let (status, key) = if served.files.contains_key(&key) {
        (StatusCode::OK, key)
    } else if served.files.contains_key(&format!("{path}/index.html")) {
        let location = format!("/{path}/");
        return (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response();
    } else {
        (StatusCode::NOT_FOUND, "404.html".to_string())
    };
    let Some(file) = served.files.get(&key) else {
        // Nothing was ever built: still show the error.
        let page = inject(
            b"<!DOCTYPE html><title>oproep</title><body></body>",
            served.error.as_deref(),
            false,
        );
        return html_response(StatusCode::SERVICE_UNAVAILABLE, page);
    };
    let bytes = file.bytes();
    if key.ends_with(".html") {
        html_response(status, inject(&bytes, served.error.as_deref(), true))
    } else {
        let mut response = Response::new(Body::from(bytes.into_owned()));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(&key)),
        );
        response
    }
}

fn html_response(status: StatusCode, page: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(page));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Puts the reload script, and the error overlay if there is one, before `</body>`.
fn inject(html: &[u8], error: Option<&str>, built_before: bool) -> Vec<u8> {
    let mut addition = String::new();
    if let Some(error) = error {
        let headline = if built_before {
            "oproep: the last change could not be built; this is the last good version."
        } else {
            "oproep: the site could not be built yet; fix this and save."
        };
        addition.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"{OVERLAY_CSS_PATH}\"><div id=\"oproep-error\" role=\"alert\"><strong>{headline}</strong>\n{}</div>",
            html_escape::encode_text(error)
        ));
    }
    addition.push_str(&format!("<script src=\"{SCRIPT_PATH}\"></script>"));
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(at) => format!("{}{addition}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{addition}").into_bytes(),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_to_copy_that_is_gone_is_left_out_and_one_that_cannot_be_read_fails() {
        let dir = tempfile::tempdir().unwrap();
        let there = dir.path().join("plaatje.png");
        std::fs::write(&there, b"png").unwrap();
        let copy = |path: &str, from: PathBuf| OutputFile {
            path: PathBuf::from(path),
            contents: Contents::CopyOf(from),
        };
        let files = files_of(vec![
            copy("plaatje.png", there),
            copy("weg.tmp", dir.path().join("weg.tmp")),
            OutputFile {
                path: PathBuf::from("index.html"),
                contents: Contents::Bytes(b"<p>x</p>".to_vec()),
            },
        ])
        .unwrap();
        let mut paths: Vec<&str> = files.keys().map(String::as_str).collect();
        paths.sort();
        assert_eq!(paths, ["index.html", "plaatje.png"]);
        assert_eq!(&*files["plaatje.png"].bytes(), b"png");
        // A folder where a file should be is an error other than "not found".
        let error = files_of(vec![copy("map", dir.path().to_path_buf())]).unwrap_err();
        assert!(error.to_string().contains("cannot read"), "{error}");
    }

    #[test]
    fn the_error_is_escaped_in_the_overlay() {
        let page = inject(
            b"<html><body><p>x</p></body></html>",
            Some("bad <script>alert(1)</script>"),
            true,
        );
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.find("oproep-error").unwrap() < page.find("</body>").unwrap());
        assert!(page.contains(SCRIPT_PATH));
    }

    #[test]
    fn changes_are_told_to_the_build_relative_to_content_and_anything_odd_reads_everything() {
        let (root, canonical) = (Path::new("site"), Path::new("/home/x/site"));
        let paths = |list: &[&str]| list.iter().map(PathBuf::from).collect::<Vec<_>>();
        let example = "/home/x/site/content/voorbeelden/a.md";
        let (changes, themes_changed) = content_changes(
            root,
            canonical,
            &paths(&[
                example,
                "site/content/signatories.yaml",
                "/home/x/site/themes/standaard/templates/base.html",
            ]),
        );
        let Changes::Paths(changed) = changes else {
            panic!("{changes:?}");
        };
        assert_eq!(changed, paths(&["voorbeelden/a.md", "signatories.yaml"]));
        assert!(themes_changed);
        let (_, themes_changed) = content_changes(root, canonical, &paths(&[example]));
        assert!(!themes_changed);
        let (outside, _) = content_changes(root, canonical, &paths(&["/elsewhere/a.md"]));
        assert!(matches!(outside, Changes::Unknown), "{outside:?}");
    }

    #[test]
    fn editor_temporary_files_are_not_changes() {
        let root = Path::new("/site");
        let paths = [
            Path::new("/site/content/.x.md.swp"),
            Path::new("/site/content/x.md~"),
            Path::new("/site/content/x.md"),
        ];
        assert_eq!(changed_files(root, paths.into_iter()), "content/x.md");
    }
}
