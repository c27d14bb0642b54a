//! Terminal styles. Text is styled only when colour is on; otherwise it is written plain.

use std::fmt;

use anstyle::{AnsiColor, Effects, Style};
use palisade_model::Severity;

pub(crate) const BOLD: Style = Style::new().effects(Effects::BOLD);
pub(crate) const DIM: Style = Style::new().effects(Effects::DIMMED);
pub(crate) const ERROR: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)))
    .effects(Effects::BOLD);
pub(crate) const SUCCESS: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)))
    .effects(Effects::BOLD);

/// critical bold red, high red, medium yellow, low blue, info dim.
pub(crate) fn severity(severity: Severity) -> Style {
    let color = |c: AnsiColor| Style::new().fg_color(Some(anstyle::Color::Ansi(c)));
    match severity {
        Severity::Critical => color(AnsiColor::Red).effects(Effects::BOLD),
        Severity::High => color(AnsiColor::Red),
        Severity::Medium => color(AnsiColor::Yellow),
        Severity::Low => color(AnsiColor::Blue),
        Severity::Info => DIM,
    }
}

/// `text` in `style` when `color` is on, plain otherwise. Padding given in the format string
/// (`{:<8}`) applies to the text, not to the escape codes.
pub(crate) struct Painted<'a> {
    pub style: Style,
    pub text: &'a str,
    pub color: bool,
}

pub(crate) fn paint(style: Style, text: &str, color: bool) -> Painted<'_> {
    Painted { style, text, color }
}

impl fmt::Display for Painted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.color {
            write!(f, "{}", self.style.render())?;
            self.text.fmt(f)?;
            write!(f, "{}", self.style.render_reset())
        } else {
            self.text.fmt(f)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_applies_to_text_only() {
        let plain = format!("{:<8}|", paint(BOLD, "high", false));
        assert_eq!(plain, "high    |");
        let coloured = format!("{:<8}|", paint(BOLD, "high", true));
        assert_eq!(coloured, "\u{1b}[1mhigh    \u{1b}[0m|");
    }
}
