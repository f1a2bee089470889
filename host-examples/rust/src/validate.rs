//! JSON documents in, verdict out, through the component's `validation.validate-json`. The CLI
//! and the shared vector tests use this.

use crate::bindings::wit::{RequestKind, Violation};
use crate::convert::describe_violations;
use crate::error::HostError;
use crate::runtime::{Runtime, Session};

/// The violation code the component gives JSON it cannot read.
pub const INVALID_JSON: &str = "invalid-json";

/// The component's verdict on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validated<T> {
    /// Valid: the normalised request, ready to send.
    Valid(T),
    /// Invalid: every violation found, in the server's rule order.
    Invalid(Vec<Violation>),
}

impl<T> Validated<T> {
    pub fn is_valid(&self) -> bool {
        matches!(self, Validated::Valid(_))
    }

    /// The violations (empty when valid).
    pub fn violations(&self) -> &[Violation] {
        match self {
            Validated::Valid(_) => &[],
            Validated::Invalid(v) => v,
        }
    }
}

impl Session {
    /// Validates a standard create body (JSON), optionally against the vendor's registered
    /// system (JSON in Altinn's shape). Valid: the normalised body as it would be sent.
    /// JSON the component cannot read is `HostError::Decode`, not a verdict.
    pub fn validate_standard(&mut self, request_json: &[u8], system_json: Option<&[u8]>) -> Result<Validated<Vec<u8>>, HostError> {
        verdict(self.validate_json(RequestKind::Standard, request_json, system_json)?)
    }

    /// The same for an agent create body.
    pub fn validate_agent(&mut self, request_json: &[u8], system_json: Option<&[u8]>) -> Result<Validated<Vec<u8>>, HostError> {
        verdict(self.validate_json(RequestKind::Agent, request_json, system_json)?)
    }
}

impl Runtime {
    /// `Session::validate_standard` in a fresh session.
    pub fn validate_standard(&self, request_json: &[u8], system_json: Option<&[u8]>) -> Result<Validated<Vec<u8>>, HostError> {
        self.session().validate_standard(request_json, system_json)
    }

    /// `Session::validate_agent` in a fresh session.
    pub fn validate_agent(&self, request_json: &[u8], system_json: Option<&[u8]>) -> Result<Validated<Vec<u8>>, HostError> {
        self.session().validate_agent(request_json, system_json)
    }
}

/// An `invalid-json` violation means a document could not be read at all (field `system`: the
/// registered system; else the request): that is not a verdict on the request.
fn verdict(answer: Result<Vec<u8>, Vec<Violation>>) -> Result<Validated<Vec<u8>>, HostError> {
    let violations = match answer {
        Ok(body) => return Ok(Validated::Valid(body)),
        Err(violations) => violations,
    };
    let Some(unreadable) = violations.iter().find(|v| v.code == INVALID_JSON) else {
        return Ok(Validated::Invalid(violations));
    };
    let document = if unreadable.field == "system" { "registered system" } else { "request" };
    Err(HostError::Decode { document, message: describe_violations(&violations), violations })
}
