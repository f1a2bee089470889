package systemuser

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// every verb a value may be printed with.
func printed(v any) []string {
	var out []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out = append(out, fmt.Sprintf(f, v))
	}
	if s, ok := v.(fmt.Stringer); ok {
		out = append(out, s.String())
	}
	if e, ok := v.(error); ok {
		out = append(out, e.Error())
	}
	return out
}

// secretLogSimulator is a simulator that writes every secret it deals in (tokens it mints,
// assertions it receives, tokens it quotes back) to a file of the test's own.
func secretLogSimulator(t *testing.T) (*simulator, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "secrets.txt")
	old, had := os.LookupEnv("ALTINN_SIM_SECRET_LOG")
	os.Setenv("ALTINN_SIM_SECRET_LOG", file)
	s, err := startSimulator()
	if had {
		os.Setenv("ALTINN_SIM_SECRET_LOG", old)
	} else {
		os.Unsetenv("ALTINN_SIM_SECRET_LOG")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	return s, file
}

func secretsIn(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); len(line) >= 20 {
			out = append(out, line)
		}
	}
	return out
}

func TestNoSecretInAnyText(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	own, secretFile := secretLogSimulator(t)
	key := testKey(t)
	mp := &Maskinporten{ClientID: mpClientID, Key: KeyID(mpKid), Signer: NewRSASigner(key)}
	var texts []string
	show := func(v any) { texts = append(texts, printed(v)...) }

	// A client with a key: grants, a system-user token, then servers quoting secrets back.
	c := own.client(t, Config{Maskinporten: mp})
	ref := uniqueRef("secret")
	created, err := c.CreateStandardRequest(ctx, standardRequest("310816191", ref))
	if err != nil {
		t.Fatal(err)
	}
	own.mustCall(t, "POST", "/_sim/requests/"+created.Request.ID+"/approve", nil, nil)
	tok, err := c.SystemUserToken(ctx, "310816191", ref, "ttd:regnskap.read")
	if err != nil {
		t.Fatal(err)
	}
	show(tok)
	show(*tok)
	show(tok.Token)
	show(created)
	show(c)
	show(mp)
	show(*mp)
	show(NewRSASigner(key))
	show(Config{Environment: TT02, Maskinporten: mp})

	own.arm(t, map[string]any{"route": "get_request", "kind": "echo_token"})
	_, err = c.GetRequest(ctx, created.Request.ID, Standard)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindAltinn {
		t.Fatalf("an echoed token: %v", err)
	}
	texts = append(texts, errorTexts(err)...)
	show(err)

	// Maskinporten quoting the assertion back (a client of its own: no cached token).
	c2 := own.client(t, Config{Maskinporten: mp})
	own.arm(t, map[string]any{"route": "maskinporten_token", "kind": "echo_token"})
	_, err = c2.GetRegisteredSystem(ctx, standardSystem)
	if !errors.As(err, &e) || e.Kind != KindMaskinporten {
		t.Fatalf("an echoed assertion: %v", err)
	}
	texts = append(texts, errorTexts(err)...)

	// A token source client: a token quoted back in every field of a problem.
	c3 := own.client(t, Config{})
	own.arm(t, map[string]any{"route": "get_registered_system", "kind": "echo_token"})
	_, err = c3.GetRegisteredSystem(ctx, standardSystem)
	texts = append(texts, errorTexts(err)...)
	if !strings.Contains(strings.Join(errorTexts(err), ""), "[redacted]") {
		t.Fatalf("the quoted token was not replaced: the check could not see it")
	}

	secrets := secretsIn(t, secretFile)
	if len(secrets) < 4 {
		t.Fatalf("the secret log holds %d secrets: the check could not fail", len(secrets))
	}
	// The key's material: every line of the PEM file, and d and the primes as numbers.
	for _, line := range strings.Split(string(readFile(t, "simulator/tests/keys/TEST-ONLY-client-key.pk8.pem")), "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") {
			secrets = append(secrets, line)
		}
	}
	for _, n := range []*big.Int{key.D, key.Primes[0], key.Primes[1]} {
		secrets = append(secrets, n.String()[:40], fmt.Sprintf("%x", n)[:40], base64.RawURLEncoding.EncodeToString(n.Bytes())[:40])
	}
	// The check sees a secret when one is shown: the revealed token is in the secret log.
	seen := false
	for _, s := range secrets {
		seen = seen || leaks(tok.Token.Reveal(), s)
	}
	if !seen {
		t.Fatal("the revealed system-user token is not among the secrets: the check could not fail")
	}
	for _, s := range secrets {
		for _, text := range texts {
			if leaks(text, s) {
				t.Fatalf("a secret (starting %.6s) in a printed value", s)
			}
		}
	}
	// The masked token still tells people what it is.
	if !strings.Contains(tok.Token.String(), "characters") || tok.Token.Reveal() == tok.Token.String() {
		t.Fatalf("the mask: %s", tok.Token)
	}
}

// Transport failures name the method and host:port, never the query (a page token lives in
// it), a header or a body.
func TestTransportMessagesNameNoQuery(t *testing.T) {
	ctx := begin(t, 30*time.Second)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := NewClient(rt, Config{Environment: LocalEnvironment("http://" + addr), Tokens: StaticToken("a-bearer-token-value-0123456789"), Retries: noRetries()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	page := base64.RawURLEncoding.EncodeToString([]byte(`"0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f"`))
	_, err = c.ListRequests(ctx, standardSystem, Standard, page)
	var te *TransportError
	if !errors.As(err, &te) || te.Transport != TransportConnect {
		t.Fatalf("%v", err)
	}
	for _, text := range errorTexts(err) {
		if strings.Contains(text, page) || strings.Contains(text, "a-bearer-token-value") {
			t.Fatalf("the page token or the bearer token in %q", text)
		}
	}
	if !strings.Contains(te.Message, addr) {
		t.Fatalf("the message should name where: %q", te.Message)
	}
}

// The README's sample runs as written: the block under "## A first call" is
// examples/readme/main.go, and `go run ./examples/readme` against the simulator prints a
// request in status New.
func TestReadmeSampleRunsAsWritten(t *testing.T) {
	begin(t, 5*time.Minute)
	readme := string(readFile(t, "host-examples/go/README.md"))
	start := strings.Index(readme, "```go\n")
	if start < 0 {
		t.Fatal("the README has no Go sample")
	}
	sample := readme[start+len("```go\n"):]
	sample = sample[:strings.Index(sample, "```")]
	file := string(readFile(t, "host-examples/go/examples/readme/main.go"))
	if sample != file {
		t.Fatal("the README's sample and examples/readme/main.go differ")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./examples/readme")
	cmd.Env = append(os.Environ(), "ALTINN_URL="+sim.base)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run ./examples/readme: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "New") || !strings.Contains(string(out), "/accessmanagement/ui/systemuser/request?id=") {
		t.Fatalf("the sample printed:\n%s", out)
	}
}
