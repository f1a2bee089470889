package systemuser

// The System Register (API.md §13) and client delegation (§12): the vendor's own systems, and an
// accounting bureau's clients delegated to its agent system user by API.

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// SystemRegistration is a system registered in the System Register: its new internal id, or
// "" when the answer was lost and the system was found by its id instead (Reconciled).
type SystemRegistration struct {
	InternalID string
	Reconciled bool
}

// SystemUpdate is a change to a registered system: its id and the members to replace. A member
// left nil is kept: Altinn's PUT replaces the whole record, so the component reads the stored
// system, merges this in, checks the result as the server would and sends it whole. A non-nil
// empty slice replaces with an empty list.
type SystemUpdate struct {
	ID string
	// Name and Description: give all of nb, nn and en (Altinn stores a text only with all three).
	Name, Description   *LocalizedText
	Rights              []Right
	AccessPackages      []AccessPackage
	ClientIDs           []string // the system's Maskinporten client ids (each on no other active system)
	IsVisible           *bool
	AllowedRedirectURLs []string
}

func (u SystemUpdate) document() map[string]any {
	d := map[string]any{"id": u.ID}
	if u.Name != nil {
		d["name"] = u.Name.document()
	}
	if u.Description != nil {
		d["description"] = u.Description.document()
	}
	if u.Rights != nil {
		d["rights"] = u.Rights
	}
	if u.AccessPackages != nil {
		d["accessPackages"] = u.AccessPackages
	}
	if u.ClientIDs != nil {
		d["clientIds"] = u.ClientIDs
	}
	if u.IsVisible != nil {
		d["isVisible"] = *u.IsVisible
	}
	if u.AllowedRedirectURLs != nil {
		d["allowedRedirectUrls"] = u.AllowedRedirectURLs
	}
	return d
}

// document is the text with its empty languages left out.
func (t LocalizedText) document() map[string]string {
	d := map[string]string{}
	for k, v := range map[string]string{"nb": t.NB, "nn": t.NN, "en": t.EN} {
		if v != "" {
			d[k] = v
		}
	}
	return d
}

// registration is the system as register-system takes it (the vocabulary's spelling: vendorOrgNo,
// clientIds). IsVisible is sent as it stands: false is Go's zero value, set it for a visible system.
func (s RegisteredSystem) registration() map[string]any {
	l := s.withLists()
	return map[string]any{"id": l.ID, "vendorOrgNo": l.VendorOrgNo, "name": l.Name.document(), "description": l.Description.document(),
		"rights": l.Rights, "accessPackages": l.AccessPackages, "clientIds": l.ClientIDs, "isVisible": l.IsVisible,
		"allowedRedirectUrls": l.AllowedRedirectURLs}
}

// SystemChange is one entry of a registered system's changelog (newest first).
type SystemChange struct {
	SystemInternalID string `json:"systemInternalId"`
	ChangedByOrgNo   string `json:"changedByOrgNo"`
	// ChangeType is create, update, rightsupdate, accesspackageupdate or delete.
	ChangeType string `json:"changeType"`
	// ChangedData is the body that was sent, as JSON.
	ChangedData json.RawMessage `json:"changedData"`
	// ClientID is the caller's Maskinporten client ("" when none).
	ClientID string    `json:"clientId"`
	Created  time.Time `json:"created"` // zero when Altinn gave none
}

// Bureau is an accounting bureau whose clients its software administers: its organisation
// number and the external ref of its own standard system user for a system holding
// urn:altinn:accesspackage:klientadministrator, approved once by the bureau ("": the org number
// was the external ref). The component gets a system-user token for that system user with
// altinn:clientdelegations.read and .write (with Config.Maskinporten it makes the grant; with
// Config.Tokens the source is asked for exactly those two scopes and must give the bureau's
// Maskinporten system-user token), exchanges it for an Altinn token and keeps that until 30 s
// before it expires: one exchange serves the client's next delegation calls for the bureau.
type Bureau struct {
	OrgNo       string `json:"orgNo"`
	ExternalRef string `json:"externalRef,omitempty"`
}

