//! `roles list` and `roles show`.

use crate::harness::World;

#[test]
fn roles_are_sorted_although_the_server_shuffles_them() {
    let world = World::new();
    for _ in 0..3 {
        let json = world.run(&["roles", "list", "-o", "json"]).code(0).json();
        let ids: Vec<&str> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "all_reader",
                "all_writer",
                "event_ingestor",
                "event_reader",
                "super_admin"
            ]
        );
        assert_eq!(
            json[2]["permissions"],
            serde_json::json!({"event": ["write"]})
        );
        assert_eq!(
            json[2]["assignable_to"],
            serde_json::json!(["service_account"])
        );
    }
    let for_sa = world.run(&["roles", "list", "--for", "service-account", "-q"]);
    assert_eq!(
        for_sa.code(0).stdout,
        "all_reader\nevent_ingestor\nevent_reader\nsuper_admin\n"
    );
    let table = world.run(&["roles", "list", "-o", "table"]);
    insta::assert_snapshot!(world.shown(&table, &[]), @"
    exit 0
    --- stdout
    ROLE           NAME           ASSIGNABLE TO        PERMISSIONS
    all_reader     All Reader     user,service_account *:read
    all_writer     All Writer     user                 *:read,write
    event_ingestor Event Ingestor service_account      event:write
    event_reader   Event Reader   service_account      event:read
    super_admin    Super Admin    user,service_account *:*
    --- stderr
    ");
    let plain = world.run(&["roles", "list"]);
    insta::assert_snapshot!(world.shown(&plain, &[]), @"
    exit 0
    --- stdout
    all_reader	All Reader	user,service_account	*:read
    all_writer	All Writer	user	*:read,write
    event_ingestor	Event Ingestor	service_account	event:write
    event_reader	Event Reader	service_account	event:read
    super_admin	Super Admin	user,service_account	*:*
    --- stderr
    ");
}

#[test]
fn roles_show_and_an_unknown_role() {
    let world = World::new();
    let json = world
        .run(&["roles", "show", "event_reader", "-o", "json"])
        .code(0)
        .json();
    assert_eq!(json["name"], "Event Reader");
    let run = world.run(&["roles", "show", "wizard"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 4
    --- stdout
    --- stderr
    error: there is no role 'wizard'
    hint: `flexprice-admin roles list` shows every role
    ");
}
