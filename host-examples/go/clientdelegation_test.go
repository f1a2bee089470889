package systemuser

// Client delegation (API.md §12) through the package, against a simulator of each test's own
// over real HTTP: the vendor registers an agent system through the API, the accounting bureau
// approves an agent request for it and its own klientadministrator system user, and the
// bureau's software delegates clients with one exchanged token for many calls; the typed
// refusals; the bureau's token from a TokenSource instead of a key; no token in any error.

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"
)

const (
	bureauOrgNo = "310816191"
	adminRef    = "byraa-klientadm"
)

var (
	lonn             = Package("regnskapsforer-lonn")
	medSignering     = Package("regnskapsforer-med-signeringsrettighet")
	delegationScopes = []string{"altinn:clientdelegations.read", "altinn:clientdelegations.write"}
)

func mpClient(t *testing.T, s *simulator) *Client {
	t.Helper()
	return s.client(t, Config{Maskinporten: &Maskinporten{ClientID: mpClientID, Key: KeyID(mpKid), Signer: NewRSASigner(testKey(t))}})
}

// agentSystem registers an invisible agent system holding regnskapsforer-lonn and -med-signering.
func registerAgentSystem(ctx context.Context, t *testing.T, c *Client, id string) {
	t.Helper()
	_, err := c.RegisterSystem(ctx, RegisteredSystem{ID: id, VendorOrgNo: vendorOrgNo, Name: text("Byråklient"),
		Description: text("Registrert med API"), AccessPackages: []AccessPackage{lonn, medSignering}})
	if err != nil {
		t.Fatal(err)
	}
}

// agentFor creates an agent request of the bureau for the system with the packages, and the
// bureau approves it; the agent system user's id is the request's.
func agentFor(ctx context.Context, t *testing.T, s *simulator, c *Client, systemID, ref string, packages ...AccessPackage) string {
	t.Helper()
	created, err := c.CreateAgentRequest(ctx, AgentRequest{SystemID: systemID, PartyOrgNo: bureauOrgNo, ExternalRef: ref, AccessPackages: packages})
	if err != nil {
		t.Fatal(err)
	}
	s.mustCall(t, "POST", "/_sim/requests/"+created.Request.ID+"/approve", nil, nil)
	return created.Request.ID
}

// approveClientAdministrator: the bureau approves its own standard system user for the
// fixture's system holding klientadministrator.
func (s *simulator) approveClientAdministrator(t *testing.T, orgNo, ref string) {
	t.Helper()
	s.mustCall(t, "POST", "/_sim/clientadministrators", map[string]any{"orgNo": orgNo, "externalRef": ref}, nil)
}

func (s *simulator) partyUUID(t *testing.T, orgNo string) string {
	t.Helper()
	var fixture struct {
		Organizations []struct {
			OrgNo     string `json:"orgNo"`
			PartyUUID string `json:"partyUuid"`
		} `json:"organizations"`
	}
	s.mustCall(t, "GET", "/_sim/fixture", nil, &fixture)
	for _, o := range fixture.Organizations {
		if o.OrgNo == orgNo && o.PartyUUID != "" {
			return o.PartyUUID
		}
	}
	t.Fatalf("no party uuid for %s", orgNo)
	return ""
}

func orgNos(l *ClientList) []string {
	var out []string
	for _, c := range l.Clients {
		out = append(out, c.OrgNo)
	}
	sort.Strings(out)
	return out
}

