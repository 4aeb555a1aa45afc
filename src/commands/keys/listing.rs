//! Reading a key listing's answers key by key, without copying a string (see `api::wire`):
//! `keys list -o json` writes the keys, `keys audit` checks them and keeps the few it reports.
//! The usual answer, every key at once, is read as it is decoded, and a large one on two
//! threads: the profile of 10,000 keys showed most of the CPU after the answer arrived going to
//! decoding it, and the machines this runs on have a second core.

use std::ops::ControlFlow;

use crate::api::endpoints::KeyPager;
use crate::api::models::{ListedKey, ListedKeys, Page};
use crate::api::plain_key;
use crate::api::wire::{Text, item_runs, trailing_pagination};
use crate::api::{Answer, Client};
use crate::error::{CommandError, CommandResult};

/// The keys of one answer of `pager`, decoded without copying a string and taken in by it
/// (duplicates of earlier pages and keys beyond its `max` dropped), handed to `each` in order.
pub fn each_listed_key<E>(
    client: &Client,
    pager: &mut KeyPager<'_>,
    answer: &Answer,
    mut each: impl FnMut(&ListedKey<'_>) -> Result<(), E>,
) -> CommandResult<()>
where
    CommandError: From<E>,
{
    let mut page: Page<ListedKey<'_>> = client.decode_answer(answer)?;
    pager.take(&page.pagination, &mut page.items)?;
    for key in &page.items {
        each(key)?;
    }
    Ok(())
}

/// What a command does with the keys of a whole answer ([`whole_answer`]): with each key, on
/// one thread, or with what its `work` made of a run of them on either of two.
pub trait TakesKeys<'b> {
    /// What the work made of a run of keys: the keys' IDs, in order, among the rest.
    type Run: Send;

    /// Takes the listing's next run: each of its keys counts when it is among the first `keep`
    /// the pager keeps, and its ID goes to the pager (`ids`) in any case, as
    /// [`KeyPager::take`] expects. `false` when the run did not decode whole (its keys up to
    /// the failure taken): no run after it is.
    fn take_run(
        &mut self,
        run: Self::Run,
        keep: usize,
        ids: &mut Vec<Text<'b>>,
    ) -> CommandResult<bool>;

    /// Takes one key that counts, decoded on this thread.
    fn take_key(&mut self, key: &ListedKey<'b>) -> CommandResult<()>;
}

/// The usual answer, all keys in one (the first, ending with its `pagination`, which says
/// so), taken by `taker` as it is decoded: no list of its keys is built, only their IDs are
/// kept for the pager. Exactly the keys [`KeyPager::take`] keeps count, the first `keep`, since
/// the pagination read from the end of the body says `keep` before the keys are read. `false`:
/// not such an answer, nothing done.
///
/// A large answer is cut into runs ([`item_runs`]) that this thread and another turn into
/// [`TakesKeys::Run`]s with `work`, each taking the next run, and that `taker` takes in order
/// on this one: with two halves instead, the thread that also writes finished well after the
/// other, which idled.
pub fn whole_answer<'b, T: TakesKeys<'b>>(
    client: &Client,
    pager: &mut KeyPager<'_>,
    answer: &'b Answer,
    work: impl Fn(&'b str) -> T::Run + Sync,
    taker: &mut T,
) -> CommandResult<bool> {
    let Some(expected) = trailing_pagination(answer.body()) else {
        return Ok(false);
    };
    let Some(keep) = pager.whole_listing(&expected) else {
        return Ok(false);
    };
    let mut ids: Vec<Text<'b>> = Vec::new();
    // One thread refuses a body that is not UTF-8 before it takes a single key (and takes none
    // of it), wherever the bad byte is: so does this, rather than write the runs before it, or
    // accept one whose bad byte lies where no run looks (in an unknown field of `pagination`).
    if let Ok(body) = std::str::from_utf8(answer.body())
        && let Some(runs) = item_runs(body)
        && take_runs(&runs, work, taker, keep, &mut ids)?
    {
        // The page is exactly its items and this `pagination` (see `item_runs`).
        pager.take(&expected, &mut ids)?;
        return Ok(true);
    }
    // One thread, from the first key not yet taken (all of them, unless the two threads stopped
    // part-way): a malformed answer fails here, with the message a whole decoding gives.
    let done = ids.len();
    let mut seen = 0;
    let mut failed = None;
    let decoded = client.decode_answer_with(
        answer,
        ListedKeys(|key: ListedKey<'b>| {
            seen += 1;
            if seen <= done {
                return Ok(());
            }
            if ids.len() < keep
                && let Err(e) = taker.take_key(&key)
            {
                let stop = e.to_string();
                failed = Some(e);
                return Err(stop);
            }
            ids.push(key.id);
            Ok(())
        }),
    );
    if let Some(e) = failed {
        return Err(e);
    }
    let pagination = decoded?;
    if (pagination.total, pagination.limit) != (expected.total, expected.limit) {
        return Err(CommandError::failure(format!(
            "the answer of {} keys carries two different `pagination` fields",
            ids.len()
        )));
    }
    pager.take(&pagination, &mut ids)?;
    Ok(true)
}

/// The runs of [`item_runs`], turned into [`TakesKeys::Run`]s by this thread and another with
/// `work`, each taking the next run neither has taken, and taken in order by `taker` on this
/// one as they are ready. `false` when a run did not decode whole: the runs before it, and its
/// keys before the failure, were taken, and the caller goes on from there.
pub fn take_runs<'b, T: TakesKeys<'b>>(
    runs: &[&'b str],
    work: impl Fn(&'b str) -> T::Run + Sync,
    taker: &mut T,
    keep: usize,
    ids: &mut Vec<Text<'b>>,
) -> CommandResult<bool> {
    let flow = crate::parallel::in_order(
        runs.len(),
        |i| work(runs[i]),
        |run| match taker.take_run(run, keep, ids) {
            Ok(true) => ControlFlow::Continue(()),
            Ok(false) => ControlFlow::Break(Ok(false)),
            Err(e) => ControlFlow::Break(Err(e)),
        },
    );
    match flow {
        ControlFlow::Continue(()) => Ok(true),
        ControlFlow::Break(outcome) => outcome,
    }
}

/// Each key of a run of [`item_runs`], listed keys as they stand in an array (`{…},{…}`, no
/// brackets), in order, each borrowing from it as a whole decoding would. `false` when the run
/// is anything else (not items, not ending where its last item does): the keys before that
/// point were handed on, and the caller decodes the answer as a whole from there.
pub fn each_in_run<'b>(run: &'b str, mut each: impl FnMut(ListedKey<'b>)) -> bool {
    // The server's layout is read by the fast path; anything else, by serde_json.
    let plain = plain_key::is_plain(run.as_bytes());
    let mut at = 0;
    loop {
        let rest = &run[at..];
        let Some((key, len)) = plain
            .then(|| plain_key::listed_key(rest))
            .flatten()
            .or_else(|| {
                let mut keys = serde_json::Deserializer::from_str(rest).into_iter();
                let key = keys.next()?.ok()?;
                Some((key, keys.byte_offset()))
            })
        else {
            return false;
        };
        each(key);
        at += len;
        match run.as_bytes().get(at) {
            None => return true,
            Some(b',') => at += 1,
            Some(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_its_items_and_nothing_else() {
        let mut names = Vec::new();
        let run = r#"{"id":"a","name":"n","type":"t","display_id":"d","status":"s","created_at":"2026-08-22T13:05:42Z"},{"id":"b","name":"m","type":"t","display_id":"d","status":"s","created_at":"2026-08-22T13:05:42Z"}"#;
        assert!(each_in_run(run, |key| names.push(key.name.as_str().to_string())));
        assert_eq!(names, ["n", "m"]);
        for bad in [
            "",
            r#"{"id":"a"}"#,
            "1,2",
            r#"{"id":"a","name":"n","type":"t","display_id":"d","status":"s","created_at":"2026-08-22T13:05:42Z"}]"#,
        ] {
            assert!(!each_in_run(bad, |_| ()), "{bad}");
        }
    }
}
