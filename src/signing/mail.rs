//! Reading signing mails (stub: being written).
