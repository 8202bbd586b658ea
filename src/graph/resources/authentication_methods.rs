//! `authentication` (a user's authentication methods): Temporary Access Pass,
//! and the tenant's policy for it.

use crate::graph::model::NewTemporaryAccessPass;
use crate::graph::odata::user_path;
use crate::graph::resources::GraphCall;
use crate::graph::GraphRequest;
use crate::http::Method;

/// Creates a Temporary Access Pass for the user `key` (object id or UPN):
/// `POST /users/{key}/authentication/temporaryAccessPassMethods` with `pass`
/// as the body (lifetime in minutes, 10 to 43200 per the tenant policy;
/// usable once or not). 201 with the pass in `temporaryAccessPass`; a new
/// pass replaces the user's previous one. 400 when the tenant's
/// authentication-methods policy does not enable TAP.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/authentication-post-temporaryaccesspassmethods?view=graph-rest-1.0>.
/// Permission: `UserAuthMethod-TAP.ReadWrite.All` (the map's least; the
/// broader `UserAuthenticationMethod.ReadWrite.All` also works).
pub fn create_temporary_access_pass(key: &str, pass: &NewTemporaryAccessPass) -> GraphRequest {
    GraphRequest::post(
        format!(
            "{}/authentication/temporaryAccessPassMethods",
            user_path(key)
        ),
        Some(serde_json::to_value(pass).unwrap_or_default()),
    )
}

/// Entry of [`create_temporary_access_pass`] in [`super::CALLS`].
pub const CREATE_TEMPORARY_ACCESS_PASS: GraphCall = GraphCall {
    name: "authentication_methods::create_temporary_access_pass",
    method: Method::Post,
    path_template: "/users/{id}/authentication/temporaryAccessPassMethods",
    least_permission: "UserAuthMethod-TAP.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/authentication-post-temporaryaccesspassmethods?view=graph-rest-1.0",
};

/// The tenant's Temporary Access Pass policy:
/// `GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`,
/// a `temporaryAccessPassAuthenticationMethodConfiguration` (state, minimum,
/// maximum and default lifetime, one-time only or not).
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/temporaryaccesspassauthenticationmethodconfiguration-get?view=graph-rest-1.0>.
/// Permission: `Policy.Read.AuthenticationMethod` (the map's least for
/// this path).
pub fn get_temporary_access_pass_policy() -> GraphRequest {
    GraphRequest::get(
        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
    )
}

/// Entry of [`get_temporary_access_pass_policy`] in [`super::CALLS`].
pub const GET_TEMPORARY_ACCESS_PASS_POLICY: GraphCall = GraphCall {
    name: "authentication_methods::get_temporary_access_pass_policy",
    method: Method::Get,
    path_template: "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
    least_permission: "Policy.Read.AuthenticationMethod",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/temporaryaccesspassauthenticationmethodconfiguration-get?view=graph-rest-1.0",
};

/// A user's authentication methods: `GET /users/{key}/authentication/methods`.
/// A page of `authenticationMethod`s, each with its `@odata.type`
/// (`#microsoft.graph.phoneAuthenticationMethod`, ...) and `id`; every
/// user with a password lists a `passwordAuthenticationMethod`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/authentication-list-methods?view=graph-rest-1.0>.
/// Permission: `UserAuthenticationMethod.Read.All` (the map's least).
pub fn list_methods(key: &str) -> GraphRequest {
    GraphRequest::get(format!("{}/authentication/methods", user_path(key)))
}

/// Entry of [`list_methods`] in [`super::CALLS`].
pub const LIST_METHODS: GraphCall = GraphCall {
    name: "authentication_methods::list_methods",
    method: Method::Get,
    path_template: "/users/{id}/authentication/methods",
    least_permission: "UserAuthenticationMethod.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/authentication-list-methods?view=graph-rest-1.0",
};

