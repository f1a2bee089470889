// The whole vendor story against a local Altinn (altinn-sim, started here), through the Go
// package: create a request, the customer approves on the confirm page (an HTTP form post, as
// a browser would), wait for Accepted, verify the system user, get a system-user token, an
// agent request with clients, a rejection and what to do next, and requests the component
// refuses before sending. Every step checks what it got; the first surprise exits 1.
//
//	go run ./examples/demo [-sim ../../target/release/altinn-sim] [-component ../../target/wasm/altinn_systemuser.wasm]
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"altinn.no/systemuser"
)

const (
	vendor         = "314248295"
	standardSystem = "314248295_smartregnskap"
	agentSystem    = "314248295_smartbyraa"
	redirect       = "https://smartregnskap.example/callback"
	serviceScope   = "ttd:regnskap.read"
	clientID       = "sim-smartregnskap-client"
	kid            = "sim-test-key-1"
)

var (
	simPath       = flag.String("sim", "../../target/release/altinn-sim", "the simulator binary")
	componentPath = flag.String("component", "../../target/wasm/altinn_systemuser.wasm", "the component")
	keyPath       = flag.String("key", "../../simulator/tests/keys/TEST-ONLY-client-key.pk8.pem", "the TEST-ONLY key of "+clientID)
)

type demo struct {
	ctx     context.Context
	client  *systemuser.Client
	base    string
	browser *http.Client
}

type failure string

func (f failure) Error() string { return string(f) }

func expect(ok bool, format string, args ...any) {
	if !ok {
		panic(failure(fmt.Sprintf(format, args...)))
	}
}

// step is the value of a call that must succeed.
func step[T any](v T, err error) T {
	if err != nil {
		panic(failure(err.Error()))
	}
	return v
}

func bold(s string) string    { return "\x1b[1m" + s + "\x1b[0m" }
func section(n int, s string) { fmt.Printf("\n%s\n", bold(fmt.Sprintf("━━ %d. %s ━━", n, s))) }
func call(s string)           { fmt.Printf("\n$ %s\n", bold(s)) }
func note(s string)           { fmt.Printf("  (%s)\n", s) }

