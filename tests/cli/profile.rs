//! `profile set | show | list` and `config.toml`: changed only as told, 0600, a corrupt or
//! linked file named and refused, a file open to others made private.

use std::os::unix::fs::{PermissionsExt, symlink};

use crate::harness::{World, mode};

#[test]
fn a_corrupt_config_names_the_file_and_line() {
    let world = World::new();
    world.write_config("[profiles.prod]\napi_url = \"https://x/v1\"\noops =\n");
    let run = world.run(&["whoami"]);
    run.code(2).stderr_has("config.toml is not valid at line 3");
    world.write_config("[profiles.prod]\napi_key = \"sk_x\"\n");
    world
        .run(&["whoami"])
        .code(2)
        .stderr_has("unknown field `api_key`");
    assert!(world.requests().is_empty());
}

#[cfg(unix)]
#[test]
fn a_config_readable_by_others_is_made_private_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let world = World::new();
    std::fs::create_dir_all(world.config_dir()).unwrap();
    let path = world.config_dir().join("config.toml");
    std::fs::write(&path, "[profiles.default]\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    world
        .run(&["whoami", "-q"])
        .code(0)
        .stderr_has("accessible to other users (mode 666)");
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn a_linked_config_open_to_others_is_refused_and_its_target_untouched() {
    let world = World::new();
    let dotfiles = tempfile::tempdir().unwrap();
    let target = dotfiles.path().join("flexprice.toml");
    // Not even valid: the link is refused before the file is read.
    std::fs::write(&target, "not toml [").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::create_dir_all(world.config_dir()).unwrap();
    symlink(&target, world.config_dir().join("config.toml")).unwrap();

    world
        .run(&["keys", "list"])
        .code(2)
        .stderr_has("is a symbolic link to a file accessible to other users (mode 644)")
        .stderr_has("readlink -f");
    assert_eq!(mode(&target), 0o644);
    assert!(world.requests().is_empty());

    // A link to a private file is used as it is.
    std::fs::write(&target, "[profiles.default]\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    world.run(&["keys", "list"]).code(0);
    assert_eq!(mode(&target), 0o600);
}

#[test]
fn profile_set_changes_only_what_it_is_given() {
    let world = World::new();
    let run = world.run_with(
        &["profile", "set", "--profile", "prod", "--max-age", "30d"],
        |cmd| {
            cmd.env_remove("FLEXPRICE_API_URL");
        },
    );
    run.code(0)
        .stderr_has("Created profile 'prod'")
        .stderr_has("(max_age)");
    let run = world.run(&[
        "profile",
        "set",
        "--profile",
        "prod",
        "--expiring-within",
        "7d",
    ]);
    run.code(0).stderr_has("Updated profile 'prod'");
    let config = std::fs::read_to_string(world.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("max_age = \"30d\""), "{config}");
    assert!(config.contains("expiring_within = \"7d\""), "{config}");
    assert!(
        config.contains(&world.sandbox.api_url()),
        "FLEXPRICE_API_URL was given: {config}"
    );
    assert_eq!(mode(&world.config_dir().join("config.toml")), 0o600);
    assert!(world.requests().is_empty(), "no request is sent");
    let run = world.run(&["profile", "list", "-o", "json"]);
    run.code(0);
    assert_eq!(run.json()[0]["name"], "prod");
    let run = world.run(&["profile", "set", "--profile", "prod", "--max-age", "soon"]);
    run.code(2).stderr_has("--max-age");
}

/// A hand-written config.toml may carry a password in a profile's api_url (which every command
/// refuses, redacted). `profile list` printed that URL as written, password and all, in every
/// format; it shows it redacted as the refusal does.
#[test]
fn profile_list_never_shows_a_password_in_an_api_url() {
    let world = World::new();
    world.write_config("[profiles.ops]\napi_url = \"https://ops:hunter2@api.example.com/v1\"\n");
    for format in ["plain", "json", "table"] {
        let run = world.run(&["profile", "list", "-o", format]);
        run.code(0).stdout_has("***@api.example.com/v1");
        assert!(
            !run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"),
            "{format}: {}",
            run.stdout
        );
    }
}