// AgentSystemUser is an agent system user of a bureau as the client-delegation routes list it:
// the system user, the registered system's internal id, the bureau's party uuid, and the access
// packages every client delegated to it must hold. Its ID is the agent id the other calls take.
type AgentSystemUser struct {
	SystemUser
	SystemInternalID string          `json:"systemInternalId"`
	PartyUUID        string          `json:"partyUuid"`
	AccessPackages   []AccessPackage `json:"accessPackages"`
}

// BureauClient is a client of an accounting bureau: its party uuid (ID, what AddClient takes),
// organisation number and name.
type BureauClient struct {
	ID    string `json:"id"`
	OrgNo string `json:"orgNo"`
	Name  string `json:"name"`
}

// ClientList is the clients of an agent system user (delegated, or available to delegate).
// Never paged; the component checks it is about the agent system user asked for.
type ClientList struct {
	SystemUserID string         `json:"systemUserId"`
	OwnerOrgNo   string         `json:"ownerOrgNo"`
	Clients      []BureauClient `json:"clients"`
}

// ByOrgNo is the client with this organisation number, or nil.
func (l *ClientList) ByOrgNo(orgNo string) *BureauClient {
	for i := range l.Clients {
		if l.Clients[i].OrgNo == orgNo {
			return &l.Clients[i]
		}
	}
	return nil
}

// ClientLink is a client (its party uuid) delegated to, or removed from, an agent system user.
type ClientLink struct {
	Agent  string `json:"agent"`
	Client string `json:"client"`
}

// ---- the System Register ----------------------------------------------------------------------

// ListSystems reads the vendor's own systems (deleted ones left out; Altinn's listing has no
// client ids or redirect URLs).
func (c *Client) ListSystems(ctx context.Context) ([]RegisteredSystem, error) {
	o, err := c.run(ctx, "systems", map[string]any{"task": "list-systems"})
	if err != nil {
		return nil, err
	}
	var items []RegisteredSystem
	if err := json.Unmarshal(o.Items, &items); err != nil {
		return nil, documentError("systems", err)
	}
	return items, nil
}

