package systemuser

// The hostile-input catalogue (tests/hostile/catalogue.json; its `about` says what each op
// means, tests/calls.json names the calls), every case through this package:
//
//   - identifier: each identifier in the Client call that takes it (org-no: VerifySystemUser,
//     system-id: GetRegisteredSystem, external-ref: GetRequestByExternalRef, request-id:
//     GetRequest); a *ValidationError with the code, and nothing sent (the simulator's log).
//   - create: Client.ValidateJSON with the body (and the registered system when the case names
//     one), and ValidateStandard/ValidateAgent too when the body fits the typed structs. A body
//     (or system) that is not a JSON object of UTF-8 text cannot travel inside the validate
//     document at all: the library refuses the document (invalid-argument) instead of the
//     component answering invalid-json; those cases check that refusal.
//   - response: the named call through the Client, answered over real HTTP on loopback by a
//     server that returns the case's status, headers and body (HTTPS with a certificate of its
//     own for tt02, whose host names the client's transport dials on loopback; plain HTTP for
//     the custom environment). The change-request reads (get-change, change-by-external-ref,
//     list-changes) have no typed call in this package: they go as task documents through the
//     Client's own pump, over the same HTTP; create-change is a protocol call only (as a task a
//     change request first looks its system user up), named by no case. The System Register
//     calls (issue #17) run through their typed calls: replace-system (the PUT of a whole
//     system) is what UpdateSystem sends after reading the stored system and merging every
//     member of the call's system into it, and the other changes (rights, packages, delete)
//     read the stored system first too; the loopback server answers those reads with the
//     call's system and everything else with the case's answer. The client-delegation calls run
//     through their typed calls for the bureau (the org number list-agents names, else the
//     catalogue's): the TokenSource gives a Maskinporten token, the loopback server answers the
//     exchange (GET exchange/maskinporten) with an Altinn JWT, and the call itself with the
//     case's answer, which must reach the component with the exchanged token. Five answers cannot be
//     carried over HTTP and go through the pump with the answer handed to the library directly:
//     statuses 0, 100 and 65535 (HTTP/1.1 has no such final status on the wire: net/http's
//     server cannot write them and its client would not read them as an answer), and the two
//     bodies over the 1 MiB cap (over HTTP this client stops reading at the cap first: transport
//     too-large, checked too; the catalogue's expectation is the component's own refusal of such
//     a body).
//   - token: a Client whose TokenSource gives the hostile token; a token error, nothing sent.
//   - server: a simulator of the case's own with its faults armed, a Client with the case's
//     config, the time bounds, and no token in any text of the error.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

type hostileCase struct {
	Name       string                     `json:"name"`
	Category   string                     `json:"category"`
	Op         string                     `json:"op"`
	Check      string                     `json:"check"`
	Input      json.RawMessage            `json:"input"`
	Kind       RequestKind                `json:"kind"`
	Body       json.RawMessage            `json:"body"`
	System     json.RawMessage            `json:"system"`
	Call       string                     `json:"call"`
	Env        string                     `json:"env"`
	Status     int                        `json:"status"`
	Headers    map[string]string          `json:"headers"`
	Expect     hostileExpect              `json:"expect"`
	Task       string                     `json:"task"`
	Token      json.RawMessage            `json:"token"`
	Fault      json.RawMessage            `json:"fault"`
	Config     map[string]int             `json:"config"`
	MaxSeconds float64                    `json:"max_seconds"`
	MinSeconds float64                    `json:"min_seconds"`
	NoSecret   bool                       `json:"no_secret"`
	Setup      []string                   `json:"setup"`
	Extra      map[string]json.RawMessage `json:"-"`
}

type hostileExpect struct {
	Error             string `json:"error"`
	Code              string `json:"code"`
	OK                string `json:"ok"`
	Next              string `json:"next"`
	Sent              *int   `json:"sent"`
	Transport         string `json:"transport"`
	RetryAfterSeconds *int   `json:"retry_after_seconds"`
	MessageContains   string `json:"message_contains"`
}

type catalogue struct {
	RequestID   string        `json:"request_id"`
	SystemID    string        `json:"system_id"`
	OrgNo       string        `json:"org_no"`
	ExternalRef string        `json:"external_ref"`
	Cases       []hostileCase `json:"cases"`
}

