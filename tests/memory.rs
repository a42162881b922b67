//! Huge pages are off while a site is small and on again for a large one (src/memory.rs).
//! A test binary of its own: the setting holds for the whole process.

mod common;
use common::Site;
use oproep::memory;

#[test]
#[cfg(target_os = "linux")]
fn huge_pages_are_off_for_a_small_site_and_on_again_for_a_large_one() {
    let off_from_the_start = memory::huge_pages_off();
    memory::start_small();
    assert!(memory::huge_pages_off());

    let site = Site::new();
    let build = || oproep::build(&oproep::BuildOptions::new(site.path(""))).unwrap();
    build();
    assert!(
        memory::huge_pages_off(),
        "a small site turned huge pages on"
    );

    site.write_examples(500);
    build();
    // Turned off by something else before the test began, they are left off.
    assert_eq!(memory::huge_pages_off(), off_from_the_start);
}
