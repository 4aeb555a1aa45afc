//! Work shared by this thread and one other, its results taken in order: how a large answer's
//! runs of keys are decoded (see `api::wire::item_runs`) on the second core the machines this
//! runs on have, while this thread writes or checks them.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// How many results the other thread may have made that this one has not received: while this
/// one is slow (writing to a slow reader), the other waits rather than fill memory.
const AHEAD: usize = 4;

/// Runs `work` for each of `0..n` on this thread and one other, each taking the next index
/// neither has taken, and hands each result to `take`, on this thread, in index order, as soon
/// as it and those before it are ready. `take` breaking stops both (work under way is finished
/// and dropped) and its value is returned. A panic of `work` on the other thread is resumed
/// here.
pub fn in_order<T: Send, B>(
    n: usize,
    work: impl Fn(usize) -> T + Sync,
    mut take: impl FnMut(T) -> ControlFlow<B>,
) -> ControlFlow<B> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let claim = || {
        (!stop.load(Ordering::Relaxed))
            .then(|| next.fetch_add(1, Ordering::Relaxed))
            .filter(|&i| i < n)
    };
    let work = &work;
    std::thread::scope(|threads| {
        // Bounded, yet this thread never waits on the other in vain: the other sends in the
        // order it takes indices, so the one this thread waits for was sent before any the
        // other is blocked on.
        let (done, results) = mpsc::sync_channel(AHEAD);
        let other = threads.spawn(move || {
            while let Some(i) = claim() {
                if done.send((i, work(i))).is_err() {
                    break;
                }
            }
        });
        let mut ready: Vec<Option<T>> = (0..n).map(|_| None).collect();
        let mut taken = 0;
        let flow = loop {
            if taken == n {
                break ControlFlow::Continue(());
            }
            if let Some(result) = ready[taken].take() {
                taken += 1;
                if let ControlFlow::Break(b) = take(result) {
                    break ControlFlow::Break(b);
                }
                continue;
            }
            // The next to take is the other thread's: received if it is done (only then, so
            // that the other stays at most AHEAD results ahead), else this one works on the
            // next index, or, with none left, waits for it. The other sends each index it took,
            // unless it panicked.
            if let Ok((i, result)) = results.try_recv() {
                ready[i] = Some(result);
            } else if let Some(i) = claim() {
                ready[i] = Some(work(i));
            } else {
                match results.recv() {
                    Ok((i, result)) => ready[i] = Some(result),
                    Err(_) => break ControlFlow::Continue(()),
                }
            }
        };
        stop.store(true, Ordering::Relaxed);
        // An other thread blocked on a full channel wakes up, its send failing.
        drop(results);
        if let Err(panic) = other.join() {
            std::panic::resume_unwind(panic);
        }
        flow
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_taken_in_order_whichever_thread_made_them() {
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        let mut taken = Vec::new();
        let flow = in_order(
            500,
            |i| {
                threads.lock().unwrap().insert(std::thread::current().id());
                // The first waits for the other thread to have worked too.
                while i == 0 && threads.lock().unwrap().len() < 2 {
                    std::thread::yield_now();
                }
                // Uneven work, so that the two threads overtake each other.
                (0..(i % 7) * 1000).fold(i, |a, b| a ^ b)
                    ^ (0..(i % 7) * 1000).fold(0, |a, b| a ^ b)
            },
            |i: usize| {
                taken.push(i);
                ControlFlow::<()>::Continue(())
            },
        );
        assert_eq!(flow, ControlFlow::Continue(()));
        assert_eq!(taken, (0..500).collect::<Vec<_>>());
        assert_eq!(threads.lock().unwrap().len(), 2, "both threads worked");
    }

    #[test]
    fn a_break_is_returned_and_nothing_is_taken_after_it() {
        let mut taken = 0;
        let flow = in_order(
            10_000,
            |i| i,
            |i| {
                taken += 1;
                if i == 20 {
                    ControlFlow::Break("stopped")
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        assert_eq!(flow, ControlFlow::Break("stopped"));
        assert_eq!(taken, 21);
    }

    #[test]
    fn the_other_thread_stays_at_most_a_few_results_ahead_of_a_slow_taker() {
        // Results the other thread made and this one has not taken yet: at most AHEAD in the
        // channel, one blocked in sending and one received.
        let (made, taken, most) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        let main = std::thread::current().id();
        let flow = in_order(
            300,
            |i| {
                let other = std::thread::current().id() != main;
                if other {
                    let ahead =
                        made.fetch_add(1, Ordering::SeqCst) + 1 - taken.load(Ordering::SeqCst);
                    most.fetch_max(ahead, Ordering::SeqCst);
                }
                (i, other)
            },
            |(_, other)| {
                // A taker slower than the work (as writing to a slow reader is), so that an
                // unbounded other thread would run far ahead.
                let start = std::time::Instant::now();
                while start.elapsed() < std::time::Duration::from_micros(50) {
                    std::hint::spin_loop();
                }
                if other {
                    taken.fetch_add(1, Ordering::SeqCst);
                }
                ControlFlow::<()>::Continue(())
            },
        );
        assert_eq!(flow, ControlFlow::Continue(()));
        assert!(made.load(Ordering::SeqCst) > 0);
        assert!(
            most.load(Ordering::SeqCst) <= AHEAD + 2,
            "{}",
            most.load(Ordering::SeqCst)
        );
    }

    #[test]
    fn nothing_to_do_takes_nothing() {
        let flow = in_order(0, |i| i, |_| ControlFlow::Break(()));
        assert_eq!(flow, ControlFlow::Continue(()));
    }

    #[test]
    #[should_panic(expected = "work 3")]
    fn a_panic_of_the_work_is_resumed() {
        let _ = in_order(
            8,
            |i| {
                if i == 3 {
                    panic!("work 3");
                }
                i
            },
            |_| ControlFlow::<()>::Continue(()),
        );
    }
}
