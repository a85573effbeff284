//! Scopes: the OpenID Connect ones, and resource scopes (`{resource}/{permission}`).

use super::errors::AadError;

/// A resource API the emulator can issue (v1) access tokens for.
#[derive(Debug, PartialEq, Eq)]
pub struct Resource {
    /// The application ID URI, which is the token's `aud`.
    pub uri: &'static str,
    /// Permissions that may follow `{uri}/`.
    pub permissions: &'static [&'static str],
    /// The `scp` claim of its tokens.
    pub scp: &'static str,
}

pub const DIGITAL_TWINS: Resource = Resource {
    uri: "https://digitaltwins.azure.net",
    permissions: &[".default", "Read.Write"],
    scp: "Read.Write",
};
pub const MANAGEMENT: Resource = Resource {
    uri: "https://management.azure.com",
    permissions: &[".default", "user_impersonation"],
    scp: "user_impersonation",
};
/// What Entra ID issues an access token for when only OpenID scopes are asked for.
pub const GRAPH: Resource = Resource {
    uri: "https://graph.microsoft.com",
    permissions: &[".default", "User.Read"],
    scp: "User.Read",
};
pub const RESOURCES: [&Resource; 3] = [&DIGITAL_TWINS, &MANAGEMENT, &GRAPH];
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// A parsed `scope` parameter.
#[derive(Debug, Clone)]
pub struct ScopeRequest {
    /// As given, in order.
    pub requested: Vec<String>,
    /// Distinct resources, in order of first mention.
    pub resources: Vec<&'static Resource>,
}

impl ScopeRequest {
    /// Parses a space-separated scope list; `tenant` names the directory in errors.
    pub fn parse(scope: &str, tenant: &str) -> Result<Self, AadError> {
        let requested: Vec<String> = scope.split_whitespace().map(str::to_string).collect();
        if requested.is_empty() {
            return Err(AadError::MissingParameter("scope"));
        }
        let mut resources: Vec<&'static Resource> = Vec::new();
        for s in &requested {
            if OIDC_SCOPES.contains(&s.as_str()) {
                continue;
            }
            let resource = resource_of(s, tenant)?;
            if !resources.contains(&resource) {
                resources.push(resource);
            }
        }
        Ok(Self {
            requested,
            resources,
        })
    }

    /// For a token request: at most one resource (AADSTS28000).
    pub fn single_resource(self) -> Result<Self, AadError> {
        if self.resources.len() > 1 {
            Err(AadError::MultipleResources(self.requested.join(" ")))
        } else {
            Ok(self)
        }
    }

    pub fn has(&self, scope: &str) -> bool {
        self.requested.iter().any(|s| s == scope)
    }

    /// The access token's resource: the first asked for, else Microsoft Graph.
    pub fn resource(&self) -> &'static Resource {
        self.resources.first().copied().unwrap_or(&GRAPH)
    }

    /// The `scope` of the token response.
    pub fn granted(&self) -> String {
        let resource = self.resource();
        let mut out: Vec<String> = vec![format!("{}/{}", resource.uri, resource.scp)];
        out.extend(
            self.requested
                .iter()
                .filter(|s| OIDC_SCOPES.contains(&s.as_str()))
                .cloned(),
        );
        out.join(" ")
    }
}

fn resource_of(scope: &str, tenant: &str) -> Result<&'static Resource, AadError> {
    if scope == "User.Read" {
        return Ok(&GRAPH);
    }
    let Some((uri, permission)) = scope.rsplit_once('/') else {
        return Err(AadError::InvalidScope(scope.to_string()));
    };
    if !uri.starts_with("https://") && !uri.starts_with("http://") {
        return Err(AadError::InvalidScope(scope.to_string()));
    }
    let uri = uri.trim_end_matches('/');
    let resource = RESOURCES
        .iter()
        .copied()
        .find(|r| r.uri.eq_ignore_ascii_case(uri))
        .ok_or_else(|| AadError::UnknownResource {
            resource: uri.to_string(),
            tenant: tenant.to_string(),
        })?;
    if resource.permissions.contains(&permission) {
        Ok(resource)
    } else {
        Err(AadError::InvalidScope(scope.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_scope(scope: &str, expected_code: Option<u32>) {
        match (ScopeRequest::parse(scope, "Contoso"), expected_code) {
            (Ok(_), None) => {}
            (Err(e), Some(code)) => assert_eq!(e.code(), code, "{scope}: {e}"),
            (other, _) => panic!("{scope}: unexpected {other:?}"),
        }
    }

    #[test]
    fn scopes_are_parsed_as_entra_does() {
        check_scope("openid profile offline_access email", None);
        check_scope("openid https://digitaltwins.azure.net/.default", None);
        check_scope("https://management.azure.com/user_impersonation", None);
        check_scope("", Some(900144));
        check_scope("openid banana", Some(70011));
        check_scope("https://digitaltwins.azure.net/Nope", Some(70011));
        check_scope("https://example.com/.default", Some(500011));
        let two = ScopeRequest::parse(
            "https://digitaltwins.azure.net/.default https://management.azure.com/.default",
            "Contoso",
        )
        .unwrap();
        assert_eq!(two.single_resource().unwrap_err().code(), 28000);
    }

    #[test]
    fn only_openid_scopes_give_a_graph_token() {
        let s = ScopeRequest::parse("openid profile", "Contoso").unwrap();
        assert_eq!(s.resource().uri, "https://graph.microsoft.com");
        assert_eq!(
            s.granted(),
            "https://graph.microsoft.com/User.Read openid profile"
        );
    }
}