/// The authentication method types an MFA reset removes, each deleted at
/// its own endpoint under its own least permission. The password cannot be
/// deleted through Graph, and a Temporary Access Pass is replaced by
/// issuing a new one, so neither is here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MethodType {
    /// `phoneAuthenticationMethod` (SMS and voice).
    Phone,
    /// `microsoftAuthenticatorAuthenticationMethod`.
    MicrosoftAuthenticator,
    /// `fido2AuthenticationMethod` (security keys, passkeys).
    Fido2,
    /// `softwareOathAuthenticationMethod` (third-party authenticator apps).
    SoftwareOath,
    /// `emailAuthenticationMethod` (self-service password reset by email).
    Email,
    /// `windowsHelloForBusinessAuthenticationMethod`.
    WindowsHello,
}

impl MethodType {
    /// Every type, in the order plans list them.
    pub const ALL: &'static [MethodType] = &[
        MethodType::Phone,
        MethodType::MicrosoftAuthenticator,
        MethodType::Fido2,
        MethodType::SoftwareOath,
        MethodType::Email,
        MethodType::WindowsHello,
    ];

    /// The input name (`data.methods`): `phone`, `microsoftAuthenticator`,
    /// `fido2`, `softwareOath`, `email`, `windowsHello`.
    pub fn name(self) -> &'static str {
        match self {
            MethodType::Phone => "phone",
            MethodType::MicrosoftAuthenticator => "microsoftAuthenticator",
            MethodType::Fido2 => "fido2",
            MethodType::SoftwareOath => "softwareOath",
            MethodType::Email => "email",
            MethodType::WindowsHello => "windowsHello",
        }
    }

    /// The type of an input name, exact.
    pub fn parse(name: &str) -> Option<MethodType> {
        MethodType::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// The CSDL entity type, as in `@odata.type` after `#microsoft.graph.`.
    pub fn odata_type(self) -> &'static str {
        match self {
            MethodType::Phone => "phoneAuthenticationMethod",
            MethodType::MicrosoftAuthenticator => "microsoftAuthenticatorAuthenticationMethod",
            MethodType::Fido2 => "fido2AuthenticationMethod",
            MethodType::SoftwareOath => "softwareOathAuthenticationMethod",
            MethodType::Email => "emailAuthenticationMethod",
            MethodType::WindowsHello => "windowsHelloForBusinessAuthenticationMethod",
        }
    }

    /// The type of an `@odata.type` value (`#microsoft.graph.…`).
    pub fn from_odata_type(value: &str) -> Option<MethodType> {
        let name = value.trim_start_matches("#microsoft.graph.");
        MethodType::ALL
            .iter()
            .copied()
            .find(|t| t.odata_type().eq_ignore_ascii_case(name))
    }

    /// Words for people ("Microsoft Authenticator").
    pub fn label(self) -> &'static str {
        match self {
            MethodType::Phone => "phone",
            MethodType::MicrosoftAuthenticator => "Microsoft Authenticator",
            MethodType::Fido2 => "FIDO2 security key",
            MethodType::SoftwareOath => "software OATH token",
            MethodType::Email => "email",
            MethodType::WindowsHello => "Windows Hello for Business",
        }
    }

    /// The [`GraphCall`] that deletes a method of this type.
    pub fn delete_call(self) -> GraphCall {
        match self {
            MethodType::Phone => DELETE_PHONE_METHOD,
            MethodType::MicrosoftAuthenticator => DELETE_MICROSOFT_AUTHENTICATOR_METHOD,
            MethodType::Fido2 => DELETE_FIDO2_METHOD,
            MethodType::SoftwareOath => DELETE_SOFTWARE_OATH_METHOD,
            MethodType::Email => DELETE_EMAIL_METHOD,
            MethodType::WindowsHello => DELETE_WINDOWS_HELLO_METHOD,
        }
    }

    fn segment(self) -> &'static str {
        match self {
            MethodType::Phone => "phoneMethods",
            MethodType::MicrosoftAuthenticator => "microsoftAuthenticatorMethods",
            MethodType::Fido2 => "fido2Methods",
            MethodType::SoftwareOath => "softwareOathMethods",
            MethodType::Email => "emailMethods",
            MethodType::WindowsHello => "windowsHelloForBusinessMethods",
        }
    }
}

