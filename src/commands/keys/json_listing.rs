//! `keys list -o json`'s writer: listed keys rendered straight from the answer into the JSON
//! array, in chunks. The usual answer, every key at once, is rendered as it is decoded, a large
//! one in runs on two threads (see `listing`).

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Mutex;

use jiff::Timestamp;

use super::listing::{TakesKeys, each_in_run, whole_answer};
use super::scope::KeyScope;
use crate::api::endpoints::KeyPager;
use crate::api::models::{Environment, ListedKey};
use crate::api::wire::Text;
use crate::api::{Answer, Client};
use crate::commands::members::Members;
use crate::error::CommandResult;
use crate::output::render::JsonArray;
use crate::views::write_listed_key;

/// Rendered keys are written out when they reach this size: one buffer, reused while it is in
/// the cache, rather than megabytes of fresh memory for the kernel to map (the profile of 10,000
/// keys showed a fifth of the time in page faults).
pub const CHUNK: usize = 64 * 1024;

/// What goes before every item of a JSON array but the first.
const NEXT_ITEM: &[u8] = b",\n  ";

/// Buffers of rendered runs, handed back once written, for the next run to reuse.
type Spare = Mutex<Vec<Vec<u8>>>;

/// How a listed key is shown: only those in `scope`, each with its user's name, marked
/// orphaned or not when the tenant's `members` are known, and with the environment they all
/// live in when it is known.
#[derive(Clone, Copy)]
pub struct Renderer<'r> {
    pub scope: &'r KeyScope,
    pub users: &'r HashMap<String, String>,
    pub members: Option<&'r Members>,
    pub environment: Option<&'r Environment>,
    pub now: Timestamp,
}

impl Renderer<'_> {
    /// Appends `key` after `separator` when it is in scope; whether it was.
    fn render(&self, out: &mut Vec<u8>, separator: &[u8], key: &ListedKey<'_>) -> bool {
        if !self.scope.matches_listed(key) {
            return false;
        }
        let owner = match (&key.service_account_name, &key.user_id) {
            (None, Some(user)) => self.users.get(user.as_str()).map(String::as_str),
            _ => None,
        };
        let orphaned = self.members.map(|m| {
            m.orphans(
                key.user_id.as_ref().map(|u| u.as_str()),
                key.expires_at.map(|at| at.at),
                self.now,
            )
        });
        out.extend_from_slice(separator);
        write_listed_key(out, key, owner, orphaned, self.environment, self.now);
        true
    }

    /// Renders a run of keys (see `listing::take_runs`), each shown after [`NEXT_ITEM`], in a
    /// buffer from `spare` when there is one.
    fn render_run<'b>(&self, run: &'b str, spare: &Spare) -> RenderedRun<'b> {
        let mut bytes = spare
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_default();
        bytes.clear();
        // About what the keys take rendered (pretty, with two fields more: 1.13 times the
        // answer's bytes for the server's keys).
        bytes.reserve(run.len() / 4 * 5);
        let mut keys = Vec::new();
        let whole = each_in_run(run, |key| {
            let shown = self.render(&mut bytes, NEXT_ITEM, &key);
            keys.push((key.id, shown.then_some(bytes.len())));
        });
        RenderedRun { bytes, keys, whole }
    }
}

/// Writes listed keys into a JSON array: those the renderer shows, up to `left` of them.
pub struct ListedWriter<'w, W: Write> {
    pub out: &'w mut JsonArray<W>,
    pub rendered: &'w mut Vec<u8>,
    pub renderer: Renderer<'w>,
    pub left: usize,
}

/// A run of keys rendered by either thread: the bytes of those shown, each after
/// [`NEXT_ITEM`], every key's ID with the end of its bytes when it was shown, and whether the
/// run decoded as items to its end (if not, `keys` are those before the failure).
struct RenderedRun<'b> {
    bytes: Vec<u8>,
    keys: Vec<(Text<'b>, Option<usize>)>,
    whole: bool,
}

