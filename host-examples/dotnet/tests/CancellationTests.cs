// Cancellation stops the operation at its next step: during a wait the component asked for
// (429 with Retry-After), during a slow exchange, or before anything is sent.
using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    internal sealed class CancellationTests
    {
        [Test]
        public async Task ACancelledTokenDuringAWaitStopsPromptly()
        {
            using (Sim sim = Sim.Start())
            using (SystemUserClient c = sim.TokenClient())
            {
                await sim.ArmAsync(new JsonObject().Add("route", "get_registered_system").Add("kind", "status429").Add("retryAfterSecs", 10L));
                using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(600)))
                {
                    var w = Stopwatch.StartNew();
                    await Assert.Throws<OperationCanceledException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem, cts.Token), "cancelled while waiting out Retry-After");
                    Assert.True(w.Elapsed < TimeSpan.FromSeconds(2), "stopped after " + w.ElapsedMilliseconds + " ms, not after the 10 s wait");
                }
                Assert.Equal(Repo.StandardSystem, (await c.GetRegisteredSystemAsync(Repo.StandardSystem)).Id, "the client works afterwards");
            }
        }

        [Test]
        public async Task ACancelledTokenDuringASlowServerStopsPromptly()
        {
            using (Sim sim = Sim.Start())
            using (SystemUserClient c = sim.TokenClient(o => o.Timeout = TimeSpan.FromSeconds(20)))
            {
                await sim.ArmAsync(new JsonObject().Add("route", "get_registered_system").Add("kind", "delay").Add("delayMs", 8000L));
                using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400)))
                {
                    var w = Stopwatch.StartNew();
                    await Assert.Throws<OperationCanceledException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem, cts.Token), "cancelled during the exchange");
                    Assert.True(w.Elapsed < TimeSpan.FromSeconds(2), "stopped after " + w.ElapsedMilliseconds + " ms, not after the 8 s delay");
                }
                Assert.Equal(Repo.StandardSystem, (await c.GetRegisteredSystemAsync(Repo.StandardSystem)).Id, "the client works afterwards");
            }
        }

        [Test]
        public async Task AnAlreadyCancelledTokenSendsNothing()
        {
            Sim sim = Fixture.Sim;
            using (SystemUserClient c = sim.TokenClient())
            using (var cts = new CancellationTokenSource())
            {
                cts.Cancel();
                int before = await sim.CallCountAsync();
                await Assert.Throws<OperationCanceledException>(() => c.CreateStandardRequestAsync(Fixtures.Standard("310816191", Fixtures.Ref("cancelled")), cts.Token), "cancelled before the start");
                Assert.Equal(before, await sim.CallCountAsync(), "nothing was sent");
            }
        }

        [Test]
        public async Task TheExchangeTimeoutCoversTheBody()
        {
            using (Sim sim = Sim.Start())
            using (SystemUserClient c = sim.TokenClient(o => { o.Timeout = TimeSpan.FromMilliseconds(1500); o.Deadline = TimeSpan.FromSeconds(4); o.RetryBudget = 0; }))
            {
                // 22 bytes of body, one every 400 ms: the headers come at once, the body takes 8.8 s.
                await sim.ArmAsync(new JsonObject().Add("route", "list_requests").Add("kind", "slow_body").Add("intervalMs", 400L));
                var w = Stopwatch.StartNew();
                var e = await Assert.Throws<TransportException>(() => c.ListRequestsAsync(Repo.StandardSystem), "a trickling body");
                Assert.Equal(TransportKind.Timeout, e.TransportKind, "timeout");
                Assert.True(w.Elapsed < TimeSpan.FromSeconds(3), "ended after " + w.ElapsedMilliseconds + " ms (timeout 1.5 s)");
            }
        }
    }
}
