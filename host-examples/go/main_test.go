package systemuser

// The test suite runs against altinn-sim over real HTTP on loopback: TestMain starts
// target/release/altinn-sim on a free port (and stops it), loads the component once, and
// checks every JSON document crossing the C ABI against the schema.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	vendorOrgNo    = "314248295"
	standardSystem = "314248295_smartregnskap"
	agentSystem    = "314248295_smartbyraa"
	mpClientID     = "sim-smartregnskap-client"
	mpKid          = "sim-test-key-1"
	scopeRead      = "altinn:authentication/systemuser.request.read"
	scopeWrite     = "altinn:authentication/systemuser.request.write"
	scopeRegister  = "altinn:authentication/systemregister.write"
)

var (
	repoRoot      string
	componentPath string
	trapPath      string
	sim           *simulator // shared by the tests that need no simulator of their own
	rt            *Runtime   // the shipped component, loaded once
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	wd, _ := os.Getwd()
	repoRoot = filepath.Clean(filepath.Join(wd, "..", ".."))
	componentPath = filepath.Join(repoRoot, "target", "wasm", "altinn_systemuser.wasm")
	trapPath = filepath.Join(repoRoot, "target", "wasm", "altinn_systemuser.test-trap.wasm")
	for _, p := range []string{componentPath, trapPath, simBinary()} {
		if _, err := os.Stat(p); err != nil {
			fmt.Fprintf(os.Stderr, "missing %s: run host-examples/go/run-tests.sh (it builds what the tests need)\n", p)
			return 1
		}
	}
	validator, err := loadSchema(schemaPath())
	if err != nil {
		fmt.Fprintf(os.Stderr, "the schema: %v\n", err)
		return 1
	}
	observe = func(def string, doc []byte) {
		if skipSchema.Load() {
			docs.record("deliberately invalid "+def, nil)
			return
		}
		docs.record(def, validator.validate(def, doc))
		recordKinds(def, doc)
	}
	sim, err = startSimulator()
	if err != nil {
		fmt.Fprintf(os.Stderr, "the simulator: %v\n", err)
		return 1
	}
	defer sim.stop()
	rt, err = LoadRuntime(componentPath, nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "the component: %v\n", err)
		return 1
	}
	defer rt.Close()
	code := m.Run()
	counts, violations := docs.snapshot()
	names := make([]string, 0, len(counts))
	for k, v := range counts {
		names = append(names, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(names)
	fmt.Printf("documents checked against the schema: %s; %d violations\n", strings.Join(names, ", "), violations)
	// A run of the whole suite goes through every task and outcome the schema names.
	if f := flag.Lookup("test.run"); code == 0 && (f == nil || f.Value.String() == "") {
		if missing := unexercised(validator); len(missing) != 0 {
			fmt.Printf("FAIL: the schema's kinds no test went through: %s\n", strings.Join(missing, ", "))
			return 1
		}
		fmt.Println("every task and outcome kind of the schema was exercised")
	}
	return code
}

// skipSchema marks the documents a test sends broken on purpose (to see the library refuse
// them); set only through unobserved.
var skipSchema atomic.Bool

func unobserved(f func()) {
	skipSchema.Store(true)
	defer skipSchema.Store(false)
	f()
}

func simBinary() string { return filepath.Join(repoRoot, "target", "release", "altinn-sim") }

// ---- the simulator ----------------------------------------------------------------------

type simulator struct {
	cmd    *exec.Cmd
	base   string
	admin  *http.Client
	mu     sync.Mutex
	tokens map[string]string // minted, by sorted scopes
	minted []string
}

// startSimulator runs altinn-sim --admin on a free loopback port; it prints one line,
// `listening on http://127.0.0.1:PORT`, within 10 s or the start fails.
func startSimulator(args ...string) (*simulator, error) {
	cmd := exec.Command(simBinary(), append([]string{"--admin", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		l, _ := r.ReadString('\n')
		line <- l
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case l := <-line:
		base := strings.TrimSpace(strings.TrimPrefix(l, "listening on "))
		if !strings.HasPrefix(base, "http://127.0.0.1:") {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, fmt.Errorf("altinn-sim printed %q, not its address", l)
		}
		return &simulator{cmd: cmd, base: base, admin: &http.Client{Timeout: 10 * time.Second}, tokens: map[string]string{}}, nil
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, errors.New("altinn-sim did not say where it listens within 10 s")
	}
}

func (s *simulator) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// newSimulator is a simulator of the test's own, stopped when the test ends.
func newSimulator(t *testing.T, args ...string) *simulator {
	t.Helper()
	s, err := startSimulator(args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	return s
}

// call makes an admin call; out (when not nil) receives the JSON answer.
func (s *simulator) call(method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.admin.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d", method, path, resp.StatusCode)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func (s *simulator) mustCall(t *testing.T, method, path string, body, out any) {
	t.Helper()
	if err := s.call(method, path, body, out); err != nil {
		t.Fatal(err)
	}
}

// mint gets a vendor token for the scopes from POST /_sim/token (cached per scope set).
func (s *simulator) mint(scopes []string, vendor string) (string, error) {
	sorted := append([]string{}, scopes...)
	sort.Strings(sorted)
	key := vendor + " " + strings.Join(sorted, " ")
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok, ok := s.tokens[key]; ok {
		return tok, nil
	}
	var answer struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.call("POST", "/_sim/token", map[string]any{"vendorOrgNo": vendor, "scopes": sorted}, &answer); err != nil {
		return "", err
	}
	s.tokens[key] = answer.AccessToken
	s.minted = append(s.minted, answer.AccessToken)
	return answer.AccessToken, nil
}

func (s *simulator) tokenSource() TokenSource {
	return func(ctx context.Context, scopes []string) (string, error) { return s.mint(scopes, vendorOrgNo) }
}

func (s *simulator) mintedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.minted...)
}

// apiCalls is how many calls reached the vendor API and Maskinporten (the admin routes and
// pages not counted).
func (s *simulator) apiCalls(t *testing.T) int {
	t.Helper()
	var log struct {
		Calls []struct {
			Path  string `json:"path"`
			Route string `json:"route"`
		} `json:"calls"`
	}
	s.mustCall(t, "GET", "/_sim/calls", nil, &log)
	n := 0
	for _, c := range log.Calls {
		if !strings.HasPrefix(c.Path, "/_sim/") {
			n++
		}
	}
	return n
}

// client is a token-source client on s (closed when the test ends); cfg's Environment and
// Tokens are filled in when empty.
func (s *simulator) client(t *testing.T, cfg Config) *Client {
	t.Helper()
	if cfg.Environment == (Environment{}) {
		cfg.Environment = LocalEnvironment(s.base)
	}
	if cfg.Tokens == nil && cfg.Maskinporten == nil {
		cfg.Tokens = s.tokenSource()
	}
	c, err := NewClient(rt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// begin: every test's first line: the documents it causes are checked against the schema,
// and it gets a context with a deadline.
func begin(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	checkDocuments(t)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	return ctx
}

// ---- fixtures ----------------------------------------------------------------------------

var refCounter struct {
	sync.Mutex
	n int
}

// uniqueRef is an external ref no other test uses.
func uniqueRef(prefix string) string {
	refCounter.Lock()
	defer refCounter.Unlock()
	refCounter.n++
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1_000_000_000, refCounter.n)
}

func standardRequest(org, ref string) StandardRequest {
	return StandardRequest{SystemID: standardSystem, PartyOrgNo: org, ExternalRef: ref,
		Rights: []Right{ResourceRight("ske-krav-og-betalinger")}}
}

func readFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