impl<W: Write> ListedWriter<'_, W> {
    /// Renders one key kept by the listing, writing out a full chunk.
    pub fn write(&mut self, key: &ListedKey<'_>) -> io::Result<()> {
        if self.left == 0 || !self.renderer.scope.matches_listed(key) {
            return Ok(());
        }
        let separator = self.out.separator();
        self.renderer.render(self.rendered, separator, key);
        self.left -= 1;
        if self.rendered.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.write_rendered(self.rendered)?;
        self.rendered.clear();
        Ok(())
    }

    /// The usual answer, all keys in one, written as it is decoded (see
    /// `listing::whole_answer`); `false`: not such an answer, nothing done.
    pub fn whole_listing(
        &mut self,
        client: &Client,
        pager: &mut KeyPager<'_>,
        answer: &Answer,
    ) -> CommandResult<bool> {
        let renderer = self.renderer;
        let spare = Spare::default();
        let work = |run| renderer.render_run(run, &spare);
        whole_answer(
            client,
            pager,
            answer,
            work,
            &mut Writing {
                writer: self,
                spare: &spare,
            },
        )
    }

    /// Writes what [`ListedWriter::write`] would have of a rendered run's keys (a prefix, cut by
    /// `keep` and `left`), in the same chunks, and hands every ID on to `ids`; the run's buffer
    /// back, for another. The same chunks, so that an answer that fails part-way has written
    /// what it writes on one thread; without copying, but for the part of a chunk left over.
    fn commit<'b>(
        &mut self,
        run: RenderedRun<'b>,
        keep: usize,
        ids: &mut Vec<Text<'b>>,
    ) -> io::Result<Vec<u8>> {
        // What `write` would hold is `self.rendered`, then `run.bytes[unwritten..kept]`.
        let (mut from, mut unwritten, mut kept) = (0, 0, 0);
        for (id, shown_until) in run.keys {
            if let Some(until) = shown_until {
                if ids.len() < keep && self.left > 0 {
                    self.left -= 1;
                    let separator = self.out.separator();
                    if separator != NEXT_ITEM {
                        // The array's first item.
                        self.rendered.extend_from_slice(separator);
                        self.rendered
                            .extend_from_slice(&run.bytes[from + NEXT_ITEM.len()..until]);
                        unwritten = until;
                    }
                    kept = until;
                    if self.rendered.len() + kept - unwritten >= CHUNK {
                        self.flush()?;
                        self.out.write_rendered(&run.bytes[unwritten..kept])?;
                        unwritten = kept;
                    }
                }
                from = until;
            }
            ids.push(id);
        }
        self.rendered.extend_from_slice(&run.bytes[unwritten..kept]);
        Ok(run.bytes)
    }
}

/// A [`ListedWriter`] taking a whole answer's keys, and handing the buffers of the runs it
/// wrote back to `spare`.
struct Writing<'a, 'w, W: Write> {
    writer: &'a mut ListedWriter<'w, W>,
    spare: &'a Spare,
}

impl<'b, W: Write> TakesKeys<'b> for Writing<'_, '_, W> {
    type Run = RenderedRun<'b>;

    fn take_run(
        &mut self,
        run: RenderedRun<'b>,
        keep: usize,
        ids: &mut Vec<Text<'b>>,
    ) -> CommandResult<bool> {
        let whole = run.whole;
        let bytes = self.writer.commit(run, keep, ids)?;
        if let Ok(mut spare) = self.spare.lock() {
            spare.push(bytes);
        }
        Ok(whole)
    }

