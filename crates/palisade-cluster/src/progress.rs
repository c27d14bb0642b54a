//! The progress bar on stderr while lists are read: only on a terminal, gone when done.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Bar(Option<ProgressBar>);

impl Bar {
    pub fn new(wanted: bool, lists: usize) -> Bar {
        if !wanted || !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = ProgressBar::with_draw_target(Some(lists as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} reading the cluster [{bar:20}] {pos}/{len} lists, {msg}",
        )
        .map(|style| style.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message("0 objects");
        bar.enable_steady_tick(Duration::from_millis(120));
        Bar(Some(bar))
    }

    pub fn finished_one(&self, kind: &str, objects: usize) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
            bar.set_message(format!("{objects} objects ({kind} done)"));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