func TestClientDelegationWithOneExchange(t *testing.T) {
	ctx := begin(t, 90*time.Second)
	own := newSimulator(t)
	c := mpClient(t, own)
	systemID := uniqueSystemID("byraa")
	registerAgentSystem(ctx, t, c, systemID)
	agent := agentFor(ctx, t, own, c, systemID, "go-agent", lonn)
	own.approveClientAdministrator(t, bureauOrgNo, adminRef)
	bureau := Bureau{OrgNo: bureauOrgNo, ExternalRef: adminRef}
	grants := own.routeCalls(t, "maskinporten_token")
	if own.routeCalls(t, "exchange_token") != 0 {
		t.Fatal("an exchange before any delegation call")
	}

	agents, err := c.ListAgents(ctx, bureau)
	if err != nil {
		t.Fatal(err)
	}
	var mine *AgentSystemUser
	for i := range agents {
		if agents[i].ID == agent {
			mine = &agents[i]
		}
	}
	if mine == nil || mine.UserType != UserAgent || mine.ReporteeOrgNo != bureauOrgNo || mine.SystemID != systemID ||
		len(mine.AccessPackages) != 1 || mine.AccessPackages[0] != lonn || mine.SystemInternalID == "" {
		t.Fatalf("the agent system user among %+v", agents)
	}

	available, err := c.ListAvailableClients(ctx, bureau, agent)
	if err != nil {
		t.Fatal(err)
	}
	if available.SystemUserID != agent || available.OwnerOrgNo != bureauOrgNo {
		t.Fatalf("available: %+v", available)
	}
	first, second := available.ByOrgNo("314224965"), available.ByOrgNo("316501389")
	if first == nil || second == nil || first.Name == "" || available.ByOrgNo("313981436") != nil {
		t.Fatalf("available clients %v", orgNos(available))
	}
	for _, client := range []*BureauClient{first, second} {
		link, err := c.AddClient(ctx, bureau, agent, client.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *link != (ClientLink{Agent: agent, Client: client.ID}) {
			t.Fatalf("added: %+v", link)
		}
	}
	delegated, err := c.ListClients(ctx, bureau, agent)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(orgNos(delegated), " "); got != "314224965 316501389" {
		t.Fatalf("delegated: %s", got)
	}
	link, err := c.RemoveClient(ctx, bureau, agent, first.ID)
	if err != nil || *link != (ClientLink{Agent: agent, Client: first.ID}) {
		t.Fatalf("removed: %+v, %v", link, err)
	}
	delegated, err = c.ListClients(ctx, bureau, agent)
	if err != nil {
		t.Fatal(err)
	}
	if len(delegated.Clients) != 1 || delegated.Clients[0] != *second {
		t.Fatalf("after the removal: %+v", delegated.Clients)
	}
	// The simulator's own record agrees.
	var user struct {
		Clients []any `json:"clients"`
	}
	own.mustCall(t, "GET", "/_sim/systemusers/"+agent, nil, &user)
	if len(user.Clients) != 1 {
		t.Fatalf("the simulator holds %d clients", len(user.Clients))
	}

	// Seven delegation calls: one grant for the bureau's system user, one exchange.
	if n := own.routeCalls(t, "exchange_token"); n != 1 {
		t.Fatalf("%d exchanges", n)
	}
	if n := own.routeCalls(t, "maskinporten_token") - grants; n != 1 {
		t.Fatalf("%d grants for the delegation calls", n)
	}
	for _, route := range []string{"list_agents", "list_available_clients", "list_clients", "add_client", "remove_client"} {
		if own.routeCalls(t, route) == 0 {
			t.Fatalf("no %s call", route)
		}
	}
}

func TestClientDelegationRefusals(t *testing.T) {
	ctx := begin(t, 90*time.Second)
	own := newSimulator(t)
	c := mpClient(t, own)
	systemID := uniqueSystemID("feil")
	registerAgentSystem(ctx, t, c, systemID)
	lonnAgent := agentFor(ctx, t, own, c, systemID, "go-lonn", lonn)
	bothAgent := agentFor(ctx, t, own, c, systemID, "go-both", lonn, medSignering)
	own.approveClientAdministrator(t, bureauOrgNo, adminRef)
	bureau := Bureau{OrgNo: bureauOrgNo, ExternalRef: adminRef}

	t.Run("AUTH-00079: not one of the bureau's clients with the package", func(t *testing.T) {
		_, err := c.AddClient(ctx, bureau, lonnAgent, own.partyUUID(t, "316859356"))
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindAltinn || e.Code != "AUTH-00079" || e.Status != 400 || !errors.Is(err, ErrAltinn) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("AUTH-00080: a client lacking one of the agent's packages", func(t *testing.T) {
		_, err := c.AddClient(ctx, bureau, bothAgent, own.partyUUID(t, "317103360"))
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindAltinn || e.Code != "AUTH-00080" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("forbidden: a bureau without a klientadministrator system user", func(t *testing.T) {
		created, err := c.CreateStandardRequest(ctx, StandardRequest{SystemID: standardSystem, PartyOrgNo: "314224965", ExternalRef: "uten-kladm",
			Rights: []Right{ResourceRight("ske-krav-og-betalinger")}})
		if err != nil {
			t.Fatal(err)
		}
		own.mustCall(t, "POST", "/_sim/requests/"+created.Request.ID+"/approve", nil, nil)
		_, err = c.ListAgents(ctx, Bureau{OrgNo: "314224965", ExternalRef: "uten-kladm"})
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindForbidden || !errors.Is(err, ErrForbidden) || !strings.Contains(e.Message, "klientadministrator") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("validation: identifiers checked before anything is sent", func(t *testing.T) {
		before := own.apiCalls(t)
		_, err := c.ListClients(ctx, Bureau{OrgNo: "123456789"}, lonnAgent)
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Violations) == 0 {
			t.Fatalf("a bureau org number failing mod 11: %v", err)
		}
		if _, err := c.AddClient(ctx, bureau, "../../admin", own.partyUUID(t, "314224965")); !errors.As(err, &ve) {
			t.Fatalf("an agent id that is no uuid: %v", err)
		}
		if sent := own.apiCalls(t) - before; sent != 0 {
			t.Fatalf("%d calls sent", sent)
		}
	})

	t.Run("a TokenSource giving the bureau's system-user token", func(t *testing.T) {
		tok, err := c.SystemUserToken(ctx, bureauOrgNo, adminRef, delegationScopes...)
		if err != nil {
			t.Fatal(err)
		}
		bureauToken := tok.Token.Reveal()
		var asked [][]string
		tc := own.client(t, Config{Tokens: func(_ context.Context, scopes []string) (string, error) {
			asked = append(asked, scopes)
			return bureauToken, nil
		}})
		agents, err := tc.ListAgents(ctx, bureau)
		if err != nil {
			t.Fatal(err)
		}
		if len(asked) != 1 || strings.Join(asked[0], " ") != strings.Join(delegationScopes, " ") {
			t.Fatalf("the token source was asked for %v", asked)
		}
		found := false
		for _, a := range agents {
			found = found || a.ID == lonnAgent
		}
		if !found {
			t.Fatal("the agent system user is not listed")
		}
		// The same token named for another bureau: the exchanged token acts for the first.
		_, err = tc.ListAgents(ctx, Bureau{OrgNo: "314224965"})
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindToken || !errors.Is(err, ErrToken) ||
			!strings.Contains(e.Message, bureauOrgNo) || !strings.Contains(e.Message, "314224965") {
			t.Fatalf("%v", err)
		}
		for _, text := range errorTexts(err) {
			if leaks(text, bureauToken) {
				t.Fatal("the bureau's token shows in the error")
			}
		}
		// A token source that fails: a token error naming the scopes, nothing sent.
		before := own.apiCalls(t)
		failing := own.client(t, Config{Tokens: func(context.Context, []string) (string, error) { return "", errors.New("the vault is sealed") }})
		_, err = failing.ListClients(ctx, bureau, lonnAgent)
		if !errors.As(err, &e) || e.Kind != KindToken || !strings.Contains(e.Message, "the vault is sealed") {
			t.Fatalf("%v", err)
		}
		if sent := own.apiCalls(t) - before; sent != 0 {
			t.Fatalf("%d calls sent without a token", sent)
		}
	})
}
