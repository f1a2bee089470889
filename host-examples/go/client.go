package systemuser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"
)

var (
	abiOnce sync.Once
	abiErr  error
)

// ErrClosed is returned by a Runtime or Client used after Close.
var ErrClosed = errors.New("systemuser: used after Close")

// RuntimeOptions tune the component's runtime. The zero value is the default.
type RuntimeOptions struct {
	// CacheDir keeps the compiled component there, so a second start takes milliseconds
	// instead of a compilation. It must be trusted (writable only by this service's user): it
	// holds machine code.
	CacheDir string
	// Pooling pre-allocates instance slots (for servers running many short operations).
	Pooling bool
}

func (o *RuntimeOptions) document() []byte {
	if o == nil || (o.CacheDir == "" && !o.Pooling) {
		return nil
	}
	doc := map[string]any{"v": 1}
	if o.CacheDir != "" {
		doc["cacheDir"] = o.CacheDir
	}
	if o.Pooling {
		doc["pooling"] = true
	}
	b, _ := json.Marshal(doc)
	observe("runtimeOptions", b)
	return b
}

// Runtime is the compiled component (altinn_systemuser.wasm). Load it once per process and
// make clients from it; it is safe for concurrent use.
type Runtime struct {
	mu sync.RWMutex
	h  runtimeHandle
}

// LoadRuntime compiles the component file at path (or loads it from opts.CacheDir).
func LoadRuntime(path string, opts *RuntimeOptions) (*Runtime, error) {
	if err := checkABI(); err != nil {
		return nil, err
	}
	h, err := libRuntimeLoad(path, opts.document())
	if err != nil {
		return nil, err
	}
	return newRuntime(h), nil
}

// NewRuntime compiles the component from its bytes (e.g. embedded with go:embed).
func NewRuntime(wasm []byte, opts *RuntimeOptions) (*Runtime, error) {
	if err := checkABI(); err != nil {
		return nil, err
	}
	h, err := libRuntimeFromBytes(wasm, opts.document())
	if err != nil {
		return nil, err
	}
	return newRuntime(h), nil
}

func newRuntime(h runtimeHandle) *Runtime {
	r := &Runtime{h: h}
	runtime.SetFinalizer(r, func(r *Runtime) { _ = r.Close() })
	return r
}

// Close frees the runtime. Clients made from it keep working.
func (r *Runtime) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.h != nil {
		libRuntimeDelete(r.h)
		r.h = nil
	}
	return nil
}

// Environment is the Altinn environment a client talks to.
type Environment struct {
	name                                       string
	platformURL, confirmURL, maskinportenIssue string
}

// The Altinn environments.
var (
	Production = Environment{name: "production"}
	TT02       = Environment{name: "tt02"}
	AT22       = Environment{name: "at22"}
	AT23       = Environment{name: "at23"}
	AT24       = Environment{name: "at24"}
	YT01       = Environment{name: "yt01"}
)

// CustomEnvironment is an Altinn at other addresses: the platform's base URL (the API is
// under {platformURL}/authentication/api/v1/), the origin of the customer's confirm pages,
// and Maskinporten's issuer (its token endpoint is {issuer}token).
func CustomEnvironment(platformURL, confirmURL, maskinportenIssuer string) Environment {
	return Environment{platformURL: platformURL, confirmURL: confirmURL, maskinportenIssue: maskinportenIssuer}
}

// LocalEnvironment is a local Altinn such as altinn-sim at baseURL: the platform, the confirm
// pages and Maskinporten (issuer baseURL + "/") all on one origin.
func LocalEnvironment(baseURL string) Environment {
	base := strings.TrimRight(baseURL, "/")
	return CustomEnvironment(base, base, base+"/")
}

func (e Environment) String() string {
	if e.name != "" {
		return e.name
	}
	return "custom(" + e.platformURL + ")"
}

