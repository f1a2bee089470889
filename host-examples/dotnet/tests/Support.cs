// What the tests share: the repository's files, simulators (real processes on loopback), the
// schema check of every document, clients against a simulator.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    internal static class Repo
    {
        public static readonly string Root = FindRoot();

        private static string FindRoot()
        {
            string env = Environment.GetEnvironmentVariable("SYSTEMUSER_ROOT");
            if (!string.IsNullOrEmpty(env)) return env;
            string dir = AppDomain.CurrentDomain.BaseDirectory;
            while (dir != null && !File.Exists(System.IO.Path.Combine(dir, "host-examples", "c", "include", "systemuser.h"))) dir = System.IO.Path.GetDirectoryName(dir);
            if (dir == null) throw new InvalidOperationException("cannot find the repository root (set SYSTEMUSER_ROOT)");
            return dir;
        }

        public static string Path(string relative) { return System.IO.Path.Combine(Root, relative); }

        public static string Text(string relative) { return File.ReadAllText(Path(relative)); }

        public static JsonObject Json(string relative) { return Altinn.SystemUser.Json.ParseObject(File.ReadAllBytes(Path(relative))); }

        public const string StandardSystem = "314248295_smartregnskap";
        public const string AgentSystem = "314248295_smartbyraa";
        public const string Vendor = "314248295";
        public const string ClientId = "sim-smartregnskap-client";
        public const string Kid = "sim-test-key-1";
        public const string KeyFile = "simulator/tests/keys/TEST-ONLY-client-key.pk8.pem";
        public const string CertFile = "simulator/tests/keys/TEST-ONLY-client-cert.pem";
        public const string ServiceScope = "ttd:regnskap.read";
        public static readonly string[] VendorScopes =
        {
            "altinn:authentication/systemuser.request.read",
            "altinn:authentication/systemuser.request.write",
            "altinn:authentication/systemregister.write",
        };
        public static readonly string[] Customers =
        {
            "310816191", "314224965", "317103360", "316501389", "313981436", "316859356", "312317761", "313526011", "314941888", "313093808", "314456726",
        };
    }

    /// <summary>A simulator process (target/release/altinn-sim --admin on a free loopback port).</summary>
    internal sealed class Sim : IDisposable
    {
        private readonly Process process;
        private readonly HttpClient admin;
        public readonly string Base;
        /// <summary>Every token minted for this simulator by the tests (to prove none is shown).</summary>
        public readonly ConcurrentBag<string> Minted = new ConcurrentBag<string>();
        private string vendorToken;

        private Sim(Process process, string baseUrl)
        {
            this.process = process;
            Base = baseUrl;
            admin = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };
        }

        public static Sim Start() { return Start(null); }

        /// <summary>A simulator with these environment variables (e.g. ALTINN_SIM_SECRET_LOG).</summary>
        public static Sim Start(IDictionary<string, string> env)
        {
            var psi = new ProcessStartInfo(Repo.Path("target/release/altinn-sim"), "--admin --listen 127.0.0.1:0")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (env != null) foreach (var kv in env) psi.EnvironmentVariables[kv.Key] = kv.Value;
            Process p = Process.Start(psi);
            Task<string> line = p.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(10)) || line.Result == null || !line.Result.StartsWith("listening on "))
            {
                try { p.Kill(); } catch (InvalidOperationException) { }
                throw new InvalidOperationException("the simulator did not start: " + p.StandardError.ReadToEnd());
            }
            p.StandardError.ReadToEndAsync();
            return new Sim(p, line.Result.Substring("listening on ".Length).Trim());
        }

        public AltinnEnvironment Environment { get { return AltinnEnvironment.Custom(Base, Base, Base + "/"); } }

        public void Dispose()
        {
            try
            {
                if (!process.HasExited) process.Kill();
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException) { }
            admin.Dispose();
            process.Dispose();
        }

        // ---- admin routes -------------------------------------------------------------------------

        public async Task<JsonObject> AdminAsync(HttpMethod method, string path, object body = null)
        {
            var rq = new HttpRequestMessage(method, Base + path);
            if (body != null) rq.Content = new StringContent(body is string ? (string)body : Altinn.SystemUser.Json.Write(body), Encoding.UTF8, "application/json");
            using (HttpResponseMessage r = await admin.SendAsync(rq))
            {
                string text = await r.Content.ReadAsStringAsync();
                if ((int)r.StatusCode >= 300) throw new InvalidOperationException(method + " " + path + " answered " + (int)r.StatusCode + ": " + text);
                return text.Length == 0 ? null : (JsonObject)Altinn.SystemUser.Json.Parse(text);
            }
        }

        public async Task<string> MintAsync(IEnumerable<string> scopes, long? expiresIn = null)
        {
            var body = new JsonObject().Add("vendorOrgNo", Repo.Vendor).Add("scopes", scopes.Cast<object>().ToList());
            if (expiresIn.HasValue) body.Add("expiresIn", expiresIn.Value);
            string token = (await AdminAsync(HttpMethod.Post, "/_sim/token", body)).RequireString("access_token");
            Minted.Add(token);
            return token;
        }

        /// <summary>A token provider minting one vendor token with every vendor scope (once).</summary>
        public TokenProvider Tokens
        {
            get
            {
                return async (scopes, ct) =>
                {
                    if (vendorToken == null) vendorToken = await MintAsync(Repo.VendorScopes);
                    return vendorToken;
                };
            }
        }

        public Task ArmAsync(JsonObject fault) { return AdminAsync(HttpMethod.Post, "/_sim/faults", fault); }

        public Task ApproveAsync(string id) { return AdminAsync(HttpMethod.Post, "/_sim/requests/" + id + "/approve"); }

        public Task RejectAsync(string id) { return AdminAsync(HttpMethod.Post, "/_sim/requests/" + id + "/reject"); }

        /// <summary>How many calls the simulator has logged on its Altinn and Maskinporten routes
        /// (entries with a route: admin calls and pages are logged without one).</summary>
        public async Task<int> CallCountAsync()
        {
            return (await AdminAsync(HttpMethod.Get, "/_sim/calls")).GetArray("calls").Cast<JsonObject>().Count(c => c.GetString("route") != null);
        }

        /// <summary>The simulator's call log (route names, methods; no headers or bodies).</summary>
        public async Task<List<JsonObject>> CallsAsync()
        {
            return (await AdminAsync(HttpMethod.Get, "/_sim/calls")).GetArray("calls").Cast<JsonObject>().ToList();
        }

        /// <summary>How many calls the simulator logged on the route (e.g. exchange_token).</summary>
        public async Task<int> CallsAsync(string route)
        {
            return (await CallsAsync()).Count(c => c.GetString("route") == route);
        }

        /// <summary>The bureau approves its own klientadministrator system user (keyed on externalRef); its id.</summary>
        public async Task<string> ClientAdministratorAsync(string orgNo, string externalRef)
        {
            var body = new JsonObject().Add("orgNo", orgNo).Add("externalRef", externalRef);
            return (await AdminAsync(HttpMethod.Post, "/_sim/clientadministrators", body)).RequireString("systemUserId");
        }

        /// <summary>The party uuid the fixture gives an organisation (a client's id in client delegation).</summary>
        public async Task<string> PartyUuidAsync(string orgNo)
        {
            JsonObject fixture = await AdminAsync(HttpMethod.Get, "/_sim/fixture");
            return fixture.GetArray("organizations").Cast<JsonObject>().First(o => o.GetString("orgNo") == orgNo).RequireString("partyUuid");
        }

        public async Task<List<JsonObject>> DedupeKeysAsync()
        {
            return (await AdminAsync(HttpMethod.Get, "/_sim/dedupe")).GetArray("keys").Cast<JsonObject>().ToList();
        }

        public SystemUserClient TokenClient(Action<SystemUserClientOptions> tweak = null, SystemUserRuntime runtime = null)
        {
            var o = new SystemUserClientOptions { Environment = Environment, TokenProvider = Tokens, Timeout = TimeSpan.FromSeconds(5), Backoff = TimeSpan.FromMilliseconds(10) };
            if (tweak != null) tweak(o);
            return new SystemUserClient(o, runtime);
        }

        public SystemUserClient KeyClient(MaskinportenKey key = null, Action<SystemUserClientOptions> tweak = null)
        {
            var o = new SystemUserClientOptions
            {
                Environment = Environment,
                Maskinporten = new MaskinportenOptions(Repo.ClientId, key ?? Keys.Kid),
                Timeout = TimeSpan.FromSeconds(5),
                Backoff = TimeSpan.FromMilliseconds(10),
            };
            if (tweak != null) tweak(o);
            return new SystemUserClient(o);
        }
    }

    internal static class Keys
    {
        public static readonly MaskinportenKey Kid = MaskinportenKey.FromPem(Repo.Kid, Repo.Text(Repo.KeyFile));
    }

    internal static class Fixtures
    {
        public static StandardRequest Standard(string org, string externalRef, string right = "ske-krav-og-betalinger")
        {
            return new StandardRequest(Repo.StandardSystem, org, externalRef: externalRef, rights: new[] { Right.ForResource(right) });
        }

        public static AgentRequest Agent(string org, string externalRef, string package = "regnskapsforer-lonn")
        {
            return new AgentRequest(Repo.AgentSystem, org, new[] { AccessPackage.Named(package) }, externalRef: externalRef);
        }

        private static int counter;

        /// <summary>An external ref no other test uses.</summary>
        public static string Ref(string prefix) { return prefix + "-" + Interlocked.Increment(ref counter) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8); }
    }

    /// <summary>The shared simulator, the runtime of the test-trap component, and the schema
    /// check every document goes through while the tests run.</summary>
    internal static class Fixture
    {
        public static Sim Sim;
        public static readonly ConcurrentQueue<string> SchemaFailures = new ConcurrentQueue<string>();
        public static int DocumentsChecked;
        private static readonly AsyncLocal<bool> unobserved = new AsyncLocal<bool>();
        /// <summary>Another look at every document (a test that inspects what was sent).</summary>
        public static volatile Action<string, byte[]> Also;
        public static readonly ConcurrentDictionary<string, int> DocumentKinds = new ConcurrentDictionary<string, int>();

        /// <summary>The classes in the order they run (SchemaSummary last: it checks what all saw).</summary>
        public static readonly Type[] Order =
        {
            typeof(SchemaValidatorTests), typeof(HeaderTests), typeof(LoadTests), typeof(OperationsTests), typeof(ErrorTests), typeof(MaskinportenTests),
            typeof(TransportTests), typeof(CancellationTests), typeof(ConcurrencyTests), typeof(TrapTests), typeof(SecretTests), typeof(HostileCatalogueTests),
            typeof(SystemRegisterTests), typeof(ClientDelegationTests), typeof(ReadmeSampleTests), typeof(VocabularyTests), typeof(SchemaSummaryTests),
        };

        /// <summary>Within this flow, documents are not checked (tests that send invalid ones on purpose).</summary>
        public static IDisposable Unobserved()
        {
            unobserved.Value = true;
            return new Restore();
        }

        private sealed class Restore : IDisposable
        {
            public void Dispose() { unobserved.Value = false; }
        }

        public static void Start()
        {
            var schema = new SchemaValidator(Repo.Json("host-examples/c/schema/systemuser.schema.json"));
            Documents.Observer = (kind, bytes) =>
            {
                Action<string, byte[]> also = Also;
                if (also != null) also(kind, bytes);
                if (unobserved.Value) return;
                Interlocked.Increment(ref DocumentsChecked);
                DocumentKinds.AddOrUpdate(kind, 1, (k, n) => n + 1);
                object doc;
                try
                {
                    doc = Altinn.SystemUser.Json.Parse(bytes);
                }
                catch (FormatException e)
                {
                    SchemaFailures.Enqueue(kind + ": not JSON: " + e.Message);
                    return;
                }
                string error = schema.Check(kind, doc);
                if (error != null) SchemaFailures.Enqueue(kind + ": " + error); // names the path, never a value (documents hold tokens)
            };
            Sim = Sim.Start();
        }

        public static void Stop()
        {
            if (Sim != null) Sim.Dispose();
        }
    }
}
