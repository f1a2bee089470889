//! The one JSON vocabulary of every host that speaks JSON: the CLI's `--json` output and the
//! documents of the C ABI (`host-examples/c/ABI.md`). camelCase member names, as Altinn's own;
//! bytes as standard base64; timestamps as ISO 8601 UTC. Both directions live here, so the CLI
//! and `libsystemuser` can never drift apart:
//!
//! - [`values`]: requests, system users, registered systems, statuses (WIT → JSON);
//! - [`errors`]: the component's typed error (WIT → JSON);
//! - [`steps`]: an operation's steps and outcomes, HTTP requests (WIT → JSON);
//! - [`documents`]: configuration, tasks, inputs and create bodies (JSON → WIT).
//!
//! No function here puts a secret anywhere it was not already: the one document that holds a
//! bearer token is a `send` step (in its `Authorization` header), the one that holds a grant
//! assertion is the `send` step that posts it, and the one that holds a system-user token is
//! the `token` outcome.

pub mod documents;
pub mod errors;
pub mod steps;
mod time;
pub mod values;

pub use documents::{config_from_json, input_from_json, input_name, task_from_json, ChangeDoc, CreateBody, SystemDoc, SystemUpdateDoc};
pub use errors::{error_json, error_kind, transport_kind, violation_json};
pub use steps::{done_step_json, http_request_json, method_name, outcome_json, pending_step_json, step_json};
pub use time::datetime;
pub use values::{
    agent_json, change_request_json, change_status_name, client_list_json, created_json, created_outcome, effective_status, kind_name,
    request_json, right_json, status_json, status_name, system_change_json, system_json, user_json, user_type_name,
};
