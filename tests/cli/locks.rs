//! Rotation locks: held while a rotation runs (see rotate.rs), and removed when it ends.

use crate::harness::{World, fault};

#[test]
fn a_finished_rotation_leaves_no_lock_file_behind() {
    let world = World::new();
    let account = world.service_account("lock-bot", "event_ingestor");
    world.create_key(&["--name", "locked", "--service-account", &account]);
    world.create_key(&["--name", "failing", "--service-account", &account]);
    world.run(&["keys", "rotate", "locked", "--yes"]).code(0);
    // A rotation that fails half-way removes its lock too.
    world
        .sandbox
        .add_fault(fault("POST /v1/secrets/api/keys status=500 times=1"));
    world.run(&["keys", "rotate", "failing", "--yes"]).code(1);
    let locks = world.state_dir().join("locks");
    assert!(locks.is_dir(), "the rotations took their locks there");
    let left: Vec<_> = std::fs::read_dir(&locks).unwrap().collect();
    assert!(left.is_empty(), "lock files left behind: {left:?}");
}