// generate: the catalogue's generators: text, {hex}, {repeat, times}, {concat}, {json}.
func generate(t *testing.T, spec json.RawMessage) []byte {
	t.Helper()
	var s string
	if err := json.Unmarshal(spec, &s); err == nil {
		return []byte(s)
	}
	var g struct {
		Hex    *string           `json:"hex"`
		Repeat *string           `json:"repeat"`
		Times  int               `json:"times"`
		Concat []json.RawMessage `json:"concat"`
		JSON   json.RawMessage   `json:"json"`
	}
	if err := json.Unmarshal(spec, &g); err != nil {
		t.Fatalf("a generator this test does not know: %v", err)
	}
	switch {
	case g.Hex != nil:
		b, err := hex.DecodeString(*g.Hex)
		if err != nil {
			t.Fatal(err)
		}
		return b
	case g.Repeat != nil:
		return bytes.Repeat([]byte(*g.Repeat), g.Times)
	case g.Concat != nil:
		var out []byte
		for _, part := range g.Concat {
			out = append(out, generate(t, part)...)
		}
		return out
	case g.JSON != nil:
		var buf bytes.Buffer
		if err := json.Compact(&buf, g.JSON); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	t.Fatalf("a generator this test does not know: %s", spec)
	return nil
}

// ---- the record of what ran where ----------------------------------------------------------

type tally struct {
	mu   sync.Mutex
	rows map[[2]string]*[2]int // (category, through) → run, passed
}

var hostileTally = &tally{rows: map[[2]string]*[2]int{}}

func (t *tally) add(category, through string, passed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := [2]string{category, through}
	if t.rows[k] == nil {
		t.rows[k] = &[2]int{}
	}
	t.rows[k][0]++
	if passed {
		t.rows[k][1]++
	}
}

func (t *tally) table() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([][2]string, 0, len(t.rows))
	for k := range t.rows {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	var b strings.Builder
	total, passed := 0, 0
	fmt.Fprintf(&b, "%-11s %-58s %5s %6s\n", "category", "through", "cases", "passed")
	for _, k := range keys {
		r := t.rows[k]
		total += r[0]
		passed += r[1]
		fmt.Fprintf(&b, "%-11s %-58s %5d %6d\n", k[0], k[1], r[0], r[1])
	}
	fmt.Fprintf(&b, "hostile catalogue through the Go package: %d cases run, %d passed\n", total, passed)
	return b.String()
}

// ---- the test ----------------------------------------------------------------------------------

func loadCatalogue(t *testing.T) (*catalogue, map[string]map[string]any, map[string]json.RawMessage) {
	t.Helper()
	var cat catalogue
	raw := readFile(t, "tests/hostile/catalogue.json")
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&cat); err != nil {
		t.Fatal(err)
	}
	// Every member a case may have is known here: a new one fails rather than being ignored.
	var loose struct {
		Cases []map[string]json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(raw, &loose); err != nil {
		t.Fatal(err)
	}
	known := "name category op check input kind body system call env status headers expect task token fault config max_seconds min_seconds no_secret setup"
	for _, c := range loose.Cases {
		for k := range c {
			if !strings.Contains(" "+known+" ", " "+k+" ") {
				t.Fatalf("a case member this test does not know: %s", k)
			}
		}
		var e map[string]json.RawMessage
		_ = json.Unmarshal(c["expect"], &e)
		for k := range e {
			if !strings.Contains(" error code ok next sent transport retry_after_seconds message_contains ", " "+k+" ") {
				t.Fatalf("an expectation this test does not know: %s", k)
			}
		}
	}
	var calls struct {
		Calls map[string]map[string]any `json:"calls"`
	}
	if err := json.Unmarshal(readFile(t, "tests/calls.json"), &calls); err != nil {
		t.Fatal(err)
	}
	var systems map[string]json.RawMessage
	if err := json.Unmarshal(readFile(t, "tests/vectors/systems.json"), &systems); err != nil {
		t.Fatal(err)
	}
	return &cat, calls.Calls, systems
}

func TestHostileCatalogue(t *testing.T) {
	begin(t, 15*time.Minute)
	cat, calls, systems := loadCatalogue(t)
	if len(cat.Cases) < 230 {
		t.Fatalf("the catalogue has %d cases", len(cat.Cases))
	}
	// Every named call is one this runner knows (or a protocol call only), and the change-request
	// cases of issue #16 are here.
	known := "get get-agent by-external-ref list list-agent withdraw verify list-users system create-standard create-agent " +
		"list-systems register-system replace-system set-system-rights set-system-packages delete-system changelog " +
		"list-agents available-clients list-clients add-client remove-client"
	for name := range calls {
		_, change := changeCalls[name]
		if !change && !protocolOnlyCalls[name] && !strings.Contains(" "+known+" ", " "+name+" ") {
			t.Fatalf("tests/calls.json names a call this runner does not know: %s", name)
		}
	}
	for name := range changeCalls {
		if calls[name] == nil {
			t.Fatalf("tests/calls.json lacks %s", name)
		}
	}
	changeCases := 0
	for _, c := range cat.Cases {
		if c.Category == "change" {
			changeCases++
			if _, ok := changeCalls[c.Call]; !ok || c.Op != "response" {
				t.Fatalf("a change case on another call or op: %s", c.Name)
			}
		}
		if protocolOnlyCalls[c.Call] || protocolOnlyCalls[c.Task] {
			t.Fatalf("a case names a protocol-only call: %s", c.Name)
		}
	}
	if changeCases < 17 {
		t.Fatalf("the catalogue has %d change-request cases", changeCases)
	}
	// The System Register and client-delegation cases of issue #17: 22, response cases on a
	// call of their own kind.
	registerCases, delegationCases := 0, 0
	for _, c := range cat.Cases {
		switch c.Category {
		case "system", "delegation":
			if c.Op != "response" || (c.Category == "delegation") != delegationCalls[c.Call] || !strings.Contains(" "+known+" ", " "+c.Call+" ") {
				t.Fatalf("a %s case on another call or op: %s", c.Category, c.Name)
			}
			if c.Category == "system" {
				registerCases++
			} else {
				delegationCases++
			}
		}
	}
	if registerCases < 12 || delegationCases < 10 {
		t.Fatalf("the catalogue has %d System Register and %d client-delegation cases", registerCases, delegationCases)
	}
	h := &hostileRun{cat: cat, calls: calls, systems: systems}
	h.client = sim.client(t, Config{Retries: noRetries()})
	h.answers = newAnswerServers(t)
	defer func() { fmt.Print(hostileTally.table()) }()
	for i := range cat.Cases {
		c := &cat.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			checkDocuments(t)
			through, run := h.route(t, c)
			passed := false
			defer func() { hostileTally.add(c.Category, through, passed) }()
			// Each call has a context with a deadline of its own (30-60 s), the run -timeout.
			run(t)
			passed = !t.Failed()
		})
	}
}