func (e Environment) document() any {
	if e.name != "" {
		return e.name
	}
	return map[string]string{"platformUrl": e.platformURL, "confirmUrl": e.confirmURL, "maskinportenIssuer": e.maskinportenIssue}
}

// TokenSource gives an access token carrying the scopes (from the vendor's own Maskinporten
// client, a token service, a cache). Its error text must not contain a token.
type TokenSource func(ctx context.Context, scopes []string) (string, error)

// StaticToken always gives token (a token obtained elsewhere, for tests and scripts).
func StaticToken(token string) TokenSource {
	return func(context.Context, []string) (string, error) { return token, nil }
}

// RetryPolicy: how often a transient failure (connect, timeout, connection lost, 429, 5xx)
// is retried within one operation, and the first back-off (doubling, each at most 30 s). A
// create is never re-sent blindly: the component reads it back by external ref first.
type RetryPolicy struct {
	Budget  int
	Backoff time.Duration
}

// Config configures a Client. Give either Tokens or Maskinporten.
type Config struct {
	Environment Environment
	// Tokens gives access tokens for the scopes each call needs.
	Tokens TokenSource
	// Maskinporten: the component gets its own tokens with the client's key (Tokens unused).
	Maskinporten *Maskinporten
	// Timeout of one HTTP exchange, connect, headers and body together (0: 30 s).
	Timeout time.Duration
	// Deadline of one operation, retries and waits included (0: 60 s; each page of a list of
	// all pages gets its own).
	Deadline time.Duration
	// Retries (nil: 3 retries, back-off from 200 ms).
	Retries *RetryPolicy
	// Transport carries the HTTP exchanges (nil: a net/http transport of this package; give
	// one for a proxy or your own TLS roots). Whatever it is, the client follows no redirect,
	// stops each exchange at the step's timeout, reads at most the step's answer cap and
	// refuses compressed or decompressed answers.
	Transport http.RoundTripper
}

func millis(d time.Duration) (uint32, error) {
	ms := d / time.Millisecond
	if d < 0 || ms > 1<<32-1 {
		return 0, fmt.Errorf("systemuser: the duration %v is out of range (0 to 49 days)", d)
	}
	return uint32(ms), nil
}

func (c *Config) document() ([]byte, error) {
	if c.Environment == (Environment{}) {
		return nil, errors.New("systemuser: Config.Environment is required (e.g. systemuser.TT02)")
	}
	doc := map[string]any{"v": 1, "environment": c.Environment.document()}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"timeoutMs", c.Timeout}, {"deadlineMs", c.Deadline}} {
		if f.d != 0 {
			ms, err := millis(f.d)
			if err != nil {
				return nil, err
			}
			doc[f.name] = ms
		}
	}
	if c.Retries != nil {
		if c.Retries.Budget < 0 || int64(c.Retries.Budget) > 1<<32-1 {
			return nil, fmt.Errorf("systemuser: RetryPolicy.Budget %d is out of range", c.Retries.Budget)
		}
		ms, err := millis(c.Retries.Backoff)
		if err != nil {
			return nil, err
		}
		doc["retryBudget"] = c.Retries.Budget
		doc["backoffMs"] = ms
	}
	switch {
	case c.Maskinporten != nil:
		mp := c.Maskinporten
		if mp.Signer == nil {
			return nil, errors.New("systemuser: Config.Maskinporten.Signer is required (e.g. systemuser.NewRSASigner(key))")
		}
		m := map[string]any{"clientId": mp.ClientID, "key": mp.Key.document()}
		if mp.Resource != "" {
			m["resource"] = mp.Resource
		}
		doc["maskinporten"] = m
	case c.Tokens == nil:
		return nil, errors.New("systemuser: Config needs Tokens (a TokenSource) or Maskinporten (a client id and its key)")
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	observe("config", b)
	return b, nil
}

// Client runs the vendor operations of Altinn's system user API through the component. It is
// safe for concurrent use by any number of goroutines; each call is one operation of its own.
// Close it when done.
type Client struct {
	mu     sync.RWMutex
	h      clientHandle
	tokens TokenSource
	mp     *Maskinporten
	http   *http.Client
	env    Environment
}

