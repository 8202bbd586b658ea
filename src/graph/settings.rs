//! Where the client connects and as whom.

/// Default Entra sign-in endpoint.
pub const DEFAULT_LOGIN_BASE: &str = "https://login.microsoftonline.com";
/// Default Graph endpoint (the client appends `/v1.0`).
pub const DEFAULT_GRAPH_BASE: &str = "https://graph.microsoft.com";

/// Tenant, app and endpoints. The client secret is passed separately as a
/// [`crate::secret::Secret`] so this struct can be logged and stored freely.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GraphSettings {
    /// Tenant GUID or verified domain name (never `common`).
    pub tenant_id: String,
    /// The app registration's application (client) id.
    pub client_id: String,
    /// Entra sign-in endpoint, without trailing `/` (default
    /// [`DEFAULT_LOGIN_BASE`]; the emulator's in tests).
    #[serde(default = "default_login_base")]
    pub login_base: String,
    /// Graph endpoint without `/v1.0` (default [`DEFAULT_GRAPH_BASE`]).
    #[serde(default = "default_graph_base")]
    pub graph_base: String,
}

fn default_login_base() -> String {
    DEFAULT_LOGIN_BASE.to_string()
}

fn default_graph_base() -> String {
    DEFAULT_GRAPH_BASE.to_string()
}

/// A settings field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The field's JSON name (`tenantId`, `clientId`, `loginBase`,
    /// `graphBase`).
    pub field: &'static str,
    /// What is wrong, for the admin page.
    pub message: String,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for SettingsError {}

impl GraphSettings {
    /// Settings for the given tenant and app with Microsoft's endpoints.
    pub fn new(tenant_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        GraphSettings {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            login_base: default_login_base(),
            graph_base: default_graph_base(),
        }
    }

    /// Points both endpoints elsewhere (the emulator, in tests and the sandbox).
    pub fn with_bases(mut self, login_base: &str, graph_base: &str) -> Self {
        self.login_base = login_base.trim_end_matches('/').to_string();
        self.graph_base = graph_base.trim_end_matches('/').to_string();
        self
    }

    /// Checks the fields before any request: tenant id present, not a
    /// multi-tenant alias (`common`, `organizations`, `consumers`) and made of
    /// letters, digits, `-` and `.`; client id a GUID; both bases http(s)
    /// URLs. The first problem found is returned.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let tenant = self.tenant_id.trim();
        if tenant.is_empty() {
            return Err(field_error("tenantId", "is required"));
        }
        if tenant.eq_ignore_ascii_case("common")
            || tenant.eq_ignore_ascii_case("organizations")
            || tenant.eq_ignore_ascii_case("consumers")
        {
            return Err(field_error(
                "tenantId",
                "must be the tenant's id or domain, not a multi-tenant alias",
            ));
        }
        if !tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(field_error(
                "tenantId",
                "may contain only letters, digits, '-' and '.'",
            ));
        }
        if uuid::Uuid::parse_str(self.client_id.trim()).is_err() {
            return Err(field_error("clientId", "must be a GUID"));
        }
        for (field, base) in [
            ("loginBase", &self.login_base),
            ("graphBase", &self.graph_base),
        ] {
            if !(base.starts_with("https://") || base.starts_with("http://")) {
                return Err(field_error(field, "must be an http(s) URL"));
            }
        }
        Ok(())
    }

    /// `{graph_base}/v1.0`.
    pub fn graph_root(&self) -> String {
        format!("{}/v1.0", self.graph_base.trim_end_matches('/'))
    }

    /// `{login_base}/{tenant_id}/oauth2/v2.0/token`, the v2.0
    /// client-credentials endpoint.
    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.login_base.trim_end_matches('/'),
            self.tenant_id.trim()
        )
    }
}

fn field_error(field: &'static str, message: &str) -> SettingsError {
    SettingsError {
        field,
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_fields() {
        let ok = GraphSettings::new(
            "contoso.onmicrosoft.com",
            "00000000-0000-0000-0000-000000000001",
        );
        assert!(ok.validate().is_ok());
        let bad = GraphSettings::new("common", "00000000-0000-0000-0000-000000000001");
        assert_eq!(bad.validate().unwrap_err().field, "tenantId");
        let bad = GraphSettings::new("t", "nope");
        assert_eq!(bad.validate().unwrap_err().field, "clientId");
    }

    #[test]
    fn urls() {
        let s = GraphSettings::new("t1", "c").with_bases("http://emu/", "http://emu");
        assert_eq!(s.token_url(), "http://emu/t1/oauth2/v2.0/token");
        assert_eq!(s.graph_root(), "http://emu/v1.0");
    }
}