type hostileRun struct {
	cat     *catalogue
	calls   map[string]map[string]any
	systems map[string]json.RawMessage
	client  *Client
	answers *answerServers
}

// route says how a case runs (for the table) and runs it.
func (h *hostileRun) route(t *testing.T, c *hostileCase) (string, func(*testing.T)) {
	switch c.Op {
	case "identifier":
		return "Client (the call taking the identifier)", func(t *testing.T) { h.identifier(t, c) }
	case "create":
		body := generate(t, c.Body)
		var system []byte
		if len(c.System) > 0 {
			var name string
			if json.Unmarshal(c.System, &name) == nil && h.systems[name] != nil {
				system = h.systems[name]
			} else {
				system = generate(t, c.System)
			}
		}
		if !isJSONObject(body) || (system != nil && !isJSONObject(system)) {
			return "library refusal (not a JSON object: cannot be a document)", func(t *testing.T) { h.createRefused(t, c, body, system) }
		}
		return "Client.ValidateJSON (+ typed Validate when it fits)", func(t *testing.T) { h.create(t, c, body, system) }
	case "response":
		body := generate(t, c.Body)
		if c.Status < 200 || c.Status > 999 || len(body) > 1<<20 {
			return "pump, answer handed to the library (not carriable)", func(t *testing.T) { h.responseThroughPump(t, c, body) }
		}
		if _, ok := changeCalls[c.Call]; ok {
			return "Client's pump over real HTTP(S), JSON task (no typed call)", func(t *testing.T) { h.responseOverHTTP(t, c, body) }
		}
		if delegationCalls[c.Call] {
			return "Client over real HTTP(S), the bureau's token exchanged first", func(t *testing.T) { h.responseOverHTTP(t, c, body) }
		}
		if storedSystemCalls[c.Call] {
			return "Client over real HTTP(S), the stored system read first", func(t *testing.T) { h.responseOverHTTP(t, c, body) }
		}
		return "Client over real HTTP(S) on loopback (canned answer)", func(t *testing.T) { h.responseOverHTTP(t, c, body) }
	case "token":
		return "Client (a TokenSource giving the token)", func(t *testing.T) { h.token(t, c) }
	case "server":
		return "Client against the simulator's faults (real HTTP)", func(t *testing.T) { h.server(t, c) }
	}
	t.Fatalf("an op this test does not know: %s", c.Op)
	return "", nil
}

