//! Page templates (minijinja), compiled into the binary and overridable from a folder.
//!
//! HTML is only ever produced here, with auto-escaping on (`.html` names).

use crate::error::AppError;
use minijinja::{Environment, Value};
use std::path::PathBuf;

/// The compiled-in templates, by name.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("error.html", include_str!("../templates/error.html")),
    (
        "portal_index.html",
        include_str!("../templates/portal_index.html"),
    ),
    (
        "portal_agency.html",
        include_str!("../templates/portal_agency.html"),
    ),
    (
        "portal_column.html",
        include_str!("../templates/portal_column.html"),
    ),
    ("login.html", include_str!("../templates/login.html")),
    ("password.html", include_str!("../templates/password.html")),
    (
        "dashboard.html",
        include_str!("../templates/dashboard.html"),
    ),
    ("agencies.html", include_str!("../templates/agencies.html")),
    (
        "agency_form.html",
        include_str!("../templates/agency_form.html"),
    ),
    ("users.html", include_str!("../templates/users.html")),
    (
        "one_time_password.html",
        include_str!("../templates/one_time_password.html"),
    ),
    ("audit.html", include_str!("../templates/audit.html")),
    ("settings.html", include_str!("../templates/settings.html")),
    (
        "proactive_items.html",
        include_str!("../templates/proactive_items.html"),
    ),
    (
        "proactive_form.html",
        include_str!("../templates/proactive_form.html"),
    ),
    (
        "proactive_fields.html",
        include_str!("../templates/proactive_fields.html"),
    ),
    (
        "proactive_item.html",
        include_str!("../templates/proactive_item.html"),
    ),
    (
        "portal_item_columns.html",
        include_str!("../templates/portal_item_columns.html"),
    ),
    (
        "portal_item_list.html",
        include_str!("../templates/portal_item_list.html"),
    ),
    (
        "portal_item.html",
        include_str!("../templates/portal_item.html"),
    ),
    (
        "portal_search.html",
        include_str!("../templates/portal_search.html"),
    ),
    ("push.html", include_str!("../templates/push.html")),
    (
        "spot_checks.html",
        include_str!("../templates/spot_checks.html"),
    ),
    (
        "spot_check_form.html",
        include_str!("../templates/spot_check_form.html"),
    ),
    (
        "spot_check.html",
        include_str!("../templates/spot_check.html"),
    ),
    // console features of proactive disclosure
    (
        "catalogue.html",
        include_str!("../templates/catalogue.html"),
    ),
    (
        "sensitive_words.html",
        include_str!("../templates/sensitive_words.html"),
    ),
    (
        "proactive_version.html",
        include_str!("../templates/proactive_version.html"),
    ),
    (
        "statistics.html",
        include_str!("../templates/statistics.html"),
    ),
    (
        "import_form.html",
        include_str!("../templates/import_form.html"),
    ),
    (
        "import_preview.html",
        include_str!("../templates/import_preview.html"),
    ),
    (
        "import_done.html",
        include_str!("../templates/import_done.html"),
    ),
];

/// The stylesheet, served at `/static/app.css` (no inline styles: the CSP forbids them).
pub const STYLESHEET: &str = include_str!("../templates/app.css");

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// With `override_dir`, a template file of the same name there wins over the embedded one.
    pub fn new(override_dir: Option<PathBuf>) -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.set_loader(
            move |name: &str| -> Result<Option<String>, minijinja::Error> {
                if let Some(dir) = &override_dir
                    && !name.contains("..")
                    && !name.contains('/')
                {
                    let path = dir.join(name);
                    if path.is_file() {
                        return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                            minijinja::Error::new(
                                minijinja::ErrorKind::InvalidOperation,
                                format!("cannot read template {}: {e}", path.display()),
                            )
                        });
                    }
                }
                Ok(EMBEDDED
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, src)| (*src).to_owned()))
            },
        );
        let t = Self { env };
        // Fail at start, not on first request, when a template does not compile.
        for (name, _) in EMBEDDED {
            t.env.get_template(name)?;
        }
        Ok(t)
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, AppError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| AppError::Internal(format!("template {name}: {e:#}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    #[test]
    fn output_is_escaped() {
        let t = Templates::new(None).unwrap();
        let html = t
            .render(
                "error.html",
                context! { status => 400, message => "<script>alert(1)</script>", code => "x" },
            )
            .unwrap();
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("lang=\"zh-CN\""));
    }

    #[test]
    fn a_folder_overrides_a_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("error.html"), "自定义 {{ message }}").unwrap();
        let t = Templates::new(Some(dir.path().to_owned())).unwrap();
        let html = t
            .render("error.html", context! { message => "a&b" })
            .unwrap();
        assert_eq!(html, "自定义 a&amp;b");
    }
}
