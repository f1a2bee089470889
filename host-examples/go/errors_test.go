package systemuser

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// arm arms a simulator fault.
func (s *simulator) arm(t *testing.T, fault map[string]any) {
	t.Helper()
	s.mustCall(t, "POST", "/_sim/faults", fault, nil)
}

func noRetries() *RetryPolicy { return &RetryPolicy{Budget: 0, Backoff: time.Millisecond} }

func TestErrorKindsFromAltinn(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	own := newSimulator(t)

	t.Run("unauthorized: an expired token", func(t *testing.T) {
		var answer struct {
			AccessToken string `json:"access_token"`
		}
		own.mustCall(t, "POST", "/_sim/token", map[string]any{"vendorOrgNo": vendorOrgNo, "scopes": []string{scopeRead}, "expiresIn": 0}, &answer)
		c := own.client(t, Config{Tokens: StaticToken(answer.AccessToken), Retries: noRetries()})
		_, err := c.GetRequest(ctx, "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f", Standard)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindUnauthorized || e.Status != 401 || !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("forbidden: a token without the scope", func(t *testing.T) {
		tok, err := own.mint([]string{scopeRead}, vendorOrgNo)
		if err != nil {
			t.Fatal(err)
		}
		c := own.client(t, Config{Tokens: StaticToken(tok), Retries: noRetries()})
		_, err = c.GetRegisteredSystem(ctx, standardSystem)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindForbidden || e.Status != 403 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("not-found: no such request is AUTH-00010", func(t *testing.T) {
		c := own.client(t, Config{})
		_, err := c.GetRequest(ctx, "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f", Standard)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindNotFound || e.Status != 404 || e.Code != "AUTH-00010" || !errors.Is(err, ErrNotFound) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("altinn: AUTH-00063 refused before sending, AUTH-00000 from Altinn", func(t *testing.T) {
		// The component's pre-flight would refuse it; a system the component has not read
		// (ValidateJSON has no system) lets Altinn say it: through the create with a package
		// the system lacks, caught by the pre-flight as a violation…
		c := own.client(t, Config{})
		_, err := c.CreateStandardRequest(ctx, StandardRequest{SystemID: standardSystem, PartyOrgNo: "310816191",
			ExternalRef: uniqueRef("pkg"), AccessPackages: []AccessPackage{Package("lonn")}})
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(strings.Join(ve.Codes(), ","), "AUTH-00063") {
			t.Fatalf("%v", err)
		}
		// …and Altinn's own problem for a valid organisation number the register lacks
		// (rule 6, which only the server knows).
		_, err = c.CreateStandardRequest(ctx, standardRequest("310000000", uniqueRef("cust")))
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindAltinn || e.Code != "AUTH-00000" || e.Status != 400 {
			t.Fatalf("an organisation the register lacks: %v", err)
		}
	})
	t.Run("conflict", func(t *testing.T) {
		own.arm(t, map[string]any{"route": "get_request", "kind": "conflict"})
		c := own.client(t, Config{Retries: noRetries()})
		_, err := c.GetRequest(ctx, "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f", Standard)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindConflict || e.Status != 409 || e.Code != "AUTH-00013" || !errors.Is(err, ErrConflict) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("unavailable with Retry-After", func(t *testing.T) {
		own.arm(t, map[string]any{"route": "get_request", "kind": "status429", "retryAfterSecs": 3600})
		c := own.client(t, Config{})
		_, err := c.GetRequest(ctx, "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f", Standard)
		var u *UnavailableError
		if !errors.As(err, &u) || u.RetryAfterSeconds != 3600 || u.Status != 429 || !errors.Is(err, ErrUnavailable) {
			t.Fatalf("%v", err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindUnavailable {
			t.Fatalf("an UnavailableError is an *Error: %v", err)
		}
	})
	t.Run("unavailable without Retry-After", func(t *testing.T) {
		own.arm(t, map[string]any{"route": "get_request", "kind": "status500", "count": 5})
		c := own.client(t, Config{Retries: &RetryPolicy{Budget: 1, Backoff: 10 * time.Millisecond}})
		_, err := c.GetRequest(ctx, "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f", Standard)
		var u *UnavailableError
		if !errors.As(err, &u) || u.RetryAfterSeconds != -1 || u.Status != 500 {
			t.Fatalf("%v", err)
		}
		own.mustCall(t, "DELETE", "/_sim/faults", nil, nil)
	})
	t.Run("invalid-response: an answer to another question", func(t *testing.T) {
		c := own.client(t, Config{})
		created, err := c.CreateStandardRequest(ctx, standardRequest("310816191", uniqueRef("mm")))
		if err != nil {
			t.Fatal(err)
		}
		own.arm(t, map[string]any{"route": "get_request", "kind": "mismatch", "field": "id"})
		_, err = c.GetRequest(ctx, created.Request.ID, Standard)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindInvalidResponse || !errors.Is(err, ErrInvalidResponse) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("token: the token source failed", func(t *testing.T) {
		c := own.client(t, Config{Tokens: func(context.Context, []string) (string, error) {
			return "", errors.New("the vault is sealed")
		}})
		before := own.apiCalls(t)
		_, err := c.GetRequest(ctx, "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f", Standard)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindToken || !strings.Contains(e.Message, "the vault is sealed") {
			t.Fatalf("%v", err)
		}
		if own.apiCalls(t) != before {
			t.Fatal("a call without a token was sent")
		}
	})
	t.Run("maskinporten: an unknown kid is MP-120", func(t *testing.T) {
		key, err := ParseRSAPrivateKeyPEM(readFile(t, "simulator/tests/keys/TEST-ONLY-client-key.pk8.pem"))
		if err != nil {
			t.Fatal(err)
		}
		c := own.client(t, Config{Maskinporten: &Maskinporten{ClientID: mpClientID, Key: KeyID("no-such-kid"), Signer: NewRSASigner(key)}})
		_, err = c.GetRegisteredSystem(ctx, standardSystem)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindMaskinporten || e.Code != "MP-120" || !errors.Is(err, ErrMaskinporten) {
			t.Fatalf("%v", err)
		}
	})
}

func TestTransportKinds(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	own := newSimulator(t)
	id := "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f"
	kind := func(err error) TransportKind {
		var te *TransportError
		if !errors.As(err, &te) {
			t.Fatalf("expected a TransportError, got %v", err)
		}
		if !errors.Is(err, ErrTransport) || te.Kind != KindTransport {
			t.Fatalf("a TransportError is an *Error of kind transport: %v", err)
		}
		return te.Transport
	}
	t.Run("connect", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close() // nothing listens there now
		c, err := NewClient(rt, Config{Environment: LocalEnvironment("http://" + addr), Tokens: StaticToken("t"), Retries: noRetries()})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if k := kind(func() error { _, err := c.GetRequest(ctx, id, Standard); return err }()); k != TransportConnect {
			t.Fatalf("got %s", k)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		own.arm(t, map[string]any{"route": "get_request", "kind": "delay", "delayMs": 1500})
		c := own.client(t, Config{Timeout: 300 * time.Millisecond, Retries: noRetries()})
		start := time.Now()
		_, err := c.GetRequest(ctx, id, Standard)
		if k := kind(err); k != TransportTimeout || time.Since(start) > 1400*time.Millisecond {
			t.Fatalf("got %s after %v", k, time.Since(start))
		}
	})
	t.Run("connection-lost", func(t *testing.T) {
		own.arm(t, map[string]any{"route": "get_request", "kind": "lost_request"})
		c := own.client(t, Config{Retries: noRetries()})
		if k := kind(func() error { _, err := c.GetRequest(ctx, id, Standard); return err }()); k != TransportConnectionLost {
			t.Fatalf("got %s", k)
		}
	})
	t.Run("connection-lost: a truncated body", func(t *testing.T) {
		own.arm(t, map[string]any{"route": "get_request", "kind": "truncated"})
		c := own.client(t, Config{Retries: noRetries()})
		if k := kind(func() error { _, err := c.GetRequest(ctx, id, Standard); return err }()); k != TransportConnectionLost {
			t.Fatalf("got %s", k)
		}
	})
	t.Run("too-large", func(t *testing.T) {
		own.arm(t, map[string]any{"route": "get_request", "kind": "huge_body", "sizeBytes": 5_000_000})
		c := own.client(t, Config{Retries: noRetries()})
		if k := kind(func() error { _, err := c.GetRequest(ctx, id, Standard); return err }()); k != TransportTooLarge {
			t.Fatalf("got %s", k)
		}
	})
	t.Run("too-large: compressed", func(t *testing.T) {
		own.arm(t, map[string]any{"route": "get_request", "kind": "gzip_bomb", "expandBytes": 1_000_000})
		c := own.client(t, Config{Retries: noRetries()})
		if k := kind(func() error { _, err := c.GetRequest(ctx, id, Standard); return err }()); k != TransportTooLarge {
			t.Fatalf("got %s", k)
		}
	})
	t.Run("other: not HTTP", func(t *testing.T) {
		base := rawServer(t, "HTTP/1.1 65535 Nope\r\nContent-Length: 0\r\n\r\n")
		c, err := NewClient(rt, Config{Environment: LocalEnvironment(base), Tokens: StaticToken("t"), Retries: noRetries()})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if k := kind(func() error { _, err := c.GetRequest(ctx, id, Standard); return err }()); k != TransportOther {
			t.Fatalf("got %s", k)
		}
	})
}

// rawServer answers every connection on loopback with answer as it is, then closes it:
// for answers net/http's server cannot write.
func rawServer(t *testing.T, answer string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func(conn net.Conn) {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 64<<10)
				n := 0
				for !strings.Contains(string(buf[:n]), "\r\n\r\n") && n < len(buf) {
					m, err := conn.Read(buf[n:])
					if err != nil {
						return
					}
					n += m
				}
				_, _ = conn.Write([]byte(answer))
			}(conn)
		}
	}()
	return "http://" + l.Addr().String()
}

func TestLibraryErrorKinds(t *testing.T) {
	ctx := begin(t, 30*time.Second)
	lib := func(err error) LibraryErrorKind {
		t.Helper()
		var le *LibraryError
		if !errors.As(err, &le) {
			t.Fatalf("expected a LibraryError, got %v", err)
		}
		if le.Message == "" || !strings.Contains(le.Error(), string(le.Kind)) {
			t.Fatalf("an empty or unnamed library error: %q", le.Error())
		}
		return le.Kind
	}
	t.Run("load: no such file", func(t *testing.T) {
		_, err := LoadRuntime(filepath.Join(t.TempDir(), "missing.wasm"), nil)
		if k := lib(err); k != LibraryLoad {
			t.Fatalf("got %s", k)
		}
	})
	t.Run("load: not a component", func(t *testing.T) {
		_, err := NewRuntime([]byte("\x00asm but not really"), nil)
		if k := lib(err); k != LibraryLoad {
			t.Fatalf("got %s", k)
		}
	})
	t.Run("from bytes and a cache directory", func(t *testing.T) {
		wasm, err := os.ReadFile(componentPath)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		r, err := NewRuntime(wasm, &RuntimeOptions{CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), ".cwasm") {
			t.Fatalf("the cache holds %v", entries)
		}
		c, err := NewClient(r, Config{Environment: LocalEnvironment(sim.base), Tokens: sim.tokenSource()})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.GetRegisteredSystem(ctx, standardSystem); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("invalid-argument: a body that is not a JSON object", func(t *testing.T) {
		c := sim.client(t, Config{})
		var err error
		unobserved(func() { _, err = c.ValidateJSON(Standard, []byte(`[]`), nil) })
		if k := lib(err); k != LibraryInvalidArgument {
			t.Fatalf("got %s", k)
		}
	})
	t.Run("misuse: the operation's protocol broken", func(t *testing.T) {
		c := sim.client(t, Config{})
		op, err := c.newOperation(map[string]any{"task": "get-registered-system", "systemId": standardSystem})
		if err != nil {
			t.Fatal(err)
		}
		defer op.close()
		_, err = op.advance([]byte(`{"v":1,"input":"waited"}`))
		if k := lib(err); k != LibraryMisuse {
			t.Fatalf("advance before start: %s", k)
		}
		step, err := op.start()
		if err != nil || !strings.Contains(string(step), `"step":"token"`) {
			t.Fatalf("start: %v", err)
		}
		_, err = op.start()
		if k := lib(err); k != LibraryMisuse {
			t.Fatalf("start twice: %s", k)
		}
		_, err = op.advance([]byte(`{"v":1,"input":"waited"}`))
		if k := lib(err); k != LibraryMisuse {
			t.Fatalf("an answer of the wrong case: %s", k)
		}
		_, err = op.advance([]byte(`{"v":1,"input":"no-such-input"}`))
		if k := lib(err); k != LibraryInvalidArgument {
			t.Fatalf("not an input document: %s", k)
		}
	})
	t.Run("panic: su_test_panic", func(t *testing.T) {
		if k := lib(testPanic()); k != LibraryPanic {
			t.Fatalf("got %s", k)
		}
		// The process and the library go on.
		c := sim.client(t, Config{})
		if _, err := c.GetRegisteredSystem(ctx, standardSystem); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		c := sim.client(t, Config{})
		_ = c.Close()
		if _, err := c.GetRegisteredSystem(ctx, standardSystem); !errors.Is(err, ErrClosed) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("config refused before the library", func(t *testing.T) {
		for _, cfg := range []Config{{}, {Environment: TT02}, {Environment: TT02, Maskinporten: &Maskinporten{ClientID: "x", Key: KeyID("k")}}} {
			if _, err := NewClient(rt, cfg); err == nil {
				t.Fatalf("accepted %s", fmt.Sprint(cfg.Environment))
			}
		}
	})
}
