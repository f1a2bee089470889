// Package systemuser lets vendor software create and follow Altinn system user requests
// through the altinn-systemuser WebAssembly component, run in-process by libsystemuser (its C
// ABI, host-examples/c/ABI.md) through cgo.
//
// The component holds the rules: validation in the server's order with its AUTH codes, the
// status machine, the wire protocol, pre-flight against the registered system, idempotent
// create, pagination, bounded retries, Retry-After, one deadline per operation, Maskinporten
// grants and their cache, and the redaction of secrets from every error. Each operation is
// pumped here: the library says what to do next (send an HTTP request, sign bytes, get a
// token, wait) and this package does it with Go's own tools (net/http under the limits policy,
// crypto/rsa, your TokenSource, a timer), until the operation is done.
//
//	rt, _ := systemuser.LoadRuntime("altinn_systemuser.wasm", nil)
//	client, _ := systemuser.NewClient(rt, systemuser.Config{Environment: systemuser.TT02, Tokens: myTokens})
//	created, err := client.CreateStandardRequest(ctx, systemuser.StandardRequest{…})
//
// Beyond requests and system users, a Client manages the vendor's systems in the System
// Register (RegisterSystem, UpdateSystem, SetSystemRights, SetSystemAccessPackages,
// DeleteSystem, SystemChangelog, ListSystems) and an accounting bureau's clients on its agent
// system user (ListAgents, ListAvailableClients, ListClients, AddClient, RemoveClient), with
// the bureau's token exchanged once for an Altinn token that the client's session keeps.
//
// A Client is safe for concurrent use. Errors are *ValidationError, *UnavailableError,
// *TransportError (all three unwrap to *Error, which every error of an operation is), and
// *LibraryError for libsystemuser itself; a cancelled context ends an operation at its next
// step with an error wrapping ctx.Err().
package systemuser