func isJSONObject(b []byte) bool {
	if !utf8.Valid(b) || !json.Valid(b) {
		return false
	}
	return bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{"))
}

// expectError checks err against the case's expectation of an error.
func expectError(t *testing.T, c *hostileCase, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected %s, got success", c.Expect.Error)
	}
	var le *LibraryError
	if errors.As(err, &le) {
		t.Fatalf("expected %s, got the library error %v", c.Expect.Error, err)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("expected %s, got %v", c.Expect.Error, err)
	}
	want := c.Expect.Error
	if want == "violation" {
		want = "validation"
	}
	if string(e.Kind) != want {
		t.Fatalf("expected %s, got %v", want, err)
	}
	if c.Expect.Code != "" {
		var ve *ValidationError
		if !errors.As(err, &ve) || !contains(ve.Codes(), c.Expect.Code) {
			t.Fatalf("expected the code %s, got %v", c.Expect.Code, err)
		}
	}
	if c.Expect.Transport != "" {
		var te *TransportError
		if !errors.As(err, &te) || string(te.Transport) != c.Expect.Transport {
			t.Fatalf("expected the transport kind %s, got %v", c.Expect.Transport, err)
		}
	}
	if c.Expect.RetryAfterSeconds != nil {
		var u *UnavailableError
		if !errors.As(err, &u) || u.RetryAfterSeconds != *c.Expect.RetryAfterSeconds {
			t.Fatalf("expected Retry-After %d, got %v", *c.Expect.RetryAfterSeconds, err)
		}
	}
	if c.Expect.MessageContains != "" && !strings.Contains(e.Message, c.Expect.MessageContains) {
		t.Fatalf("expected a message containing %q, got %v", c.Expect.MessageContains, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (h *hostileRun) identifier(t *testing.T, c *hostileCase) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	input := string(generate(t, c.Input))
	before := sim.apiCalls(t)
	var err error
	switch c.Check {
	case "org-no":
		_, err = h.client.VerifySystemUser(ctx, h.cat.SystemID, input, h.cat.ExternalRef)
	case "system-id":
		_, err = h.client.GetRegisteredSystem(ctx, input)
	case "external-ref":
		_, err = h.client.GetRequestByExternalRef(ctx, h.cat.SystemID, h.cat.OrgNo, input, Standard)
	case "request-id":
		_, err = h.client.GetRequest(ctx, input, Standard)
	default:
		t.Fatalf("a check this test does not know: %s", c.Check)
	}
	expectError(t, c, err)
	if sim.apiCalls(t) != before {
		t.Fatal("a refused identifier was sent")
	}
}

func (h *hostileRun) create(t *testing.T, c *hostileCase, body, system []byte) {
	_, err := h.client.ValidateJSON(c.Kind, body, system)
	var le *LibraryError
	if errors.As(err, &le) && le.Kind == LibraryInvalidArgument && strings.HasSuffix(le.Message, "["+c.Expect.Code+"]") {
		// libsystemuser answers a body the component cannot decode (e.g. a number as
		// partyOrgNo) with invalid-argument naming the component's code.
		t.Logf("libsystemuser answered invalid-argument naming [%s]", c.Expect.Code)
		return
	}
	expectError(t, c, err)
	// The typed structs, when the body fits them exactly.
	var sys *RegisteredSystem
	if system != nil {
		if sys = registeredSystemOf(system); sys == nil {
			return
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	switch c.Kind {
	case Agent:
		var r AgentRequest
		if dec.Decode(&r) == nil {
			_, err = h.client.ValidateAgent(r, sys)
			expectError(t, c, err)
		}
	default:
		var r StandardRequest
		if dec.Decode(&r) == nil {
			_, err = h.client.ValidateStandard(r, sys)
			expectError(t, c, err)
		}
	}
}

// registeredSystemOf reads a registered system in Altinn's shape (tests/vectors/systems.json).
func registeredSystemOf(raw []byte) *RegisteredSystem {
	var a struct {
		ID     string `json:"id"`
		Vendor struct {
			ID string `json:"ID"`
		} `json:"vendor"`
		Name                LocalizedText   `json:"name"`
		Description         LocalizedText   `json:"description"`
		Rights              []Right         `json:"rights"`
		AccessPackages      []AccessPackage `json:"accessPackages"`
		ClientID            []string        `json:"clientId"`
		IsVisible           *bool           `json:"isVisible"`
		AllowedRedirectURLs []string        `json:"allowedRedirectUrls"`
		IsDeleted           bool            `json:"isDeleted"`
	}
	if json.Unmarshal(raw, &a) != nil {
		return nil
	}
	return &RegisteredSystem{ID: a.ID, VendorOrgNo: strings.TrimPrefix(a.Vendor.ID, "0192:"), Name: a.Name, Description: a.Description,
		Rights: a.Rights, AccessPackages: a.AccessPackages, ClientIDs: a.ClientID, IsVisible: a.IsVisible == nil || *a.IsVisible,
		AllowedRedirectURLs: a.AllowedRedirectURLs, IsDeleted: a.IsDeleted}
}

func (h *hostileRun) createRefused(t *testing.T, c *hostileCase, body, system []byte) {
	var err error
	unobserved(func() { _, err = h.client.ValidateJSON(c.Kind, body, system) })
	var le *LibraryError
	if !errors.As(err, &le) || le.Kind != LibraryInvalidArgument || !strings.Contains(le.Message, "validate") {
		t.Fatalf("expected the library to refuse the validate document, got %v", err)
	}
	// The client goes on.
	if _, err := h.client.ValidateStandard(standardRequest(h.cat.OrgNo, h.cat.ExternalRef), nil); err != nil {
		t.Fatalf("after the refusal: %v", err)
	}
}

// changeCalls are the change-request reads of tests/calls.json and the outcome each gives.
// This package has no typed call for them: they run as task documents through the Client's
// own pump (Client.run), with its HTTP transport, token source and schema tap.
var changeCalls = map[string]string{"get-change": "change-request", "change-by-external-ref": "change-request", "list-changes": "change-requests"}

// protocolOnlyCalls are named calls that are no task: create-change is the POST of a change
// request with its system user's id (for the parser's vectors and the fuzz corpus); the task
// looks the system user up by its key first. No catalogue case names one.
var protocolOnlyCalls = map[string]bool{"create-change": true}

// delegationCalls are the client-delegation calls of tests/calls.json (API.md §12): each
// exchanges the bureau's token first.
var delegationCalls = map[string]bool{"list-agents": true, "available-clients": true, "list-clients": true, "add-client": true, "remove-client": true}

// storedSystemCalls are the System Register changes whose task reads the stored system first
// (to merge into it, or to refuse changing a deleted one).
var storedSystemCalls = map[string]bool{"replace-system": true, "set-system-rights": true, "set-system-packages": true, "delete-system": true}

// testAltinnToken is the Altinn JWT the loopback server answers the exchange with (exp 2100;
// no organisation claim, so it is taken for the bureau asked about).
const testAltinnToken = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln"

// storedSystemOf is the stored system a call reads before changing it (Altinn's shape).
func storedSystemOf(def map[string]any) []byte {
	if system, ok := def["system"]; ok {
		b, _ := json.Marshal(system)
		return b
	}
	return registeredSystemFor(def)
}

// updateOf is every member of a system (Altinn's shape) as a SystemUpdate: what UpdateSystem
// merges into the stored system before it PUTs the whole record.
func updateOf(raw []byte) SystemUpdate {
	s := registeredSystemOf(raw)
	visible := s.IsVisible
	return SystemUpdate{ID: s.ID, Name: &s.Name, Description: &s.Description, Rights: nonNil(s.Rights), AccessPackages: nonNil(s.AccessPackages),
		ClientIDs: nonNil(s.ClientIDs), IsVisible: &visible, AllowedRedirectURLs: nonNil(s.AllowedRedirectURLs)}
}

func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// taskOf is a named call of tests/calls.json as a task document (without "v").
func taskOf(def map[string]any) map[string]any {
	task := map[string]any{}
	for k, v := range def {
		task[k] = v
	}
	name := task["call"].(string)
	delete(task, "call")
	if name == "create-standard-request" || name == "create-agent-request" {
		task = map[string]any{"request": task}
	}
	task["task"] = name
	return task
}

// callOf runs a named call of tests/calls.json (or a catalogue task) through the client.
func (h *hostileRun) callOf(ctx context.Context, c *Client, name string) (string, string, error) {
	def := h.calls[name]
	str := func(k string) string { s, _ := def[k].(string); return s }
	kind := RequestKind(str("kind"))
	if want, ok := changeCalls[name]; ok {
		_, err := c.run(ctx, want, taskOf(def))
		return want, "", err
	}
	switch name {
	case "get", "get-agent":
		_, err := c.GetRequest(ctx, str("id"), kind)
		return "request", "", err
	case "by-external-ref":
		_, err := c.GetRequestByExternalRef(ctx, str("systemId"), str("orgNo"), str("externalRef"), kind)
		return "request", "", err
	case "list", "list-agent":
		p, err := c.ListRequests(ctx, str("systemId"), kind, "")
		if err != nil {
			return "", "", err
		}
		return "requests", p.NextPage, nil
	case "list-all":
		_, err := c.ListAllRequests(ctx, h.cat.SystemID, Standard)
		return "requests", "", err
	case "withdraw":
		return "withdrawn", "", c.WithdrawRequest(ctx, str("id"))
	case "verify":
		_, err := c.VerifySystemUser(ctx, str("systemId"), str("orgNo"), str("externalRef"))
		return "system-user", "", err
	case "list-users":
		p, err := c.ListSystemUsers(ctx, str("systemId"), "")
		if err != nil {
			return "", "", err
		}
		return "system-users", p.NextPage, nil
	case "list-all-users":
		_, err := c.ListAllSystemUsers(ctx, h.cat.SystemID)
		return "system-users", "", err
	case "system":
		_, err := c.GetRegisteredSystem(ctx, str("systemId"))
		return "registered-system", "", err
	case "create", "create-standard":
		def = h.calls["create-standard"]
		var r StandardRequest
		remarshal(def, &r)
		_, err := c.CreateStandardRequest(ctx, r)
		return "created", "", err
	case "create-agent":
		var r AgentRequest
		remarshal(def, &r)
		_, err := c.CreateAgentRequest(ctx, r)
		return "created", "", err
	// The System Register (issue #17).
	case "list-systems":
		_, err := c.ListSystems(ctx)
		return "systems", "", err
	case "register-system":
		s := registeredSystemOf(storedSystemOf(def))
		if s == nil {
			return "", "", fmt.Errorf("the call's system cannot be read")
		}
		_, err := c.RegisterSystem(ctx, *s)
		return "system-registered", "", err
	case "replace-system":
		return "system-changed", "", c.UpdateSystem(ctx, updateOf(storedSystemOf(def)))
	case "set-system-rights":
		var rights []Right
		remarshal(def["rights"], &rights)
		return "system-changed", "", c.SetSystemRights(ctx, str("systemId"), rights)
	case "set-system-packages":
		var packages []AccessPackage
		remarshal(def["accessPackages"], &packages)
		return "system-changed", "", c.SetSystemAccessPackages(ctx, str("systemId"), packages)
	case "delete-system":
		return "system-changed", "", c.DeleteSystem(ctx, str("systemId"))
	case "changelog":
		_, err := c.SystemChangelog(ctx, str("systemId"))
		return "system-changelog", "", err
	// Client delegation (issue #17), for the bureau list-agents names, else the catalogue's.
	case "list-agents":
		_, err := c.ListAgents(ctx, Bureau{OrgNo: str("partyOrgNo")})
		return "agents", "", err
	case "available-clients":
		_, err := c.ListAvailableClients(ctx, Bureau{OrgNo: h.cat.OrgNo}, str("agent"))
		return "clients", "", err
	case "list-clients":
		_, err := c.ListClients(ctx, Bureau{OrgNo: h.cat.OrgNo}, str("agent"))
		return "clients", "", err
	case "add-client":
		_, err := c.AddClient(ctx, Bureau{OrgNo: h.cat.OrgNo}, str("agent"), str("client"))
		return "client-added", "", err
	case "remove-client":
		_, err := c.RemoveClient(ctx, Bureau{OrgNo: h.cat.OrgNo}, str("agent"), str("client"))
		return "client-removed", "", err
	}
	return "", "", fmt.Errorf("a call this test does not know: %s", name)
}

func remarshal(from any, to any) {
	b, _ := json.Marshal(from)
	_ = json.Unmarshal(b, to)
}

func (h *hostileRun) check(t *testing.T, c *hostileCase, outcome, next string, err error) {
	t.Helper()
	if c.Expect.OK != "" {
		if err != nil {
			t.Fatalf("expected %s, got %v", c.Expect.OK, err)
		}
		if outcome != c.Expect.OK || next != c.Expect.Next {
			t.Fatalf("expected %s (next %q), got %s (next %q)", c.Expect.OK, c.Expect.Next, outcome, next)
		}
		return
	}
	expectError(t, c, err)
}

// registeredSystemFor is a registered system (Altinn's shape) for the call's system that
// allows what the call asks: a create first reads it (its pre-flight).
func registeredSystemFor(def map[string]any) []byte {
	systemID, _ := def["systemId"].(string)
	rights, packages := def["rights"], def["accessPackages"]
	if rights == nil {
		rights = []any{}
	}
	if packages == nil {
		packages = []any{}
	}
	b, _ := json.Marshal(map[string]any{"id": systemID, "vendor": map[string]any{"ID": "0192:" + systemID[:9]}, "name": map[string]any{"nb": "SmartRegnskap"},
		"rights": rights, "accessPackages": packages, "clientId": []string{}, "isVisible": true, "allowedRedirectUrls": []string{}, "isDeleted": false})
	return b
}

// ---- answers over real HTTP on loopback --------------------------------------------------------

// answerServers answer every request with the current case's answer: one over HTTPS (a
// certificate of its own, for tt02's host names) and one over plain HTTP (the custom
// environment). The client's transport dials them on loopback whatever the host.
type answerServers struct {
	mu        sync.Mutex
	status    int
	headers   map[string]string
	body      []byte
	system    []byte // the registered system a call reads first (a create's pre-flight, a change's merge)
	requests  int    // the case's answers given
	exchanges int    // the exchanges answered, and with which bearer token the answers were asked
	bearers   []string
	tls, http *httptest.Server
	transport *http.Transport
}

func newAnswerServers(t *testing.T) *answerServers {
	a := &answerServers{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		status, headers, body, system := a.status, a.headers, a.body, a.system
		if r.Method == http.MethodGet && r.URL.Path == "/authentication/api/v1/exchange/maskinporten" {
			a.exchanges++
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte(testAltinnToken))
			return
		}
		// The read of the stored system (GET systemregister/vendor/{id}), not its changelog.
		if system != nil && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/systemregister/vendor/") && !strings.HasSuffix(r.URL.Path, "/changelog") {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write(system)
			return
		}
		a.requests++
		a.bearers = append(a.bearers, r.Header.Get("Authorization"))
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
	a.tls = httptest.NewTLSServer(handler)
	a.http = httptest.NewServer(handler)
	t.Cleanup(a.tls.Close)
	t.Cleanup(a.http.Close)
	roots := x509.NewCertPool()
	roots.AddCert(a.tls.Certificate())
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	a.transport = DefaultTransport()
	a.transport.Proxy = nil
	// httptest's certificate names example.com: verified against it, whatever the URL's host.
	a.transport.TLSClientConfig = &tls.Config{RootCAs: roots, ServerName: "example.com"}
	a.transport.ForceAttemptHTTP2 = false
	a.transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasSuffix(addr, ":443") {
			return dialer.DialContext(ctx, network, a.tls.Listener.Addr().String())
		}
		return dialer.DialContext(ctx, network, a.http.Listener.Addr().String())
	}
	t.Cleanup(a.transport.CloseIdleConnections)
	return a
}

func (a *answerServers) set(status int, headers map[string]string, body, system []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.status, a.headers, a.body, a.system, a.requests, a.exchanges, a.bearers = status, headers, body, system, 0, 0, nil
}

// delegation is how many exchanges were answered, and the bearer token of each answer asked for.
func (a *answerServers) delegation() (int, []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.exchanges, append([]string{}, a.bearers...)
}

func (a *answerServers) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests
}

func customTestEnvironment() Environment {
	return CustomEnvironment("http://127.0.0.1:5101", "http://127.0.0.1:5102", "http://127.0.0.1:5103/")
}

func (h *hostileRun) responseOverHTTP(t *testing.T, c *hostileCase, body []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var system []byte
	if strings.HasPrefix(c.Call, "create") {
		system = registeredSystemFor(h.calls[c.Call])
	}
	if storedSystemCalls[c.Call] {
		system = storedSystemOf(h.calls[c.Call])
	}
	h.answers.set(c.Status, c.Headers, body, system)
	env := TT02
	if c.Env == "custom" {
		env = customTestEnvironment()
	}
	client, err := NewClient(rt, Config{Environment: env, Tokens: StaticToken("test-token"), Retries: noRetries(), Transport: h.answers.transport})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	outcome, next, err := h.callOf(ctx, client, c.Call)
	if h.answers.count() == 0 {
		t.Fatalf("the answer was never asked for (%v)", err)
	}
	if delegationCalls[c.Call] {
		// The bureau's token exchanged once, and the call sent with the Altinn token.
		exchanges, bearers := h.answers.delegation()
		if exchanges != 1 {
			t.Fatalf("%d exchanges", exchanges)
		}
		for _, b := range bearers {
			if b != "Bearer "+testAltinnToken {
				t.Fatal("a delegation call was not sent with the exchanged token")
			}
		}
		if err != nil && strings.Contains(err.Error(), testAltinnToken) {
			t.Fatal("the exchanged token shows in the error")
		}
	}
	h.check(t, c, outcome, next, err)
}

// responseThroughPump runs the named call with the case's answer handed to the library as
// the answer to its send step (no HTTP): for answers HTTP cannot carry to this client.
func (h *hostileRun) responseThroughPump(t *testing.T, c *hostileCase, body []byte) {
	env := TT02
	if c.Env == "custom" {
		env = customTestEnvironment()
	}
	client, err := NewClient(rt, Config{Environment: env, Tokens: StaticToken("test-token"), Retries: noRetries()})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	def := h.calls[c.Call]
	task := taskOf(def)
	headers := [][2]string{}
	for k, v := range c.Headers {
		headers = append(headers, [2]string{k, v})
	}
	answer := map[string]any{"v": 1, "input": "response", "response": map[string]any{"status": c.Status, "headers": headers,
		"body": base64.StdEncoding.EncodeToString(body)}}
	op, err := client.newOperation(task)
	if err != nil {
		t.Fatal(err)
	}
	defer op.close()
	step, err := op.start()
	var wire *wireError
	outcome, next := "", ""
	for i := 0; err == nil && i < 20; i++ {
		observe("step", step)
		var s stepDoc
		if err := json.Unmarshal(step, &s); err != nil {
			t.Fatal(err)
		}
		var input map[string]any
		switch s.Step {
		case "done":
			if s.Error != nil {
				wire = s.Error
			} else {
				var o outcomeDoc
				_ = json.Unmarshal(s.Outcome, &o)
				outcome, next = o.Outcome, str(o.NextPage)
			}
			i = 20
			continue
		case "token":
			input = map[string]any{"v": 1, "input": "token", "token": "test-token"}
		case "send":
			input = answer
			if strings.Contains(s.Request.URL, "/systemregister/vendor/") && strings.HasPrefix(c.Call, "create") {
				input = map[string]any{"v": 1, "input": "response", "response": map[string]any{"status": 200,
					"headers": [][2]string{{"content-type", "application/json; charset=utf-8"}},
					"body":    base64.StdEncoding.EncodeToString(registeredSystemFor(def))}}
			}
		default:
			t.Fatalf("an unexpected step %s", s.Step)
		}
		doc, _ := json.Marshal(input)
		observe("input", doc)
		step, err = op.advance(doc)
	}
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	if wire != nil {
		werr = wire.toError()
	}
	h.check(t, c, outcome, next, werr)
	// Over HTTP, this client's own cap refuses an oversized body first.
	if len(body) > 1<<20 {
		var system []byte
		if strings.HasPrefix(c.Call, "create") {
			system = registeredSystemFor(def)
		}
		h.answers.set(c.Status, c.Headers, body, system)
		hc, err := NewClient(rt, Config{Environment: env, Tokens: StaticToken("test-token"), Retries: noRetries(), Transport: h.answers.transport})
		if err != nil {
			t.Fatal(err)
		}
		defer hc.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _, err = h.callOf(ctx, hc, c.Call)
		var te *TransportError
		if !errors.As(err, &te) || te.Transport != TransportTooLarge {
			t.Fatalf("over HTTP, expected transport too-large, got %v", err)
		}
	}
}

func (h *hostileRun) token(t *testing.T, c *hostileCase) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	token := string(generate(t, c.Token))
	client := sim.client(t, Config{Tokens: StaticToken(token)})
	before := sim.apiCalls(t)
	_, _, err := h.callOf(ctx, client, c.Task)
	expectError(t, c, err)
	if sent := sim.apiCalls(t) - before; c.Expect.Sent != nil && sent != *c.Expect.Sent {
		t.Fatalf("%d calls were sent with the hostile token", sent)
	}
	if len(token) > 3 && strings.Contains(err.Error(), token) {
		t.Fatal("the token shows in the error")
	}
}

