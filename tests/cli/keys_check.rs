//! `keys check`: does a key authenticate, which key is it, may it do ENTITY:ACTION; the secret
//! read from stdin, a file or the keychain (bounded, never a FIFO's wait), never argv, never
//! echoed; and what a key revoked under Flexprice's two-minute cache is.

use std::process::{Child, Stdio};
use std::time::Duration;

use flexprice_sandbox::SeedKey;
use jiff::{SignedDuration, Timestamp};

use crate::harness::{Run, World, spawn_with};

/// `keys check ARGS` with `secret` on stdin.
fn check(world: &World, secret: &str, args: &[&str]) -> Run {
    let mut all = vec!["keys", "check"];
    all.extend_from_slice(args);
    world.run_with(&all, |cmd| {
        cmd.write_stdin(format!("{secret}\n"));
    })
}

/// The same, run with the tenant-level key as the admin credential (it sees every environment).
fn check_as_tenant(world: &World, secret: &str, args: &[&str]) -> Run {
    let mut all = vec!["keys", "check"];
    all.extend_from_slice(args);
    world.run_with(&all, |cmd| {
        cmd.env("FLEXPRICE_API_KEY", world.sandbox.tenant_key())
            .write_stdin(secret.to_owned());
    })
}

#[track_caller]
fn no_secret_in(run: &Run, secret: &str) {
    assert!(!run.stdout.contains(secret), "stdout holds the secret");
    assert!(!run.stderr.contains(secret), "stderr holds the secret");
}

#[test]
fn a_working_key_is_identified_with_its_owner_roles_and_expiry() {
    let world = World::new();
    let account = world.service_account("ingest-bot", "event_ingestor");
    let (key, secret) = world.create_key(&["--name", "ci-ingest", "--service-account", &account]);
    // Another key of the same account, so the check has to tell them apart.
    world.create_key(&["--name", "other", "--service-account", &account]);

    let run = check(&world, &secret, &["-o", "json"]);
    run.code(0);
    no_secret_in(&run, &secret);
    let json = run.json();
    assert_eq!(json["authenticated"], true);
    assert_eq!(json["key"]["id"], key["id"]);
    assert_eq!(json["key"]["name"], "ci-ingest");
    assert_eq!(json["key"]["owner_name"], "ingest-bot");
    assert_eq!(json["key"]["owner_id"], account.as_str());
    assert_eq!(json["key"]["roles"], serde_json::json!(["event_ingestor"]));
    assert_eq!(json["key"]["expires_at"], key["expires_at"]);
    assert_eq!(json["principal"]["id"], account.as_str());
    assert_eq!(json["listed"], true);
    assert_eq!(json["causes"], serde_json::json!([]));
    // The admin key is bound to Sandbox: it knows the key is there, not that environment's ID.
    assert!(json["environment"].is_null());

    let plain = check(&world, &secret, &[]);
    insta::assert_snapshot!(world.shown(&plain, &[(key["id"].as_str().unwrap(), "[KEY]"), (&account, "[BOT]")]), @"
    exit 0
    --- stdout
    authenticates	yes
    key	[KEY]
    name	ci-ingest
    owner	ingest-bot (service account)
    roles	event_ingestor
    environment	the admin credential's environment
    created	[TIME]
    expires	[TIME]
    --- stderr
    The key works: it authenticates as ingest-bot (service account).
    ");
    let field = |name: &str| {
        plain
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}\t")))
            .unwrap_or_else(|| panic!("no {name} in {}", plain.stdout))
            .to_owned()
    };
    assert_eq!(field("authenticates"), "yes");
    assert_eq!(field("key"), key["id"].as_str().unwrap());
    assert_eq!(field("owner"), "ingest-bot (service account)");
    assert_eq!(field("expires"), key["expires_at"].as_str().unwrap());

    let quiet = check(&world, &secret, &["-q"]);
    assert_eq!(
        quiet.code(0).stdout,
        format!("{}\n", key["id"].as_str().unwrap())
    );
}

