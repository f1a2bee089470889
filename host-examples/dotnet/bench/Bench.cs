// Per-operation cost through the binding (libsystemuser + the component, pumped from C#)
// against the same exchanges written plainly in C# (HttpClient + JSON parse + the fields read),
// measured in the same run against the same simulator, interleaved. Prints a markdown table.
// Nothing here is an assertion on time.
//
// usage: mono Altinn.SystemUser.Bench.exe SIMULATOR_BASE_URL [SAMPLES]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Tasks;
using Altinn.SystemUser;

namespace Altinn.SystemUser.Bench
{
    internal static class Program
    {
        private const string System_ = "314248295_smartregnskap";
        private static string api;
        private static HttpClient plain;
        // How long a pre-flight's read of a registered system is used again (the component's
        // SYSTEM_TTL_SECS), and the system plain C#'s creates read: N creates are N POSTs and one read.
        private static readonly TimeSpan SystemTtl = TimeSpan.FromMinutes(5);
        private static JsonObject keptSystem;
        private static readonly Stopwatch keptSince = new Stopwatch();

        public static int Main(string[] args)
        {
            if (args.Length < 1)
            {
                Console.Error.WriteLine("usage: Altinn.SystemUser.Bench.exe SIMULATOR_BASE_URL [SAMPLES]");
                return 2;
            }
            int samples = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
            Run(args[0].TrimEnd('/'), samples).GetAwaiter().GetResult();
            return 0;
        }

        private static async Task<string> Mint(string b)
        {
            using (var h = new HttpClient())
            {
                var body = "{\"vendorOrgNo\":\"314248295\",\"expiresIn\":3600,\"scopes\":[\"altinn:authentication/systemuser.request.read\",\"altinn:authentication/systemuser.request.write\",\"altinn:authentication/systemregister.write\"]}";
                var r = await h.PostAsync(b + "/_sim/token", new StringContent(body, Encoding.UTF8, "application/json"));
                return Json.ParseObject(await r.Content.ReadAsByteArrayAsync()).RequireString("access_token");
            }
        }

        private sealed class Row
        {
            public string Name;
            public List<double> Library = new List<double>(), Plain = new List<double>();
            public string Note;
        }

        private static async Task Run(string b, int samples)
        {
            api = b + "/authentication/api/v1/";
            string token = await Mint(b);
            plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };
            plain.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var options = new SystemUserClientOptions { Environment = AltinnEnvironment.Custom(b, b, b + "/"), TokenProvider = (s, ct) => Task.FromResult(token) };
            var w = Stopwatch.StartNew();
            SystemUserRuntime runtime = SystemUserRuntime.Default;
            double compileMs = w.Elapsed.TotalMilliseconds;
            using (var client = new SystemUserClient(options, runtime))
            {
                // 50 requests, so that a page is full; one of them is the one read and re-created.
                var orgs = new[] { "310816191", "314224965", "317103360", "316501389", "313981436", "316859356", "312317761", "313526011", "314941888", "313093808", "314456726" };
                string id = null;
                for (int i = 0; i < 50; i++)
                {
                    CreatedRequest c = await client.CreateStandardRequestAsync(Standard(orgs[i % orgs.Length], "bench-" + i));
                    if (i == 0) id = c.Request.Id;
                }
                var createBody = Json.WriteBytes(new JsonObject().Add("systemId", System_).Add("partyOrgNo", orgs[0]).Add("externalRef", "bench-0")
                    .Add("rights", new List<object> { new JsonObject().Add("resource", new List<object> { new JsonObject().Add("id", "urn:altinn:resource").Add("value", "ske-krav-og-betalinger") }) }));
                int pageBytes = (await plain.GetByteArrayAsync(api + "systemuser/request/vendor/bysystem/" + System_)).Length;
                int getBytes = (await plain.GetByteArrayAsync(api + "systemuser/request/vendor/" + id)).Length;

                var rows = new List<Row>
                {
                    new Row { Name = "get request (" + getBytes + " B)", Note = "1 exchange" },
                    new Row { Name = "registered system", Note = "1 exchange" },
                    new Row { Name = "list one page (" + (await client.ListRequestsAsync(System_)).Items.Count + " items, " + pageBytes + " B)", Note = "1 exchange" },
                    new Row { Name = "create, existing key (200)", Note = "1 exchange: POST (pre-flight on the system read once per client, kept)" },
                };
                var lib = new Func<Task>[]
                {
                    () => client.GetRequestAsync(id),
                    () => client.GetRegisteredSystemAsync(System_),
                    () => client.ListRequestsAsync(System_),
                    () => client.CreateStandardRequestAsync(Standard(orgs[0], "bench-0")),
                };
                var baseline = new Func<Task>[]
                {
                    () => PlainGetRequest(id),
                    () => PlainSystem(),
                    () => PlainList(),
                    () => PlainCreate(createBody),
                };
                // Warm-up (JIT, connections, the component's session pool), then interleaved samples.
                for (int i = 0; i < 30; i++)
                    for (int k = 0; k < rows.Count; k++) { await lib[k](); await baseline[k](); }
                var sw = new Stopwatch();
                for (int i = 0; i < samples; i++)
                {
                    for (int k = 0; k < rows.Count; k++)
                    {
                        bool libFirst = (i + k) % 2 == 0;
                        for (int pass = 0; pass < 2; pass++)
                        {
                            bool isLib = (pass == 0) == libFirst;
                            sw.Restart();
                            await (isLib ? lib[k]() : baseline[k]());
                            sw.Stop();
                            (isLib ? rows[k].Library : rows[k].Plain).Add(sw.Elapsed.TotalMilliseconds * 1000);
                        }
                    }
                }
                // No I/O: the component's validation alone.
                var validate = new List<double>();
                StandardRequest v = Standard(orgs[0], "bench-v");
                for (int i = 0; i < 200; i++) client.Validate(v);
                for (int i = 0; i < samples; i++)
                {
                    sw.Restart();
                    client.Validate(v);
                    sw.Stop();
                    validate.Add(sw.Elapsed.TotalMilliseconds * 1000);
                }

                Console.WriteLine("## .NET binding (" + RuntimeName() + "): the library against plain C#, per operation");
                Console.WriteLine();
                Console.WriteLine("µs per call, median and p90 of " + samples + " interleaved samples each, against the simulator on loopback (`altinn-sim`), the same token.");
                Console.WriteLine("*library*: `SystemUserClient` (libsystemuser: the component in wasmtime, the operation pumped from C#, JSON documents across the C ABI, HttpClient for the exchanges).");
                Console.WriteLine("*plain C#*: the same exchanges with `HttpClient` and a JSON parse of the answer (no validation, no answer binding, no retries: what the component adds).");
                Console.WriteLine();
                Console.WriteLine("| operation | library µs | p90 | plain C# µs | p90 | library / plain | overhead µs | note |");
                Console.WriteLine("|:---|---:|---:|---:|---:|---:|---:|:---|");
                foreach (Row r in rows)
                {
                    double l = Pct(r.Library, 50), p = Pct(r.Plain, 50);
                    Console.WriteLine("| " + r.Name + " | " + F(l) + " | " + F(Pct(r.Library, 90)) + " | " + F(p) + " | " + F(Pct(r.Plain, 90)) + " | " +
                        (l / p).ToString("0.00", CultureInfo.InvariantCulture) + "× | " + F(l - p) + " | " + r.Note + " |");
                }
                Console.WriteLine("| validate (no I/O) | " + F(Pct(validate, 50)) + " | " + F(Pct(validate, 90)) + " | — | — | — | — | `su_client_validate`, no plain counterpart |");
                Console.WriteLine();
                Console.WriteLine("Component compiled at start (`SystemUserRuntime.Default`, no cache): " + compileMs.ToString("0", CultureInfo.InvariantCulture) + " ms.");
            }
        }