// DefaultTransport is the transport a Client uses when Config.Transport is nil: net/http with
// no compression asked for, proxies from the environment (never for loopback), and idle
// connections closed after 8 s (before a server's own 10 s idle limit can race a request).
func DefaultTransport() *http.Transport {
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     8 * time.Second,
		DisableCompression:  true,
	}
}

// NewClient makes a client of the runtime with the configuration.
func NewClient(rt *Runtime, cfg Config) (*Client, error) {
	if err := checkABI(); err != nil {
		return nil, err
	}
	doc, err := cfg.document()
	if err != nil {
		return nil, err
	}
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	if rt.h == nil {
		return nil, ErrClosed
	}
	h, err := libClientNew(rt.h, doc)
	if err != nil {
		return nil, err
	}
	transport := cfg.Transport
	if transport == nil {
		transport = DefaultTransport()
	}
	c := &Client{
		h:      h,
		tokens: cfg.Tokens,
		mp:     cfg.Maskinporten,
		env:    cfg.Environment,
		http: &http.Client{
			Transport: transport,
			// Never follow a redirect: a bearer token must not follow a 3xx anywhere; the
			// component gets the 3xx as the answer.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	runtime.SetFinalizer(c, func(c *Client) { _ = c.Close() })
	return c, nil
}

// Close frees the client. Calls running on it finish first.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h != nil {
		libClientDelete(c.h)
		c.h = nil
		if t, ok := c.http.Transport.(interface{ CloseIdleConnections() }); ok {
			t.CloseIdleConnections()
		}
	}
	return nil
}

// String names the environment, never a token or a key.
func (c *Client) String() string { return "systemuser.Client{" + c.env.String() + "}" }

// Format keeps the token source, the signer and everything else out of %+v.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// ---- the operations (API.md §3) -----------------------------------------------------------

func kindOrNil(k RequestKind) any {
	if k == "" {
		return nil
	}
	return k
}

// CreateStandardRequest creates a standard system user request, after checking it against
// the registered system (redirect URL, rights, packages). With the same system, customer and
// external ref as an existing request it returns that one (IsNew false), whatever its status.
func (c *Client) CreateStandardRequest(ctx context.Context, r StandardRequest) (*CreatedRequest, error) {
	o, err := c.run(ctx, "created", map[string]any{"task": "create-standard-request", "request": r})
	if err != nil {
		return nil, err
	}
	return &CreatedRequest{Request: *o.Request, IsNew: o.IsNew, Reconciled: o.Reconciled}, nil
}

// CreateAgentRequest creates an agent system user request (see CreateStandardRequest).
func (c *Client) CreateAgentRequest(ctx context.Context, r AgentRequest) (*CreatedRequest, error) {
	o, err := c.run(ctx, "created", map[string]any{"task": "create-agent-request", "request": r})
	if err != nil {
		return nil, err
	}
	return &CreatedRequest{Request: *o.Request, IsNew: o.IsNew, Reconciled: o.Reconciled}, nil
}

// GetRequest reads a request by id; kind "" is Standard.
func (c *Client) GetRequest(ctx context.Context, id string, kind RequestKind) (*Request, error) {
	o, err := c.run(ctx, "request", map[string]any{"task": "get-request", "id": id, "kind": kindOrNil(kind)})
	if err != nil {
		return nil, err
	}
	return o.Request, nil
}

// GetRequestByExternalRef reads the request of a system, customer and external ref.
func (c *Client) GetRequestByExternalRef(ctx context.Context, systemID, orgNo, externalRef string, kind RequestKind) (*Request, error) {
	o, err := c.run(ctx, "request", map[string]any{"task": "get-request-by-external-ref", "systemId": systemID,
		"orgNo": orgNo, "externalRef": externalRef, "kind": kindOrNil(kind)})
	if err != nil {
		return nil, err
	}
	return o.Request, nil
}

