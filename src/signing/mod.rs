//! Signing by e-mail: reading mail exports and turning them into signatory data.

pub mod intake;
pub mod mail;
pub mod store;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::Result;
pub use intake::{Outcome, Report, ReportLine};
use store::{Lock, SenderKey};

/// `oproep sign import`: reads the exports, applies every mail, writes the data once.
pub fn import(root: &Path, paths: &[PathBuf], dry_run: bool) -> Result<Report> {
    let content_dir = root.join("content");
    // A dry run changes nothing, so it needs no lock (and creates no lock file).
    let _lock = if dry_run {
        None
    } else {
        Some(Lock::acquire(root)?)
    };
    let mut data = store::load(&content_dir)?;
    let raw = mail::read_exports(paths)?;
    let parsed = raw
        .par_iter()
        .map(|m| mail::parse_mail(m).map_err(|r| (m.origin.clone(), r)))
        .collect();
    let key = SenderKey::for_data(root, &data, !dry_run)?;
    let today = chrono::Local::now().date_naive();
    let report = intake::apply_mails(&mut data, parsed, &key, today);
    if !dry_run && report.changed() {
        store::save(&content_dir, &data)?;
    }
    Ok(report)
}

/// `oproep sign add`: records one signatory by hand, such as a signature on paper.
pub fn add(root: &Path, signatory: crate::model::Signatory) -> Result<()> {
    let content_dir = root.join("content");
    let _lock = Lock::acquire(root)?;
    let mut data = store::load(&content_dir)?;
    let same = |s: &crate::model::Signatory| {
        s.name.to_lowercase() == signatory.name.to_lowercase()
            && s.place.as_deref().map(str::to_lowercase)
                == signatory.place.as_deref().map(str::to_lowercase)
    };
    if data.signatories.iter().any(same) {
        return Err(crate::Error::Output {
            path: content_dir.join(store::SIGNATORIES_FILE),
            message: format!(
                "{} ({}) has already signed\n  hint: to change the entry, remove it first with `oproep sign remove`",
                signatory.name,
                signatory.place.as_deref().unwrap_or("no place")
            ),
        });
    }
    data.signatories.push(signatory);
    store::save(&content_dir, &data)
}

/// Which signatory `oproep sign remove` removes.
pub enum Removal {
    /// By name (any letter case), narrowed by place when the name is not unique.
    Name { name: String, place: Option<String> },
    /// By the address they signed with.
    Address(String),
}

/// `oproep sign remove`: removes one signatory and returns it.
pub fn remove(root: &Path, which: Removal) -> Result<crate::model::Signatory> {
    let content_dir = root.join("content");
    let file = content_dir.join(store::SIGNATORIES_FILE);
    let _lock = Lock::acquire(root)?;
    let mut data = store::load(&content_dir)?;
    let matches: Vec<usize> = match &which {
        Removal::Name { name, place } => data
            .signatories
            .iter()
            .enumerate()
            .filter(|(_, s)| s.name.to_lowercase() == name.trim().to_lowercase())
            .filter(|(_, s)| match place {
                Some(p) => {
                    s.place.as_deref().map(str::to_lowercase) == Some(p.trim().to_lowercase())
                }
                None => true,
            })
            .map(|(i, _)| i)
            .collect(),
        Removal::Address(address) => {
            let key = SenderKey::for_data(root, &data, true)?;
            let id = key.sender_id(address);
            data.withdrawn.retain(|w| w.sender != id);
            data.withdrawn.push(store::Withdrawal {
                sender: id.clone(),
                date: chrono::Local::now().date_naive(),
            });
            data.signatories
                .iter()
                .enumerate()
                .filter(|(_, s)| s.sender.as_deref() == Some(id.as_str()))
                .map(|(i, _)| i)
                .collect()
        }
    };
    match matches.as_slice() {
        [one] => {
            let removed = data.signatories.remove(*one);
            // Someone who signed by mail stays removed when the same export is imported again.
            if let Some(sender) = &removed.sender
                && !data.withdrawn.iter().any(|w| &w.sender == sender)
            {
                data.withdrawn.push(store::Withdrawal {
                    sender: sender.clone(),
                    date: chrono::Local::now().date_naive(),
                });
            }
            store::save(&content_dir, &data)?;
            Ok(removed)
        }
        [] => Err(crate::Error::Output {
            path: file,
            message: match which {
                Removal::Address(_) => {
                    "no signatory signed with that address\n  hint: check the address".into()
                }
                Removal::Name { .. } => "no signatory has that name\n  hint: check the spelling \
                    (see content/signatories.yaml)"
                    .into(),
            },
        }),
        many => {
            let places: Vec<String> = many
                .iter()
                .map(|&i| {
                    data.signatories[i]
                        .place
                        .clone()
                        .unwrap_or_else(|| "no place".into())
                })
                .collect();
            Err(crate::Error::Output {
                path: file,
                message: format!(
                    "{} signatories have that name (places: {})\n  hint: add --place to say which one",
                    many.len(),
                    places.join(", ")
                ),
            })
        }
    }
}
