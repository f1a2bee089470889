package systemuser

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Eight goroutines share one client and create requests, several of them for the same keys
// at once, while the simulator loses one answer in five (the create is committed, the answer
// never comes): every key ends with exactly one request (GET /_sim/dedupe), and every
// goroutine got that request. Run with -race too (run-tests.sh does).
func TestEightGoroutinesOneClientNoDuplicates(t *testing.T) {
	ctx := begin(t, 120*time.Second)
	own := newSimulator(t)
	own.arm(t, map[string]any{"route": "create_request", "kind": "lost_response", "count": 1000, "probability": 0.2, "seed": 7})
	c := own.client(t, Config{Retries: &RetryPolicy{Budget: 3, Backoff: 10 * time.Millisecond}})

	const goroutines, keys, perGoroutine = 8, 16, 12
	orgs := []string{"310816191", "314224965", "317103360", "316501389", "313981436", "316859356", "312317761", "313526011"}
	type result struct {
		key, id string
		err     error
	}
	results := make(chan result, goroutines*perGoroutine)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < perGoroutine; i++ {
				k := (g*5 + i*3) % keys // every key is created by several goroutines
				key := fmt.Sprintf("conc-%d", k)
				created, err := c.CreateStandardRequest(ctx, standardRequest(orgs[k%len(orgs)], key))
				if err != nil {
					results <- result{key: key, err: err}
					continue
				}
				results <- result{key: key, id: created.Request.ID}
			}
		}(g)
	}
	wg.Wait()
	close(results)
	ids := map[string]string{}
	n := 0
	for r := range results {
		n++
		if r.err != nil {
			t.Errorf("create %s: %v", r.key, r.err)
			continue
		}
		if prev, ok := ids[r.key]; ok && prev != r.id {
			t.Errorf("key %s answered with two requests", r.key)
		}
		ids[r.key] = r.id
	}
	if n != goroutines*perGoroutine {
		t.Fatalf("%d results", n)
	}
	var dedupe struct {
		Keys []struct {
			ExternalRef    string `json:"externalRef"`
			CreateCalls    int    `json:"createCalls"`
			RequestsStored int    `json:"requestsStored"`
		} `json:"keys"`
	}
	own.mustCall(t, "GET", "/_sim/dedupe", nil, &dedupe)
	duplicates, calls := 0, 0
	for _, k := range dedupe.Keys {
		calls += k.CreateCalls
		if k.RequestsStored != 1 {
			duplicates += k.RequestsStored - 1
			t.Errorf("key %s: %d requests stored", k.ExternalRef, k.RequestsStored)
		}
	}
	var faults struct {
		Faults []struct {
			Fired int `json:"fired"`
		} `json:"faults"`
	}
	own.mustCall(t, "GET", "/_sim/faults", nil, &faults)
	t.Logf("%d creates from %d goroutines over %d keys: %d create calls reached the simulator, %d answers lost, %d duplicates",
		n, goroutines, len(dedupe.Keys), calls, faults.Faults[0].Fired, duplicates)
	if len(dedupe.Keys) != keys || len(ids) != keys {
		t.Fatalf("%d keys at the simulator, %d answered", len(dedupe.Keys), len(ids))
	}
	if faults.Faults[0].Fired == 0 {
		t.Fatal("no answer was lost: the check could not fail")
	}
}

