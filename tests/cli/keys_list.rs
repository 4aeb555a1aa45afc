//! `keys list`: order, formats and filters (`--name`, `--service-account`,
//! `--all-environments`), owners and expiry as shown, names from the server escaped, tables
//! at 80 and 120 columns, and the requests a listing makes.

use flexprice_sandbox::{SandboxOptions, SeedKey};
use jiff::{SignedDuration, Timestamp};

use crate::harness::{
    World, display_form, fixed_world, held_together, leaks, paths_requested, screen, terminal,
    three_accounts, two_environments,
};

#[test]
fn list_is_newest_first_in_every_format() {
    let world = World::new();
    let now = Timestamp::now();
    for (i, name) in ["old", "middle", "new"].iter().enumerate() {
        world.sandbox.seed_key(SeedKey {
            name: name.to_string(),
            created_at: Some(now - SignedDuration::from_hours(48 - i as i64 * 10)),
            expires_at: Some(now + SignedDuration::from_hours(24 * 30)),
            ..SeedKey::default()
        });
    }
    let plain = world.run(&["keys", "list"]);
    let names: Vec<&str> = plain
        .code(0)
        .stdout
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    assert_eq!(names, ["admin", "new", "middle", "old"]);
    let first: Vec<&str> = plain.stdout.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!(
        first.len(),
        7,
        "ID NAME OWNER ROLES CREATED EXPIRES STATUS: {first:?}"
    );
    assert_eq!(&first[1..4], ["new", "Admin", "super_admin"]);
    assert_eq!(first[6], "active");
    first[4]
        .parse::<Timestamp>()
        .expect("CREATED is RFC 3339 when piped");

    let json = world.run(&["keys", "list", "-o", "json"]).code(0).json();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "new", "middle", "old"]);

    let table = world.run(&["keys", "list", "-o", "table"]);
    insta::assert_snapshot!(world.shown(&table, &[]), @"
    exit 0
    --- stdout
    ID                                NAME   OWNER ROLES       CREATED    EXPIRES    STATUS
    [KEY_1] admin  Admin super_admin just now   never      active
    [KEY_2] new    Admin super_admin 1 day ago  in 30 days active
    [KEY_3] middle Admin super_admin 2 days ago in 30 days active
    [KEY_4] old    Admin super_admin 2 days ago in 30 days active
    --- stderr
    ");

    let limited = world.run(&["keys", "list", "--limit", "2", "-q"]);
    assert_eq!(limited.code(0).stdout.lines().count(), 2);
    let named = world
        .run(&["keys", "list", "--name", "middle", "-o", "json"])
        .code(0)
        .json();
    assert_eq!(named.as_array().unwrap().len(), 1);
}