// ListRequests reads one page of a system's requests: page "" is the first, then the
// previous page's NextPage.
func (c *Client) ListRequests(ctx context.Context, systemID string, kind RequestKind, page string) (*Page[Request], error) {
	task := map[string]any{"task": "list-requests", "systemId": systemID, "kind": kindOrNil(kind)}
	if page != "" {
		task["page"] = page
	}
	o, err := c.run(ctx, "requests", task)
	if err != nil {
		return nil, err
	}
	var items []Request
	if err := json.Unmarshal(o.Items, &items); err != nil {
		return nil, documentError("requests", err)
	}
	return &Page[Request]{Items: items, NextPage: str(o.NextPage)}, nil
}

// ListAllRequests reads every page of a system's requests in one operation: the component
// rebuilds each next page on the configured base, gives each page its own deadline and ends a
// list that never ends (5,000 pages at most, or a page token that only repeats the items).
func (c *Client) ListAllRequests(ctx context.Context, systemID string, kind RequestKind) ([]Request, error) {
	o, err := c.run(ctx, "requests", map[string]any{"task": "list-all-requests", "systemId": systemID, "kind": kindOrNil(kind)})
	if err != nil {
		return nil, err
	}
	var items []Request
	if err := json.Unmarshal(o.Items, &items); err != nil {
		return nil, documentError("requests", err)
	}
	return items, nil
}

// WithdrawRequest deletes a request (standard or agent), freeing its key for a new one.
func (c *Client) WithdrawRequest(ctx context.Context, id string) error {
	_, err := c.run(ctx, "withdrawn", map[string]any{"task": "withdraw-request", "id": id})
	return err
}

// VerifySystemUser finds the customer's system user for the system and external ref ("": the
// org number). It returns nil and no error when there is none.
func (c *Client) VerifySystemUser(ctx context.Context, systemID, orgNo, externalRef string) (*SystemUser, error) {
	task := map[string]any{"task": "verify-system-user", "systemId": systemID, "orgNo": orgNo}
	if externalRef != "" {
		task["externalRef"] = externalRef
	}
	o, err := c.run(ctx, "system-user", task)
	if err != nil {
		return nil, err
	}
	return o.SystemUser, nil
}

// ListSystemUsers reads one page of a system's system users (page as for ListRequests).
func (c *Client) ListSystemUsers(ctx context.Context, systemID, page string) (*Page[SystemUser], error) {
	task := map[string]any{"task": "list-system-users", "systemId": systemID}
	if page != "" {
		task["page"] = page
	}
	o, err := c.run(ctx, "system-users", task)
	if err != nil {
		return nil, err
	}
	var items []SystemUser
	if err := json.Unmarshal(o.Items, &items); err != nil {
		return nil, documentError("system-users", err)
	}
	return &Page[SystemUser]{Items: items, NextPage: str(o.NextPage)}, nil
}

// ListAllSystemUsers reads every page of a system's system users in one operation (as
// ListAllRequests).
func (c *Client) ListAllSystemUsers(ctx context.Context, systemID string) ([]SystemUser, error) {
	o, err := c.run(ctx, "system-users", map[string]any{"task": "list-all-system-users", "systemId": systemID})
	if err != nil {
		return nil, err
	}
	var items []SystemUser
	if err := json.Unmarshal(o.Items, &items); err != nil {
		return nil, documentError("system-users", err)
	}
	return items, nil
}

// GetRegisteredSystem reads the vendor's own system from the System Register.
func (c *Client) GetRegisteredSystem(ctx context.Context, systemID string) (*RegisteredSystem, error) {
	o, err := c.run(ctx, "registered-system", map[string]any{"task": "get-registered-system", "systemId": systemID})
	if err != nil {
		return nil, err
	}
	return o.System, nil
}

