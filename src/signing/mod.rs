//! Signing by e-mail: reading mail exports and turning them into signatories.

pub mod mail;
