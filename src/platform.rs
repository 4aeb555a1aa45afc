//! What differs for this tool between Linux, macOS and Windows. The keychain's naming rules
//! are decided here at compile time; the others are `#[cfg]` code in the files that own them
//! (named in doc/platforms.md, which lists every difference). `scripts/check-other-os`
//! type-checks and lints every one of these for macOS and Windows on each change.
//!
//! - Keychain entry names: the Windows Credential Manager matches target names regardless of
//!   case, and macOS text (file names, some input methods) often arrives decomposed (`e` +
//!   U+0301 rather than `é`), which the macOS Keychain compares byte for byte. See
//!   [`KEYCHAIN_NAMES_FOLD_CASE`] and [`KEYCHAIN_NAME_FORM`].
//! - Private files (`private_file`, `config`, `secret_input`): on Unix, files and directories
//!   are made 0600 / 0700 from the moment they exist. Windows has no modes: files are created
//!   under the user's profile (`%APPDATA%`, `%LOCALAPPDATA%`), whose ACL already keeps other
//!   users out, and no ACL is changed; the checks that refuse a group- or world-readable config
//!   or key file do not exist there.
//! - An `exec:` destination's children (`handover::exec`): on Unix the command runs in a process
//!   group of its own, and at a timeout or a signal the whole group is killed (`sh -c 'vault …'`
//!   and the `vault` it started). Windows has no process groups in that sense: only the command
//!   itself is killed, so a command that starts others should wait for them.
//! - The hang-up signal (`interrupt`): SIGHUP (a closed terminal, exit 129). On Windows, the
//!   console window closing, the user logging off or the system shutting down (tokio's
//!   `ctrl_close`, `ctrl_logoff`, `ctrl_shutdown`); Ctrl-Break counts as Ctrl-C. Windows has no
//!   SIGTERM: `taskkill /F` cannot be caught.

use std::borrow::Cow;

use unicode_normalization::{UnicodeNormalization, is_nfc};

/// The Unicode form keychain entry names are stored and looked up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameForm {
    /// Byte for byte as given (the Secret Service compares attributes exactly).
    AsGiven,
    /// Composed (NFC): `cafe\u{301}` and `café` are one name.
    Composed,
}

/// macOS: NFC, so a key named with a decomposed `é` (typed, or taken from a file name) finds the
/// entry stored under the composed one and never makes a second, invisible twin. Elsewhere names
/// are kept as given: an entry made before this rule would otherwise no longer be found.
pub(crate) const KEYCHAIN_NAME_FORM: NameForm = if cfg!(target_os = "macos") {
    NameForm::Composed
} else {
    NameForm::AsGiven
};

/// Windows: the Credential Manager treats `ci` and `CI` as one target, so `keychain get ci`
/// must find an entry stored as `CI`, and two keys whose names differ only in case share one
/// entry: the second is then met as "an entry holding another key", which is refused or asked
/// about, never silently overwritten. Elsewhere names are case-sensitive, as key names are.
pub(crate) const KEYCHAIN_NAMES_FOLD_CASE: bool = cfg!(windows);

/// A keychain entry's name (account) as this platform's keychain will compare it.
pub(crate) fn entry_name(name: &str) -> Cow<'_, str> {
    match KEYCHAIN_NAME_FORM {
        NameForm::Composed => composed(name),
        NameForm::AsGiven => Cow::Borrowed(name),
    }
}

/// Whether two key names mean the same keychain entry here.
pub(crate) fn same_entry_name(a: &str, b: &str) -> bool {
    same_name(a, b, KEYCHAIN_NAME_FORM, KEYCHAIN_NAMES_FOLD_CASE)
}

fn composed(name: &str) -> Cow<'_, str> {
    if is_nfc(name) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(name.nfc().collect())
    }
}

fn same_name(a: &str, b: &str, form: NameForm, fold_case: bool) -> bool {
    let (a, b) = match form {
        NameForm::Composed => (composed(a), composed(b)),
        NameForm::AsGiven => (Cow::Borrowed(a), Cow::Borrowed(b)),
    };
    if fold_case {
        a.to_lowercase() == b.to_lowercase()
    } else {
        a == b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_as_each_keychain_compares_them() {
        let (decomposed, precomposed) = ("cafe\u{301}", "caf\u{e9}");
        // macOS: one name in either form, and stored composed.
        assert!(same_name(
            decomposed,
            precomposed,
            NameForm::Composed,
            false
        ));
        assert_eq!(composed(decomposed), precomposed);
        assert!(matches!(composed(precomposed), Cow::Borrowed(_)));
        assert!(!same_name("ci", "CI", NameForm::Composed, false));
        // Windows: case does not matter.
        assert!(same_name("ci-Ingest", "CI-INGEST", NameForm::AsGiven, true));
        // Linux: exact.
        assert!(!same_name(
            decomposed,
            precomposed,
            NameForm::AsGiven,
            false
        ));
        assert!(!same_name("ci", "CI", NameForm::AsGiven, false));
        // This build follows its own platform's rule.
        assert_eq!(same_entry_name("ci", "CI"), cfg!(windows));
        assert_eq!(
            same_entry_name(decomposed, precomposed),
            cfg!(target_os = "macos")
        );
    }
}
