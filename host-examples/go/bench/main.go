// Per-operation overhead of the Go binding: each operation through libsystemuser (cgo, the
// component, JSON documents, the pump) against the same exchange written plainly in Go
// (net/http + encoding/json), in the same run, against the same local Altinn (altinn-sim,
// started here) over loopback. Prints a markdown table: medians of N runs per operation.
//
//	go run ./bench [-n 300]
package main

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
	"runtime"
	"sort"
	"strings"
	"time"

	"altinn.no/systemuser"
)

var (
	n             = flag.Int("n", 300, "runs per operation")
	simPath       = flag.String("sim", "../../target/release/altinn-sim", "the simulator binary")
	componentPath = flag.String("component", "../../target/wasm/altinn_systemuser.wasm", "the component")
)

const (
	system = "314248295_smartregnskap"
	org    = "310816191"
	ref    = "bench-1"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func main() {
	flag.Parse()
	cmd := exec.Command(*simPath, "--admin", "--listen", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		fail(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, _ := bufio.NewReader(out).ReadString('\n')
	base := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	go func() { _, _ = io.Copy(io.Discard, out) }()

	token := mint(base)
	rt, err := systemuser.LoadRuntime(*componentPath, nil)
	if err != nil {
		fail(err)
	}
	client, err := systemuser.NewClient(rt, systemuser.Config{Environment: systemuser.LocalEnvironment(base), Tokens: systemuser.StaticToken(token)})
	if err != nil {
		fail(err)
	}
	defer client.Close()
	ctx := context.Background()
	p := &plain{base: base + "/authentication/api/v1/", token: token, http: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     systemuser.DefaultTransport()}, systems: map[string]keptSystem{}}

	req := systemuser.StandardRequest{SystemID: system, PartyOrgNo: org, ExternalRef: ref, Rights: []systemuser.Right{systemuser.ResourceRight("ske-krav-og-betalinger")}}
	created, err := client.CreateStandardRequest(ctx, req)
	if err != nil {
		fail(err)
	}
	id := created.Request.ID

	type op struct {
		name         string
		lib, plainGo func() error
	}
	ops := []op{
		{"get request (GET by id)",
			func() error { _, err := client.GetRequest(ctx, id, systemuser.Standard); return err },
			func() error { var r request; return p.get("systemuser/request/vendor/"+id, &r) }},
		{"create, existing key (POST → 200; system read once, kept)",
			func() error { _, err := client.CreateStandardRequest(ctx, req); return err },
			func() error { return p.create(req) }},
		{"list requests (one page)",
			func() error { _, err := client.ListRequests(ctx, system, systemuser.Standard, ""); return err },
			func() error { var pg page; return p.get("systemuser/request/vendor/bysystem/"+system, &pg) }},
		{"verify system user (404, none)",
			func() error { _, err := client.VerifySystemUser(ctx, system, org, ref); return err },
			func() error { return p.verify() }},
		{"registered system",
			func() error { _, err := client.GetRegisteredSystem(ctx, system); return err },
			func() error { var s map[string]any; return p.get("systemregister/vendor/"+system, &s) }},
		{"validate a create body (no I/O)",
			func() error { _, err := client.ValidateStandard(req, nil); return err },
			func() error { return plainValidate(req) }},
	}
	fmt.Printf("Go binding overhead: %d runs per operation (medians), %s, %s/%s, %d CPUs, altinn-sim on loopback\n\n",
		*n, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Println("| operation | plain Go (net/http + encoding/json) µs | through libsystemuser µs | overhead µs | ratio |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, o := range ops {
		// Warm both, then interleave so that both see the same machine.
		for i := 0; i < 20; i++ {
			must(o.lib())
			must(o.plainGo())
		}
		libT, plainT := make([]time.Duration, 0, *n), make([]time.Duration, 0, *n)
		for i := 0; i < *n; i++ {
			t0 := time.Now()
			must(o.plainGo())
			t1 := time.Now()
			must(o.lib())
			t2 := time.Now()
			plainT = append(plainT, t1.Sub(t0))
			libT = append(libT, t2.Sub(t1))
		}
		l, pl := median(libT), median(plainT)
		fmt.Printf("| %s | %.1f | %.1f | %.1f | %.2f× |\n", o.name, us(pl), us(l), us(l-pl), float64(l)/float64(pl))
	}
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

func mint(base string) string {
	body := `{"vendorOrgNo":"314248295","scopes":["altinn:authentication/systemuser.request.read","altinn:authentication/systemuser.request.write","altinn:authentication/systemregister.write"]}`
	resp, err := http.Post(base+"/_sim/token", "application/json", strings.NewReader(body))
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
		fail(err)
	}
	return t.AccessToken
}

// ---- the same exchanges, written plainly ----------------------------------------------------

type plain struct {
	base, token string
	http        *http.Client
	// The registered systems its creates' pre-flights read, kept for systemTTL as the component's
	// instance keeps them: N creates for one system are N POSTs and one read.
	systems map[string]keptSystem
}

type keptSystem struct {
	system map[string]any
	at     time.Time
}

// systemTTL: how long a pre-flight's read of a registered system is used again (the
// component's SYSTEM_TTL_SECS).
const systemTTL = 5 * time.Minute

type request struct {
	ID          string `json:"id"`
	SystemID    string `json:"systemId"`
	PartyOrgNo  string `json:"partyOrgNo"`
	ExternalRef string `json:"externalRef"`
	Status      string `json:"status"`
	ConfirmURL  string `json:"confirmUrl"`
}

type page struct {
	Data  []request         `json:"data"`
	Links map[string]string `json:"links"`
}

func (p *plain) do(method, path string, body []byte, out any) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			return 0, err
		}
	}
	return resp.StatusCode, nil
}

func (p *plain) get(path string, out any) error {
	status, err := p.do("GET", path, nil, out)
	if err == nil && status != 200 {
		err = fmt.Errorf("GET %s: %d", path, status)
	}
	return err
}

func (p *plain) create(r systemuser.StandardRequest) error {
	if k, ok := p.systems[r.SystemID]; !ok || time.Since(k.at) >= systemTTL {
		var s map[string]any
		if err := p.get("systemregister/vendor/"+r.SystemID, &s); err != nil {
			return err
		}
		p.systems[r.SystemID] = keptSystem{s, time.Now()}
	}
	body, _ := json.Marshal(r)
	var out request
	status, err := p.do("POST", "systemuser/request/vendor", body, &out)
	if err == nil && status != 200 && status != 201 {
		err = fmt.Errorf("POST: %d", status)
	}
	return err
}

func (p *plain) verify() error {
	status, err := p.do("GET", "systemuser/vendor/byquery?system-id="+system+"&orgno="+org+"&external-ref="+ref, nil, nil)
	if err == nil && status != 404 && status != 200 {
		err = fmt.Errorf("verify: %d", status)
	}
	return err
}

// plainValidate: the org number's check digit and the system id's shape, and the body as JSON.
func plainValidate(r systemuser.StandardRequest) error {
	w := []int{3, 2, 7, 6, 5, 4, 3, 2}
	if len(r.PartyOrgNo) != 9 {
		return errors.New("org number")
	}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(r.PartyOrgNo[i]-'0') * w[i]
	}
	check := (11 - sum%11) % 11
	if int(r.PartyOrgNo[8]-'0') != check || len(r.SystemID) < 11 || r.SystemID[9] != '_' || strings.Trim(r.SystemID[:9], "0123456789") != "" {
		return errors.New("invalid")
	}
	_, err := json.Marshal(r)
	return err
}
