//! `plan` and `apply` across several service accounts: keys of one name in two accounts, each
//! delivered to its own place, and `--prune`, which touches only the accounts the manifest
//! names.

use crate::harness::{World, manifest};
use crate::plan_apply::{account, live_keys, run_manifest, working_secret};
use crate::secret_service::secret_tool_lookup;

/// Two accounts, each with a key `ci`; `{store}` stands for the store both keys use.
const TWO_ACCOUNTS: &str = r#"version = 1

[[service_account]]
name = "alpha"
roles = ["event_ingestor"]

  [[service_account.key]]
  name = "ci"
  store = [{store}]

[[service_account]]
name = "beta"
roles = ["event_ingestor"]

  [[service_account.key]]
  name = "ci"
  store = [{store}]
"#;

fn two_accounts(store: &str) -> String {
    TWO_ACCOUNTS.replace("{store}", store)
}

/// The live IDs of `alpha` and `beta`.
fn alpha_and_beta(world: &World) -> (String, String) {
    let id = |name: &str| account(world, name)["id"].as_str().unwrap().to_string();
    (id("alpha"), id("beta"))
}

/// Issue 24: an empty tenant and a fleet of two accounts whose keys share a name, each key's
/// secret going to a path with `{owner}` in it (and to an `exec:` command given
/// `$FLEXPRICE_KEY_OWNER`). The manifest's check accepts it; the first version of apply's
/// pre-flight stood every account not yet created under one stand-in owner, took the two keys
/// for one place and refused the whole apply (exit 2), so such a fleet never converged.
#[test]
fn two_new_accounts_keys_of_one_name_go_each_to_its_owners_place() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(
        dir.path(),
        &two_accounts(
            r#""file:{dir}/{owner}-{name}.key", "exec:sh -c 'cat > {dir}/exec-$FLEXPRICE_KEY_OWNER-$FLEXPRICE_KEY_NAME'""#,
        ),
    );
    let named = [(dir.path().to_str().unwrap(), "[DIR]")];
    let plan = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&plan, &named), @"
    exit 11
    --- stdout
    + service_account alpha (roles: event_ingestor)
    + key alpha/ci -> file:[DIR]/{owner}-{name}.key, exec:sh -c cat > [DIR]/exec-$FLEXPRICE_KEY_OWNER-$FLEXPRICE_KEY_NAME
    + service_account beta (roles: event_ingestor)
    + key beta/ci -> file:[DIR]/{owner}-{name}.key, exec:sh -c cat > [DIR]/exec-$FLEXPRICE_KEY_OWNER-$FLEXPRICE_KEY_NAME
    Plan: 4 to create, 0 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    --- stderr
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    exec: destinations cannot be read: whether they still hold their key's secret is not checked.
    ");

    let apply = run_manifest(&world, "apply", &path, &[]);
    apply.code(0);
    let (alpha, beta) = alpha_and_beta(&world);
    let named = [
        (dir.path().to_str().unwrap(), "[DIR]"),
        (alpha.as_str(), "[ALPHA]"),
        (beta.as_str(), "[BETA]"),
    ];
    insta::assert_snapshot!(world.shown_batch(&apply, &named), @"
    exit 0
    --- stdout
    --- stderr
    + service_account alpha (roles: event_ingestor)
    + key alpha/ci -> file:[DIR]/{owner}-{name}.key, exec:sh -c cat > [DIR]/exec-$FLEXPRICE_KEY_OWNER-$FLEXPRICE_KEY_NAME
    + service_account beta (roles: event_ingestor)
    + key beta/ci -> file:[DIR]/{owner}-{name}.key, exec:sh -c cat > [DIR]/exec-$FLEXPRICE_KEY_OWNER-$FLEXPRICE_KEY_NAME
    Plan: 4 to create, 0 to rotate, 0 to migrate, 0 to revoke, 0 to archive.
    New keys expire 7 days after their rotation and grace are over, so the server ends a key whose cron stopped running.
    exec: destinations cannot be read: whether they still hold their key's secret is not checked.
    + created service account alpha ([ALPHA]) with roles event_ingestor
    + created service account beta ([BETA]) with roles event_ingestor
    + created key alpha/ci ([KEY_1]) (stored in file:[DIR]/[ALPHA]-ci.key, exec:sh -c cat > [DIR]/exec-$FLEXPRICE_KEY_OWNER-$FLEXPRICE_KEY_NAME)
    + created key beta/ci ([KEY_2]) (stored in file:[DIR]/[BETA]-ci.key, exec:sh -c cat > [DIR]/exec-$FLEXPRICE_KEY_OWNER-$FLEXPRICE_KEY_NAME)
    Apply: 4 of 4 change(s) done, 0 failed, 0 not started.
    ");
    let mut secrets = Vec::new();
    for owner in [&alpha, &beta] {
        let secret = working_secret(&world, &dir.path().join(format!("{owner}-ci.key")), owner);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(format!("exec-{owner}-ci"))).unwrap(),
            secret
        );
        assert_eq!(live_keys(&world, owner, "ci").len(), 1);
        secrets.push(secret);
    }
    assert_ne!(secrets[0], secrets[1]);

    world.sandbox.clear_requests();
    run_manifest(&world, "plan", &path, &[])
        .code(0)
        .stdout_has("No changes");
    run_manifest(&world, "apply", &path, &[]).code(0);
    assert!(world.mutating_requests().is_empty());
}

