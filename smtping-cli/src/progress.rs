//! Progress on a terminal: what a check is waiting for and how long is left, for every wait
//! that lasts more than a second (the pause before a retry, the follow-through's polling, a
//! port of a sweep that has to time out). Drawn on stderr, only when stderr is a terminal
//! (nothing on a pipe, nothing in a file, nothing under `--jsonl`); cleared before the
//! result is printed.
//!
//! The check sends [`ProgressEvent`]s on its task; a small thread here owns the spinner and
//! redraws the countdown four times a second.

use std::io::IsTerminal;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use smtping_client::progress::{ProgressEvent, ProgressSink};

/// A wait is shown once it has lasted this long.
const SHOW_AFTER: Duration = Duration::from_secs(1);
/// How often the countdown is redrawn.
const TICK: Duration = Duration::from_millis(250);

enum Msg {
    Wait(String, Duration),
    Done,
    /// The check has ended: clear and exit (even if a sink clone is still alive).
    Stop,
}

/// The spinner thread; [`finish`](Self::finish) clears it.
pub(crate) struct TerminalProgress {
    tx: Option<mpsc::Sender<Msg>>,
    thread: Option<JoinHandle<()>>,
}

/// `4 min 12 s`, `29 s`: the time left, in whole seconds (rounded up, so it never reads 0
/// while waiting).
pub(crate) fn left_words(left: Duration) -> String {
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {:02} s", s / 60, s % 60),
        s => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

/// The line for a wait begun at `started` with `up_to`, at `now`; `None` while it is too
/// young to show.
pub(crate) fn line(text: &str, up_to: Duration, started: Instant, now: Instant) -> Option<String> {
    let elapsed = now.saturating_duration_since(started);
    if elapsed < SHOW_AFTER {
        return None;
    }
    // The countdown first: a narrow terminal cuts the end of the line, not the time.
    let left = up_to.saturating_sub(elapsed);
    Some(if left.is_zero() {
        format!("any moment now · {text}")
    } else {
        format!("{} left · {text}", left_words(left))
    })
}

impl TerminalProgress {
    /// A progress display on stderr, when stderr is a terminal; `None` otherwise.
    pub(crate) fn start() -> Option<(ProgressSink, Self)> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let (tx, rx) = mpsc::channel::<Msg>();
        let thread = std::thread::Builder::new()
            .name("smtping-progress".into())
            .spawn(move || run(&rx))
            .ok()?;
        let sink_tx = std::sync::Mutex::new(tx.clone());
        let sink = ProgressSink::new(move |e: &ProgressEvent| {
            let msg = match e {
                ProgressEvent::Waiting(w) => Msg::Wait(w.to_string(), w.up_to),
                _ => Msg::Done,
            };
            if let Ok(tx) = sink_tx.lock() {
                let _ = tx.send(msg);
            }
        });
        Some((
            sink,
            Self {
                tx: Some(tx),
                thread: Some(thread),
            },
        ))
    }

    /// Clears the display and waits for its thread (the check has ended).
    pub(crate) fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Msg::Stop);
        }
        if let Some(t) = self.thread.take() {
            // The thread ends at Stop; it never blocks longer than a tick.
            let _ = t.join();
        }
    }
}

impl Drop for TerminalProgress {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(rx: &mpsc::Receiver<Msg>) {
    let mut current: Option<(String, Duration, Instant)> = None;
    let mut bar: Option<indicatif::ProgressBar> = None;
    loop {
        match rx.recv_timeout(TICK) {
            Ok(Msg::Wait(text, up_to)) => {
                current = Some((text, up_to, Instant::now()));
            }
            Ok(Msg::Done) => {
                current = None;
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Ok(Msg::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if let Some((text, up_to, started)) = &current
            && let Some(l) = line(text, *up_to, *started, Instant::now())
        {
            let b = bar.get_or_insert_with(|| {
                let b = indicatif::ProgressBar::with_draw_target(
                    None,
                    indicatif::ProgressDrawTarget::stderr(),
                );
                b.set_style(
                    indicatif::ProgressStyle::with_template("{spinner} {wide_msg}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                );
                b
            });
            b.set_message(l);
            b.tick();
        }
    }
    if let Some(b) = bar.take() {
        b.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_in_words() {
        assert_eq!(left_words(Duration::from_millis(29_100)), "30 s");
        assert_eq!(left_words(Duration::from_secs(29)), "29 s");
        assert_eq!(left_words(Duration::from_secs(252)), "4 min 12 s");
        assert_eq!(
            left_words(Duration::from_secs(3 * 3600 + 5 * 60)),
            "3 h 05 min"
        );
    }

    #[test]
    fn a_wait_shows_after_a_second_with_its_countdown() {
        let t0 = Instant::now();
        let text = "waiting for the message to land in the seed mailbox";
        let up_to = Duration::from_secs(300);
        assert_eq!(line(text, up_to, t0, t0 + Duration::from_millis(900)), None);
        assert_eq!(
            line(text, up_to, t0, t0 + Duration::from_secs(12)).as_deref(),
            Some("4 min 48 s left · waiting for the message to land in the seed mailbox")
        );
        assert_eq!(
            line(text, up_to, t0, t0 + Duration::from_secs(301)).as_deref(),
            Some("any moment now · waiting for the message to land in the seed mailbox")
        );
    }
}