#[test]
fn list_marks_expired_keys() {
    let world = World::new();
    world.seed_key("stale", None, 100, Some(-10));
    let table = world.run(&["keys", "list", "-o", "table"]);
    insta::assert_snapshot!(world.shown(&table, &[]), @"
    exit 0
    --- stdout
    ID                                NAME  OWNER ROLES       CREATED      EXPIRES             STATUS
    [KEY_1] admin Admin super_admin just now     never               active
    [KEY_2] stale Admin super_admin 100 days ago expired 10 days ago expired
    --- stderr
    ");
    let json = world
        .run(&["keys", "list", "-o", "json", "--name", "stale"])
        .code(0)
        .json();
    assert_eq!(json[0]["expired"], true);
}

#[test]
fn list_filters_by_service_account() {
    let world = World::new();
    world.service_account("ingest-bot", "event_ingestor");
    world.create_key(&["--name", "a", "--service-account", "ingest-bot"]);
    world.create_key(&["--name", "b"]);
    let json = world
        .run_line("keys list --service-account ingest-bot -o json")
        .code(0)
        .json();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a"]);
}

#[test]
fn list_of_nothing_says_so_and_suggests_the_next_command() {
    let world = World::new();
    let account = world.service_account("empty-bot", "event_reader");
    let run = world.run(&["keys", "list", "--service-account", &account]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    --- stderr
    No keys found.
    hint: create one with `flexprice-admin keys create --name NAME`
    ");
    assert_eq!(run.stdout, "");
}

#[test]
fn keys_list_takes_the_keys_of_every_account_named() {
    let world = World::new();
    let [a, b, c] = three_accounts(&world);
    let b_id = world.sandbox.key(&b).unwrap().user_id;
    // By name and by ID, mixed; the same account twice counts once.
    let run = world.run(&[
        "keys",
        "list",
        "--service-account",
        "bot-a",
        "--service-account",
        &b_id,
        "--service-account",
        "bot-b",
        "-q",
    ]);
    run.code(0);
    let mut listed: Vec<&str> = run.stdout.lines().collect();
    listed.sort_unstable();
    let mut want = vec![a.as_str(), b.as_str()];
    want.sort_unstable();
    assert_eq!(listed, want);
    assert!(!run.stdout.contains(&c));
    // -o json goes through the streamed path: the same keys.
    let json = world
        .run_line("keys list --service-account bot-a --service-account bot-b -o json")
        .json();
    let mut ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, want);
    // One unknown account among them: exit 4 naming it, before any key is listed.
    let run = world.run_line("keys list --service-account bot-a --service-account nobody");
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 4
    --- stdout
    --- stderr
    error: --service-account: no service account with ID or name 'nobody'
    hint: `flexprice-admin service-accounts list` shows them (archived accounts are not listed)
    ");
}

#[test]
fn list_walks_every_environment_with_a_tenant_key_or_a_login() {
    let world = World::new();
    let (sandbox_key, production_key) = two_environments(&world);
    let sandbox_env = world.sandbox.sandbox_environment_id();
    let production_env = world.sandbox.production_environment_id();
    let jwt = world.sandbox.jwt_for(world.sandbox.admin_user_id());
    for credential in [world.sandbox.tenant_key().to_owned(), jwt] {
        let json = world
            .run_as(
                &credential,
                &["keys", "list", "--all-environments", "-o", "json"],
            )
            .code(0)
            .json();
        let got: Vec<(&str, &str)> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["id"].as_str().unwrap(),
                    k["environment_id"].as_str().unwrap(),
                )
            })
            .collect();
        assert!(
            got.contains(&(sandbox_key.as_str(), sandbox_env)),
            "{got:?}"
        );
        assert!(
            got.contains(&(production_key.as_str(), production_env)),
            "{got:?}"
        );
        // The admin key seeded by the sandbox lives in Sandbox too; nothing else exists.
        assert_eq!(got.len(), 3, "{got:?}");
    }

    // Plain output: an ENV column (the ID when piped), last.
    let plain = world.run_as(
        world.sandbox.tenant_key(),
        &[
            "keys",
            "list",
            "--all-environments",
            "--name",
            "production-key",
        ],
    );
    let fields: Vec<Vec<&str>> = plain
        .code(0)
        .stdout
        .lines()
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0][0], production_key);
    assert_eq!(fields[0].len(), 8);
    assert_eq!(fields[0][7], production_env);

    // A table names the environment.
    let run = world.run_as(
        world.sandbox.tenant_key(),
        &["keys", "list", "--all-environments", "-o", "table"],
    );
    insta::assert_snapshot!(world.shown(&run, &[(&sandbox_key, "[SANDBOX_KEY]"), (&production_key, "[PRODUCTION_KEY]")]), @"
    exit 0
    --- stdout
    ID                                NAME           OWNER ROLES       CREATED      EXPIRES STATUS ENV
    [SANDBOX_KEY] sandbox-key    Admin super_admin just now     never   active Sandbox
    [KEY_1] admin          Admin super_admin just now     never   active Sandbox
    [PRODUCTION_KEY] production-key Admin super_admin 120 days ago never   active Production
    --- stderr
    3 keys in 2 environments.
    ");

    // Without the flag, a credential not bound to an environment lists the one --environment
    // names, so each key says which: its ID and its name.
    let json = world
        .run_as(
            world.sandbox.tenant_key(),
            &[
                "--environment",
                production_env,
                "keys",
                "list",
                "-o",
                "json",
            ],
        )
        .code(0)
        .json();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["environment_id"], production_env, "{json}");
    assert_eq!(json[0]["environment_name"], "Production", "{json}");
}

