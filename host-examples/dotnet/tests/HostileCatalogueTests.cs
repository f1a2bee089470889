// The hostile-input catalogue (tests/hostile/catalogue.json), every case, with its expected
// typed error, each through the highest layer of this binding that can express it:
//   - the client (SystemUserClient's methods): identifier cases (each identifier in the call
//     that takes it; the simulator's call log proves nothing was sent), typed create cases
//     (Validate), token cases (a TokenProvider giving the hostile token; nothing sent) and
//     server cases (the simulator's hostile faults over real HTTP, with the time bounds);
//   - the pump (the binding's own loop, with the catalogue's answer in place of HTTP): response
//     cases (an answer to the named call of tests/calls.json, the change-request reads of issue
//     #16 and the System Register and client-delegation calls of issue #17 among them, each as
//     its task document: statuses like 0 or 65535 and bodies that no HTTP stack would deliver
//     cannot come over a real connection; a change of a system first reads the stored one,
//     answered with a system allowing the change, and a delegation task first exchanges the
//     bureau's token, answered with a canned Altinn JWT), and create cases
//     whose body the typed classes cannot hold (su_client_validate with the body as JSON);
//   - the library's refusal: create bodies that are not a JSON object of UTF-8 text cannot
//     travel inside a validate document; the library must refuse the document
//     (invalid-argument), and the client must work afterwards.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    /// <summary>Answers every send step with a canned answer (and a create's pre-flight with a
    /// registered system allowing what the call asks for).</summary>
    internal sealed class CannedTransport : ITransport
    {
        private readonly Func<JsonObject, JsonObject> answer;
        public int Sent;

        public CannedTransport(Func<JsonObject, JsonObject> answer) { this.answer = answer; }

        public Task<JsonObject> SendAsync(JsonObject request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Sent);
            return Task.FromResult(answer(request));
        }

        public void Dispose() { }
    }

    internal sealed class HostileCatalogueTests
    {
        private static readonly JsonObject Catalogue = Repo.Json("tests/hostile/catalogue.json");
        private static readonly JsonObject Calls = Repo.Json("tests/calls.json").GetObject("calls");
        private static readonly JsonObject Systems = Repo.Json("tests/vectors/systems.json");
        private static readonly List<JsonObject> All = Catalogue.GetArray("cases").Cast<JsonObject>().ToList();
        private static readonly string Rid = Catalogue.RequireString("request_id");
        private static readonly string Sys = Catalogue.RequireString("system_id");
        private static readonly string Org = Catalogue.RequireString("org_no");
        private static readonly string Ref = Catalogue.RequireString("external_ref");
        private static readonly Dictionary<string, int[]> Table = new Dictionary<string, int[]>();

        private static IEnumerable<JsonObject> Of(string op) { return All.Where(c => c.GetString("op") == op); }

        private static TestCase Case(JsonObject c, string through, Func<Task> body)
        {
            string key = c.RequireString("category") + "\t" + through;
            return new TestCase(c.RequireString("name"), async () =>
            {
                bool ok = false;
                try
                {
                    await body();
                    ok = true;
                }
                finally
                {
                    lock (Table)
                    {
                        int[] n;
                        if (!Table.TryGetValue(key, out n)) Table[key] = n = new int[2];
                        n[0]++;
                        if (ok) n[1]++;
                    }
                }
            });
        }

        // ---- generators ----------------------------------------------------------------------------------

        internal static byte[] Generate(object spec)
        {
            string s = spec as string;
            if (s != null) return Encoding.UTF8.GetBytes(s);
            var o = (JsonObject)spec;
            if (o.Has("hex"))
            {
                string hex = o.RequireString("hex");
                var b = new byte[hex.Length / 2];
                for (int i = 0; i < b.Length; i++) b[i] = Convert.ToByte(hex.Substring(2 * i, 2), 16);
                return b;
            }
            if (o.Has("repeat"))
            {
                byte[] unit = Encoding.UTF8.GetBytes(o.RequireString("repeat"));
                long times = o.GetLong("times").Value;
                var b = new byte[unit.Length * times];
                for (long i = 0; i < times; i++) Buffer.BlockCopy(unit, 0, b, (int)(i * unit.Length), unit.Length);
                return b;
            }
            if (o.Has("concat"))
            {
                var m = new MemoryStream();
                foreach (object part in o.GetArray("concat"))
                {
                    byte[] b = Generate(part);
                    m.Write(b, 0, b.Length);
                }
                return m.ToArray();
            }
            if (o.Has("json")) return Altinn.SystemUser.Json.WriteBytes(o.Get("json"));
            throw new ArgumentException("unknown generator");
        }

        private static string Text(object spec) { return Encoding.UTF8.GetString(Generate(spec)); }

        /// <summary>The bytes as a JSON object, or null when they are not UTF-8 text of one (within the nesting the binding reads).</summary>
        private static JsonObject JsonObjectOf(byte[] bytes)
        {
            try
            {
                return Altinn.SystemUser.Json.Parse(bytes) as JsonObject;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        [Test]
        public void TheCatalogueHasTheCasesAndEveryOneIsRunHere()
        {
            Assert.True(All.Count >= 191, All.Count + " cases");
            var ops = new HashSet<string> { "identifier", "create", "response", "token", "server" };
            foreach (JsonObject c in All) Assert.True(ops.Contains(c.GetString("op")), "a case of an op this test does not run: " + c.GetString("name"));
            foreach (string name in new[] { "create-standard", "create-agent", "get", "get-agent", "by-external-ref", "list", "list-agent", "withdraw", "verify", "list-users", "system",
                "get-change", "change-by-external-ref", "list-changes" })
                Assert.True(Calls.Has(name), "tests/calls.json lacks " + name);
            // Every named call is a task the pump runs, but the protocol-only ones, which no case names.
            var schema = new SchemaValidator(Repo.Json("host-examples/c/schema/systemuser.schema.json"));
            foreach (var m in Calls)
            {
                if (ProtocolOnly.Contains(m.Key))
                {
                    Assert.False(All.Any(c => c.GetString("call") == m.Key || c.GetString("task") == m.Key), "a case names the protocol-only call " + m.Key);
                    continue;
                }
                string error = schema.Check("task", TaskOf(m.Key, (JsonObject)m.Value));
                Assert.True(error == null, m.Key + " as a task document: " + error);
            }
            // The change-request cases of issue #16: the three change reads, through the pump.
            var changes = All.Where(c => c.GetString("category") == "change").ToList();
            Assert.True(changes.Count >= 17, changes.Count + " change cases");
            foreach (JsonObject c in changes)
            {
                Assert.Equal("response", c.GetString("op"), c.GetString("name"));
                Assert.True(new[] { "get-change", "change-by-external-ref", "list-changes" }.Contains(c.GetString("call")), c.GetString("name"));
            }
            // The System Register and client-delegation cases of issue #17: answers to their calls, through the pump.
            var issue17 = All.Where(c => c.GetString("category") == "system" || c.GetString("category") == "delegation").ToList();
            Assert.True(issue17.Count >= 22, issue17.Count + " system and delegation cases");
            foreach (JsonObject c in issue17)
            {
                Assert.Equal("response", c.GetString("op"), c.GetString("name"));
                Assert.True(SystemCalls.Contains(c.GetString("call")) || DelegationCalls.Contains(c.GetString("call")), c.GetString("name"));
            }
        }

        /// <summary>The System Register calls of tests/calls.json (API.md §13).</summary>
        private static readonly HashSet<string> SystemCalls = new HashSet<string>
        {
            "list-systems", "register-system", "replace-system", "set-system-rights", "set-system-packages", "delete-system", "changelog",
        };

        /// <summary>The client-delegation calls (§12): as tasks they name the bureau (the catalogue's org) and exchange its token first.</summary>
        private static readonly HashSet<string> DelegationCalls = new HashSet<string> { "list-agents", "available-clients", "list-clients", "add-client", "remove-client" };

        /// <summary>What a delegation task's exchange is answered with: an Altinn JWT (bare text) expiring in 2100.</summary>
        private const string Exchanged = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln";

        /// <summary>GET systemregister/vendor/{id}: the registered system read (not the listing, not the changelog).</summary>
        private static readonly System.Text.RegularExpressions.Regex StoredSystem = new System.Text.RegularExpressions.Regex("/systemregister/vendor/[^/?]+$");

        /// <summary>Named calls that are protocol calls, never a task: create-change is the POST of a
        /// change request with its system user's id (for the parser's vectors and the fuzz corpus); the
        /// task create-change-request looks the system user up by its key first.</summary>
        private static readonly HashSet<string> ProtocolOnly = new HashSet<string> { "create-change" };

        // ---- identifier: through the call that takes it -------------------------------------------------

        [Cases]
        public IEnumerable<TestCase> IdentifierCasesThroughTheClient()
        {
            foreach (JsonObject c in Of("identifier"))
            {
                JsonObject cc = c;
                yield return Case(c, "client (the call taking it)", async () =>
                {
                    string input = Text(cc.Get("input"));
                    string code = cc.GetObject("expect").RequireString("code");
                    Sim sim = Fixture.Sim;
                    using (SystemUserClient client = sim.TokenClient())
                    {
                        Func<Task> call;
                        switch (cc.RequireString("check"))
                        {
                            case "org-no": call = () => client.VerifySystemUserAsync(Sys, input, Ref); break;
                            case "system-id": call = () => client.GetRegisteredSystemAsync(input); break;
                            case "external-ref": call = () => client.GetRequestByExternalRefAsync(Sys, Org, input); break;
                            case "request-id": call = () => client.GetRequestAsync(input); break;
                            default: throw new ArgumentException(cc.RequireString("check"));
                        }
                        int before = await sim.CallCountAsync();
                        var e = await Assert.Throws<ValidationException>(call, "expected " + Altinn.SystemUser.Json.Write(cc.Get("expect")));
                        Assert.True(e.Codes.Contains(code), "codes " + string.Join(",", e.Codes));
                        Assert.Equal(before, await sim.CallCountAsync(), "nothing was sent");
                    }
                });
            }
        }

        // ---- create: typed, else su_client_validate with JSON, else refused --------------------------

        private static object Typed(string kind, JsonObject body)
        {
            var allowed = kind == "standard"
                ? new[] { "systemId", "partyOrgNo", "externalRef", "integrationTitle", "rights", "accessPackages", "redirectUrl" }
                : new[] { "systemId", "partyOrgNo", "externalRef", "integrationTitle", "accessPackages", "redirectUrl" };
            if (body.Any(m => !allowed.Contains(m.Key))) return null; // e.g. rights on an agent request: AgentRequest has no rights
            foreach (string k in new[] { "systemId", "partyOrgNo", "externalRef", "integrationTitle", "redirectUrl" })
                if (body.Has(k) && !(body.Get(k) is string)) return null; // e.g. a number as partyOrgNo
            if (!(body.Get("systemId") is string) || !(body.Get("partyOrgNo") is string)) return null;
            try
            {
                if (kind == "standard") return StandardRequest.FromJson(body);
                return AgentRequest.FromJson(body);
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>A registered system in Altinn's shape (tests/vectors/systems.json) as the class.</summary>
        private static RegisteredSystem SystemOf(JsonObject s)
        {
            JsonObject vendor = s.GetObject("vendor");
            string vendorId = vendor == null ? "" : vendor.GetString("ID") ?? "";
            return new RegisteredSystem(s.RequireString("id"), vendorId.StartsWith("0192:") ? vendorId.Substring(5) : vendorId, LocalizedText.FromJson(s.GetObject("name")),
                LocalizedText.FromJson(s.GetObject("description")), Right.ListFrom(s.GetArray("rights")), AccessPackage.ListFrom(s.GetArray("accessPackages")),
                (s.GetArray("clientId") ?? new List<object>()).Cast<string>(), s.GetBool("isVisible", true),
                (s.GetArray("allowedRedirectUrls") ?? new List<object>()).Cast<string>(), s.GetBool("isDeleted"));
        }

        [Cases]
        public IEnumerable<TestCase> CreateCases()
        {
            foreach (JsonObject c in Of("create"))
            {
                JsonObject cc = c;
                byte[] body = Generate(c.Get("body"));
                JsonObject bodyJson = JsonObjectOf(body);
                object systemSpec = c.Get("system");
                byte[] systemBytes = systemSpec == null ? null
                    : systemSpec is string && Systems.Has((string)systemSpec) ? Altinn.SystemUser.Json.WriteBytes(Systems.Get((string)systemSpec)) : Generate(systemSpec);
                JsonObject systemJson = systemBytes == null ? null : JsonObjectOf(systemBytes);
                string kind = c.RequireString("kind");
                string code = c.GetObject("expect").RequireString("code");
                object typed = bodyJson == null || (systemBytes != null && systemJson == null) ? null : Typed(kind, bodyJson);
                if (typed != null)
                {
                    yield return Case(c, "client (Validate, typed classes)", () =>
                    {
                        using (SystemUserClient client = Fixture.Sim.TokenClient())
                        {
                            RegisteredSystem system = systemJson == null ? null : SystemOf(systemJson);
                            IReadOnlyList<Violation> violations = typed is StandardRequest
                                ? client.Validate((StandardRequest)typed, system).Violations
                                : client.Validate((AgentRequest)typed, system).Violations;
                            Assert.True(violations.Any(v => v.Code == code), "expected " + code + ", got " + string.Join(",", violations.Select(v => v.Code)));
                        }
                        return Task.FromResult(0);
                    });
                }
                else if (bodyJson != null && (systemBytes == null || systemJson != null))
                {
                    yield return Case(c, "pump (su_client_validate, JSON body)", () =>
                    {
                        using (SystemUserClient client = Fixture.Sim.TokenClient())
                        {
                            var doc = new JsonObject().Add("v", 1L).Add("kind", kind).Add("request", bodyJson);
                            if (systemJson != null) doc.Add("system", systemJson);
                            JsonObject output;
                            try
                            {
                                output = Altinn.SystemUser.Json.ParseObject(client.ValidateDocument(Altinn.SystemUser.Json.WriteBytes(doc)));
                            }
                            catch (InvalidArgumentException e)
                            {
                                // libsystemuser answers a body the component cannot decode (a number as
                                // partyOrgNo) with invalid-argument naming the component's code.
                                Assert.True(e.Message.EndsWith("[" + code + "]"), e.Message);
                                Console.WriteLine("  create case " + cc.RequireString("name") + ": libsystemuser answered invalid-argument naming [" + code + "]");
                                return Task.FromResult(0);
                            }
                            Assert.Equal(false, output.GetBool("valid", true), "valid");
                            List<string> codes = Violation.ListFrom(output.GetArray("violations")).Select(v => v.Code).ToList();
                            Assert.True(codes.Contains(code), "expected " + code + ", got " + string.Join(",", codes));
                        }
                        return Task.FromResult(0);
                    });
                }
                else
                {
                    yield return Case(c, "library refusal (not a JSON object)", () =>
                    {
                        var doc = new MemoryStream();
                        byte[] head = Encoding.UTF8.GetBytes("{\"v\":1,\"kind\":\"" + kind + "\",\"request\":");
                        doc.Write(head, 0, head.Length);
                        doc.Write(body, 0, body.Length);
                        if (systemBytes != null)
                        {
                            byte[] sys = Encoding.UTF8.GetBytes(",\"system\":");
                            doc.Write(sys, 0, sys.Length);
                            doc.Write(systemBytes, 0, systemBytes.Length);
                        }
                        doc.WriteByte((byte)'}');
                        using (SystemUserClient client = Fixture.Sim.TokenClient())
                        {
                            using (Fixture.Unobserved())
                            {
                                var e = Assert.ThrowsSync<InvalidArgumentException>(() => client.ValidateDocument(doc.ToArray()), "expected the library to refuse the document");
                                Assert.Contains("validate", e.Message, "names the document");
                            }
                            Assert.True(client.Validate(Fixtures.Standard(Org, "kunde-42")).IsValid, "and the client still works");
                        }
                        return Task.FromResult(0);
                    });
                }
            }
        }

        // ---- response: through the pump, the catalogue's answer in place of HTTP ----------------------

        private static JsonObject Answer(long status, List<object> headers, byte[] body)
        {
            return new JsonObject().Add("v", 1L).Add("input", "response")
                .Add("response", new JsonObject().Add("status", status).Add("headers", headers).Add("body", Convert.ToBase64String(body)));
        }

        /// <summary>A registered system (Altinn's shape) for the call's system, allowing what the call asks for.</summary>
        private static JsonObject RegisteredSystemFor(JsonObject def)
        {
            JsonObject system = def.GetObject("system");
            if (system != null)
            {
                // A replace: the stored system is the one the call sends, so the merge changes nothing.
                var stored = new JsonObject();
                foreach (var m in system) stored.Add(m.Key, m.Value);
                return stored.Set("isDeleted", false);
            }
            string systemId = def.RequireString("systemId");
            return new JsonObject().Add("id", systemId).Add("vendor", new JsonObject().Add("ID", "0192:" + systemId.Substring(0, 9)))
                .Add("name", new JsonObject().Add("nb", "SmartRegnskap")).Add("rights", def.GetArray("rights") ?? new List<object>())
                .Add("accessPackages", def.GetArray("accessPackages") ?? new List<object>()).Add("clientId", new List<object>())
                .Add("isVisible", true).Add("allowedRedirectUrls", new List<object>()).Add("isDeleted", false);
        }

        /// <summary>A named call of tests/calls.json as a task document (get-change → get-change-request {id}, …).</summary>
        internal static JsonObject TaskOf(string name, JsonObject def)
        {
            if (ProtocolOnly.Contains(name)) throw new ArgumentException(name + " is a protocol call, not a task");
            var doc = new JsonObject().Add("v", 1L);
            string call = def.RequireString("call");
            var bureau = new JsonObject().Add("orgNo", Org);
            if (call == "replace-system")
            {
                // The replace of a system: the task that sends it is a change of every member.
                var update = new JsonObject();
                foreach (var m in def.GetObject("system")) if (m.Key != "vendor" && m.Key != "isDeleted") update.Add(m.Key, m.Value);
                return doc.Add("task", "update-system").Add("update", update);
            }
            doc.Add("task", call);
            if (call == "list-agents") return doc.Add("bureau", new JsonObject().Add("orgNo", def.RequireString("partyOrgNo")));
            if (call == "list-available-clients" || call == "list-clients" || call == "add-client" || call == "remove-client") doc.Add("bureau", bureau);
            if (call == "create-standard-request" || call == "create-agent-request")
            {
                var request = new JsonObject();
                foreach (var m in def) if (m.Key != "call" && m.Key != "kind") request.Add(m.Key, m.Value);
                doc.Add("request", request);
            }
            else
            {
                foreach (var m in def) if (m.Key != "call") doc.Add(m.Key, m.Value);
            }
            return doc;
        }

        [Cases]
        public IEnumerable<TestCase> ResponseCasesThroughThePump()
        {
            foreach (JsonObject c in Of("response"))
            {
                JsonObject cc = c;
                yield return Case(c, "pump (the named call, canned answer)", async () =>
                {
                    string call = cc.RequireString("call");
                    JsonObject def = Calls.GetObject(call);
                    var headers = new List<object>();
                    JsonObject h = cc.GetObject("headers");
                    if (h != null) foreach (var m in h) headers.Add(new List<object> { m.Key, m.Value });
                    JsonObject answer = Answer(cc.GetLong("status").Value, headers, Generate(cc.Get("body")));
                    AltinnEnvironment env = cc.GetString("env") == "custom"
                        ? AltinnEnvironment.Custom("http://127.0.0.1:5101", "http://127.0.0.1:5102", "http://127.0.0.1:5103/") : AltinnEnvironment.Tt02;
                    JsonObject expect = cc.GetObject("expect");
                    var sent = new List<string>();
                    var canned = new CannedTransport(rq =>
                    {
                        string url = rq.RequireString("url"), method = rq.RequireString("method");
                        lock (sent) sent.Add(method + " " + url);
                        // A create's pre-flight and a change of a system read the stored system.
                        if (method == "GET" && StoredSystem.IsMatch(url) && call != "system")
                        {
                            return Answer(200, new List<object> { new List<object> { "content-type", "application/json; charset=utf-8" } }, Altinn.SystemUser.Json.WriteBytes(RegisteredSystemFor(def)));
                        }
                        // A delegation task exchanges the bureau's token first.
                        if (url.EndsWith("/authentication/api/v1/exchange/maskinporten"))
                        {
                            return Answer(200, new List<object> { new List<object> { "content-type", "text/plain; charset=utf-8" } }, Encoding.UTF8.GetBytes(Exchanged));
                        }
                        return answer;
                    });
                    var options = new SystemUserClientOptions { Environment = env, TokenProvider = (s, ct) => Task.FromResult("test-token"), RetryBudget = 0, Backoff = TimeSpan.Zero };
                    using (var client = new SystemUserClient(options, null, canned))
                    {
                        JsonObject outcome = null;
                        SystemUserException error = null;
                        try
                        {
                            outcome = await client.RunAsync(TaskOf(call, def), CancellationToken.None);
                        }
                        catch (SystemUserException e)
                        {
                            error = e;
                        }
                        Assert.True(canned.Sent > 0, "the answer was asked for");
                        if (DelegationCalls.Contains(call))
                        {
                            Assert.True(sent.Count == 2 && sent[0].StartsWith("GET ") && sent[0].EndsWith("/exchange/maskinporten"), "the exchange, then the call: " + string.Join(" | ", sent));
                        }
                        if (expect.Has("ok"))
                        {
                            Assert.True(error == null, "expected " + Altinn.SystemUser.Json.Write(expect) + ", got " + error);
                            Assert.Equal(expect.RequireString("ok"), outcome.RequireString("outcome"), "outcome");
                            if (expect.Has("next")) Assert.Equal(expect.RequireString("next"), outcome.GetString("nextPage"), "next page");
                        }
                        else
                        {
                            Assert.True(error != null, "expected " + Altinn.SystemUser.Json.Write(expect) + ", got the outcome " + (outcome == null ? "null" : outcome.GetString("outcome")));
                            Assert.False(error is LibraryException, "a library error: " + error.GetType().Name + ": " + error.Message);
                            Assert.Equal(expect.RequireString("error"), error.KindName, "kind (" + error.Message + ")");
                            if (expect.Has("message_contains")) Assert.Contains(expect.RequireString("message_contains"), error.Message, "message");
                        }
                    }
                });
            }
        }

        // ---- token: through the client's token provider ----------------------------------------------

        internal static Task Run(SystemUserClient c, string task)
        {
            switch (task)
            {
                case "get": return c.GetRequestAsync(Rid);
                case "get-agent": return c.GetRequestAsync(Rid, RequestKind.Agent);
                case "by-external-ref": return c.GetRequestByExternalRefAsync(Sys, Org, Ref);
                case "list": return c.ListRequestsAsync(Sys);
                case "list-all": return c.ListAllRequestsAsync(Sys);
                case "withdraw": return c.WithdrawRequestAsync(Rid);
                case "verify": return c.VerifySystemUserAsync(Sys, Org, Ref);
                case "list-users": return c.ListSystemUsersAsync(Sys);
                case "list-all-users": return c.ListAllSystemUsersAsync(Sys);
                case "system": return c.GetRegisteredSystemAsync(Sys);
                case "create":
                case "create-standard": return c.CreateStandardRequestAsync(new StandardRequest(Sys, Org, externalRef: Ref, rights: new[] { Right.ForResource("ske-krav-og-betalinger") }));
                case "create-agent": return c.CreateAgentRequestAsync(new AgentRequest(Repo.AgentSystem, Org, new[] { AccessPackage.Named("regnskapsforer-lonn") }, externalRef: Ref));
                default: throw new ArgumentException("unknown task " + task);
            }
        }

        [Cases]
        public IEnumerable<TestCase> TokenCasesThroughTheClient()
        {
            foreach (JsonObject c in Of("token"))
            {
                JsonObject cc = c;
                yield return Case(c, "client (a TokenProvider)", async () =>
                {
                    string token = Text(cc.Get("token"));
                    Sim sim = Fixture.Sim;
                    using (SystemUserClient hostile = sim.TokenClient(o => o.TokenProvider = (s, ct) => Task.FromResult(token)))
                    {
                        int before = await sim.CallCountAsync();
                        var e = await Assert.Throws<TokenException>(() => Run(hostile, cc.RequireString("task")), "expected a token error");
                        Assert.Equal(before, await sim.CallCountAsync(), "nothing was sent with the hostile token");
                        Assert.False(token.Length > 3 && e.Message.Contains(token), "the token shows in the message");
                    }
                });
            }
        }

        // ---- server: the simulator's hostile faults over real HTTP -----------------------------------

        [Cases(TimeoutSeconds = 60)]
        public IEnumerable<TestCase> ServerCasesOverRealHttp()
        {
            foreach (JsonObject c in Of("server"))
            {
                JsonObject cc = c;
                yield return Case(c, "client (simulator faults, real HTTP)", async () =>
                {
                    JsonObject expect = cc.GetObject("expect"), config = cc.GetObject("config");
                    using (Sim sim = Sim.Start())
                    {
                        foreach (object step in cc.GetArray("setup") ?? new List<object>())
                        {
                            Assert.Equal("create", (string)step, "a setup step this test knows");
                            using (SystemUserClient setup = sim.TokenClient()) await Run(setup, "create");
                        }
                        object faults = cc.Get("fault");
                        foreach (object f in faults is List<object> ? (List<object>)faults : new List<object> { faults }) await sim.ArmAsync((JsonObject)f);
                        using (SystemUserClient client = sim.TokenClient(o =>
                        {
                            o.Timeout = TimeSpan.FromMilliseconds(config.GetLong("timeoutMs").Value);
                            o.Deadline = TimeSpan.FromMilliseconds(config.GetLong("deadlineMs").Value);
                            o.RetryBudget = (int)config.GetLong("retryBudget").Value;
                            o.Backoff = TimeSpan.FromMilliseconds(config.GetLong("backoffMs").Value);
                        }))
                        {
                            var w = Stopwatch.StartNew();
                            SystemUserException error = null;
                            try
                            {
                                await Run(client, cc.RequireString("task"));
                            }
                            catch (SystemUserException e)
                            {
                                error = e;
                            }
                            double seconds = w.Elapsed.TotalSeconds;
                            Console.WriteLine("  server case " + cc.RequireString("name") + ": " + seconds.ToString("0.00") + " s, " + (error == null ? "ok" : error.GetType().Name + " (" + error.KindName + (error is TransportException ? " " + ((TransportException)error).TransportKindName : "") + ")"));
                            if (expect.Has("ok"))
                            {
                                Assert.True(error == null, "expected " + Altinn.SystemUser.Json.Write(expect) + ", got " + error);
                            }
                            else
                            {
                                Assert.True(error != null, "expected " + Altinn.SystemUser.Json.Write(expect) + ", got a result");
                                Assert.False(error is LibraryException, "a library error: " + error.Message);
                                Assert.Equal(expect.RequireString("error"), error.KindName, "kind (" + error.Message + ")");
                                if (expect.Has("transport")) Assert.Equal(expect.RequireString("transport"), ((TransportException)error).TransportKindName, "transport kind");
                                if (expect.Has("retry_after_seconds")) Assert.Equal(expect.GetLong("retry_after_seconds"), ((UnavailableException)error).RetryAfterSeconds, "Retry-After");
                                if (expect.Has("message_contains")) Assert.Contains(expect.RequireString("message_contains"), error.Message, "message");
                            }
                            double max = Convert.ToDouble(cc.Get("max_seconds"));
                            Assert.True(seconds <= max, "took " + seconds.ToString("0.00") + " s, more than " + max + " s");
                            if (cc.Has("min_seconds"))
                            {
                                double min = Convert.ToDouble(cc.Get("min_seconds"));
                                Assert.True(seconds >= min, "took " + seconds.ToString("0.00") + " s, less than the " + min + " s asked for");
                            }
                            if (cc.GetBool("no_secret"))
                            {
                                List<string> tokens = sim.Minted.ToList();
                                Assert.True(tokens.Count > 0, "a token was in play");
                                SecretTests.AssertNoSecret(error, tokens);
                                Assert.Contains("[redacted]", SecretTests.Everything(error), "the echoed token was replaced");
                            }
                        }
                    }
                });
            }
        }

        [Test]
        public void Summary()
        {
            Console.WriteLine("  hostile catalogue through the .NET binding (" + All.Count + " cases)");
            Console.WriteLine("  " + "category".PadRight(11) + " " + "through".PadRight(40) + " cases  passed");
            int run = 0;
            foreach (var kv in Table.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                string[] parts = kv.Key.Split('\t');
                Console.WriteLine("  " + parts[0].PadRight(11) + " " + parts[1].PadRight(40) + " " + kv.Value[0].ToString().PadLeft(5) + "  " + kv.Value[1].ToString().PadLeft(6));
                run += kv.Value[0];
            }
            Assert.Equal(All.Count, run, "every case of the catalogue ran");
        }
    }
}
