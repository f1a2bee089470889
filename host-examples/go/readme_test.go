package systemuser

// The README's samples run as written (issue #18), as host-examples/python/tests/test_readme.py
// does for Python: every ```go block is either marked (`<!-- fragment: why -->`, or
// `<!-- run by FILE: how -->` for the one another test runs) or is a function body that runs
// here, unchanged, inside `func(ctx context.Context, client *systemuser.Client) error` (what the
// README's "API" section says), in a program built in a module of its own whose go.mod is the
// README's "Install" lines (the path filled in), against a simulator of this test's own. Its
// output and what it left in the simulator are checked.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

type readmeBlock struct {
	lang, code, section string
	line                int      // of the block's first line of code
	marker              []string // kind ("fragment" / "run by") and reason, or nil
}

var readmeMarker = regexp.MustCompile(`^<!-- (fragment|run by):? (.*?) -->$`)

// readmeBlocks: every fenced block of the text, with its section and the marker before it.
func readmeBlocks(text string) []readmeBlock {
	var blocks []readmeBlock
	lines := strings.Split(text, "\n")
	section := ""
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "## ") || strings.HasPrefix(lines[i], "### ") {
			section = strings.TrimLeft(lines[i], "# ")
		}
		if !strings.HasPrefix(lines[i], "```") {
			continue
		}
		b := readmeBlock{lang: strings.TrimSpace(strings.TrimPrefix(lines[i], "```")), section: section, line: i + 2}
		if i > 0 {
			b.marker = readmeMarker.FindStringSubmatch(lines[i-1])
		}
		start := i + 1
		for i++; i < len(lines) && lines[i] != "```"; i++ {
		}
		b.code = strings.Join(lines[start:i], "\n") + "\n"
		blocks = append(blocks, b)
	}
	return blocks
}

func goReadme(t *testing.T) (string, []readmeBlock) {
	readme := string(readFile(t, "host-examples/go/README.md"))
	return readme, readmeBlocks(readme)
}

func TestReadmeEveryGoBlockRunsOrIsMarked(t *testing.T) {
	begin(t, time.Minute)
	_, blocks := goReadme(t)
	goBlocks, bodies := 0, 0
	for _, b := range blocks {
		if b.lang != "go" {
			if strings.Contains(b.code, "func ") || strings.Contains(b.code, ":= ") {
				t.Errorf("README line %d: Go code in a ```%s block: spell it ```go", b.line, b.lang)
			}
			continue
		}
		goBlocks++
		switch {
		case b.marker == nil:
			bodies++
			if strings.HasPrefix(b.code, "package ") {
				t.Errorf("README line %d: a whole program runs as a file of examples/ (mark it `<!-- run by FILE: how -->`)", b.line)
			}
		case b.marker[1] == "fragment":
			if len(strings.TrimSpace(b.marker[2])) < 8 {
				t.Errorf("README line %d: a fragment says why it does not run", b.line)
			}
		default:
			// "run by FILE: TestName, how": the file has that test, and it reads the README.
			m := regexp.MustCompile(`^(\w+_test\.go): (Test\w+)`).FindStringSubmatch(b.marker[2])
			if m == nil {
				t.Errorf("README line %d: the marker says `run by FILE: TestName, how`", b.line)
				continue
			}
			src := string(readFile(t, "host-examples/go/"+m[1]))
			if !strings.Contains(src, "func "+m[2]+"(t *testing.T)") || !strings.Contains(src, "README.md") {
				t.Errorf("README line %d: %s has no %s reading the README", b.line, m[1], m[2])
			}
		}
	}
	if goBlocks < 3 || bodies < 2 {
		t.Fatalf("%d go blocks, %d function bodies: the README's samples went missing", goBlocks, bodies)
	}
}

// readmeProgram: the unmarked go blocks as sample0, sample1… (with //line directives, so a
// compile error names the README's line), and a main that makes the client of "A first call"
// for the simulator at $ALTINN_URL and runs the sample named by its argument.
func readmeProgram(bodies []readmeBlock) string {
	var b strings.Builder
	b.WriteString(`package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"altinn.no/systemuser"
)

var _, _ = errors.New, fmt.Sprint

`)
	for i, block := range bodies {
		fmt.Fprintf(&b, "func sample%d(ctx context.Context, client *systemuser.Client) error {\n//line README.md:%d\n%s\treturn nil\n}\n\n", i, block.line, block.code)
	}
	b.WriteString("var samples = []func(context.Context, *systemuser.Client) error{")
	for i := range bodies {
		fmt.Fprintf(&b, "sample%d, ", i)
	}
	b.WriteString(`}

func main() {
	rt, err := systemuser.LoadRuntime(os.Getenv("ALTINN_WASM"), nil)
	check(err)
	pem, err := os.ReadFile(os.Getenv("ALTINN_KEY"))
	check(err)
	key, err := systemuser.ParseRSAPrivateKeyPEM(pem)
	check(err)
	client, err := systemuser.NewClient(rt, systemuser.Config{
		Environment: systemuser.LocalEnvironment(os.Getenv("ALTINN_URL")),
		Maskinporten: &systemuser.Maskinporten{ClientID: "sim-smartregnskap-client",
			Key: systemuser.KeyID("sim-test-key-1"), Signer: systemuser.NewRSASigner(key)},
	})
	check(err)
	defer client.Close()
	i, err := strconv.Atoi(os.Args[1])
	check(err)
	check(samples[i](context.Background(), client))
}

func check(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}
`)
	return b.String()
}