#[test]
fn a_key_bound_to_one_environment_is_refused_saying_why() {
    let world = World::new();
    two_environments(&world);
    let mut shown = String::new();
    for command in ["list", "audit"] {
        world.sandbox.clear_requests();
        let args = ["keys", command, "--all-environments"];
        shown.push_str(&world.transcript(&args, &world.run(&args), &[]));
        let listed = world
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/v1/secrets") || r.path.starts_with("/v1/environments"))
            .count();
        assert_eq!(listed, 0, "no listing was sent");
    }
    insta::assert_snapshot!(shown, @"
    $ keys list --all-environments
    exit 2
    --- stdout
    --- stderr
    error: --all-environments: this credential is an API key bound to one environment; Flexprice runs every call it makes in that environment, whatever --environment says, so it cannot list the others
    hint: drop --all-environments to see this environment's keys
    hint: for the whole tenant, use a credential not bound to an environment: a login token (`flexprice-admin auth login --email EMAIL` logs in as a dashboard user and stores one), or a tenant-level key from the server's configuration (`flexprice-admin auth login` stores a key)

    $ keys audit --all-environments
    exit 2
    --- stdout
    --- stderr
    error: --all-environments: this credential is an API key bound to one environment; Flexprice runs every call it makes in that environment, whatever --environment says, so it cannot list the others
    hint: drop --all-environments to see this environment's keys
    hint: for the whole tenant, use a credential not bound to an environment: a login token (`flexprice-admin auth login --email EMAIL` logs in as a dashboard user and stores one), or a tenant-level key from the server's configuration (`flexprice-admin auth login` stores a key)
    ");
}

#[test]
fn a_user_keys_owner_reads_the_same_in_list_audit_and_json() {
    let world = World::new();
    let id = world.aged_key("old-user-key", None);
    let field = |stdout: &str, column: usize| -> String {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&id))
            .expect("the key");
        line.split('\t').nth(column).unwrap().to_string()
    };
    let list = world.run(&["keys", "list"]);
    list.code(0);
    let audit = world.run(&["keys", "audit"]);
    audit.code(10);
    assert_eq!(field(&list.stdout, 2), "Admin");
    assert_eq!(field(&audit.stdout, 2), "Admin");
    let json = world.run(&["keys", "list", "-o", "json"]).json();
    let listed = json
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["owner_name"], "Admin");
    assert_eq!(listed["owner_type"], "user");
    let audited = world.run(&["keys", "audit", "-o", "json"]).json();
    assert_eq!(audited[0]["key"]["owner_name"], "Admin");
    assert_eq!(audited[0]["key"]["owner_id"], listed["owner_id"]);
}

#[test]
fn tables_fit_eighty_columns_with_ids_shortened_to_a_unique_start() {
    let world = World::new();
    world.ignore_keys_without_expiry();
    let account = world.service_account(
        "a-service-account-with-a-rather-long-descriptive-name",
        "event_ingestor",
    );
    let id = world
        .seed_key(
            "a-key-name-long-enough-to-need-more-than-its-share-of-a-row",
            Some(&account),
            120,
            Some(3),
        )
        .id;
    for command in ["keys list", "keys audit"] {
        let screen = terminal(&world, 80, 40, command, |_| {});
        let rows: Vec<&str> = screen
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| l.starts_with("ID ") || l.starts_with("secret_"))
            .collect();
        let keys = if command == "keys list" { 2 } else { 1 };
        assert_eq!(
            rows.len(),
            1 + keys,
            "{command}: a header and one line a key:\n{screen}"
        );
        assert_eq!(
            screen.lines().filter(|l| !l.trim().is_empty()).count(),
            rows.len() + usize::from(command == "keys audit") * 2,
            "{command}: nothing wrapped onto a line of its own:\n{screen}"
        );
        for row in &rows {
            assert!(
                row.chars().count() <= 80,
                "{command}: wider than 80:\n{screen}"
            );
        }
        // The ID, the widest column, gave way to its unique start (no `…`: it is copied).
        let row = rows
            .iter()
            .find(|r| r.contains("a-key-"))
            .expect("the seeded key's row");
        let shown = row.split(' ').next().unwrap();
        assert!(id.starts_with(shown) && shown.len() < id.len(), "{screen}");
        assert!(row.contains('…'), "{command}: long cells cut:\n{screen}");
    }
}