// SystemUserToken gets a token to act as the customer's system user (needs
// Config.Maskinporten): the grant names the customer and the external ref the request was
// created with ("" when it was the org number).
func (c *Client) SystemUserToken(ctx context.Context, customerOrgNo, externalRef string, scopes ...string) (*AccessToken, error) {
	task := map[string]any{"task": "system-user-token", "customerOrgNo": customerOrgNo, "scopes": append([]string{}, scopes...)}
	if externalRef != "" {
		task["externalRef"] = externalRef
	}
	o, err := c.run(ctx, "token", task)
	if err != nil {
		return nil, err
	}
	return &AccessToken{Token: NewSecret(o.Token.AccessToken), Scope: o.Token.Scope, ExpiresAt: o.Token.ExpiresAt}, nil
}

// ValidateStandard checks a standard request without sending anything, against the registered
// system when one is given, and returns it normalised exactly as it would be sent (trimmed,
// "0192:" stripped, no empty external ref). An invalid request is a *ValidationError with
// every violation in the server's rule order.
func (c *Client) ValidateStandard(r StandardRequest, system *RegisteredSystem) (*StandardRequest, error) {
	var out StandardRequest
	if err := c.validate(Standard, r, system, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ValidateAgent checks an agent request as ValidateStandard does.
func (c *Client) ValidateAgent(r AgentRequest, system *RegisteredSystem) (*AgentRequest, error) {
	var out AgentRequest
	if err := c.validate(Agent, r, system, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) validate(kind RequestKind, r any, system *RegisteredSystem, out any) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var sys []byte
	if system != nil {
		if sys, err = json.Marshal(system.withLists()); err != nil {
			return err
		}
	}
	normalised, err := c.ValidateJSON(kind, body, sys)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(normalised, out); err != nil {
		return documentError("validated", err)
	}
	return nil
}

// ValidateJSON checks a create body given as JSON (read as Altinn reads it: member names in
// any case, unknown members ignored), optionally against a registered system as JSON (the
// RegisteredSystem shape or Altinn's own), and returns the normalised body. body and system
// must each be a JSON object: anything else is refused by the library (*LibraryError
// invalid-argument), since it cannot travel inside the validate document.
func (c *Client) ValidateJSON(kind RequestKind, body, system []byte) ([]byte, error) {
	doc := make([]byte, 0, len(body)+len(system)+64)
	doc = append(doc, `{"v":1,"kind":`...)
	k, _ := json.Marshal(kind)
	doc = append(doc, k...)
	doc = append(doc, `,"request":`...)
	doc = append(doc, body...)
	if system != nil {
		doc = append(doc, `,"system":`...)
		doc = append(doc, system...)
	}
	doc = append(doc, '}')
	observe("validate", doc)
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.h == nil {
		return nil, ErrClosed
	}
	out, err := libClientValidate(c.h, doc)
	if err != nil {
		return nil, err
	}
	observe("validated", out)
	var v struct {
		Valid      bool            `json:"valid"`
		Request    json.RawMessage `json:"request"`
		Violations []Violation     `json:"violations"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, documentError("validated", err)
	}
	if !v.Valid {
		msgs := make([]string, len(v.Violations))
		for i, x := range v.Violations {
			msgs[i] = x.Message
		}
		return nil, &ValidationError{ErrorInfo{Kind: KindValidation, Message: strings.Join(msgs, "; "), Violations: v.Violations}}
	}
	return v.Request, nil
}

func documentError(what string, err error) error {
	return fmt.Errorf("systemuser: the library's %s document does not fit this package (%v): use a library and package of one release", what, err)
}

// withLists is the system with empty lists for nil ones (the document has no null lists).
func (s *RegisteredSystem) withLists() *RegisteredSystem {
	c := *s
	if c.Rights == nil {
		c.Rights = []Right{}
	}
	if c.AccessPackages == nil {
		c.AccessPackages = []AccessPackage{}
	}
	if c.ClientIDs == nil {
		c.ClientIDs = []string{}
	}
	if c.AllowedRedirectURLs == nil {
		c.AllowedRedirectURLs = []string{}
	}
	return &c
}
