//! Names as the server stores them: `varchar(255)`, counted in characters. Longer ones make the
//! real server answer 500, so they are refused before anything is sent.

use crate::harness::World;

#[test]
fn names_over_255_characters_are_refused_before_any_request() {
    let world = World::new();
    let long = "é".repeat(256);
    world.service_account("bot", "event_reader");
    world.sandbox.clear_requests();
    for args in [
        vec!["keys", "create", "--name", long.as_str()],
        vec![
            "service-accounts",
            "create",
            "--name",
            long.as_str(),
            "--role",
            "event_reader",
        ],
        vec!["service-accounts", "rename", "bot", long.as_str()],
    ] {
        world
            .run(&args)
            .code(2)
            .stderr_has("must be at most 255 characters");
    }
    assert!(world.requests().is_empty(), "{:?}", world.requests());

    // 255 characters (510 bytes) is what the column holds.
    let fits = "é".repeat(255);
    let (key, _) = world.create_key(&["--name", &fits]);
    assert_eq!(key["name"], fits.as_str());
    world
        .run(&["service-accounts", "rename", "bot", &fits])
        .code(0);
}
