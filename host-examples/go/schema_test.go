package systemuser

// A small JSON Schema validator for the subset host-examples/c/schema/systemuser.schema.json
// uses (type, enum, const, properties, required, additionalProperties, items, prefixItems,
// minItems, maxItems, oneOf, allOf, if/then, $ref to #/$defs, pattern, minimum, maximum), and
// the check of every document the binding sends and receives against it. Violations name the
// path and the rule, never a value (documents hold tokens).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

type schemaValidator struct {
	defs     map[string]any
	mu       sync.Mutex
	patterns map[string]*regexp.Regexp
}

func loadSchema(path string) (*schemaValidator, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	defs, _ := s["$defs"].(map[string]any)
	if len(defs) == 0 {
		return nil, fmt.Errorf("%s has no $defs", path)
	}
	return &schemaValidator{defs: defs, patterns: map[string]*regexp.Regexp{}}, nil
}

func decodeJSON(doc []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("trailing data after the document")
	}
	return v, nil
}

// validate checks doc against #/$defs/def; the result lists every violation ("" path is the
// top level).
func (s *schemaValidator) validate(def string, doc []byte) []string {
	schema, ok := s.defs[def]
	if !ok {
		return []string{"no $defs entry " + def}
	}
	v, err := decodeJSON(doc)
	if err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	var out []string
	s.check(schema, v, "$", &out)
	return out
}

func typeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, ok := new(big.Int).SetString(x.String(), 10); ok {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func typeMatches(want, got string) bool {
	return want == got || (want == "number" && got == "integer")
}

func jsonEqual(a, b any) bool {
	if na, ok := a.(json.Number); ok {
		if nb, ok := b.(json.Number); ok {
			fa, _ := new(big.Float).SetString(na.String())
			fb, _ := new(big.Float).SetString(nb.String())
			return fa != nil && fb != nil && fa.Cmp(fb) == 0
		}
		if fb, ok := b.(float64); ok {
			fa, _ := new(big.Float).SetString(na.String())
			return fa != nil && fa.Cmp(big.NewFloat(fb)) == 0
		}
		return false
	}
	if _, ok := b.(json.Number); ok {
		return jsonEqual(b, a)
	}
	if fa, ok := a.(float64); ok {
		if fb, ok := b.(float64); ok {
			return fa == fb
		}
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (*big.Float, bool) {
	switch x := v.(type) {
	case json.Number:
		f, ok := new(big.Float).SetString(x.String())
		return f, ok
	case float64:
		return big.NewFloat(x), true
	}
	return nil, false
}

func (s *schemaValidator) pattern(p string) *regexp.Regexp {
	s.mu.Lock()
	defer s.mu.Unlock()
	if re, ok := s.patterns[p]; ok {
		return re
	}
	re := regexp.MustCompile(p)
	s.patterns[p] = re
	return re
}

func (s *schemaValidator) check(schemaAny any, v any, path string, out *[]string) {
	if b, ok := schemaAny.(bool); ok {
		if !b {
			*out = append(*out, path+": not allowed here")
		}
		return
	}
	schema, ok := schemaAny.(map[string]any)
	if !ok {
		*out = append(*out, path+": the schema is not an object")
		return
	}
	fail := func(format string, args ...any) { *out = append(*out, path+": "+fmt.Sprintf(format, args...)) }
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		target, ok := s.defs[name]
		if !ok || name == ref {
			fail("unknown $ref %s", ref)
			return
		}
		s.check(target, v, path, out)
	}
	if t, ok := schema["type"]; ok {
		got := typeOf(v)
		var allowed []string
		switch x := t.(type) {
		case string:
			allowed = []string{x}
		case []any:
			for _, a := range x {
				allowed = append(allowed, a.(string))
			}
		}
		matched := false
		for _, a := range allowed {
			matched = matched || typeMatches(a, got)
		}
		if !matched {
			fail("type %s, expected %s", got, strings.Join(allowed, " or "))
			return
		}
	}
	if c, ok := schema["const"]; ok && !jsonEqual(c, v) {
		fail("not the constant %v", c)
	}
	if e, ok := schema["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || jsonEqual(x, v)
		}
		if !found {
			// An enum's values are names, not secrets; the value is not shown all the same.
			fail("not one of the enum's %d values", len(e))
		}
	}
	if p, ok := schema["pattern"].(string); ok {
		if str, ok := v.(string); ok && !s.pattern(p).MatchString(str) {
			fail("does not match the pattern %s", p)
		}
	}
	if n, ok := number(v); ok {
		if m, ok := number(schema["minimum"]); ok && n.Cmp(m) < 0 {
			fail("below the minimum")
		}
		if m, ok := number(schema["maximum"]); ok && n.Cmp(m) > 0 {
			fail("above the maximum")
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := schema["properties"].(map[string]any)
		if req, ok := schema["required"].([]any); ok {
			for _, r := range req {
				if _, ok := obj[r.(string)]; !ok {
					fail("the required member %q is missing", r)
				}
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k]; ok {
				s.check(ps, obj[k], path+"."+k, out)
			} else if ap, ok := schema["additionalProperties"]; ok {
				if b, ok := ap.(bool); ok && !b {
					fail("the member %q is not allowed", k)
				} else if !ok {
					s.check(ap, obj[k], path+"."+k, out)
				}
			}
		}
	}
	if arr, ok := v.([]any); ok {
		prefix, _ := schema["prefixItems"].([]any)
		for i, item := range arr {
			p := fmt.Sprintf("%s[%d]", path, i)
			if i < len(prefix) {
				s.check(prefix[i], item, p, out)
			} else if it, ok := schema["items"]; ok {
				s.check(it, item, p, out)
			}
		}
		if m, ok := number(schema["minItems"]); ok {
			if mi, _ := m.Int64(); int64(len(arr)) < mi {
				fail("fewer than %d items", mi)
			}
		}
		if m, ok := number(schema["maxItems"]); ok {
			if mi, _ := m.Int64(); int64(len(arr)) > mi {
				fail("more than %d items", mi)
			}
		}
	}
	if all, ok := schema["allOf"].([]any); ok {
		for _, sub := range all {
			s.check(sub, v, path, out)
		}
	}
	if one, ok := schema["oneOf"].([]any); ok {
		matches := 0
		var closest []string
		for _, sub := range one {
			var errs []string
			s.check(sub, v, path, &errs)
			if len(errs) == 0 {
				matches++
			} else if closest == nil || len(errs) < len(closest) {
				closest = errs
			}
		}
		if matches != 1 {
			if matches == 0 {
				fail("matches none of oneOf's %d cases (closest: %s)", len(one), strings.Join(closest, "; "))
			} else {
				fail("matches %d of oneOf's cases, not exactly one", matches)
			}
		}
	}
	if cond, ok := schema["if"]; ok {
		var errs []string
		s.check(cond, v, path, &errs)
		if len(errs) == 0 {
			if then, ok := schema["then"]; ok {
				s.check(then, v, path, out)
			}
		}
	}
}

// ---- every document of every test ------------------------------------------------------

type documentLog struct {
	mu         sync.Mutex
	counts     map[string]int
	violations []string
}

var docs = &documentLog{counts: map[string]int{}}

func (l *documentLog) record(def string, errs []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[def]++
	for _, e := range errs {
		l.violations = append(l.violations, def+" "+e)
	}
}

func (l *documentLog) snapshot() (map[string]int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := make(map[string]int, len(l.counts))
	for k, v := range l.counts {
		c[k] = v
	}
	return c, len(l.violations)
}

// checkDocuments fails t if any document seen while it ran broke the schema (tests run one
// at a time, so a violation belongs to the test that saw it).
func checkDocuments(t *testing.T) {
	_, before := docs.snapshot()
	t.Cleanup(func() {
		docs.mu.Lock()
		defer docs.mu.Unlock()
		for _, v := range docs.violations[before:] {
			t.Errorf("a document breaks host-examples/c/schema/systemuser.schema.json: %s", v)
		}
	})
}

func schemaPath() string {
	return filepath.Join(repoRoot, "host-examples", "c", "schema", "systemuser.schema.json")
}

// The validator itself must be able to fail: documents that break each kind of rule are
// refused, and conforming ones pass.
func TestSchemaValidatorRefusesWhatTheSchemaRefuses(t *testing.T) {
	s, err := loadSchema(schemaPath())
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]string{
		"task":    `{"v":1,"task":"get-request","id":"x","kind":"agent"}`,
		"input":   `{"v":1,"input":"response","response":{"status":200,"headers":[["a","b"]],"body":"e30="}}`,
		"step":    `{"v":1,"step":"wait","ms":200}`,
		"config":  `{"v":1,"environment":{"platformUrl":"a","confirmUrl":"b","maskinportenIssuer":"c"},"retryBudget":0}`,
		"error":   `{"kind":"transport","message":"m","transport":"timeout"}`,
		"outcome": `{"outcome":"withdrawn"}`,
	}
	for def, doc := range good {
		if errs := s.validate(def, []byte(doc)); len(errs) != 0 {
			t.Errorf("%s %s: %v", def, doc, errs)
		}
	}
	bad := []struct{ def, doc, why string }{
		{"task", `{"v":1,"task":"get-request"}`, "required"},
		{"task", `{"v":2,"task":"get-request","id":"x"}`, "const"},
		{"task", `{"v":1,"task":"get-request","id":"x","kind":"other"}`, "enum"},
		{"task", `{"v":1,"task":"get-request","id":"x","extra":1}`, "additionalProperties"},
		{"task", `{"v":1,"task":"no-such-task","id":"x"}`, "oneOf"},
		{"input", `{"v":1,"input":"response","response":{"status":70000,"headers":[],"body":""}}`, "maximum"},
		{"input", `{"v":1,"input":"response","response":{"status":200,"headers":[["a"]],"body":""}}`, "minItems"},
		{"input", `{"v":1,"input":"response","response":{"status":200,"headers":[["a","b","c"]],"body":""}}`, "items false"},
		{"input", `{"v":1,"input":"response","response":{"status":200,"headers":[[1,"b"]],"body":""}}`, "prefixItems"},
		{"input", `{"v":1,"input":"response","response":{"status":200,"headers":[],"body":"e30"}}`, "pattern"},
		{"step", `{"v":1,"step":"wait","ms":-1}`, "minimum"},
		{"step", `{"v":1,"step":"wait","ms":1.5}`, "type integer"},
		{"error", `{"kind":"transport","message":"m"}`, "if/then"},
		{"error", `{"kind":"unavailable","message":"m","status":503,"code":null,"title":null,"detail":null,"traceId":null}`, "allOf then"},
		{"validated", `{"v":1,"valid":true,"request":{},"violations":[{"code":"a","field":"b","message":"c"}]}`, "maxItems"},
		{"validated", `{"v":1,"valid":false,"violations":[]}`, "minItems"},
		{"outcome", `{"outcome":"token","token":{"accessToken":"a","scope":"s","expiresAt":"2026-01-01T00:00:00.5Z"}}`, "datetime pattern"},
	}
	for _, b := range bad {
		if errs := s.validate(b.def, []byte(b.doc)); len(errs) == 0 {
			t.Errorf("%s (%s) passed: %s", b.def, b.why, b.doc)
		}
	}
}

// ---- every task and outcome of the schema, exercised ------------------------------------

// exercised records the task and outcome kinds of the documents seen (from the observe hook).
var exercised = struct {
	sync.Mutex
	tasks, outcomes map[string]bool
}{tasks: map[string]bool{}, outcomes: map[string]bool{}}

func recordKinds(def string, doc []byte) {
	var d struct {
		Task    string `json:"task"`
		Step    string `json:"step"`
		Outcome *struct {
			Outcome string `json:"outcome"`
		} `json:"outcome"`
	}
	if json.Unmarshal(doc, &d) != nil {
		return
	}
	exercised.Lock()
	defer exercised.Unlock()
	switch {
	case def == "task" && d.Task != "":
		exercised.tasks[d.Task] = true
	case def == "step" && d.Step == "done" && d.Outcome != nil:
		exercised.outcomes[d.Outcome.Outcome] = true
	}
}

// schemaKinds are the names a $defs entry's oneOf cases fix with a const member (the task
// names of "task", the outcome names of "outcome").
func schemaKinds(v *schemaValidator, def, member string) []string {
	var out []string
	d, _ := v.defs[def].(map[string]any)
	cases, _ := d["oneOf"].([]any)
	for _, c := range cases {
		props, _ := c.(map[string]any)["properties"].(map[string]any)
		m, _ := props[member].(map[string]any)
		if name, ok := m["const"].(string); ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// unexercised lists the schema's task and outcome kinds no test of this run went through.
func unexercised(v *schemaValidator) []string {
	exercised.Lock()
	defer exercised.Unlock()
	var missing []string
	for _, k := range schemaKinds(v, "task", "task") {
		if !exercised.tasks[k] {
			missing = append(missing, "task "+k)
		}
	}
	for _, k := range schemaKinds(v, "outcome", "outcome") {
		if !exercised.outcomes[k] {
			missing = append(missing, "outcome "+k)
		}
	}
	return missing
}

func TestSchemaKindsAreRead(t *testing.T) {
	s, err := loadSchema(schemaPath())
	if err != nil {
		t.Fatal(err)
	}
	tasks, outcomes := schemaKinds(s, "task", "task"), schemaKinds(s, "outcome", "outcome")
	// The checks below could not fail if the schema's cases were not read.
	for _, want := range []string{"register-system", "update-system", "set-system-rights", "set-system-access-packages", "delete-system",
		"system-changelog", "list-systems", "list-agents", "list-available-clients", "list-clients", "add-client", "remove-client"} {
		if !contains(tasks, want) {
			t.Fatalf("the schema's tasks %v lack %s", tasks, want)
		}
	}
	for _, want := range []string{"system-registered", "system-changed", "system-changelog", "systems", "agents", "clients", "client-added", "client-removed"} {
		if !contains(outcomes, want) {
			t.Fatalf("the schema's outcomes %v lack %s", outcomes, want)
		}
	}
}