#[test]
fn a_permission_the_roles_lack_exits_6_naming_the_roles_that_would_grant_it() {
    let world = World::new();
    let account = world.service_account("ingest-bot", "event_ingestor");
    world.service_account("report-bot", "event_reader");
    let (_, secret) = world.create_key(&["--name", "ci-ingest", "--service-account", &account]);

    let granted = check(
        &world,
        &secret,
        &["--permission", "event:write", "-o", "json"],
    );
    let json = granted.code(0).json();
    assert_eq!(json["permission"]["permission"], "event:write");
    assert_eq!(json["permission"]["granted"], true);
    assert_eq!(
        json["permission"]["granted_by"],
        serde_json::json!(["event_ingestor"])
    );

    let denied = check(
        &world,
        &secret,
        &["--permission", "event:read", "-o", "json"],
    );
    insta::assert_snapshot!(world.shown(&denied, &[]), @r#"
    exit 6
    --- stdout
    {
      "authenticated": true,
      "key": {
        "id": "[KEY_1]",
        "name": "ci-ingest",
        "display_id": "[DISPLAY_ID]",
        "type": "private_key",
        "status": "published",
        "roles": [
          "event_ingestor"
        ],
        "owner_type": "service_account",
        "owner_id": "[USER_1]",
        "owner_name": "ingest-bot",
        "created_at": "[TIME]",
        "expires_at": "[TIME]",
        "expired": false
      },
      "environment": null,
      "principal": {
        "id": "[USER_1]",
        "name": "ingest-bot",
        "email": null,
        "type": "service_account",
        "roles": [
          "event_ingestor"
        ]
      },
      "listed": true,
      "causes": [],
      "detail": "it authenticates as ingest-bot (service account)",
      "candidates": [],
      "permission": {
        "permission": "event:read",
        "granted": false,
        "granted_by": [],
        "roles_that_grant": [
          "all_reader",
          "all_writer",
          "event_reader",
          "super_admin"
        ]
      }
    }
    --- stderr
    error: the key's roles (event_ingestor) do not grant event:read
    hint: roles that grant event:read: all_reader, all_writer, event_reader, super_admin
    hint: of those, a service account can hold: all_reader, event_reader, super_admin
    hint: a key's roles are fixed when it is created (a copy of its account's roles then): no change to this key can grant it. The fix is a new key for an account that holds one of those roles
    hint: service accounts that hold one: report-bot (event_reader); mint a key for one with `flexprice-admin keys create --name KEY --service-account NAME`
    "#);
    no_secret_in(&denied, &secret);
    let json = denied.json();
    assert_eq!(json["authenticated"], true);
    assert_eq!(json["permission"]["granted"], false);
    assert_eq!(json["permission"]["granted_by"], serde_json::json!([]));

    // A permission Flexprice does not have is bad input: nothing is sent, not even the check.
    world.sandbox.clear_requests();
    let run = check(&world, &secret, &["--permission", "events:read"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 2
    --- stdout
    --- stderr
    error: invalid value 'events:read' for '--permission <ENTITY:ACTION>': unknown entity 'events' (entities: user, environment, event, meter, price, customer, plan, addon, group, alert_settings, subscription, wallet, tenant, invoice, feature, entitlement, creditgrant, payment, integration, task, tax, secret, connection, costsheet, creditnote, coupon, ai, portal, webhook, cron, setting, oauth, checkoutsession, workflow)

    For more information, try '--help'.
    ");
    assert!(world.requests().is_empty());
}

#[test]
fn an_expired_key_exits_3_naming_the_key_and_when_it_expired() {
    let world = World::new();
    let seeded = world.seed_key("old-ingest", None, 40, Some(-3));
    let run = check(&world, &seeded.raw_key, &["-o", "json"]);
    insta::assert_snapshot!(world.shown(&run, &[(&seeded.id, "[EXPIRED]")]), @r#"
    exit 3
    --- stdout
    {
      "authenticated": false,
      "key": {
        "id": "[EXPIRED]",
        "name": "old-ingest",
        "display_id": "[DISPLAY_ID]",
        "type": "private_key",
        "status": "published",
        "roles": [
          "super_admin"
        ],
        "owner_type": "user",
        "owner_id": "00000000-0000-0000-0000-000000000000",
        "owner_name": null,
        "created_at": "[TIME]",
        "expires_at": "[TIME]",
        "expired": true
      },
      "environment": null,
      "principal": null,
      "listed": true,
      "causes": [
        "expired"
      ],
      "detail": "it is key [EXPIRED] (old-ingest), which expired 3 days ago",
      "candidates": []
    }
    --- stderr
    error: the key does not authenticate: it is key [EXPIRED] (old-ingest), which expired 3 days ago
    hint: the API URL is http://127.0.0.1:[PORT]/v1; a key works only against the region it was created in
    hint: replace it with `flexprice-admin keys create` (or `keys rotate` for a key that still works)
    "#);
    no_secret_in(&run, &seeded.raw_key);
    let json = run.json();
    assert_eq!(json["authenticated"], false);
    assert_eq!(json["key"]["id"], seeded.id.as_str());
    assert_eq!(json["key"]["expired"], true);
    assert_eq!(json["causes"], serde_json::json!(["expired"]));
}

#[test]
fn a_revoked_or_unknown_key_exits_3_with_what_the_admin_can_rule_out() {
    let world = World::new();
    let (key, secret) = world.create_key(&["--name", "gone"]);
    world
        .run(&["keys", "delete", key["id"].as_str().unwrap(), "--yes"])
        .code(0);

    // The admin key sees one environment: another environment stays a possibility.
    let run = check(&world, &secret, &["-o", "json"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @r#"
    exit 3
    --- stdout
    {
      "authenticated": false,
      "key": null,
      "environment": null,
      "principal": null,
      "listed": false,
      "causes": [
        "revoked",
        "never_existed",
        "other_environment",
        "other_region"
      ],
      "detail": "no key with its display ID [DISPLAY_ID] exists in the admin credential's environment: it was revoked, never existed, belongs to another environment (a tenant-level key or login token can search them all), or to another region",
      "candidates": []
    }
    --- stderr
    error: the key does not authenticate: no key with its display ID [DISPLAY_ID] exists in the admin credential's environment: it was revoked, never existed, belongs to another environment (a tenant-level key or login token can search them all), or to another region
    hint: Flexprice answers every bad key with the same 401; the causes above are what the admin credential can rule in or out
    hint: the API URL is http://127.0.0.1:[PORT]/v1; a key works only against the region it was created in
    hint: replace it with `flexprice-admin keys create` (or `keys rotate` for a key that still works)
    "#);
    let json = run.json();
    assert!(json["key"].is_null());
    assert_eq!(
        json["causes"],
        serde_json::json!([
            "revoked",
            "never_existed",
            "other_environment",
            "other_region"
        ])
    );

    // A tenant-level admin searched every environment: revoked, or not this tenant's or region's.
    let run = check_as_tenant(&world, &secret, &["-o", "json"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @r#"
    exit 3
    --- stdout
    {
      "authenticated": false,
      "key": null,
      "environment": null,
      "principal": null,
      "listed": false,
      "causes": [
        "revoked",
        "never_existed",
        "other_region"
      ],
      "detail": "no key with its display ID [DISPLAY_ID] exists in any environment of this tenant: it was revoked, or it was never a key of this tenant at http://127.0.0.1:[PORT]/v1 (another tenant's or another region's)",
      "candidates": []
    }
    --- stderr
    error: the key does not authenticate: no key with its display ID [DISPLAY_ID] exists in any environment of this tenant: it was revoked, or it was never a key of this tenant at http://127.0.0.1:[PORT]/v1 (another tenant's or another region's)
    hint: Flexprice answers every bad key with the same 401; the causes above are what the admin credential can rule in or out
    hint: the API URL is http://127.0.0.1:[PORT]/v1; a key works only against the region it was created in
    hint: replace it with `flexprice-admin keys create` (or `keys rotate` for a key that still works)
    "#);
    assert_eq!(
        run.json()["causes"],
        serde_json::json!(["revoked", "never_existed", "other_region"])
    );

    // Something that is not a key at all.
    let run = check(&world, "sk_01NOTAKEYATALLNOTAKEYATAL", &[]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 3
    --- stdout
    authenticates	no
    causes	revoked,never_existed,other_environment,other_region
    --- stderr
    error: the key does not authenticate: no key with its display ID [DISPLAY_ID] exists in the admin credential's environment: it was revoked, never existed, belongs to another environment (a tenant-level key or login token can search them all), or to another region
    hint: Flexprice answers every bad key with the same 401; the causes above are what the admin credential can rule in or out
    hint: the API URL is http://127.0.0.1:[PORT]/v1; a key works only against the region it was created in
    hint: replace it with `flexprice-admin keys create` (or `keys rotate` for a key that still works)
    ");
}

#[test]
fn a_key_of_another_environment_is_found_by_a_tenant_level_admin() {
    let world = World::new();
    let production = world.sandbox.production_environment_id().to_owned();
    let seeded = world.sandbox.seed_key(SeedKey {
        name: "prod-ingest".into(),
        environment_id: Some(production.clone()),
        ..SeedKey::default()
    });
    let json = check_as_tenant(&world, &seeded.raw_key, &["-o", "json"])
        .code(0)
        .json();
    assert_eq!(json["key"]["id"], seeded.id.as_str());
    assert_eq!(json["key"]["environment_id"], production.as_str());
    assert_eq!(json["environment"]["name"], "Production");

    // The Sandbox-bound admin key cannot see it: it authenticates, but is not listed.
    let run = check(&world, &seeded.raw_key, &["-o", "json"]);
    insta::assert_snapshot!(world.shown(&run, &[(&seeded.id, "[PRODUCTION_KEY]")]), @r#"
    exit 0
    --- stdout
    {
      "authenticated": true,
      "key": null,
      "environment": null,
      "principal": {
        "id": "00000000-0000-0000-0000-000000000000",
        "name": "Admin",
        "email": "admin@flexprice.dev",
        "type": "user",
        "roles": [
          "super_admin"
        ]
      },
      "listed": false,
      "causes": [],
      "detail": "it authenticates as Admin (user)",
      "candidates": []
    }
    --- stderr
    warning: the key authenticates, but no key in the admin credential's environment matches it: if it was revoked just now, Flexprice keeps accepting a key for up to two minutes after it is revoked (its verification cache); otherwise it is a tenant-level key from the server's configuration, or a key of another environment
    "#);
    assert_eq!(run.json()["listed"], false);
}

#[test]
fn a_just_revoked_key_that_still_authenticates_is_flagged() {
    // The sandbox's default is the real server's two-minute revocation cache.
    let world = World::new();
    let (key, secret) = world.create_key(&["--name", "leaked"]);
    check(&world, &secret, &[]).code(0);
    // Revoked elsewhere (another machine: its own state directory): the check cannot know
    // when, so it warns and leaves the verdict to the caller.
    let elsewhere = tempfile::tempdir().unwrap();
    world
        .run_with(
            &["keys", "delete", key["id"].as_str().unwrap(), "--yes"],
            |cmd| {
                cmd.env("XDG_STATE_HOME", elsewhere.path());
            },
        )
        .code(0);
    let run = check(&world, &secret, &["-o", "json"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @r#"
    exit 0
    --- stdout
    {
      "authenticated": true,
      "key": null,
      "environment": null,
      "principal": {
        "id": "00000000-0000-0000-0000-000000000000",
        "name": "Admin",
        "email": "admin@flexprice.dev",
        "type": "user",
        "roles": [
          "super_admin"
        ]
      },
      "listed": false,
      "causes": [],
      "detail": "it authenticates as Admin (user)",
      "candidates": []
    }
    --- stderr
    warning: the key authenticates, but no key in the admin credential's environment matches it: if it was revoked just now, Flexprice keeps accepting a key for up to two minutes after it is revoked (its verification cache); otherwise it is a tenant-level key from the server's configuration, or a key of another environment
    "#);
    let json = run.json();
    assert_eq!(json["authenticated"], true);
    assert_eq!(json["listed"], false);
    assert!(json.get("revocation").is_none(), "{json}");
    // Revoked from here, the check knows when (a_key_deleted_by_this_tool_is_still_…).
}

#[test]
fn the_secret_comes_from_a_file_and_bad_input_sends_nothing() {
    let world = World::new();
    let (key, secret) = world.create_key(&["--name", "filed"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("filed.key");
    std::fs::write(&path, format!("{secret}\n")).unwrap();
    let json = world
        .run(&[
            "keys",
            "check",
            "--from-file",
            path.to_str().unwrap(),
            "-o",
            "json",
        ])
        .code(0)
        .json();
    assert_eq!(json["key"]["id"], key["id"]);

    world.sandbox.clear_requests();
    let missing = dir.path().join("missing.key");
    let run = world.run(&["keys", "check", "--from-file", missing.to_str().unwrap()]);
    insta::assert_snapshot!(world.shown(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: --from-file: [DIR]/missing.key cannot be opened (No such file or directory (os error 2))
    ");
    let run = check(&world, "", &[]);
    insta::assert_snapshot!(world.shown(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: no key to check: stdin is empty
    hint: pipe the key in (`flexprice-admin keys check < key.txt`), or use --from-keychain NAME or --from-file PATH
    ");
    let run = check(&world, "sk_a\nsk_b", &[]);
    insta::assert_snapshot!(world.shown(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: stdin holds more than one line or control characters; an API key is one line
    ");
    let run = world.run(&["keys", "check", "--from-file", "x", "--from-keychain", "y"]);
    insta::assert_snapshot!(world.shown(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @"
    exit 2
    --- stdout
    --- stderr
    error: the argument '--from-file <PATH>' cannot be used with '--from-keychain <NAME>'

    Usage: flexprice-admin keys check --from-file <PATH> --api-url <URL>

    For more information, try '--help'.
    ");
    assert!(world.requests().is_empty(), "{:?}", world.requests());
}

#[test]
fn the_secret_comes_from_the_keychain() {
    let world = World::new();
    let name = crate::secret_service::unique("checked");
    let run = world.run_keychain(&[
        "keys", "create", "--name", &name, "--store", "keychain", "-o", "json",
    ]);
    let id = run.code(0).json()["key"]["id"].as_str().unwrap().to_owned();
    let json = world
        .run_keychain(&["keys", "check", "--from-keychain", &name, "-o", "json"])
        .code(0)
        .json();
    assert_eq!(json["key"]["id"], id.as_str());
    let run = world.run_keychain(&["keys", "check", "--from-keychain", "no-such-entry"]);
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 4
    --- stdout
    --- stderr
    error: no keychain entry for key 'no-such-entry' (profile 'default')
    hint: `flexprice-admin keychain list` shows the names stored
    ");
}

/// The leaked-key runbook (doc/keys-as-code.md) under the real server's cache: the leaked key was used just
/// before the rotation revoked it, so step 4 still authenticates. `keys check` says the
/// revocation is still propagating and when it is certain, and exits 5 (not 0: the key is not
/// fine; not 3: it does still work); after that time, exit 3.
#[test]
fn the_runbook_check_of_a_key_revoked_under_the_cache_says_when_it_is_certain() {
    let world = World::new();
    let start = Timestamp::now();
    world.sandbox.set_now(start);
    world.service_account("ingest-bot", "event_ingestor");
    let (old, leaked) =
        world.create_key(&["--name", "ci-ingest", "--service-account", "ingest-bot"]);
    let old_id = old["id"].as_str().unwrap().to_string();
    let with_leaked = |args: &[&str]| {
        world.run_with(args, |cmd| {
            cmd.write_stdin(leaked.clone());
        })
    };
    // Step 1: the check itself uses the key, so the server now holds it in its cache.
    with_leaked(&["keys", "check", "-q"]).code(0);

    // Step 2.
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}/{{name}}.key", dir.path().display());
    let before = Timestamp::now();
    world
        .run(&[
            "keys",
            "rotate",
            "--all",
            "--service-account",
            "ingest-bot",
            "--store",
            &store,
            "--yes",
        ])
        .code(0);
    let after = Timestamp::now();
    assert_eq!(world.status(&old_id), "deleted");

    // Step 4, inside the window: exit 5, the time it is certain, never "The key works".
    let check = with_leaked(&["keys", "check"]);
    assert!(!check.stderr.contains("The key works"), "{}", check.stderr);
    let json = with_leaked(&["keys", "check", "-o", "json"]);
    json.code(5);
    let report = json.json();
    assert_eq!(report["authenticated"], true);
    assert_eq!(report["revocation"]["key_id"], old_id.as_str());
    let revoked: Timestamp = report["revocation"]["revoked_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let certain: Timestamp = report["revocation"]["certain_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(before <= revoked && revoked <= after, "{revoked}");
    assert_eq!(certain, revoked + SignedDuration::from_secs(120));
    let certain_text = certain
        .round(
            jiff::TimestampRound::new()
                .smallest(jiff::Unit::Second)
                .mode(jiff::RoundMode::Ceil),
        )
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let named = [
        (old_id.as_str(), "[OLD]"),
        (certain_text.as_str(), "[CERTAIN]"),
    ];
    insta::assert_snapshot!(world.shown(&check, &named), @"
    exit 5
    --- stdout
    authenticates	yes
    principal	ingest-bot ([USER_1])
    roles	event_ingestor
    revoked	[TIME]
    certain	[TIME]
    --- stderr
    error: key [OLD] (ci-ingest) still authenticates: it was revoked at [TIME] and the revocation is still propagating; it is certain at [CERTAIN] (in [N] s)
    hint: Flexprice keeps accepting a key for up to two minutes after it is revoked (its verification cache), and a revocation does not clear it
    hint: run the check again after [CERTAIN]: exit 3 then confirms the key no longer works
    ");

    // At that time the server has forgotten it: exit 3, and no word of propagation.
    world
        .sandbox
        .set_now(start + SignedDuration::from_secs(121));
    let later = world.run_with(&["keys", "check"], |cmd| {
        cmd.write_stdin(leaked.clone()).env(
            "FLEXPRICE_ADMIN_TEST_NOW",
            (certain + SignedDuration::from_secs(1)).to_string(),
        );
    });
    later.code(3);
    assert!(!later.stderr.contains("propagating"), "{}", later.stderr);
}

/// A revocation recorded by `keys delete` counts the same way, and only for the key it names:
/// another key that shares its `display_id` but was minted at another time is not taken for it.
#[test]
fn a_key_deleted_by_this_tool_is_still_propagating_and_nothing_else_is() {
    let world = World::new();
    let (key, secret) = world.create_key(&["--name", "doomed"]);
    let id = key["id"].as_str().unwrap().to_string();
    world.run_as(&secret, &["whoami"]).code(0);
    world.run(&["keys", "delete", &id, "--yes"]).code(0);
    let records = std::fs::read_dir(world.state_dir().join("revoked"))
        .unwrap()
        .count();
    assert_eq!(records, 1);
    let run = world.run_with(&["keys", "check"], |cmd| {
        cmd.write_stdin(secret.clone());
    });
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[DOOMED]")]), @"
    exit 5
    --- stdout
    authenticates	yes
    principal	Admin (00000000-0000-0000-0000-000000000000)
    roles	super_admin
    revoked	[TIME]
    certain	[TIME]
    --- stderr
    error: key [DOOMED] (doomed) still authenticates: it was revoked at [TIME] and the revocation is still propagating; it is certain at [TIME] (in [N] s)
    hint: Flexprice keeps accepting a key for up to two minutes after it is revoked (its verification cache), and a revocation does not clear it
    hint: run the check again after [TIME]: exit 3 then confirms the key no longer works
    ");
    // A record for the same display_id minted a day earlier does not match the secret in hand.
    // Records live in a folder per UTC day (revoked/2026-12-04/ID.json).
    let day = std::fs::read_dir(world.state_dir().join("revoked"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let record = day.join(format!("{id}.json"));
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    json["key_id"] = "secret_01J00000000000000000000000".into();
    std::fs::write(&record, json.to_string()).unwrap();
    let run = world.run_with(&["keys", "check"], |cmd| {
        cmd.write_stdin(secret.clone());
    });
    insta::assert_snapshot!(world.shown(&run, &[(&id, "[DOOMED]")]), @"
    exit 0
    --- stdout
    authenticates	yes
    principal	Admin (00000000-0000-0000-0000-000000000000)
    roles	super_admin
    --- stderr
    The key works: it authenticates as Admin (user).
    warning: the key authenticates, but no key in the admin credential's environment matches it: if it was revoked just now, Flexprice keeps accepting a key for up to two minutes after it is revoked (its verification cache); otherwise it is a tenant-level key from the server's configuration, or a key of another environment
    ");
}

/// `keys check` with a timeout: a hang fails the test rather than blocking the suite.
fn check_bounded(world: &World, args: &[&str]) -> Run {
    let mut all = vec!["keys", "check"];
    all.extend_from_slice(args);
    let run = world.run_with(&all, |cmd| {
        cmd.timeout(Duration::from_secs(20));
    });
    assert_ne!(run.code, -1, "killed after 20 s: it hung\n{}", run.stderr);
    run
}

/// A file of 100 MB (its first 64 KiB plain letters, as a key's are), and one of 5 KiB: more
/// than the 4 KiB a credential file may hold. Exit 2 before any request, naming `--from-file`.
/// Fails on main 0e6722f: exit 3: the first 64 KiB (all of the 5 KiB) sent as the credential.
#[test]
fn keys_check_refuses_a_file_over_4_kib_before_any_request() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.key");
    std::fs::write(&huge, vec![b'A'; 64 * 1024 + 1]).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&huge)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let five = dir.path().join("five.key");
    std::fs::write(&five, vec![b'A'; 5 * 1024]).unwrap();
    for path in [&huge, &five] {
        let run = check_bounded(&world, &["--from-file", path.to_str().unwrap()]);
        assert!(
            world.requests().is_empty(),
            "{}: sent {:?}",
            path.display(),
            world.requests()
        );
        run.code(2).stderr_has("--from-file").stderr_has("4 KiB");
    }
}

/// Waits for `child` and its output, at most `limit`: a hang kills it and fails the test
/// rather than blocking the suite.
fn finish_bounded(child: Child, limit: Duration) -> Run {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let Ok(output) = finished.recv_timeout(limit) else {
        // SAFETY: kill(2) on our child, which the thread is still waiting for (not reaped).
        unsafe { libc::kill(pid, libc::SIGKILL) };
        panic!("still running after {limit:?}: it hung");
    };
    let output = output.unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Stdin without end, of letters (`tr '\0' A < /dev/zero`): exit 2 once past 4 KiB, before any
/// request.
/// Fails on main 0e6722f: exit 3: the first 64 KiB of stdin sent as the credential.
#[test]
fn keys_check_refuses_endless_stdin_before_any_request() {
    let world = World::with_immediate_revocation();
    let mut letters = std::process::Command::new("tr")
        .args(["\\0", "A"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .stdout(Stdio::piped())
        .spawn()
        .expect("tr runs");
    let child = spawn_with(&world, &["keys", "check"], |cmd| {
        cmd.stdin(Stdio::from(letters.stdout.take().unwrap()));
    });
    let run = finish_bounded(child, Duration::from_secs(20));
    // It ends on its own once nobody reads the pipe; it is ours to end anyway.
    let _ = letters.kill();
    letters.wait().unwrap();
    assert!(
        world.requests().is_empty(),
        "sent {:?}\n{}",
        world.requests(),
        run.stderr
    );
    insta::assert_snapshot!(world.shown(&run, &[]), @"
    exit 2
    --- stdout
    --- stderr
    error: stdin: longer than 4 KiB, which no API key is
    hint: an API key looks like [SECRET]; check what the file or input holds
    ");
}

/// A FIFO nobody writes to: exit 2 at once (it is not a regular file), before any request.
/// Fails on main 0e6722f: blocked in open() until the test killed it after 20 s.
#[test]
fn keys_check_refuses_a_fifo_without_waiting_for_a_writer() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let run = check_bounded(&world, &["--from-file", fifo.to_str().unwrap()]);
    insta::assert_snapshot!(world.shown(&run, &[(dir.path().to_str().unwrap(), "[DIR]")]), @r#"
    exit 2
    --- stdout
    --- stderr
    error: --from-file: [DIR]/fifo is a FIFO (named pipe), not a regular file; a key file holds only the key
    hint: give the key to check on stdin instead (`flexprice-admin keys check < PATH`, or piped in), or write it to a regular file (`umask 077; printf %s "$KEY" > key.txt`) for --from-file
    "#);
    assert!(world.requests().is_empty());
}
