//! Work shared by this thread and one other, its results taken in order: how a large answer's
//! runs of keys are decoded (see `api::wire::item_runs`) on the second core the machines this
//! runs on have, while this thread writes or checks them.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

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
        let (done, results) = mpsc::channel();
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
            while let Ok((i, result)) = results.try_recv() {
                ready[i] = Some(result);
            }
            if taken == n {
                break ControlFlow::Continue(());
            }
            if let Some(result) = ready[taken].take() {
                taken += 1;
                if let ControlFlow::Break(b) = take(result) {
                    break ControlFlow::Break(b);
                }
            } else if let Some(i) = claim() {
                ready[i] = Some(work(i));
            } else {
                // The next to take is the other thread's, which sends each it claimed, unless
                // it panicked.
                match results.recv() {
                    Ok((i, result)) => ready[i] = Some(result),
                    Err(_) => break ControlFlow::Continue(()),
                }
            }
        };
        stop.store(true, Ordering::Relaxed);
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