// Reads from many goroutines at once on one client, mixed with validation (no I/O).
func TestConcurrentMixedCalls(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	c := sim.client(t, Config{})
	created, err := c.CreateStandardRequest(ctx, standardRequest("310816191", uniqueRef("mixed")))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 8; i++ {
				var err error
				switch (g + i) % 4 {
				case 0:
					_, err = c.GetRequest(ctx, created.Request.ID, Standard)
				case 1:
					_, err = c.GetRegisteredSystem(ctx, standardSystem)
				case 2:
					_, err = c.ValidateStandard(standardRequest("310816191", "v"), nil)
				case 3:
					_, err = c.ValidateStandard(standardRequest("310816192", "v"), nil)
					var ve *ValidationError
					if errors.As(err, &ve) {
						err = nil
					} else {
						err = fmt.Errorf("expected a validation error, got %v", err)
					}
				}
				if err != nil {
					errs <- err
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCancellation(t *testing.T) {
	begin(t, 60*time.Second)
	own := newSimulator(t)
	id := "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f"

	t.Run("already cancelled: nothing is sent", func(t *testing.T) {
		c := own.client(t, Config{})
		before := own.apiCalls(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.GetRequest(ctx, id, Standard)
		if !errors.Is(err, context.Canceled) || own.apiCalls(t) != before {
			t.Fatalf("%v", err)
		}
	})
	t.Run("during a slow exchange", func(t *testing.T) {
		own.arm(t, map[string]any{"route": "get_request", "kind": "delay", "delayMs": 5000})
		c := own.client(t, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.GetRequest(ctx, id, Standard)
		if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
			t.Fatalf("%v after %v", err, time.Since(start))
		}
	})
	t.Run("during a wait before a retry", func(t *testing.T) {
		own.arm(t, map[string]any{"route": "get_request", "kind": "status503", "count": 10, "retryAfterSecs": 20})
		c := own.client(t, Config{Deadline: 60 * time.Second, Retries: &RetryPolicy{Budget: 3, Backoff: 10 * time.Millisecond}})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.GetRequest(ctx, id, Standard)
		if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
			t.Fatalf("%v after %v", err, time.Since(start))
		}
		own.mustCall(t, "DELETE", "/_sim/faults", nil, nil)
	})
	t.Run("a context deadline", func(t *testing.T) {
		own.arm(t, map[string]any{"route": "get_registered_system", "kind": "delay", "delayMs": 5000})
		c := own.client(t, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := c.GetRegisteredSystem(ctx, standardSystem)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("the client goes on", func(t *testing.T) {
		c := own.client(t, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := c.GetRegisteredSystem(ctx, standardSystem); err != nil {
			t.Fatal(err)
		}
	})
}

// A trap inside the component (the test-trap build traps on the external ref "test-trap")
// loses that operation only: it is a LibraryError of kind component, nothing was sent, and
// the next calls on the same client work.
func TestTrapThenSuccessfulCalls(t *testing.T) {
	ctx := begin(t, 60*time.Second)
	own := newSimulator(t)
	trapRuntime, err := LoadRuntime(trapPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer trapRuntime.Close()
	c, err := NewClient(trapRuntime, Config{Environment: LocalEnvironment(own.base), Tokens: own.tokenSource()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	before := own.apiCalls(t)
	_, err = c.CreateStandardRequest(ctx, standardRequest("310816191", "test-trap"))
	var le *LibraryError
	if !errors.As(err, &le) || le.Kind != LibraryComponent {
		t.Fatalf("expected a component trap, got %v", err)
	}
	if own.apiCalls(t) != before {
		t.Fatal("the trapped create sent something")
	}
	for i := 0; i < 3; i++ {
		created, err := c.CreateStandardRequest(ctx, standardRequest("310816191", uniqueRef("after-trap")))
		if err != nil {
			t.Fatalf("call %d after the trap: %v", i, err)
		}
		if _, err := c.GetRequest(ctx, created.Request.ID, Standard); err != nil {
			t.Fatalf("call %d after the trap: %v", i, err)
		}
	}
	// And a trap again, then a call again: each trap costs only its own operation.
	if _, err := c.CreateStandardRequest(ctx, standardRequest("310816191", "test-trap")); !errors.As(err, &le) {
		t.Fatalf("second trap: %v", err)
	}
	if _, err := c.GetRegisteredSystem(ctx, standardSystem); err != nil {
		t.Fatal(err)
	}
}
