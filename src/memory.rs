//! Transparent huge pages, only for sites large enough to gain from them.
//!
//! The allocator asks the kernel for 2 MiB pages, which the kernel zeroes whole on first touch.
//! A build of a few thousand pages allocates hundreds of megabytes and is quicker for it; a
//! small site touches a little of many such pages, and zeroing them was an eighth of its CPU
//! time. So the command starts on small pages and [`site_size`] allows huge ones once the site
//! turns out to be large; `serve` stays on small pages ([`stay_small`]).

use std::sync::atomic::{AtomicBool, Ordering};

/// Markdown files from which a site counts as large. The real campaign site has 25; at 2,000
/// huge pages make a full build about a tenth quicker.
const LARGE_SITE: usize = 500;

/// Set when [`start_small`] turned huge pages off, so that only then are they turned on again.
static STARTED_SMALL: AtomicBool = AtomicBool::new(false);

/// Turns huge pages off for this process until [`site_size`] finds the site large. Leaves
/// them alone when something else (a parent process) already turned them off.
pub fn start_small() {
    #[cfg(target_os = "linux")]
    // SAFETY: these prctl calls take integer arguments only and change no memory.
    unsafe {
        if libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) == 0
            && libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0
        {
            STARTED_SMALL.store(true, Ordering::Relaxed);
        }
    }
}

/// Keeps huge pages off for the rest of the process, whatever the site's size: for `serve`.
/// A rebuild frees and allocates tens of megabytes anew, and with huge pages that made a new
/// signatory's rebuild at 2,000 examples half as slow again, and its time vary threefold.
pub fn stay_small() {
    STARTED_SMALL.store(false, Ordering::Relaxed);
}

/// Allows huge pages again when the site has `markdown_files` enough to gain from them.
pub(crate) fn site_size(markdown_files: usize) {
    if markdown_files >= LARGE_SITE && STARTED_SMALL.swap(false, Ordering::Relaxed) {
        #[cfg(target_os = "linux")]
        // SAFETY: as above.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0);
        }
    }
}

/// Whether huge pages are off for this process, as the kernel reports it.
pub fn huge_pages_off() -> bool {
    #[cfg(target_os = "linux")]
    // SAFETY: as above.
    unsafe {
        libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1
    }
    #[cfg(not(target_os = "linux"))]
    false
}
