//! Showing job events: an indicatif bar on a TTY, plain lines when piped, JSON lines with
//! `--json`.

use crate::jobs::{Event, ProgressSink};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How events are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bar,
    Plain,
    Json,
}

impl Mode {
    /// JSON when asked; a bar when standard error is a terminal; plain lines otherwise.
    pub fn pick(json: bool) -> Mode {
        if json {
            Mode::Json
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Plain
        }
    }
}

struct State {
    bar: Option<ProgressBar>,
    phase: String,
    started: Instant,
    last_plain: Option<Instant>,
}

/// A [`ProgressSink`] for the terminal.
pub struct Progress {
    mode: Mode,
    state: Mutex<State>,
}

/// How often plain mode prints a progress line.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

fn human(bytes: f64) -> String {
    const U: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = bytes;
    let mut i = 0;
    while v >= 1000.0 && i < U.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    format!("{v:.1} {}", U[i])
}

impl Progress {
    pub fn new(mode: Mode) -> Self {
        Progress {
            mode,
            state: Mutex::new(State {
                bar: None,
                phase: String::new(),
                started: Instant::now(),
                last_plain: None,
            }),
        }
    }

    /// Remove the bar (before printing a summary).
    pub fn finish(&self) {
        if let Ok(mut s) = self.state.lock()
            && let Some(b) = s.bar.take()
        {
            b.finish_and_clear();
        }
    }

    /// A line for the user (a question, an answer) above the bar, or plain on stderr.
    pub fn say(&self, text: &str) {
        match self.state.lock() {
            Ok(s) if s.bar.is_some() => {
                if let Some(b) = &s.bar {
                    b.println(text);
                }
            }
            _ => Self::line(text),
        }
    }

    fn line(text: &str) {
        let mut e = std::io::stderr().lock();
        let _ = writeln!(e, "{text}");
    }
}

/// One line for a `Progress` event (other events give an empty line).
fn progress_text(phase: &str, e: &Event, elapsed: Duration) -> String {
    let Event::Progress {
        done_bytes: done,
        total_bytes: total,
        lba,
        one_x_bytes_per_sec: one_x,
        errors,
        fifo_fill: fifo,
        drive_buffer_fill: buf,
    } = *e
    else {
        return String::new();
    };
    let secs = elapsed.as_secs_f64().max(1e-3);
    let rate = done as f64 / secs;
    let x = if one_x > 0 { rate / one_x as f64 } else { 0.0 };
    let pct = if total > 0 {
        done as f64 * 100.0 / total as f64
    } else {
        0.0
    };
    let mut s = format!(
        "{phase}: {} / {} ({pct:.1}%), LBA {lba}, {}/s ({x:.1}x)",
        human(done as f64),
        human(total as f64),
        human(rate)
    );
    if rate > 0.0 && total > done {
        s.push_str(&format!(", ETA {:.0} s", (total - done) as f64 / rate));
    }
    if errors > 0 {
        s.push_str(&format!(", {errors} errors"));
    }
    if let Some(f) = fifo {
        s.push_str(&format!(", fifo {:.0}%", f * 100.0));
    }
    if let Some(b) = buf {
        s.push_str(&format!(", drive buffer {:.0}%", b * 100.0));
    }
    s
}

impl ProgressSink for Progress {
    fn event(&self, e: &Event) {
        if self.mode == Mode::Json {
            // A closed standard output must not stop the job (a burn between tracks): the
            // write error is dropped here, and the summary after the job reports it.
            if let Ok(j) = serde_json::to_string(e) {
                let _ = crate::outln!("{j}");
            }
            return;
        }
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        match e {
            Event::Phase { name } => {
                if let Some(b) = s.bar.take() {
                    b.finish_and_clear();
                }
                s.phase = name.label().to_string();
                s.started = Instant::now();
                s.last_plain = None;
                if self.mode == Mode::Bar {
                    let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
                    if let Ok(style) = ProgressStyle::with_template("{bar:30.cyan/blue} {msg}") {
                        b.set_style(style);
                    }
                    s.bar = Some(b);
                } else {
                    Self::line(&format!("{}...", name.label()));
                }
            }
            Event::Progress {
                done_bytes,
                total_bytes,
                ..
            } => {
                let text = progress_text(&s.phase, e, s.started.elapsed());
                match self.mode {
                    Mode::Bar => {
                        if let Some(b) = &s.bar {
                            b.set_length(*total_bytes);
                            b.set_position(*done_bytes);
                            b.set_message(text);
                        }
                    }
                    _ => {
                        let due = s.last_plain.is_none_or(|t| t.elapsed() >= PLAIN_EVERY)
                            || done_bytes == total_bytes;
                        if due {
                            s.last_plain = Some(Instant::now());
                            Self::line(&text);
                        }
                    }
                }
            }
            Event::Notice { message } => match &s.bar {
                Some(b) => b.println(message),
                None => Self::line(message),
            },
            Event::ReadError { lba, count, reason } => {
                let msg = if *count > 1 {
                    format!("unreadable: LBA {lba}-{} ({reason})", lba + count - 1)
                } else {
                    format!("unreadable: LBA {lba} ({reason})")
                };
                match &s.bar {
                    Some(b) => b.println(msg),
                    None => Self::line(&msg),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_line_shows_x_factor_and_eta() {
        let e = Event::Progress {
            done_bytes: 1_385_000,
            total_bytes: 2_770_000,
            lba: 676,
            one_x_bytes_per_sec: 1_385_000,
            errors: 2,
            fifo_fill: Some(0.5),
            drive_buffer_fill: None,
        };
        let t = progress_text("copying", &e, Duration::from_secs(1));
        assert!(t.contains("(50.0%)"), "{t}");
        assert!(t.contains("(1.0x)"), "{t}");
        assert!(t.contains("ETA 1 s"), "{t}");
        assert!(t.contains("2 errors"), "{t}");
        assert!(t.contains("fifo 50%"), "{t}");
    }
}
