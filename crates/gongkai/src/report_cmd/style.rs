//! Terminal colour, only when the output is a terminal and `NO_COLOR` is not
//! set (https://no-color.org).

use gongkai_report::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    colour: bool,
}

impl Style {
    pub fn plain() -> Style {
        Style { colour: false }
    }

    /// Colour when `is_terminal` and `NO_COLOR` is unset or empty.
    pub fn detect(is_terminal: bool) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            colour: is_terminal && !no_color,
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// "[错误]" in red, "[警告]" in yellow, "[提示]" in cyan.
    pub fn severity_tag(self, severity: Severity) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "33",
            Severity::Info => "36",
        };
        self.paint(code, &format!("[{}]", severity.label()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_when_asked() {
        assert_eq!(Style::plain().severity_tag(Severity::Error), "[错误]");
        let c = Style { colour: true };
        assert_eq!(
            c.severity_tag(Severity::Warning),
            "\u{1b}[33m[警告]\u{1b}[0m"
        );
        assert!(!Style::detect(false).colour);
    }
}