func (h *hostileRun) server(t *testing.T, c *hostileCase) {
	own := newSimulator(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, step := range c.Setup {
		if step != "create" {
			t.Fatalf("a setup step this test does not know: %s", step)
		}
		setup := own.client(t, Config{})
		if _, _, err := h.callOf(ctx, setup, "create"); err != nil {
			t.Fatal(err)
		}
	}
	var faults []map[string]any
	if err := json.Unmarshal(c.Fault, &faults); err != nil {
		var one map[string]any
		if err := json.Unmarshal(c.Fault, &one); err != nil {
			t.Fatal(err)
		}
		faults = []map[string]any{one}
	}
	for _, f := range faults {
		own.arm(t, f)
	}
	mintedBefore := len(own.mintedTokens())
	client := own.client(t, Config{
		Timeout:  time.Duration(c.Config["timeoutMs"]) * time.Millisecond,
		Deadline: time.Duration(c.Config["deadlineMs"]) * time.Millisecond,
		Retries:  &RetryPolicy{Budget: c.Config["retryBudget"], Backoff: time.Duration(c.Config["backoffMs"]) * time.Millisecond},
	})
	start := time.Now()
	outcome, next, err := h.callOf(ctx, client, c.Task)
	seconds := time.Since(start).Seconds()
	result := "ok " + outcome
	if err != nil {
		result = err.Error()
	}
	t.Logf("%.2f s: %s", seconds, result)
	h.check(t, c, outcome, next, err)
	if seconds > c.MaxSeconds {
		t.Fatalf("took %.2f s, more than %v s", seconds, c.MaxSeconds)
	}
	if seconds < c.MinSeconds {
		t.Fatalf("took %.2f s, less than the %v s asked for", seconds, c.MinSeconds)
	}
	if c.NoSecret {
		tokens := own.mintedTokens()[mintedBefore:]
		if len(tokens) == 0 {
			t.Fatal("no token was in play: the check could not fail")
		}
		texts := errorTexts(err)
		for _, tok := range tokens {
			for _, text := range texts {
				if leaks(text, tok) {
					t.Fatal("the echoed token shows in the error")
				}
			}
		}
		if !strings.Contains(strings.Join(texts, "\n"), "[redacted]") {
			t.Fatal("the echoed token was not replaced by [redacted]")
		}
	}
}

// errorTexts is every way an error can be shown.
func errorTexts(err error) []string {
	if err == nil {
		return nil
	}
	out := []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%s", err), fmt.Sprintf("%q", err)}
	var e *Error
	if errors.As(err, &e) {
		b, _ := json.Marshal(e)
		out = append(out, string(b), fmt.Sprintf("%+v", *e))
		for _, x := range e.Extensions {
			out = append(out, string(x))
		}
	}
	return out
}

// leaks: the secret, or the signature segment of a JWT alone, is in text.
func leaks(text, secret string) bool {
	if len(secret) < 20 {
		return false
	}
	if strings.Contains(text, secret) {
		return true
	}
	parts := strings.Split(secret, ".")
	sig := parts[len(parts)-1]
	return len(sig) > 20 && strings.Contains(text, sig)
}