#[test]
fn keys_list_fetches_keys_and_owner_names_side_by_side() {
    let world = World::new();
    let run = held_together(
        &world,
        &[
            ("GET", "/v1/secrets/api/keys"),
            ("POST", "/v1/users/search"),
            ("POST", "/v1/users/search"),
        ],
        &["keys", "list", "-o", "plain"],
    );
    // The admin's own key, its owner shown by the admin's name, not by the user ID.
    let line = run
        .code(0)
        .stdout
        .lines()
        .next()
        .expect("one key")
        .to_string();
    let owner = line.split('\t').nth(2).expect("an OWNER field");
    assert_eq!(owner, "Admin", "{line}");
    let mut requested = paths_requested(&world);
    requested.sort();
    // The people (owners' names) and the service accounts (with them, whose keys are
    // orphaned).
    assert_eq!(
        requested,
        [
            "GET /v1/secrets/api/keys",
            "POST /v1/users/search",
            "POST /v1/users/search"
        ]
    );
}

#[test]
fn thousands_of_keys_come_in_one_request() {
    let world = World::with(SandboxOptions {
        seed_keys: 5200,
        ..SandboxOptions::default()
    });
    world.ignore_keys_without_expiry();
    for args in [
        &["keys", "list", "-q"][..],
        &["keys", "list", "-o", "json"][..],
        &["keys", "audit", "-o", "json"][..],
    ] {
        world.sandbox.clear_requests();
        let run = world.run(args);
        let listed = match args[1..] {
            ["list", "-q"] => run.code(0).stdout.lines().count(),
            ["list", ..] => run.code(0).json().as_array().unwrap().len(),
            // All young and without expiry: nothing to report.
            _ => {
                assert_eq!(run.code(0).json(), serde_json::json!([]));
                5201
            }
        };
        assert_eq!(listed, 5201, "{args:?}: 5200 seeded keys and the admin's");
        // The keys in one request; beside it, for JSON's `owner_name`, at most the tenant's
        // people (a request of its own, sent alongside, not after).
        let (requests, beside): (Vec<_>, Vec<_>) = world
            .sandbox
            .requests()
            .into_iter()
            .partition(|r| r.path == "/v1/secrets/api/keys");
        assert_eq!(requests.len(), 1, "{args:?}: {:?}", paths_requested(&world));
        assert!(
            beside.iter().all(|r| r.path == "/v1/users/search"),
            "{args:?}: {:?}",
            paths_requested(&world)
        );
        assert_eq!(
            requests[0].query.as_deref(),
            Some("limit=50000&offset=0&sort=created_at&order=desc"),
            "{args:?}"
        );
    }
    // An answer this large (about 2 MB) is decoded on two threads for `-o json`: the keys are
    // those `-o jsonl` writes from the same answer decoded whole, in the same order.
    let json = world.run(&["keys", "list", "-o", "json"]).code(0).json();
    let lines: Vec<serde_json::Value> = world
        .run(&["keys", "list", "-o", "jsonl"])
        .code(0)
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(json, serde_json::Value::Array(lines));
}

/// A key name is chosen by whoever created the key: printed raw, `\x1b[…` and BEL would recolour
/// the operator's terminal, move its cursor or retitle its window.
#[test]
fn names_from_the_server_cannot_inject_terminal_escapes() {
    let world = World::new();
    let evil = "evil\x1b[31mred\x07\u{9b}2J";
    let seeded = world.sandbox.seed_key(flexprice_sandbox::SeedKey {
        name: evil.into(),
        ..flexprice_sandbox::SeedKey::default()
    });
    let clean = |what: &str, text: &str| {
        assert!(
            !text.contains(['\x1b', '\x07', '\u{9b}']),
            "{what} carries a control character: {text:?}"
        );
    };
    for format in ["table", "plain"] {
        let list = world.run(&["keys", "list", "-o", format]);
        list.code(0)
            .stdout_has("evil\u{fffd}[31mred\u{fffd}\u{fffd}2J");
        clean(format, &list.stdout);
        clean(format, &list.stderr);
    }
    // JSON keeps the name exactly as the server has it: serde escapes it, nothing to strip.
    let json = world.run(&["keys", "list", "-o", "json"]).code(0).json();
    assert!(json.as_array().unwrap().iter().any(|k| k["name"] == evil));

    // The name cannot be typed as an argument (control characters are refused), so by ID.
    let delete = world.run(&["keys", "delete", &seeded.id, "--yes"]);
    delete
        .code(0)
        .stderr_has(&format!("Revoked key {}", seeded.id))
        .stderr_has("evil\u{fffd}[31mred");
    clean("the receipt", &delete.stderr);
    clean("the receipt", &delete.stdout);
    assert_eq!(world.status(&seeded.id), "deleted");
}

