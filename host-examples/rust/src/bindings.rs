//! The Rust side of the WIT contract, generated from `wit/` at compile time. Nothing here is
//! written by hand: if the WIT changes, this module changes with it.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "systemuser",
    // Equality lets tests compare what the component returns with the native core's answer.
    additional_derives: [PartialEq, Eq],
});

/// The WIT types, under short names (`wit::StandardRequestInput`, `wit::Call`, …).
pub mod wit {
    pub use super::altinn::systemuser::http::{Header, HttpRequest, HttpResponse, Method};
    pub use super::altinn::systemuser::types::*;
    pub use super::exports::altinn::systemuser::lifecycle::Event;
    pub use super::exports::altinn::systemuser::operations::{
        AllRequestsQuery, ClientDelegation, Delegation, Input, Step, SystemUserTokenQuery, Task,
    };
    pub use super::exports::altinn::systemuser::protocol::{
        Call, ChangeRequestKey, CreatedChangeRequest, CreatedRequest, ExternalRefKey, ListRequestsQuery, ListSystemUsersQuery, Outcome,
        Outgoing, RegisteredSystemId, RequestId, SystemAccessPackages, SystemRights, VerifyQuery,
    };
}
