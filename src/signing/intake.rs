//! Turning signing mails into signatory data: added, updated, withdrawn, skipped, rejected.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;

use super::mail::{MailKind, Rejection, SignatureFields, SigningMail};
use super::store::{SenderKey, SignatoryData, Withdrawal};
use crate::model::Signatory;

/// What happened to one mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Added,
    Updated,
    Withdrawn,
    /// Nothing to do, with the reason.
    Skipped(String),
    /// The mail could not be used, with the reason.
    Rejected(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    pub origin: String,
    pub outcome: Outcome,
    /// The signatory's name, where the mail gave one.
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub lines: Vec<ReportLine>,
}

impl Report {
    pub fn count(&self, pick: fn(&Outcome) -> bool) -> usize {
        self.lines.iter().filter(|l| pick(&l.outcome)).count()
    }

    pub fn changed(&self) -> bool {
        self.lines.iter().any(|l| {
            matches!(
                l.outcome,
                Outcome::Added | Outcome::Updated | Outcome::Withdrawn
            )
        })
    }

    pub fn summary(&self) -> String {
        format!(
            "{} added, {} updated, {} withdrawn, {} skipped, {} rejected",
            self.count(|o| *o == Outcome::Added),
            self.count(|o| *o == Outcome::Updated),
            self.count(|o| *o == Outcome::Withdrawn),
            self.count(|o| matches!(o, Outcome::Skipped(_))),
            self.count(|o| matches!(o, Outcome::Rejected(_))),
        )
    }
}

impl fmt::Display for ReportLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (word, reason) = match &self.outcome {
            Outcome::Added => ("added", None),
            Outcome::Updated => ("updated", None),
            Outcome::Withdrawn => ("withdrawn", None),
            Outcome::Skipped(r) => ("skipped", Some(r)),
            Outcome::Rejected(r) => ("rejected", Some(r)),
        };
        write!(f, "{word:<10} {}", self.origin)?;
        if let Some(name) = &self.name {
            write!(f, ": {name}")?;
        }
        if let Some(reason) = reason {
            write!(f, ": {reason}")?;
        }
        Ok(())
    }
}

/// Applies parsed mails to the data. Per sender only the latest mail counts, so that importing
/// the same export twice changes nothing the second time.
pub fn apply_mails(
    data: &mut SignatoryData,
    mails: Vec<Result<SigningMail, (String, Rejection)>>,
    key: &SenderKey,
    today: NaiveDate,
) -> Report {
    // Lines keep the order of the mails in the export, whatever order they are applied in.
    let mut lines: Vec<Option<ReportLine>> = vec![None; mails.len()];
    let mut accepted = Vec::new();
    for (position, mail) in mails.into_iter().enumerate() {
        match mail {
            Ok(mail) => accepted.push((position, mail)),
            Err((origin, rejection)) => {
                lines[position] = Some(ReportLine {
                    origin,
                    outcome: Outcome::Rejected(rejection.to_string()),
                    name: None,
                })
            }
        }
    }
    // Oldest first, so that the last mail per sender is the one that counts.
    accepted.sort_by(|(_, a), (_, b)| (a.date, &a.origin).cmp(&(b.date, &b.origin)));
    let senders: Vec<String> = accepted
        .iter()
        .map(|(_, m)| key.sender_id(&m.sender))
        .collect();
    let mut latest: HashMap<&str, usize> = HashMap::new();
    for (i, sender) in senders.iter().enumerate() {
        latest.insert(sender, i);
    }
    let mut index: HashMap<String, usize> = data
        .signatories
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.sender.clone().map(|k| (k, i)))
        .collect();

    for (i, (position, mail)) in accepted.into_iter().enumerate() {
        let sender = &senders[i];
        let name = match &mail.kind {
            MailKind::Sign(fields) => Some(fields.name.clone()),
            // The report names who withdrew, as far as they are known.
            MailKind::Withdraw => index.get(sender).map(|&i| data.signatories[i].name.clone()),
        };
        let outcome = if latest[sender.as_str()] != i {
            Outcome::Skipped("a later mail from the same sender replaces this one".into())
        } else {
            let date = mail.date.unwrap_or(today);
            match mail.kind {
                MailKind::Withdraw => withdraw(data, &mut index, sender, date),
                MailKind::Sign(fields) => sign(data, &mut index, sender, fields, date),
            }
        };
        lines[position] = Some(ReportLine {
            origin: mail.origin,
            outcome,
            name,
        });
    }
    Report {
        lines: lines.into_iter().flatten().collect(),
    }
}

fn withdraw(
    data: &mut SignatoryData,
    index: &mut HashMap<String, usize>,
    sender: &str,
    date: NaiveDate,
) -> Outcome {
    let already = data
        .withdrawn
        .iter()
        .any(|w| w.sender == sender && w.date >= date);
    match index.remove(sender) {
        Some(position) => {
            data.signatories.remove(position);
            // Positions after the removed one moved up.
            for value in index.values_mut() {
                if *value > position {
                    *value -= 1;
                }
            }
            data.withdrawn.retain(|w| w.sender != sender);
            data.withdrawn.push(Withdrawal {
                sender: sender.to_string(),
                date,
            });
            Outcome::Withdrawn
        }
        None if already => Outcome::Skipped("already withdrawn".into()),
        None => {
            // Remember it anyway: a signing mail dated before it must not sign them up later.
            data.withdrawn.retain(|w| w.sender != sender);
            data.withdrawn.push(Withdrawal {
                sender: sender.to_string(),
                date,
            });
            Outcome::Skipped("no signatory with this address; the withdrawal is remembered".into())
        }
    }
}

fn sign(
    data: &mut SignatoryData,
    index: &mut HashMap<String, usize>,
    sender: &str,
    fields: SignatureFields,
    date: NaiveDate,
) -> Outcome {
    if let Some(w) = data.withdrawn.iter().find(|w| w.sender == sender)
        && w.date >= date
    {
        return Outcome::Skipped(format!("withdrawn on {} after signing", w.date));
    }
    let publish = fields.consent == Some(true);
    match index.get(sender) {
        Some(&position) => {
            let existing = &mut data.signatories[position];
            let mut updated = existing.clone();
            updated.name = fields.name;
            updated.function = fields.function;
            updated.organisation = fields.organisation;
            updated.place = fields.place;
            if fields.consent.is_some() {
                updated.publish = publish;
            }
            if updated == *existing {
                Outcome::Skipped("already recorded, nothing changed".into())
            } else {
                *existing = updated;
                Outcome::Updated
            }
        }
        None => {
            data.withdrawn.retain(|w| w.sender != sender);
            index.insert(sender.to_string(), data.signatories.len());
            data.signatories.push(Signatory {
                name: fields.name,
                function: fields.function,
                organisation: fields.organisation,
                place: fields.place,
                date,
                category: None,
                publish,
                highlight: false,
                sender: Some(sender.to_string()),
            });
            Outcome::Added
        }
    }
}
