package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One client shared by 8 threads creating requests over overlapping keys, while the simulator
 * loses answers and fails with 503 at random: every create returns (new, existing or
 * reconciled), every key ends with exactly one request, and all threads agree on its id.
 */
@ExtendWith(SchemaCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrencyTest {
    static final int THREADS = 8;
    static final int PER_THREAD = 25;
    static final int KEYS = 40;

    @Test
    void eightThreadsOneClientZeroDuplicates() throws Exception {
        try (Sim sim = Sim.start(); SystemUserClient client = SystemUserClient.builder().environment(sim.environment())
                .maskinporten(Repo.CLIENT_ID, Repo.pemKey()).timeout(Duration.ofSeconds(5)).deadline(Duration.ofSeconds(30))
                .backoff(Duration.ofMillis(20)).build()) {
            sim.fault(Json.obj("route", "create_request", "kind", "lost_response", "count", 40L, "probability", 0.15, "seed", 7L));
            sim.fault(Json.obj("route", "*", "kind", "status503", "count", 40L, "probability", 0.05, "seed", 11L));
            Map<String, String> idByKey = new ConcurrentHashMap<>();
            List<String> disagreements = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger created = new AtomicInteger(), existing = new AtomicInteger(), reconciled = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Random random = new Random(t);
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < PER_THREAD; i++) {
                        int k = random.nextInt(KEYS);
                        String org = Repo.CUSTOMERS.get(k % Repo.CUSTOMERS.size());
                        String ref = "conc-" + k;
                        CreatedRequest r = client.createStandardRequest(StandardRequest.builder(Repo.SYSTEM, org).externalRef(ref)
                                .right(Right.forResource("ske-krav-og-betalinger")).build());
                        (r.reconciled() ? reconciled : r.isNew() ? created : existing).incrementAndGet();
                        String before = idByKey.putIfAbsent(org + "/" + ref, r.request().id());
                        if (before != null && !before.equals(r.request().id())) disagreements.add(org + "/" + ref);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) f.get(100, TimeUnit.SECONDS);
            pool.shutdown();

            Map<String, Integer> stored = new HashMap<>();
            for (Map<String, Object> r : sim.requests()) {
                if (Boolean.TRUE.equals(r.get("isDeleted"))) continue;
                stored.merge(r.get("partyOrgNo") + "/" + r.get("externalRef"), 1, Integer::sum);
            }
            List<String> duplicates = stored.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            System.out.printf("8 threads, one client: %d creates (%d new, %d existing, %d reconciled after a lost answer), %d keys, %d duplicates%n",
                    THREADS * PER_THREAD, created.get(), existing.get(), reconciled.get(), stored.size(), duplicates.size());
            assertEquals(List.of(), duplicates, "keys stored more than once");
            assertEquals(List.of(), disagreements, "keys answered with different ids");
            assertEquals(idByKey.size(), stored.size(), "every key the threads created is stored, and nothing else");
            assertEquals(THREADS * PER_THREAD, created.get() + existing.get() + reconciled.get());
            long lost = sim.calls().stream().filter(c -> "lost_response".equals(c.get("fault"))).count();
            assertTrue(lost > 0, "answers were lost (the faults fired)");
        }
    }
}
