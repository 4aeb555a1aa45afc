//! Permissions are never changed through a symbolic link or on what is not ours: a config.toml
//! that links to a file open to others, and a state directory that links to a shared 1777
//! directory, are refused (exit 2) with their targets untouched.

use std::os::unix::fs::{PermissionsExt, symlink};

use crate::harness::{World, mode};

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
fn a_state_directory_linked_to_a_shared_directory_is_never_made_0700() {
    let world = World::new();
    let (key, _) = world.create_key(&["--name", "linked"]);
    let old_id = key["id"].as_str().unwrap().to_string();
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let state = world.state_dir();
    // `keys create` left its delivery record there; the directory becomes the link instead.
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    symlink(shared.path(), &state).unwrap();
    world.sandbox.clear_requests();

    world
        .run(&["keys", "rotate", "linked", "--yes"])
        .code(2)
        .stderr_has("is a symbolic link to a directory open to other users (mode 1777)")
        .stderr_has("never changed through a link");
    assert_eq!(mode(shared.path()), 0o1777);
    assert!(world.mutating_requests().is_empty(), "no key was minted");
    assert_eq!(world.sandbox.key(&old_id).unwrap().status, "published");
    assert_eq!(
        std::fs::read_dir(shared.path()).unwrap().count(),
        0,
        "nothing was written into the shared directory"
    );

    // Pointed at a private directory of ours, the link is used as it is.
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    world.run(&["keys", "rotate", "linked", "--yes"]).code(0);
    assert_eq!(world.sandbox.key(&old_id).unwrap().status, "deleted");
}