    fn take_key(&mut self, key: &ListedKey<'b>) -> CommandResult<()> {
        Ok(self.writer.write(key)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::models::Page;

    impl<W: Write> ListedWriter<'_, W> {
        /// What `whole_listing` does with the runs of a large answer.
        fn take_runs<'b>(
            &mut self,
            runs: &[&'b str],
            keep: usize,
            ids: &mut Vec<Text<'b>>,
        ) -> bool {
            let renderer = self.renderer;
            let spare = Spare::default();
            let work = |run| renderer.render_run(run, &spare);
            let writing = &mut Writing {
                writer: self,
                spare: &spare,
            };
            crate::commands::keys::listing::take_runs(runs, work, writing, keep, ids).unwrap()
        }
    }

    /// A page of `n` keys as the server writes it: hostile names here and there, and, when
    /// `nested`, in some keys an unknown field holding objects (where a cut may land, and the
    /// two threads must stop).
    fn page(n: usize, nested: bool) -> String {
        let items: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                let mut key = serde_json::json!({"id": format!("secret_{i}"),
                    "name": match i % 5 { 0 => "x},{".to_string(), 1 => "quote \" \\ é".to_string(), _ => format!("key-{}", i % 7) },
                    "type": "private_key", "display_id": "sk_01***AA", "roles": ["event_ingestor"],
                    "user_type": "service_account", "user_id": "user_01", "service_account_name": "bot",
                    "status": "published", "created_at": "2026-08-22T13:05:42.123456Z",
                    "expires_at": if i % 3 == 0 { Some("2026-09-01T00:00:00Z") } else { None }});
                if nested && i % 4 == 0 {
                    key["nested"] = serde_json::json!([{"id": "a"}, {"id": "b"}]);
                }
                key
            })
            .collect();
        serde_json::json!({"items": items, "pagination": {"total": n, "limit": 0, "offset": 0}})
            .to_string()
    }

    /// The items of `body` cut into runs at the cuts `at` (offsets in the items, of a `,`).
    fn cut_at<'b>(body: &'b str, at: &[usize]) -> Vec<&'b str> {
        let start = body.find('[').unwrap() + 1;
        let end = body.rfind("],\"pagination\"").unwrap();
        let items = &body[start..end];
        let mut from = 0;
        let mut runs = Vec::new();
        for &at in at {
            runs.push(&items[from..at]);
            from = at + 1;
        }
        runs.push(&items[from..]);
        runs
    }

    /// What [`listing`] wrote and handed on.
    struct Listed {
        /// The JSON array written.
        out: String,
        /// How many IDs went to the pager.
        ids: usize,
        /// How many of them the two threads took (none on one thread).
        by_two: usize,
        /// Whether the two threads took them all.
        whole: bool,
    }

    /// What `keys list -o json` writes of `body`'s keys under `scope`, `keep` and `left`, on
    /// one thread or two (over `runs`).
    fn listing(
        body: &str,
        runs: Option<&[&str]>,
        scope: &KeyScope,
        keep: usize,
        left: usize,
    ) -> Listed {
        listing_in(body, runs, scope, None, keep, left)
    }

    /// [`listing`] of keys that live in a known `environment`.
    fn listing_in(
        body: &str,
        runs: Option<&[&str]>,
        scope: &KeyScope,
        environment: Option<&Environment>,
        keep: usize,
        left: usize,
    ) -> Listed {
        let users = HashMap::new();
        // Nobody is a member: every live key with an owner is written marked orphaned, so
        // both threads' marks are compared too.
        let members = Members::default();
        let now: Timestamp = "2026-08-22T13:05:42Z".parse().unwrap();
        let mut bytes = Vec::new();
        let mut out = JsonArray::new(&mut bytes).unwrap();
        let mut rendered = Vec::new();
        let mut writer = ListedWriter {
            out: &mut out,
            rendered: &mut rendered,
            renderer: Renderer {
                scope,
                users: &users,
                members: Some(&members),
                environment,
                now,
            },
            left,
        };
        let mut ids = Vec::new();
        let whole = runs.is_some_and(|runs| writer.take_runs(runs, keep, &mut ids));
        let by_two = ids.len();
        if !whole {
            // As `whole_listing` goes on after the two threads stopped part-way.
            let page: Page<ListedKey<'_>> = serde_json::from_str(body).unwrap();
            for key in page.items.into_iter().skip(ids.len()) {
                if ids.len() < keep {
                    writer.write(&key).unwrap();
                }
                ids.push(key.id);
            }
        }
        writer.flush().unwrap();
        out.finish().unwrap();
        Listed {
            out: String::from_utf8(bytes).unwrap(),
            ids: ids.len(),
            by_two,
            whole,
        }
    }

    #[test]
    fn two_threads_write_what_one_does() {
        let everything = KeyScope::default();
        let named = KeyScope {
            accounts: Vec::new(),
            name: Some("key-3".into()),
        };
        let production: Environment = serde_json::from_value(serde_json::json!({
            "id": "env_01K3ABCDEFGHJKMNPQRSTVWXYZ", "name": "Prod \"EU\"", "type": "production"}))
        .unwrap();
        for nested in [false, true] {
            let body = page(400, nested);
            // Every size of run, from one key each to two runs.
            for size in [0, 1, 900, 5000, body.len() / 2] {
                let runs = crate::api::wire::item_runs_of(&body, 0, size).unwrap();
                for scope in [&everything, &named] {
                    for (keep, left) in [
                        (400, usize::MAX),
                        (400, 0),
                        (400, 1),
                        (150, 80),
                        (250, 1),
                        (399, 1000),
                        (0, 5),
                    ] {
                        for environment in [None, Some(&production)] {
                            let one = listing_in(&body, None, scope, environment, keep, left);
                            let two =
                                listing_in(&body, Some(&runs), scope, environment, keep, left);
                            let what = format!(
                                "{size} {:?} keep {keep} left {left} {}",
                                scope.name,
                                environment.is_some()
                            );
                            assert_eq!(one.out, two.out, "{what}");
                            assert_eq!((one.ids, two.ids), (400, 400));
                            // Without nested objects, every cut is between keys.
                            assert!(nested || two.whole, "{size}");
                        }
                    }
                }
                let all = listing(&body, Some(&runs), &everything, 400, usize::MAX).out;
                let all: Vec<serde_json::Value> = serde_json::from_str(&all).unwrap();
                assert_eq!(all.len(), 400);
                let placed = listing_in(
                    &body,
                    Some(&runs),
                    &everything,
                    Some(&production),
                    400,
                    usize::MAX,
                )
                .out;
                let placed: Vec<serde_json::Value> = serde_json::from_str(&placed).unwrap();
                assert!(
                    placed
                        .iter()
                        .all(|k| k["environment_name"] == "Prod \"EU\"")
                );
            }
        }
    }

    #[test]
    fn a_cut_inside_an_item_falls_back_to_one_thread_where_it_stopped() {
        let body = page(40, true);
        // Between keys 1 and 2, and between the two nested objects of key 8 (keys 0, 4 and 8
        // have them): the second run ends inside key 8.
        let start = body.find('[').unwrap() + 1;
        let items = &body[start..];
        let first = items.match_indices("},{\"created_at\"").nth(1).unwrap().0 + 1;
        let (at, _) = items
            .match_indices(r#""nested":[{"id":"a"},{"id":"b"}]"#)
            .nth(2)
            .unwrap();
        let second = at + items[at..].find("},{").unwrap() + 1;
        let runs = cut_at(&body, &[first, second]);
        let scope = KeyScope::default();
        let two = listing(&body, Some(&runs), &scope, 40, usize::MAX);
        assert!(!two.whole);
        assert_eq!(two.by_two, 8, "keys 0 to 7 written, key 8 cut");
        let one = listing(&body, None, &scope, 40, usize::MAX);
        assert_eq!((two.out, two.ids), (one.out, one.ids));
        // A run after a cut inside an item is never written, even one that decodes whole: here
        // key 8 holds three objects shaped as keys, and the runs are cut between them.
        let planted = r#"{"id":"secret_planted","name":"planted","type":"private_key","display_id":"sk_01***PP","status":"published","created_at":"2026-08-22T13:05:42Z"}"#;
        let body = page(40, false);
        let ninth = body.match_indices(r#"{"created_at":"#).nth(8).unwrap().0;
        let body = format!(
            r#"{}{{"planted":[{planted},{planted},{planted}],{}"#,
            &body[..ninth],
            &body[ninth + 1..]
        );
        let items = &body[body.find('[').unwrap() + 1..];
        let cut = format!("}},{planted}");
        let inside: Vec<usize> = (0..items.len())
            .filter(|&at| items.as_bytes()[at..].starts_with(cut.as_bytes()))
            .map(|at| at + 1)
            .collect();
        assert_eq!(inside.len(), 2);
        let runs = cut_at(&body, &inside);
        assert!(each_in_run(runs[1], |_| ()));
        let two = listing(&body, Some(&runs), &scope, 40, usize::MAX);
        assert!(!two.whole);
        assert!(!two.out.contains("secret_planted"));
        let one = listing(&body, None, &scope, 40, usize::MAX);
        assert_eq!((two.out, two.ids), (one.out, one.ids));
    }
}