func main() {
	flag.Parse()
	started := time.Now()
	cmd := exec.Command(*simPath, "--admin", "--listen", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot start the simulator %s: %v\n", *simPath, err)
		os.Exit(1)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	base := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	if err != nil || !strings.HasPrefix(base, "http://") {
		fmt.Fprintln(os.Stderr, "the simulator did not say where it listens")
		os.Exit(1)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()

	rt, err := systemuser.LoadRuntime(*componentPath, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer rt.Close()
	pem, err := os.ReadFile(*keyPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	key, err := systemuser.ParseRSAPrivateKeyPEM(pem)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	client, err := systemuser.NewClient(rt, systemuser.Config{
		Environment:  systemuser.LocalEnvironment(base),
		Maskinporten: &systemuser.Maskinporten{ClientID: clientID, Key: systemuser.KeyID(kid), Signer: systemuser.NewRSASigner(key)},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := &demo{ctx: ctx, client: client, base: base, browser: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{Proxy: nil},
	}}

	fmt.Println(bold("altinn-systemuser from Go: a vendor's system user requests, end to end"))
	fmt.Printf("A local Altinn (altinn-sim) is running at %s.\n", base)
	fmt.Printf("Vendor %s (SMARTREGNSKAP AS) has the Maskinporten client %s and its key (%s, TEST-ONLY).\n", vendor, clientID, kid)
	fmt.Println("The component builds each JWT grant, this Go process signs it (crypto/rsa), the local Maskinporten")
	fmt.Println("answers with a token the component caches. Every call below goes through libsystemuser (cgo) and the")
	fmt.Println("altinn-systemuser WebAssembly component; the HTTP is Go's net/http.")

	ok := func() (ok bool) {
		defer func() {
			if r := recover(); r != nil {
				f, isFailure := r.(failure)
				if !isFailure {
					panic(r)
				}
				fmt.Printf("\n✗ demo failed after %.1f s: %s\n", time.Since(started).Seconds(), f)
				ok = false
			}
		}()
		d.approvedStandard()
		d.agentWithClients()
		d.rejectedThenWithdrawn()
		d.refusedBeforeSending()
		return true
	}()
	if !ok {
		os.Exit(1)
	}
	grants, altinn := d.callCounts()
	fmt.Printf("\nMaskinporten grants: %d for %d Altinn calls (the component caches each token per scope and customer).\n", grants, altinn)
	fmt.Println(bold(fmt.Sprintf("✓ demo finished: every step behaved as expected (%.1f s)", time.Since(started).Seconds())))
}

func printRequest(r *systemuser.Request) {
	fmt.Printf("  id:           %s\n  kind:         %s\n  status:       %s\n  system:       %s\n  customer:     %s\n  external ref: %s\n",
		r.ID, r.Kind, r.StatusName(), r.SystemID, r.PartyOrgNo, r.ExternalRef)
	if r.IntegrationTitle != "" {
		fmt.Printf("  title:        %s\n", r.IntegrationTitle)
	}
	for _, right := range r.Rights {
		for _, p := range right.Resource {
			fmt.Printf("  right:        %s=%s\n", p.ID, p.Value)
		}
	}
	for _, p := range r.AccessPackages {
		fmt.Printf("  package:      %s\n", p.URN)
	}
	if r.RedirectURL != "" {
		fmt.Printf("  redirect url: %s\n", r.RedirectURL)
	}
	if r.ConfirmURL != "" {
		fmt.Printf("  confirm url:  %s\n", r.ConfirmURL)
	}
}

func printCreated(c *systemuser.CreatedRequest) {
	if c.IsNew {
		fmt.Println("✓ request created")
	} else {
		fmt.Printf("= an existing request has this key (status %s): Altinn answered it, nothing new was created\n", c.Request.StatusName())
	}
	printRequest(&c.Request)
}

func printUser(u *systemuser.SystemUser) {
	fmt.Printf("✓ system user found\n  id:           %s\n  type:         %s\n  system:       %s\n  customer:     %s\n  external ref: %s\n",
		u.ID, u.UserType, u.SystemID, u.ReporteeOrgNo, u.ExternalRef)
}

// submitForm does what the customer's browser does: GET the page, find the form holding the
// button, POST it with its hidden fields; returns where the 303 sends the browser.
func (d *demo) submitForm(pageURL, button string) (string, error) {
	resp, err := d.browser.Get(pageURL)
	if err != nil {
		return "", err
	}
	page, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: %d %v", pageURL, resp.StatusCode, err)
	}
	text := string(page)
	at := strings.Index(text, `id="`+button+`"`)
	if at < 0 {
		return "", fmt.Errorf("the page has no button %q", button)
	}
	formStart := strings.LastIndex(text[:at], "<form")
	if formStart < 0 {
		return "", fmt.Errorf("the button %q is in no form", button)
	}
	form := text[formStart:at]
	action := html.UnescapeString(attr(form, "action"))
	fields := url.Values{}
	for _, input := range strings.Split(form, "<input")[1:] {
		if name := attr(input, "name"); name != "" {
			fields.Add(html.UnescapeString(name), html.UnescapeString(attr(input, "value")))
		}
	}
	target, err := url.Parse(pageURL)
	if err != nil {
		return "", err
	}
	ref, err := url.Parse(action)
	if err != nil {
		return "", err
	}
	answer, err := d.browser.PostForm(target.ResolveReference(ref).String(), fields)
	if err != nil {
		return "", err
	}
	answer.Body.Close()
	if answer.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("POST %s answered %d, not a redirect", action, answer.StatusCode)
	}
	return answer.Header.Get("Location"), nil
}

func attr(tag, name string) string {
	key := name + `="`
	i := strings.Index(tag, key)
	if i < 0 {
		return ""
	}
	rest := tag[i+len(key):]
	return rest[:strings.IndexByte(rest, '"')]
}

// customerLater: after a second, the customer opens the link and clicks.
func (d *demo) customerLater(confirmURL, button string) <-chan error {
	done := make(chan error, 1)
	go func() {
		time.Sleep(time.Second)
		landed, err := d.submitForm(confirmURL, button)
		if err == nil && landed != "" {
			note("after clicking " + button + ", the customer's browser was sent to " + landed)
		}
		done <- err
	}()
	return done
}

// watch polls the request until it is final, printing each change.
func (d *demo) watch(id string, kind systemuser.RequestKind, want systemuser.Status) {
	call(fmt.Sprintf("client.GetRequest(ctx, %q, %s) every 250 ms until the status is final", id, kind))
	start := time.Now()
	var last systemuser.Status
	var seen []string
	for time.Since(start) < 15*time.Second {
		r := step(d.client.GetRequest(d.ctx, id, kind))
		if r.Status != last {
			if last == "" {
				fmt.Printf("  [%5.1f s] %s\n", time.Since(start).Seconds(), r.StatusName())
			} else {
				fmt.Printf("  [%5.1f s] %s → %s\n", time.Since(start).Seconds(), last, r.StatusName())
			}
			last = r.Status
			seen = append(seen, string(r.Status))
		}
		if r.Final() {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	expect(last == want && strings.Join(seen, " → ") == "New → "+string(want), "expected New → %s, saw %s", want, strings.Join(seen, " → "))
}

func (d *demo) approvedStandard() {
	section(1, "A standard request with rights, a package and a redirect URL, approved by the customer")
	org, ref := "310816191", "erp-customer-42"
	call(fmt.Sprintf(`client.CreateStandardRequest(ctx, StandardRequest{SystemID: %q, PartyOrgNo: %q, ExternalRef: %q, IntegrationTitle: "SmartRegnskap for Kunde AS", Rights: ske-krav-og-betalinger, AccessPackages: skattegrunnlag, RedirectURL: %q})`,
		standardSystem, org, ref, redirect))
	created := step(d.client.CreateStandardRequest(d.ctx, systemuser.StandardRequest{
		SystemID: standardSystem, PartyOrgNo: org, ExternalRef: ref, IntegrationTitle: "SmartRegnskap for Kunde AS",
		Rights:         []systemuser.Right{systemuser.ResourceRight("ske-krav-og-betalinger")},
		AccessPackages: []systemuser.AccessPackage{systemuser.Package("skattegrunnlag")}, RedirectURL: redirect}))
	printCreated(created)
	r := created.Request
	expect(created.IsNew && r.Status == systemuser.StatusNew, "expected a new request in status New, got %s", r.StatusName())
	expect(strings.HasPrefix(r.ConfirmURL, d.base), "the confirm link %s is not on the local Altinn", r.ConfirmURL)
	fmt.Println("  Send the confirm URL to the customer; they approve it in Altinn.")

	note("in about a second the customer opens the link and clicks Approve: GET the page, POST its form")
	customer := d.customerLater(r.ConfirmURL, "approve")
	d.watch(r.ID, systemuser.Standard, systemuser.StatusAccepted)
	expect(<-customer == nil, "the customer's browser failed")

	call(fmt.Sprintf("client.VerifySystemUser(ctx, %q, %q, %q)", standardSystem, org, ref))
	user := step(d.client.VerifySystemUser(d.ctx, standardSystem, org, ref))
	expect(user != nil, "verify found no system user after the customer approved")
	printUser(user)
	expect(user.ID == r.ID, "the system user's id %s should equal the request's id %s", user.ID, r.ID)

	note("now the vendor acts for the customer: a system-user token (the grant names the customer and the external ref)")
	call(fmt.Sprintf("client.SystemUserToken(ctx, %q, %q, %q)", org, ref, serviceScope))
	tok := step(d.client.SystemUserToken(d.ctx, org, ref, serviceScope))
	fmt.Printf("✓ system-user token for %s: %s\n  scope: %s\n  expires: %s\n", org, tok.Token, tok.Scope, tok.ExpiresAt.Format(time.RFC3339))
	details := tokenDetails(tok.Token.Reveal())
	fmt.Printf("  acts as: system user %s of %s (external ref %s)\n", details.SystemUserID, details.Org, details.ExternalRef)
	expect(details.Org == "0192:"+org && details.SystemUserID == r.ID, "the token's authorization_details do not name the customer's system user")

	note("without the external ref the request used, Maskinporten finds no system user")
	call(fmt.Sprintf("client.SystemUserToken(ctx, %q, \"\", %q)", org, serviceScope))
	_, err := d.client.SystemUserToken(d.ctx, org, "", serviceScope)
	var e *systemuser.Error
	expect(errors.As(err, &e) && e.Code == "MP-303", "expected MP-303 without the external ref, got %v", err)
	fmt.Printf("✗ %s [%s]\n", e.Message, e.Code)
}

type details struct{ SystemUserID, Org, ExternalRef string }

// tokenDetails reads the token's authorization_details (its payload is not secret; the
// signature is what makes it a credential, and it is never shown).
func tokenDetails(token string) details {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return details{}
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		AuthorizationDetails []struct {
			SystemUserID  []string `json:"systemuser_id"`
			SystemUserOrg struct {
				ID string `json:"ID"`
			} `json:"systemuser_org"`
			ExternalRef string `json:"externalRef"`
		} `json:"authorization_details"`
	}
	if json.Unmarshal(payload, &claims) != nil || len(claims.AuthorizationDetails) != 1 {
		return details{}
	}
	a := claims.AuthorizationDetails[0]
	id := ""
	if len(a.SystemUserID) > 0 {
		id = a.SystemUserID[0]
	}
	return details{id, a.SystemUserOrg.ID, a.ExternalRef}
}

func (d *demo) agentWithClients() {
	section(2, "An agent request for the client system "+agentSystem+", approved, then clients delegated")
	org := "314224965"
	call(fmt.Sprintf("client.CreateAgentRequest(ctx, AgentRequest{SystemID: %q, PartyOrgNo: %q, AccessPackages: regnskapsforer-med-signeringsrettighet})", agentSystem, org))
	created := step(d.client.CreateAgentRequest(d.ctx, systemuser.AgentRequest{SystemID: agentSystem, PartyOrgNo: org,
		AccessPackages: []systemuser.AccessPackage{systemuser.Package("regnskapsforer-med-signeringsrettighet")}}))
	printCreated(created)
	r := created.Request
	expect(created.IsNew && r.Kind == systemuser.Agent && len(r.Rights) == 0, "expected a new agent request without rights")

	note("the customer approves on the agent confirm page")
	customer := d.customerLater(r.ConfirmURL, "approve")
	d.watch(r.ID, systemuser.Agent, systemuser.StatusAccepted)
	expect(<-customer == nil, "the customer's browser failed")

	fmt.Println("\nThe system user exists but may act for no client yet: the customer delegates clients on the clients page.")
	clientsPage := fmt.Sprintf("%s/accessmanagement/ui/systemuser/agentclients?id=%s", d.base, r.ID)
	for _, c := range []string{"313981436", "316501389"} {
		_, err := d.submitForm(clientsPage, "add-"+c)
		expect(err == nil, "delegating client %s: %v", c, err)
		note(fmt.Sprintf("customer %s delegated client %s (POST of the Add form on the clients page)", org, c))
	}
	delegated := d.delegatedClients(r.ID)
	fmt.Printf("  delegated clients of system user %s: %s\n", r.ID, strings.Join(delegated, ", "))
	note("Altinn's vendor API does not list clients; this is the simulator's admin view (GET /_sim/systemusers)")
	expect(strings.Join(delegated, ",") == "313981436,316501389", "the simulator shows the clients %v", delegated)

	call(fmt.Sprintf("client.VerifySystemUser(ctx, %q, %q, \"\")", agentSystem, org))
	user := step(d.client.VerifySystemUser(d.ctx, agentSystem, org, ""))
	expect(user != nil && user.UserType == systemuser.UserAgent, "expected an agent system user")
	printUser(user)

	call(fmt.Sprintf("client.ListAllSystemUsers(ctx, %q)", agentSystem))
	users := step(d.client.ListAllSystemUsers(d.ctx, agentSystem))
	found := false
	for _, u := range users {
		fmt.Printf("  %s  %s  customer %s\n", u.ID, u.UserType, u.ReporteeOrgNo)
		found = found || u.ID == r.ID
	}
	expect(found, "the new agent system user is missing from the list")
}

func (d *demo) delegatedClients(id string) []string {
	resp, err := d.browser.Get(d.base + "/_sim/systemusers")
	expect(err == nil, "reading the simulator's system users: %v", err)
	defer resp.Body.Close()
	var state struct {
		SystemUsers []struct {
			ID      string   `json:"id"`
			Clients []string `json:"clients"`
		} `json:"systemUsers"`
	}
	expect(json.NewDecoder(resp.Body).Decode(&state) == nil, "the simulator's system users are not JSON")
	for _, u := range state.SystemUsers {
		if u.ID == id {
			return u.Clients
		}
	}
	return nil
}

func (d *demo) rejectedThenWithdrawn() {
	section(3, "A rejected request, and what the vendor must do next")
	org, ref := "317103360", "erp-customer-77"
	req := systemuser.StandardRequest{SystemID: standardSystem, PartyOrgNo: org, ExternalRef: ref,
		Rights: []systemuser.Right{systemuser.ResourceRight("ske-innrapportering-a-ordning")}}
	line := fmt.Sprintf("client.CreateStandardRequest(ctx, StandardRequest{SystemID: %q, PartyOrgNo: %q, ExternalRef: %q, Rights: ske-innrapportering-a-ordning})", standardSystem, org, ref)
	call(line)
	first := step(d.client.CreateStandardRequest(d.ctx, req))
	printCreated(first)
	note("the customer clicks Reject this time")
	customer := d.customerLater(first.Request.ConfirmURL, "reject")
	d.watch(first.Request.ID, systemuser.Standard, systemuser.StatusRejected)
	expect(<-customer == nil, "the customer's browser failed")

	fmt.Println("\nThe vendor asks again with the same key (system, customer, external ref):")
	call(line)
	again := step(d.client.CreateStandardRequest(d.ctx, req))
	printCreated(again)
	expect(!again.IsNew && again.Request.ID == first.Request.ID && again.Request.Status == systemuser.StatusRejected,
		"expected the same Rejected request with IsNew false")

	call(fmt.Sprintf("client.WithdrawRequest(ctx, %q)", first.Request.ID))
	_ = step(struct{}{}, d.client.WithdrawRequest(d.ctx, first.Request.ID))
	fmt.Printf("✓ request %s withdrawn; its key is free for a new request\n", first.Request.ID)

	call(line)
	fresh := step(d.client.CreateStandardRequest(d.ctx, req))
	printCreated(fresh)
	expect(fresh.IsNew && fresh.Request.ID != first.Request.ID && fresh.Request.Status == systemuser.StatusNew, "expected a new request in status New")
}

func (d *demo) refusedBeforeSending() {
	section(4, "Requests the component refuses before anything is sent")
	before, _ := d.createCalls()
	call(fmt.Sprintf("client.CreateAgentRequest(ctx, AgentRequest{SystemID: %q, PartyOrgNo: \"313981436\", AccessPackages: regnskapsforer-lonn, Rights: ske-krav-og-betalinger})", agentSystem))
	_, err := d.client.CreateAgentRequest(d.ctx, systemuser.AgentRequest{SystemID: agentSystem, PartyOrgNo: "313981436",
		AccessPackages: []systemuser.AccessPackage{systemuser.Package("regnskapsforer-lonn")},
		Rights:         []systemuser.Right{systemuser.ResourceRight("ske-krav-og-betalinger")}})
	violations(err, "rights-on-agent-request")
	note("Altinn would silently drop the rights; the component refuses instead")

	wrong := redirect + "/"
	call(fmt.Sprintf("client.CreateStandardRequest(ctx, StandardRequest{SystemID: %q, PartyOrgNo: \"313981436\", AccessPackages: merverdiavgift, RedirectURL: %q})", standardSystem, wrong))
	_, err = d.client.CreateStandardRequest(d.ctx, systemuser.StandardRequest{SystemID: standardSystem, PartyOrgNo: "313981436",
		AccessPackages: []systemuser.AccessPackage{systemuser.Package("merverdiavgift")}, RedirectURL: wrong})
	violations(err, "AUTH-00021")
	note("the system registers " + redirect + "; the component read the registered system first and matched as Altinn does")
	after, _ := d.createCalls()
	fmt.Printf("\n  create calls the local Altinn received during this section: %d\n", after-before)
	expect(after == before, "a refused request reached Altinn")
}

func violations(err error, want string) {
	var ve *systemuser.ValidationError
	expect(errors.As(err, &ve), "expected the component to refuse the input, got %v", err)
	found := false
	for _, v := range ve.Violations {
		field := v.Field
		if field == "" {
			field = "(body)"
		}
		fmt.Printf("  ✗ %s: %s [%s]\n", field, v.Message, v.Code)
		found = found || v.Code == want
	}
	expect(found, "expected the violation %s", want)
}

// routes the simulator's call log names (no route for pages and admin routes).
func (d *demo) routes() []string {
	resp, err := d.browser.Get(d.base + "/_sim/calls")
	expect(err == nil, "reading the simulator's call log: %v", err)
	defer resp.Body.Close()
	var log struct {
		Calls []struct {
			Route *string `json:"route"`
		} `json:"calls"`
	}
	expect(json.NewDecoder(resp.Body).Decode(&log) == nil, "the call log is not JSON")
	var out []string
	for _, c := range log.Calls {
		if c.Route != nil {
			out = append(out, *c.Route)
		}
	}
	return out
}

func (d *demo) createCalls() (int, error) {
	n := 0
	for _, r := range d.routes() {
		if r == "create_request" || r == "create_agent_request" {
			n++
		}
	}
	return n, nil
}

func (d *demo) callCounts() (grants, altinn int) {
	for _, r := range d.routes() {
		if r == "maskinporten_token" {
			grants++
		} else {
			altinn++
		}
	}
	return grants, altinn
}
