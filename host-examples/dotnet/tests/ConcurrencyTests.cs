// One client, 8 tasks creating requests at once: every create new, 0 duplicates on the server.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    internal sealed class ConcurrencyTests
    {
        private const int Tasks = 8, PerTask = 25;

        [Test(TimeoutSeconds = 180)]
        public async Task EightTasksOnOneClientCreateWithoutDuplicates()
        {
            Sim sim = Fixture.Sim;
            string run = Guid.NewGuid().ToString("N").Substring(0, 6);
            using (SystemUserClient c = sim.TokenClient(o => o.Timeout = TimeSpan.FromSeconds(10)))
            {
                var w = Stopwatch.StartNew();
                var tasks = Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
                {
                    int created = 0;
                    for (int i = 0; i < PerTask; i++)
                    {
                        CreatedRequest r = await c.CreateStandardRequestAsync(Fixtures.Standard(Repo.Customers[(t + i) % Repo.Customers.Length], "task-" + run + "-" + t + "-" + i));
                        if (r.IsNew) created++;
                    }
                    return created;
                })).ToArray();
                int[] counts = await Task.WhenAll(tasks);
                Console.WriteLine("  " + counts.Sum() + " creates from " + Tasks + " tasks on one client in " + w.ElapsedMilliseconds + " ms");
                Assert.Equal(Tasks * PerTask, counts.Sum(), "every create was new");
            }
            List<JsonObject> keys = (await sim.DedupeKeysAsync()).Where(k => (k.GetString("externalRef") ?? "").StartsWith("task-" + run + "-")).ToList();
            int duplicates = keys.Count(k => k.GetLong("requestsStored") != 1 || k.GetLong("createCalls") != 1);
            Console.WriteLine("  dedupe: " + keys.Count + " keys, " + duplicates + " duplicates");
            Assert.Equal(Tasks * PerTask, keys.Count, "dedupe keys");
            Assert.Equal(0, duplicates, "duplicates");
        }
    }
}