/// Deletes one method of the user `key`:
/// `DELETE /users/{key}/authentication/{type}Methods/{method_id}`, 204. Entra
/// refuses (400) the user's default MFA method while other methods remain,
/// and 404s a method already gone. The least permission is per type
/// ([`MethodType::delete_call`]).
///
/// Learn: e.g. <https://learn.microsoft.com/en-us/graph/api/phoneauthenticationmethod-delete?view=graph-rest-1.0>.
pub fn delete_method(key: &str, kind: MethodType, method_id: &str) -> GraphRequest {
    GraphRequest::delete(format!(
        "{}/authentication/{}/{}",
        user_path(key),
        kind.segment(),
        crate::graph::odata::encode_component(method_id)
    ))
}

/// [`delete_method`] for phones. Permission: `UserAuthMethod-Phone.ReadWrite.All`.
pub const DELETE_PHONE_METHOD: GraphCall = GraphCall {
    name: "authentication_methods::delete_method(phone)",
    method: Method::Delete,
    path_template: "/users/{id}/authentication/phoneMethods/{id}",
    least_permission: "UserAuthMethod-Phone.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/phoneauthenticationmethod-delete?view=graph-rest-1.0",
};

/// [`delete_method`] for Microsoft Authenticator. Permission:
/// `UserAuthMethod-MicrosoftAuthApp.ReadWrite.All`.
pub const DELETE_MICROSOFT_AUTHENTICATOR_METHOD: GraphCall = GraphCall {
    name: "authentication_methods::delete_method(microsoftAuthenticator)",
    method: Method::Delete,
    path_template: "/users/{id}/authentication/microsoftAuthenticatorMethods/{id}",
    least_permission: "UserAuthMethod-MicrosoftAuthApp.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/microsoftauthenticatorauthenticationmethod-delete?view=graph-rest-1.0",
};

/// [`delete_method`] for FIDO2 keys. Permission: `UserAuthMethod-Passkey.ReadWrite.All`.
pub const DELETE_FIDO2_METHOD: GraphCall = GraphCall {
    name: "authentication_methods::delete_method(fido2)",
    method: Method::Delete,
    path_template: "/users/{id}/authentication/fido2Methods/{id}",
    least_permission: "UserAuthMethod-Passkey.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/fido2authenticationmethod-delete?view=graph-rest-1.0",
};

/// [`delete_method`] for software OATH tokens. Permission:
/// `UserAuthMethod-SoftwareOATH.ReadWrite.All`.
pub const DELETE_SOFTWARE_OATH_METHOD: GraphCall = GraphCall {
    name: "authentication_methods::delete_method(softwareOath)",
    method: Method::Delete,
    path_template: "/users/{id}/authentication/softwareOathMethods/{id}",
    least_permission: "UserAuthMethod-SoftwareOATH.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/softwareoathauthenticationmethod-delete?view=graph-rest-1.0",
};

/// [`delete_method`] for email. Permission: `UserAuthMethod-Email.ReadWrite.All`.
pub const DELETE_EMAIL_METHOD: GraphCall = GraphCall {
    name: "authentication_methods::delete_method(email)",
    method: Method::Delete,
    path_template: "/users/{id}/authentication/emailMethods/{id}",
    least_permission: "UserAuthMethod-Email.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/emailauthenticationmethod-delete?view=graph-rest-1.0",
};

/// [`delete_method`] for Windows Hello for Business. Permission:
/// `UserAuthMethod-WindowsHello.ReadWrite.All`.
pub const DELETE_WINDOWS_HELLO_METHOD: GraphCall = GraphCall {
    name: "authentication_methods::delete_method(windowsHello)",
    method: Method::Delete,
    path_template: "/users/{id}/authentication/windowsHelloForBusinessMethods/{id}",
    least_permission: "UserAuthMethod-WindowsHello.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/windowshelloforbusinessauthenticationmethod-delete?view=graph-rest-1.0",
};