/// A key's name may carry characters that reorder or hide text: shown as U+FFFD in tables,
/// plain output and receipts, like control characters; JSON keeps the name exactly.
#[test]
fn bidi_overrides_and_zero_width_characters_are_escaped() {
    let world = World::new();
    let evil = "ci\u{202e}tsegni\u{200b}\u{2066}x\u{2069}\u{feff}\u{061c}";
    let seeded = world.sandbox.seed_key(SeedKey {
        name: evil.into(),
        ..SeedKey::default()
    });
    let invisible = |text: &str| {
        text.chars().any(|c| {
            matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{feff}' | '\u{061c}')
        })
    };
    for format in ["table", "plain"] {
        let list = world.run(&["keys", "list", "-o", format]);
        list.code(0)
            .stdout_has("ci\u{fffd}tsegni\u{fffd}\u{fffd}x\u{fffd}\u{fffd}\u{fffd}");
        assert!(!invisible(&list.stdout), "{format}: {:?}", list.stdout);
    }
    let json = world.run(&["keys", "list", "-o", "json"]).code(0).json();
    assert!(json.as_array().unwrap().iter().any(|k| k["name"] == evil));
    let delete = world.run(&["keys", "delete", &seeded.id, "--yes"]);
    delete.code(0).stderr_has("ci\u{fffd}tsegni");
    assert!(!invisible(&delete.stderr), "{:?}", delete.stderr);
}

