package systemuser

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRegisteredSystem(t *testing.T) {
	ctx := begin(t, 30*time.Second)
	c := sim.client(t, Config{})
	s, err := c.GetRegisteredSystem(ctx, standardSystem)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != standardSystem || s.VendorOrgNo != vendorOrgNo || s.Name.NB == "" || len(s.Rights) == 0 ||
		len(s.AllowedRedirectURLs) != 1 || s.AllowedRedirectURLs[0] != "https://smartregnskap.example/callback" {
		t.Fatalf("unexpected system: %+v", s)
	}
	found := false
	for _, id := range s.ClientIDs {
		found = found || id == mpClientID
	}
	if !found {
		t.Fatalf("client ids %v lack %s", s.ClientIDs, mpClientID)
	}
}

func TestStandardRequestLifecycle(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	c := sim.client(t, Config{})
	ref := uniqueRef("life")
	req := StandardRequest{SystemID: standardSystem, PartyOrgNo: "0192:310816191", ExternalRef: "  " + ref + " ",
		IntegrationTitle: "Go test", Rights: []Right{ResourceRight("ske-krav-og-betalinger")},
		AccessPackages: []AccessPackage{Package("skattegrunnlag")}, RedirectURL: "https://smartregnskap.example/callback"}

	created, err := c.CreateStandardRequest(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	r := created.Request
	if !created.IsNew || created.Reconciled || r.Status != StatusNew || r.Kind != Standard || r.ExternalRef != ref ||
		r.PartyOrgNo != "310816191" || r.IntegrationTitle != "Go test" || r.Created.IsZero() || r.Final() {
		t.Fatalf("created: %+v", created)
	}
	if !strings.HasPrefix(r.ConfirmURL, sim.base+"/accessmanagement/ui/systemuser/request?id="+r.ID) {
		t.Fatalf("confirm url %q", r.ConfirmURL)
	}

	again, err := c.CreateStandardRequest(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.IsNew || again.Request.ID != r.ID {
		t.Fatalf("the same key should give the existing request: %+v", again)
	}

	got, err := c.GetRequest(ctx, r.ID, "")
	if err != nil || got.ID != r.ID || got.Status != StatusNew || got.StatusName() != "New" {
		t.Fatalf("get: %+v %v", got, err)
	}
	byRef, err := c.GetRequestByExternalRef(ctx, standardSystem, "310816191", ref, Standard)
	if err != nil || byRef.ID != r.ID {
		t.Fatalf("by external ref: %+v %v", byRef, err)
	}
	page, err := c.ListRequests(ctx, standardSystem, Standard, "")
	if err != nil {
		t.Fatal(err)
	}
	if !containsRequest(page.Items, r.ID) {
		t.Fatalf("the first page lacks %s", r.ID)
	}
	all, err := c.ListAllRequests(ctx, standardSystem, "")
	if err != nil || !containsRequest(all, r.ID) {
		t.Fatalf("list all: %d items, %v", len(all), err)
	}

	// Before approval: no system user.
	user, err := c.VerifySystemUser(ctx, standardSystem, "310816191", ref)
	if err != nil || user != nil {
		t.Fatalf("verify before approval: %+v %v", user, err)
	}
	sim.mustCall(t, "POST", "/_sim/requests/"+r.ID+"/approve", nil, nil)
	got, err = c.GetRequest(ctx, r.ID, Standard)
	if err != nil || got.Status != StatusAccepted || !got.Final() {
		t.Fatalf("after approval: %+v %v", got, err)
	}
	user, err = c.VerifySystemUser(ctx, standardSystem, "310816191", ref)
	if err != nil || user == nil || user.ID != r.ID || user.UserType != UserStandard || user.ReporteeOrgNo != "310816191" || user.ExternalRef != ref {
		t.Fatalf("verify after approval: %+v %v", user, err)
	}
	users, err := c.ListAllSystemUsers(ctx, standardSystem)
	if err != nil || !containsUser(users, r.ID) {
		t.Fatalf("list all system users: %d, %v", len(users), err)
	}
	upage, err := c.ListSystemUsers(ctx, standardSystem, "")
	if err != nil || !containsUser(upage.Items, r.ID) {
		t.Fatalf("list system users: %+v, %v", upage, err)
	}

	// An approved key cannot be asked for again: Altinn's AUTH-00004.
	_, err = c.CreateStandardRequest(ctx, req)
	var ae *Error
	if !errors.As(err, &ae) || ae.Kind != KindAltinn || ae.Code != "AUTH-00004" || ae.Status != 400 || !errors.Is(err, ErrAltinn) {
		t.Fatalf("a create for an approved key: %v", err)
	}
	// Said once, in the user's words: the status and the code appear once each.
	if msg := err.Error(); strings.Count(msg, "400") != 1 || strings.Count(msg, "AUTH-00004") != 1 || !strings.HasPrefix(msg, "systemuser: altinn: Altinn refused the request (HTTP 400): ") {
		t.Fatalf("the message says things twice or not at all: %q", msg)
	}
}

func TestRejectWithdrawAndCreateAgain(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	c := sim.client(t, Config{})
	req := standardRequest("317103360", uniqueRef("reject"))
	first, err := c.CreateStandardRequest(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	sim.mustCall(t, "POST", "/_sim/requests/"+first.Request.ID+"/reject", nil, nil)
	again, err := c.CreateStandardRequest(ctx, req)
	if err != nil || again.IsNew || again.Request.ID != first.Request.ID || again.Request.Status != StatusRejected {
		t.Fatalf("a rejected request answers a re-post: %+v %v", again, err)
	}
	if err := c.WithdrawRequest(ctx, first.Request.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRequest(ctx, first.Request.ID, Standard)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("a withdrawn request: %v", err)
	}
	fresh, err := c.CreateStandardRequest(ctx, req)
	if err != nil || !fresh.IsNew || fresh.Request.ID == first.Request.ID {
		t.Fatalf("after withdrawal: %+v %v", fresh, err)
	}
}

func TestAgentRequest(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	c := sim.client(t, Config{})
	created, err := c.CreateAgentRequest(ctx, AgentRequest{SystemID: agentSystem, PartyOrgNo: "314224965",
		ExternalRef: uniqueRef("agent"), AccessPackages: []AccessPackage{Package("regnskapsforer-med-signeringsrettighet")}})
	if err != nil {
		t.Fatal(err)
	}
	r := created.Request
	if !created.IsNew || r.Kind != Agent || len(r.Rights) != 0 || !strings.Contains(r.ConfirmURL, "/agentrequest?id="+r.ID) {
		t.Fatalf("agent request: %+v", created)
	}
	got, err := c.GetRequest(ctx, r.ID, Agent)
	if err != nil || got.ID != r.ID || got.Kind != Agent {
		t.Fatalf("get agent: %+v %v", got, err)
	}
	// The standard route does not see agent requests (Altinn's AUTH-00010, a 404 problem).
	if _, err := c.GetRequest(ctx, r.ID, Standard); !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrAltinn) {
		t.Fatalf("an agent request on the standard route: %v", err)
	}
	list, err := c.ListAllRequests(ctx, agentSystem, Agent)
	if err != nil || !containsRequest(list, r.ID) {
		t.Fatalf("agent list: %v", err)
	}
	sim.mustCall(t, "POST", "/_sim/requests/"+r.ID+"/approve", nil, nil)
	user, err := c.VerifySystemUser(ctx, agentSystem, "314224965", r.ExternalRef)
	if err != nil || user == nil || user.UserType != UserAgent {
		t.Fatalf("agent system user: %+v %v", user, err)
	}
}

func TestPagesIterator(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	own := newSimulator(t, "--page-size", "2")
	c := own.client(t, Config{})
	var ids []string
	for i, org := range []string{"310816191", "314224965", "317103360", "316501389", "313981436"} {
		created, err := c.CreateStandardRequest(ctx, standardRequest(org, uniqueRef("page")))
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		ids = append(ids, created.Request.ID)
		own.mustCall(t, "POST", "/_sim/requests/"+created.Request.ID+"/approve", nil, nil)
	}
	// Requests: Altinn's request lists lose the item at each page boundary (API.md §14; the
	// simulator does the same), so the walk must agree with the component's own list of all.
	all, err := c.ListAllRequests(ctx, standardSystem, Standard)
	if err != nil {
		t.Fatal(err)
	}
	pages := c.RequestPages(standardSystem, Standard)
	n, seen := 0, map[string]bool{}
	for pages.Next(ctx) {
		n++
		if len(pages.Page().Items) > 2 {
			t.Fatalf("page %d has %d items", n, len(pages.Page().Items))
		}
		for _, r := range pages.Page().Items {
			seen[r.ID] = true
		}
	}
	if err := pages.Err(); err != nil || n < 2 || len(seen) != len(all) {
		t.Fatalf("%d pages, %d requests (list all: %d), %v", n, len(seen), len(all), err)
	}
	// System users page without loss: 5 users, 3 pages.
	upages := c.SystemUserPages(standardSystem)
	n, seen = 0, map[string]bool{}
	for upages.Next(ctx) {
		n++
		for _, u := range upages.Page().Items {
			seen[u.ID] = true
		}
	}
	if err := upages.Err(); err != nil || n != 3 || len(seen) != 5 {
		t.Fatalf("system users: %d pages, %d users, %v", n, len(seen), err)
	}
	for _, id := range ids {
		if !seen[id] {
			t.Fatalf("system user %s missing", id)
		}
	}
	// ForEach over the system users, stopping early on the callback's error.
	stop := errors.New("enough")
	count := 0
	err = c.SystemUserPages(standardSystem).ForEach(ctx, func(u SystemUser) error {
		count++
		if count == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || count != 3 {
		t.Fatalf("ForEach: %d, %v", count, err)
	}
	users, err := c.ListAllSystemUsers(ctx, standardSystem)
	if err != nil || len(users) != 5 {
		t.Fatalf("list all system users over 3 pages: %d, %v", len(users), err)
	}
}

func TestValidation(t *testing.T) {
	ctx := begin(t, 30*time.Second)
	c := sim.client(t, Config{})
	system, err := c.GetRegisteredSystem(ctx, standardSystem)
	if err != nil {
		t.Fatal(err)
	}
	before := sim.apiCalls(t)

	ok, err := c.ValidateStandard(StandardRequest{SystemID: " " + standardSystem + " ", PartyOrgNo: "0192:310816191",
		ExternalRef: "kunde-1", Rights: []Right{ResourceRight("ske-krav-og-betalinger")}}, system)
	if err != nil || ok.SystemID != standardSystem || ok.PartyOrgNo != "310816191" || ok.ExternalRef != "kunde-1" {
		t.Fatalf("normalised: %+v %v", ok, err)
	}
	_, err = c.ValidateStandard(StandardRequest{SystemID: standardSystem, PartyOrgNo: "310816192",
		AccessPackages: []AccessPackage{Package("revisormedarbeider")}, RedirectURL: "https://smartregnskap.example/callback/"}, system)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("expected a ValidationError, got %v", err)
	}
	codes := strings.Join(ve.Codes(), ",")
	for _, want := range []string{"org-no-checksum", "AUTH-00021", "AUTH-00064"} {
		if !strings.Contains(codes, want) {
			t.Errorf("codes %s lack %s", codes, want)
		}
	}
	var base *Error
	if !errors.As(err, &base) || base.Kind != KindValidation || !errors.Is(err, ErrValidation) {
		t.Fatalf("a ValidationError is an *Error of kind validation: %v", err)
	}
	_, err = c.ValidateAgent(AgentRequest{SystemID: agentSystem, PartyOrgNo: "310816191",
		AccessPackages: []AccessPackage{Package("regnskapsforer-lonn")}, Rights: []Right{ResourceRight("x")}}, nil)
	if !errors.As(err, &ve) || !strings.Contains(strings.Join(ve.Codes(), ","), "rights-on-agent-request") {
		t.Fatalf("rights on an agent request: %v", err)
	}
	raw, err := c.ValidateJSON(Standard, []byte(`{"SYSTEMID":"314248295_smartregnskap","partyorgno":" 310816191 ","rights":[{"resource":[{"id":"urn:altinn:resource","value":"ske-krav-og-betalinger"}]}],"unknownMember":1}`), nil)
	if err != nil || !strings.Contains(string(raw), `"partyOrgNo":"310816191"`) || strings.Contains(string(raw), "unknownMember") {
		t.Fatalf("ValidateJSON: %s %v", raw, err)
	}
	// A create the component refuses is never sent.
	_, err = c.CreateStandardRequest(ctx, StandardRequest{SystemID: standardSystem, PartyOrgNo: "123456789", Rights: []Right{ResourceRight("ske-krav-og-betalinger")}})
	if !errors.As(err, &ve) || ve.Codes()[0] != "org-no-checksum" {
		t.Fatalf("a bad org number: %v", err)
	}
	if after := sim.apiCalls(t); after != before {
		t.Fatalf("validation sent %d calls", after-before)
	}
}

func containsRequest(items []Request, id string) bool {
	for _, r := range items {
		if r.ID == id {
			return true
		}
	}
	return false
}

func containsUser(items []SystemUser, id string) bool {
	for _, u := range items {
		if u.ID == id {
			return true
		}
	}
	return false
}

// A status this version does not know keeps Altinn's text; the legacy "Timedout" status and
// the current timedOut flag both make the request final. The answers come over real HTTPS on
// loopback from a server answering as Altinn in tt02 would (the hostile test's answer servers).
func TestStatusesUnknownAndTimedOut(t *testing.T) {
	ctx := begin(t, 30*time.Second)
	answers := newAnswerServers(t)
	c, err := NewClient(rt, Config{Environment: TT02, Tokens: StaticToken("test-token"), Retries: noRetries(), Transport: answers.transport})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id := "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f"
	body := func(status string, timedOut bool) []byte {
		return []byte(`{"id":"` + id + `","integrationTitle":"SmartRegnskap","externalRef":"kunde-42","systemId":"314248295_smartregnskap",` +
			`"partyOrgNo":"310816191","rights":[{"resource":[{"id":"urn:altinn:resource","value":"ske-krav-og-betalinger"}]}],"accessPackages":[],` +
			`"status":"` + status + `","confirmUrl":"https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/request?id=` + id +
			`&DONTCHOOSEREPORTEE=true","escalated":false,"created":"2026-03-01T10:15:00.123456","timedOut":` + strconv.FormatBool(timedOut) + `}`)
	}
	json := map[string]string{"content-type": "application/json; charset=utf-8"}

	answers.set(200, json, body("Paused", false), nil)
	r, err := c.GetRequest(ctx, id, Standard)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusUnknown || r.StatusText != "Paused" || r.StatusName() != "unknown(Paused)" || r.Final() {
		t.Fatalf("an unknown status: %q %q %q", r.Status, r.StatusText, r.StatusName())
	}
	if answers.count() != 1 {
		t.Fatalf("%d requests reached the answer server", answers.count())
	}

	answers.set(200, json, body("Timedout", false), nil)
	if r, err = c.GetRequest(ctx, id, Standard); err != nil || r.Status != StatusTimedout || !r.Final() {
		t.Fatalf("the legacy timeout: %+v %v", r, err)
	}
	answers.set(200, json, body("New", true), nil)
	if r, err = c.GetRequest(ctx, id, Standard); err != nil || r.Status != StatusNew || !r.TimedOut || r.EffectiveStatus != StatusTimedout || !r.Final() {
		t.Fatalf("the timedOut flag: %+v %v", r, err)
	}
	if r.Created.IsZero() || r.Created.Year() != 2026 {
		t.Fatalf("created: %v", r.Created)
	}
}