        private static StandardRequest Standard(string org, string externalRef)
        {
            return new StandardRequest(System_, org, externalRef: externalRef, rights: new[] { Right.ForResource("ske-krav-og-betalinger") });
        }

        private static async Task<JsonObject> GetJson(string url)
        {
            using (HttpResponseMessage r = await plain.GetAsync(url))
            {
                byte[] body = await r.Content.ReadAsByteArrayAsync();
                if (r.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException("GET answered " + (int)r.StatusCode);
                return Json.ParseObject(body);
            }
        }

        private static async Task PlainGetRequest(string id)
        {
            JsonObject o = await GetJson(api + "systemuser/request/vendor/" + id);
            if (o.RequireString("id") != id || o.RequireString("status") == null) throw new InvalidOperationException("another request");
        }

        private static async Task<JsonObject> PlainSystem()
        {
            JsonObject o = await GetJson(api + "systemregister/vendor/" + System_);
            if (o.RequireString("id") != System_) throw new InvalidOperationException("another system");
            return o;
        }

        // A create's pre-flight read: once, then the kept system until it is five minutes old.
        private static async Task<JsonObject> PlainKeptSystem()
        {
            if (keptSystem == null || keptSince.Elapsed >= SystemTtl)
            {
                keptSystem = await PlainSystem();
                keptSince.Restart();
            }
            return keptSystem;
        }

        private static async Task PlainList()
        {
            JsonObject o = await GetJson(api + "systemuser/request/vendor/bysystem/" + System_);
            foreach (JsonObject item in o.GetArray("data")) item.RequireString("id");
        }

        private static async Task PlainCreate(byte[] body)
        {
            await PlainKeptSystem();
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var rq = new HttpRequestMessage(HttpMethod.Post, api + "systemuser/request/vendor") { Content = content };
            rq.Headers.ExpectContinue = false;
            using (HttpResponseMessage r = await plain.SendAsync(rq))
            {
                JsonObject o = Json.ParseObject(await r.Content.ReadAsByteArrayAsync());
                if ((int)r.StatusCode != 200 && (int)r.StatusCode != 201) throw new InvalidOperationException("create answered " + (int)r.StatusCode);
                o.RequireString("id");
            }
        }

        private static double Pct(List<double> xs, int p)
        {
            var s = xs.OrderBy(x => x).ToList();
            return s[Math.Min(s.Count - 1, (int)Math.Ceiling(p / 100.0 * s.Count) - 1)];
        }

        private static string F(double us)
        {
            return us >= 100 ? us.ToString("0", CultureInfo.InvariantCulture) : us.ToString("0.0", CultureInfo.InvariantCulture);
        }

        private static string RuntimeName()
        {
            Type mono = Type.GetType("Mono.Runtime");
            if (mono != null)
            {
                var display = mono.GetMethod("GetDisplayName", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
                return "Mono " + (display == null ? "" : display.Invoke(null, null));
            }
            return ".NET " + Environment.Version;
        }
    }
}