func TestReadmeSnippetsRunAsWritten(t *testing.T) {
	ctx := begin(t, 5*time.Minute)
	readme, blocks := goReadme(t)
	var bodies []readmeBlock
	for _, b := range blocks {
		if b.lang == "go" && b.marker == nil {
			bodies = append(bodies, b)
		}
	}
	// go.mod: "From another module:" of Install, the path filled in.
	install := strings.Index(readme, "From another module:")
	var requireReplace string
	for _, b := range blocks {
		if b.lang == "" && strings.Contains(b.code, "replace altinn.no/systemuser") && strings.Index(readme, b.code) > install {
			requireReplace = b.code
			break
		}
	}
	if install < 0 || requireReplace == "" {
		t.Fatal(`the README's Install has no require/replace lines "From another module:"`)
	}
	dir := t.TempDir()
	gomod := "module readmesamples\n\ngo 1.19\n\n" + strings.Replace(requireReplace, "/path/to/altinn-systemuser", repoRoot, 1)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(readmeProgram(bodies)), 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", "samples", ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the README's snippets: %v\n%s", err, out)
	}

	s := newSimulator(t)
	vendor := s.client(t, Config{})
	run := func(i int) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, filepath.Join(dir, "samples"), fmt.Sprint(i))
		cmd.Env = append(os.Environ(), "ALTINN_URL="+s.base, "ALTINN_WASM="+componentPath,
			"ALTINN_KEY="+filepath.Join(repoRoot, "simulator/tests/keys/TEST-ONLY-client-key.pk8.pem"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("the README's snippet at line %d: %v\n%s", bodies[i].line, err, out)
		}
		return string(out)
	}
	find := func(needle string) int {
		for i, b := range bodies {
			if strings.Contains(b.code, needle) {
				return i
			}
		}
		t.Fatalf("no snippet with %q", needle)
		return -1
	}
	update, delegate := find("client.UpdateSystem("), find("client.AddClient(")
	const registered = "314248295_byraaklient" // by the UpdateSystem snippet
	bureau := Bureau{OrgNo: bureauOrgNo, ExternalRef: "byraa-klientadm"}
	var agentID string
	before := map[int]func(){
		// What the README says happened once: the bureau approved its klientadministrator
		// system user and an agent system user holding what its client 314224965 holds.
		delegate: func() {
			s.approveClientAdministrator(t, bureauOrgNo, bureau.ExternalRef)
			agentID = agentFor(ctx, t, s, vendor, agentSystem, uniqueRef("readme-agent"), lonn, medSignering)
		},
	}
	checks := map[int]func(out string){
		update: func(out string) {
			if out != "" {
				t.Fatalf("UpdateSystem of a live system printed %q", out)
			}
			got, err := vendor.GetRegisteredSystem(ctx, registered)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.AllowedRedirectURLs, []string{"https://byraa.example/ferdig"}) || got.IsVisible ||
				!reflect.DeepEqual(got.AccessPackages, []AccessPackage{lonn}) || got.Name.EN != "Bureau client" {
				t.Fatalf("registered, then updated: %+v", got)
			}
		},
		delegate: func(out string) {
			if out != "delegated 314224965 to "+agentID+"\n" {
				t.Fatalf("the delegation snippet printed %q (agent %s)", out, agentID)
			}
			list, err := mpClient(t, s).ListClients(ctx, bureau, agentID)
			if err != nil {
				t.Fatal(err)
			}
			if c := list.ByOrgNo("314224965"); c == nil || len(list.Clients) != 1 {
				t.Fatalf("delegated clients: %+v", list.Clients)
			}
		},
	}
	if len(checks) != 2 {
		t.Fatal("the two snippets are one block")
	}
	for i := range bodies {
		if f := before[i]; f != nil {
			f()
		}
		out := run(i)
		if f := checks[i]; f != nil {
			f(out)
		}
	}
	// The same snippet again finds the system registered and updates it; once it is deleted,
	// it takes the system-deleted branch.
	if out := run(update); out != "" {
		t.Fatalf("the snippet run again printed %q", out)
	}
	if err := vendor.DeleteSystem(ctx, registered); err != nil {
		t.Fatal(err)
	}
	if out := run(update); out != "deleted: register the system again under a new id\n" {
		t.Fatalf("UpdateSystem of a deleted system printed %q", out)
	}
}