#[test]
fn empty_lists_say_so_and_suggest_the_next_command() {
    let world = World::new();
    let run = world.run(&["keys", "list", "--name", "none"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    --- stderr
    No keys found.
    hint: create one with `flexprice-admin keys create --name NAME`
    ");
    let run = world.run(&["service-accounts", "list"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 0
    --- stdout
    --- stderr
    No service accounts found.
    hint: create one with `flexprice-admin service-accounts create --name NAME --role event_ingestor`
    ");
}

#[test]
fn keys_list_at_80_and_120_columns() {
    let world = fixed_world();
    insta::assert_snapshot!(screen(&world, 80, "keys list"), @"
    ID                NAME       OWNER      ROLES      CREATED    EXPIRES   STATUS
    secret_01JZ9Q2W4E just-mine  Admin      super_adm… 1 hour ago in 3 days expiring
    secret_01JZ0000AA ci-json    ingest     event_ing… 3 days ago in 87 da… active
    secret_01JZ0000AB short      ingest     event_ing… 3 days ago in 87 da… active
    secret_01JX5K3M7N repositor… legacy-etl super_adm… 7 months…  never     active
    ");
    insta::assert_snapshot!(screen(&world, 120, "keys list"), @"
    ID                                NAME                    OWNER      ROLES          CREATED      EXPIRES    STATUS
    secret_01JZ9Q2W4E0000000000000004 just-mine               Admin      super_admin    1 hour ago   in 3 days  expiring
    secret_01JZ0000AA0000000000000001 ci-json                 ingest     event_ingestor 3 days ago   in 87 days active
    secret_01JZ0000AB0000000000000002 short                   ingest     event_ingestor 3 days ago   in 87 days active
    secret_01JX5K3M7N0000000000000003 repository-sync-nightly legacy-etl super_admin    7 months ago never      active
    ");
    insta::assert_snapshot!(screen(&world, 80, "keys list --all-environments"), @"
    ID                NAME     OWNER   ROLES  CREATED  EXPIRES  STATUS   ENV
    secret_01JZ9Q2W4E just-mi… Admin   super… 1 hour…  in 3 da… expiring Sandbox
    secret_01JZ0000AA ci-json  ingest  event… 3 days…  in 87…   active   Sandbox
    secret_01JZ0000AB short    ingest  event… 3 days…  in 87…   active   Sandbox
    secret_01JY7T6R5P billing… ingest  event… 40 days… in 50…   active   Product…
    secret_01JX5K3M7N reposit… legacy… super… 7 month… never    active   Sandbox
    5 keys in 2 environments.
    ");
    insta::assert_snapshot!(screen(&world, 120, "keys list --all-environments"), @"
    ID                NAME                            OWNER      ROLES          CREATED      EXPIRES    STATUS   ENV
    secret_01JZ9Q2W4E just-mine                       Admin      super_admin    1 hour ago   in 3 days  expiring Sandbox
    secret_01JZ0000AA ci-json                         ingest     event_ingestor 3 days ago   in 87 days active   Sandbox
    secret_01JZ0000AB short                           ingest     event_ingestor 3 days ago   in 87 days active   Sandbox
    secret_01JY7T6R5P billing-export-to-the-warehouse ingest     event_ingestor 40 days ago  in 50 days active   Production
    secret_01JX5K3M7N repository-sync-nightly         legacy-etl super_admin    7 months ago never      active   Sandbox
    5 keys in 2 environments.
    ");
}

/// A key's name is the server's text, like an error message: one holding the credential the
/// command runs with (a proxy quoting it back, or a key named so) shows it redacted, in every
/// format of `keys list` and `keys audit`, on either way of reading a listing (the fast path
/// and serde_json; see `keys_list_large.rs`). Found by attacking the listing: only `keys audit
/// -q` scrubbed names; tables, plain lines and JSON printed the admin key.
#[test]
fn a_key_name_holding_the_credential_is_shown_redacted() {
    let world = World::new();
    let admin = world.sandbox.admin_key().to_string();
    let tenant = world.sandbox.tenant_key().to_string();
    for (i, credential) in [&admin, &tenant].into_iter().enumerate() {
        // Whole, and its random part alone (a server dropping the `sk_` prefix).
        world.seed_key(&format!("leak{i} {credential} x"), None, 100, None);
        let tail = credential.split_once('_').unwrap().1;
        world.seed_key(&format!("tail{i}-{tail}"), None, 100, None);
    }
    let cases: [(&str, &[&str]); 11] = [
        (&admin, &["keys", "list"]),
        (&admin, &["keys", "list", "-o", "table"]),
        (&admin, &["keys", "list", "-o", "json"]),
        (&admin, &["keys", "list", "-o", "jsonl"]),
        (
            &tenant,
            &["keys", "list", "--all-environments", "-o", "json"],
        ),
        (&tenant, &["keys", "list", "--all-environments"]),
        (&admin, &["keys", "audit"]),
        (&admin, &["keys", "audit", "-o", "json"]),
        (&admin, &["keys", "audit", "-q"]),
        (
            &tenant,
            &["keys", "audit", "--all-environments", "-o", "json"],
        ),
        (&tenant, &["keys", "audit", "--all-environments"]),
    ];
    for (credential, args) in cases {
        let run = world.run_as(credential, args);
        let listing = args[1] == "list";
        run.code(if listing { 0 } else { 10 });
        for text in [&run.stdout, &run.stderr] {
            assert!(
                !leaks(text, credential),
                "{args:?}: the credential shown:\n{text}"
            );
        }
        run.stdout_has(&format!(" {} x", display_form(credential)));
        if args.contains(&"json") {
            // Still the JSON of every key, each named.
            let json = run.json();
            let names = json.as_array().unwrap().iter().map(|k| {
                let key = if listing { k } else { &k["key"] };
                key["name"].as_str().unwrap().to_string()
            });
            assert_eq!(
                names.filter(|n| n.starts_with("leak")).count(),
                2,
                "{args:?}"
            );
        }
    }
}

/// A listing whose key IDs are not key IDs (`secret_` and letters and digits, as a created
/// key's ID must be): refused as an answer that does not match the API, before any is printed
/// or acted on. Found by attacking the listing with hostile IDs: `keys list -q` printed a
/// newline in an ID as is, forging a second ID for a script's `xargs`, and `keys delete NAME`
/// sent `DELETE /v1/secrets/api/keys` for an ID `..` (and another path for `x/../..`),
/// reporting the key revoked.
#[test]
fn a_listed_id_that_is_not_a_key_id_is_refused_before_it_is_printed_or_deleted() {
    use crate::rogue_server::{Reply, RogueRequest, RogueServer};
    let world = World::new();
    for id in [
        "secret_A\nsecret_FORGED",
        "secret_B/../../../users/user_victim",
        "..",
        "secret_C\u{1b}]0;title\u{7}",
        "secret_",
    ] {
        let key = serde_json::json!({"id": id, "name": "victim-key", "type": "private_key",
            "display_id": "sk_01***AA", "user_type": "user", "user_id": "user_1",
            "status": "published", "created_at": "2026-01-01T00:00:00Z"});
        let body = serde_json::json!({"items": [key],
            "pagination": {"total": 1, "limit": 0, "offset": 0}});
        let server = RogueServer::start(move |r: &RogueRequest| match r.path.as_str() {
            "/v1/secrets/api/keys" if r.method == "GET" => Reply::json(200, body.clone()),
            "/v1/users/search" => Reply::json(
                200,
                serde_json::json!({"items": [], "pagination": {"total": 0, "limit": 0, "offset": 0}}),
            ),
            _ if r.method == "DELETE" => Reply::json(204, serde_json::json!({})),
            _ => Reply::json(404, serde_json::json!({"error": "not found"})),
        });
        for args in [
            &["keys", "list", "-q"][..],
            &["keys", "list"],
            &["keys", "list", "-o", "json"],
            &["keys", "list", "-o", "jsonl"],
            &["keys", "audit", "-q"],
            &["keys", "delete", "victim-key", "--yes"],
        ] {
            let run = world.run_with(args, |cmd| {
                cmd.env("FLEXPRICE_API_URL", server.api_url());
            });
            run.code(1).stderr_has("is not a key ID");
            assert!(
                !run.stdout.contains("victim") && !run.stdout.contains("secret_"),
                "{id:?} {args:?}: {}",
                run.stdout
            );
        }
        let deletes = server
            .requests()
            .into_iter()
            .filter(|r| r.method == "DELETE")
            .count();
        assert_eq!(deletes, 0, "{id:?}");
    }
}

/// What the man pages' EXIT STATUS says of 143 for a command that changes nothing: SIGTERM ends
/// `keys list` at once, killed by the signal, so a shell's `$?` is 143 (128 + 15), while a parent
/// that is not a shell sees the signal, not an exit code. Both are checked: through `sh`, and
/// directly.
#[test]
fn sigterm_ends_a_listing_at_once_and_a_shell_reports_143() {
    use std::os::unix::process::ExitStatusExt;
    let world = World::new();
    world.add_fault("GET /v1/secrets/api/keys hold=list");
    // Directly: the signal, no exit code.
    let mut child = crate::harness::spawn(&world, &["keys", "list"]);
    world.sandbox.wait_held("list", 1);
    crate::harness::signal(&child, libc::SIGTERM);
    let status = child.wait().unwrap();
    assert_eq!(
        (status.code(), status.signal()),
        (None, Some(libc::SIGTERM))
    );
    // Through a shell, as a script or a cron job runs it: `$?` is 143.
    let shell = world
        .in_shell("\"$0\" \"$@\"; echo \"status=$?\"")
        .args(["keys", "list"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    world.sandbox.wait_held("list", 2);
    let children =
        std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", shell.id())).unwrap();
    let pid: libc::pid_t = children.split_whitespace().next().unwrap().parse().unwrap();
    // SAFETY: kill(2) on the shell's child, which the shell has not reaped (it waits for it).
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let out = shell.wait_with_output().unwrap();
    world.sandbox.release("list");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "status=143\n");
    // And its man page says so.
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man/flexprice-admin-keys-list.1"),
    )
    .unwrap();
    assert!(page.contains("may see the signal itself"), "{page}");
}