// FindRegisteredSystem reads the vendor's system; nil and no error when the System Register
// has none (deleted systems are found too).
func (c *Client) FindRegisteredSystem(ctx context.Context, systemID string) (*RegisteredSystem, error) {
	s, err := c.GetRegisteredSystem(ctx, systemID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return s, err
}

// RegisterSystem registers a system: checked first as Altinn would (a *ValidationError with
// AUTH.VLD codes, nothing sent), POSTed once, a lost answer found again by its id. Altinn's own
// refusals are an *Error of kind altinn with the codes in Violations (AUTH.VLD-00002: the id is
// taken, by a deleted system too: ids are never reused).
func (c *Client) RegisterSystem(ctx context.Context, s RegisteredSystem) (*SystemRegistration, error) {
	o, err := c.run(ctx, "system-registered", map[string]any{"task": "register-system", "system": s.registration()})
	if err != nil {
		return nil, err
	}
	return &SystemRegistration{InternalID: str(o.InternalID), Reconciled: o.Reconciled}, nil
}

// UpdateSystem changes a registered system: the members set on u replace the stored ones, the
// others are kept. A deleted system is an *Error of kind conflict with Code "system-deleted"
// (nothing is sent after the read); another vendor's is kind forbidden.
func (c *Client) UpdateSystem(ctx context.Context, u SystemUpdate) error {
	_, err := c.run(ctx, "system-changed", map[string]any{"task": "update-system", "update": u.document()})
	return err
}

// SetSystemRights replaces the system's rights (the whole list).
func (c *Client) SetSystemRights(ctx context.Context, systemID string, rights []Right) error {
	if rights == nil {
		rights = []Right{}
	}
	_, err := c.run(ctx, "system-changed", map[string]any{"task": "set-system-rights", "systemId": systemID, "rights": rights})
	return err
}

// SetSystemAccessPackages replaces the system's access packages (an agent-only package needs
// an invisible system).
func (c *Client) SetSystemAccessPackages(ctx context.Context, systemID string, packages []AccessPackage) error {
	if packages == nil {
		packages = []AccessPackage{}
	}
	_, err := c.run(ctx, "system-changed", map[string]any{"task": "set-system-access-packages", "systemId": systemID, "accessPackages": packages})
	return err
}

// DeleteSystem deletes the system (deleting a deleted one succeeds; its id is never reused).
func (c *Client) DeleteSystem(ctx context.Context, systemID string) error {
	_, err := c.run(ctx, "system-changed", map[string]any{"task": "delete-system", "systemId": systemID})
	return err
}

// SystemChangelog reads the system's changelog, newest first.
func (c *Client) SystemChangelog(ctx context.Context, systemID string) ([]SystemChange, error) {
	o, err := c.run(ctx, "system-changelog", map[string]any{"task": "system-changelog", "systemId": systemID})
	if err != nil {
		return nil, err
	}
	var items []SystemChange
	if err := json.Unmarshal(o.Items, &items); err != nil {
		return nil, documentError("system-changelog", err)
	}
	return items, nil
}

// ---- client delegation --------------------------------------------------------------------------

// ListAgents reads the bureau's agent system users. A token that may not administer the
// bureau's clients is kind forbidden (the bureau must approve its klientadministrator system
// user); an exchanged token acting for another organisation is kind token.
func (c *Client) ListAgents(ctx context.Context, b Bureau) ([]AgentSystemUser, error) {
	o, err := c.run(ctx, "agents", map[string]any{"task": "list-agents", "bureau": b})
	if err != nil {
		return nil, err
	}
	var items []AgentSystemUser
	if err := json.Unmarshal(o.Items, &items); err != nil {
		return nil, documentError("agents", err)
	}
	return items, nil
}

// ListAvailableClients reads the bureau's clients that could be delegated to the agent system
// user (each holds one of its access packages).
func (c *Client) ListAvailableClients(ctx context.Context, b Bureau, agentID string) (*ClientList, error) {
	return c.clients(ctx, "list-available-clients", b, agentID)
}

// ListClients reads the clients delegated to the agent system user.
func (c *Client) ListClients(ctx context.Context, b Bureau, agentID string) (*ClientList, error) {
	return c.clients(ctx, "list-clients", b, agentID)
}

func (c *Client) clients(ctx context.Context, task string, b Bureau, agentID string) (*ClientList, error) {
	o, err := c.run(ctx, "clients", map[string]any{"task": task, "bureau": b, "agent": agentID})
	if err != nil {
		return nil, err
	}
	if o.Clients == nil {
		return nil, documentError("clients", errors.New("no clients member"))
	}
	return o.Clients, nil
}

// AddClient delegates a client (its party uuid: BureauClient.ID) to the agent system user; one
// already delegated succeeds. Altinn's refusals are kind altinn with Code AUTH-00079 (not one of
// the bureau's clients) or AUTH-00080 (it lacks one of the agent's access packages).
func (c *Client) AddClient(ctx context.Context, b Bureau, agentID, clientID string) (*ClientLink, error) {
	return c.link(ctx, "add-client", "client-added", b, agentID, clientID)
}

// RemoveClient removes a client from the agent system user (one not delegated succeeds).
func (c *Client) RemoveClient(ctx context.Context, b Bureau, agentID, clientID string) (*ClientLink, error) {
	return c.link(ctx, "remove-client", "client-removed", b, agentID, clientID)
}

func (c *Client) link(ctx context.Context, task, want string, b Bureau, agentID, clientID string) (*ClientLink, error) {
	o, err := c.run(ctx, want, map[string]any{"task": task, "bureau": b, "agent": agentID, "client": clientID})
	if err != nil {
		return nil, err
	}
	return &ClientLink{Agent: o.Agent, Client: o.Client}, nil
}