/// The same with the keychain, whose entries are `<profile>/<owner id>/<key name>`: one entry
/// per account.
#[test]
fn two_new_accounts_keys_of_one_name_get_a_keychain_entry_each() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(dir.path(), &two_accounts(r#""keychain""#));
    let file = path.to_str().unwrap();
    world
        .run_keychain(&["plan", "-f", file])
        .code(11)
        .stdout_has("Plan: 4 to create");
    world.run_keychain(&["apply", "-f", file, "--yes"]).code(0);
    let (alpha, beta) = alpha_and_beta(&world);
    let mut secrets = Vec::new();
    for owner in [&alpha, &beta] {
        let secret = secret_tool_lookup("flexprice-admin", &format!("default/{owner}/ci"))
            .unwrap_or_else(|| panic!("no keychain entry for {owner}"));
        let me = world.run_as(&secret, &["whoami", "-o", "json"]);
        me.code(0);
        assert_eq!(me.json()["id"], owner.as_str(), "{}", me.stdout);
        secrets.push(secret);
    }
    assert_ne!(secrets[0], secrets[1]);
    world
        .run_keychain(&["plan", "-f", file])
        .code(0)
        .stdout_has("No changes");
}

/// What `{owner}` would tell apart, `{name}` alone does not: the two keys `ci` would share one
/// file. Refused (exit 2) naming both, before anything is sent.
#[test]
fn two_accounts_keys_of_one_name_in_one_file_are_refused_before_anything_is_sent() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let path = manifest(dir.path(), &two_accounts(r#""file:{dir}/{name}.key""#));
    let named = [(dir.path().to_str().unwrap(), "[DIR]")];
    let plan = run_manifest(&world, "plan", &path, &[]);
    insta::assert_snapshot!(world.shown(&plan, &named), @"
    exit 2
    --- stdout
    --- stderr
    error: [DIR]/flexprice.toml:17:12: store file:[DIR]/{name}.key: key 'ci' of 'beta' and key 'ci' of 'alpha' (line 8) would both be delivered there, the second secret overwriting the first; put {owner} and {name} in a file: path, or $FLEXPRICE_KEY_OWNER and $FLEXPRICE_KEY_NAME in an exec: command
    hint: `man flexprice-admin-manifest` describes every field
    ");
    let apply = run_manifest(&world, "apply", &path, &[]);
    assert_eq!(
        (apply.code, &apply.stdout, &apply.stderr),
        (plan.code, &plan.stdout, &plan.stderr),
        "apply refuses as plan does"
    );
    assert!(world.requests().is_empty(), "nothing was sent");
    assert!(!dir.path().join("ci.key").exists());
}

/// An `exec:` command tells keys apart only by the variables the command really reads. Two
/// new accounts' keys `ci` into `sh -c 'cat > DIR/$FLEXPRICE_KEY_OWNER_$FLEXPRICE_KEY_NAME.key'`
/// both land in `DIR/ci.key`: `sh` reads `$FLEXPRICE_KEY_OWNER_` (`_` continues a variable's
/// name), which is empty. And a key named `FLEXPRICE_KEY_OWNER` in each account, into
/// `DIR/$FLEXPRICE_KEY_NAME.key`, lands in one file whatever its owner. The check took the text
/// `FLEXPRICE_KEY_OWNER` for a mention of the owner in both cases (in the second it filled in
/// the name, then read the owner's variable in the name it had filled in): plan and apply
/// accepted both, and apply delivered the second secret over the first. Both are refused now,
/// by plan and apply alike, with nothing sent.
#[test]
fn exec_commands_that_only_seem_to_read_the_owner_are_refused() {
    for (name, command) in [
        (
            "ci",
            "cat > {dir}/$FLEXPRICE_KEY_OWNER_$FLEXPRICE_KEY_NAME.key",
        ),
        ("FLEXPRICE_KEY_OWNER", "cat > {dir}/$FLEXPRICE_KEY_NAME.key"),
    ] {
        let world = World::new();
        let dir = tempfile::tempdir().unwrap();
        let text = two_accounts(&format!(r#""exec:sh -c '{command}'""#))
            .replace(r#"name = "ci""#, &format!(r#"name = "{name}""#));
        let path = manifest(dir.path(), &text);
        let plan = run_manifest(&world, "plan", &path, &[]);
        plan.code(2)
            .stderr_has(&format!(
                "key '{name}' of 'beta' and key '{name}' of 'alpha'"
            ))
            .stderr_has("would both be delivered there");
        let apply = run_manifest(&world, "apply", &path, &[]);
        assert_eq!(
            (apply.code, &apply.stderr),
            (plan.code, &plan.stderr),
            "apply refuses as plan does"
        );
        if name == "ci" {
            plan.stderr_has("write ${FLEXPRICE_KEY_OWNER} where one follows");
        }
        assert!(world.requests().is_empty(), "nothing was sent");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "only the manifest"
        );
    }
}

/// A new account's keys stand under a stand-in owner in apply's pre-flight. When a place is
/// refused there (`{owner}` names a directory, which cannot exist before the account does), the
/// refusal used to name the stand-in: "the directory DIR/user_00000000000000000000000000 does
/// not exist", a path that never will; making it would change nothing. It names `{owner}` and
/// says what to do, in the text and in `-o json`; the other key still goes through (exit 8).
#[test]
fn a_refused_place_of_a_new_account_never_names_its_stand_in_owner() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"version = 1
[[service_account]]
name = "gamma"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "ci"
  store = ["file:{dir}/{owner}/{name}.key"]
  [[service_account.key]]
  name = "ok"
  store = ["file:{dir}/{owner}-{name}.key"]
"#;
    let path = manifest(dir.path(), text);
    for format in ["plain", "json"] {
        let world = World::new();
        let apply = run_manifest(&world, "apply", &path, &["-o", format]);
        apply
            .code(8)
            .stderr_has(&format!("file:{}/{{owner}}/ci.key", dir.path().display()))
            .stderr_has("service account gamma is created by this apply");
        for text in [&apply.stdout, &apply.stderr] {
            assert!(!text.contains("user_000"), "the stand-in shows:\n{text}");
        }
    }
}

/// `apply --prune` acts only on the accounts the manifest names: it revokes the key the
/// manifest leaves out of `bot` and archives `gone`, declared absent, and nothing else. Keys of
/// the same names held by another service account, by people (one of them named `bot`, another
/// `gone`, as the accounts are) and by the admin running it all stay live.
#[test]
fn prune_touches_only_the_accounts_the_manifest_names() {
    let world = World::with_immediate_revocation();
    let dir = tempfile::tempdir().unwrap();
    let sandbox = &world.sandbox;
    let bot = sandbox.seed_service_account("bot", &["event_ingestor"]);
    let gone = sandbox.seed_service_account("gone", &["event_ingestor"]);
    let other = sandbox.seed_service_account("other", &["event_ingestor"]);
    let person_bot = sandbox.seed_user("bot", "bot@example.com", &["all_reader"]);
    let person_gone = sandbox.seed_user("gone", "gone@example.com", &["all_reader"]);
    let admin = sandbox.admin_user_id().to_string();
    // bot's declared key, fresh and delivered.
    let declared = world.seed_key("k", Some(&bot), 1, None);
    std::fs::write(dir.path().join("k.key"), format!("{}\n", declared.raw_key)).unwrap();
    let stale = world.seed_key("stale", Some(&bot), 1, None).id;
    let gone_key = world.seed_key("k", Some(&gone), 1, None).id;
    // Everyone else's keys of the same names: (owner, name, id, secret).
    let mut others = Vec::new();
    for owner in [&other, &person_bot, &person_gone, &admin] {
        for name in ["k", "stale"] {
            let key = world.seed_key(name, Some(owner), 1, None);
            others.push((owner.clone(), name, key.id, key.raw_key));
        }
    }
    let text = r#"version = 1
[[service_account]]
name = "bot"
roles = ["event_ingestor"]
  [[service_account.key]]
  name = "k"
  store = ["file:{dir}/k.key"]
[[service_account]]
name = "gone"
absent = true
"#;
    let path = manifest(dir.path(), text);
    let named = [
        (stale.as_str(), "[STALE]"),
        (gone.as_str(), "[GONE]"),
        (dir.path().to_str().unwrap(), "[DIR]"),
    ];
    let plan = run_manifest(&world, "plan", &path, &["--prune"]);
    insta::assert_snapshot!(world.shown(&plan, &named), @"
    exit 11
    --- stdout
    - key [STALE] (stale) of bot: revoke (not in the manifest)
    - service_account gone ([GONE]): revoke 1 key(s) and archive (declared absent)
    Plan: 0 to create, 0 to rotate, 0 to migrate, 1 to revoke, 1 to archive.
    --- stderr
    ");
    let apply = run_manifest(&world, "apply", &path, &["--prune"]);
    insta::assert_snapshot!(world.shown_batch(&apply, &named), @"
    exit 0
    --- stdout
    --- stderr
    - key [STALE] (stale) of bot: revoke (not in the manifest)
    - service_account gone ([GONE]): revoke 1 key(s) and archive (declared absent)
    Plan: 0 to create, 0 to rotate, 0 to migrate, 1 to revoke, 1 to archive.
    - revoked key [STALE] (stale)
    - revoked 1 key(s) and archived service account gone ([GONE])
    Flexprice may keep accepting a just-revoked key for up to two minutes (its verification cache).
    Apply: 2 of 2 change(s) done, 0 failed, 0 not started.
    ");

    assert_eq!(world.status(&stale), "deleted");
    assert_eq!(world.status(&gone_key), "deleted");
    assert_eq!(sandbox.user_status(&gone).as_deref(), Some("archived"));
    assert_eq!(world.status(&declared.id), "published");
    for (owner, name, id, secret) in &others {
        assert_eq!(world.status(id), "published", "{owner}'s {name}");
        world.assert_works(secret);
    }
    for id in [&bot, &other, &person_bot, &person_gone, &admin] {
        assert_eq!(
            sandbox.user_status(id).as_deref(),
            Some("published"),
            "{id}"
        );
    }
    world.run(&["whoami"]).code(0);
    run_manifest(&world, "plan", &path, &["--prune"]).code(0);
}
