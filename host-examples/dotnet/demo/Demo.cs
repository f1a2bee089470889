// The vendor's story against the simulator, through the .NET binding: a standard request
// approved by the customer on the confirm page (an HTTP form post, as a browser does), the
// system user verified, a system-user token; an agent request; a rejected one withdrawn and
// asked again; requests the component refuses before sending. Every step checks what it got;
// the first surprise ends the demo with exit 1.
//
// usage: mono Altinn.SystemUser.Demo.exe SIMULATOR_BASE_URL TEST_ONLY_KEY.pem
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Altinn.SystemUser;

namespace Altinn.SystemUser.Demo
{
    internal static class Program
    {
        private const string Vendor = "314248295";
        private const string StandardSystem = "314248295_smartregnskap";
        private const string AgentSystem = "314248295_smartbyraa";
        private const string ClientId = "sim-smartregnskap-client";
        private const string Kid = "sim-test-key-1";
        private const string Redirect = "https://smartregnskap.example/callback";
        private const string ServiceScope = "ttd:regnskap.read";

        private static string baseUrl;
        private static HttpClient browser;
        private static SystemUserClient client;

        private sealed class Surprise : Exception
        {
            public Surprise(string message) : base(message) { }
        }

        public static int Main(string[] args)
        {
            if (args.Length != 2)
            {
                Console.Error.WriteLine("usage: Altinn.SystemUser.Demo.exe SIMULATOR_BASE_URL TEST_ONLY_KEY.pem");
                return 2;
            }
            baseUrl = args[0].TrimEnd('/');
            var watch = Stopwatch.StartNew();
            browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseProxy = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(10) };
            var options = new SystemUserClientOptions
            {
                Environment = AltinnEnvironment.Custom(baseUrl, baseUrl, baseUrl + "/"),
                Maskinporten = new MaskinportenOptions(ClientId, MaskinportenKey.FromPem(Kid, File.ReadAllText(args[1]))),
            };
            Console.WriteLine(Bold("altinn-systemuser .NET demo: a vendor's system user requests, end to end"));
            Console.WriteLine("A local Altinn (the simulator) is running at " + baseUrl + ".");
            Console.WriteLine("Vendor " + Vendor + " (SMARTREGNSKAP AS) has the Maskinporten client " + ClientId + " and its key (" + Kid + ", TEST-ONLY).");
            Console.WriteLine("The component builds each JWT grant, this .NET host signs it (System.Security.Cryptography.RSA), the local");
            Console.WriteLine("Maskinporten checks it; every call goes through libsystemuser and System.Net.Http.HttpClient.");
            Console.WriteLine("Runtime: " + RuntimeName() + "; libsystemuser ABI " + SystemUserRuntime.LibraryAbiVersion + ".");
            try
            {
                using (client = new SystemUserClient(options))
                {
                    Run().GetAwaiter().GetResult();
                }
                var counts = CallCounts().GetAwaiter().GetResult();
                Console.WriteLine();
                Console.WriteLine("Maskinporten grants: " + counts.Key + " for " + counts.Value + " Altinn calls (the component caches each token per scope and customer).");
                Console.WriteLine(Bold("✓ demo finished: every step behaved as expected (" + watch.Elapsed.TotalSeconds.ToString("0.0") + " s)"));
                return 0;
            }
            catch (Exception e)
            {
                Console.WriteLine();
                Console.WriteLine("✗ demo failed after " + watch.Elapsed.TotalSeconds.ToString("0.0") + " s: " + (e is Surprise ? e.Message : e.GetType().Name + ": " + e.Message));
                return 1;
            }
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

        private static async Task Run()
        {
            await ApprovedStandard();
            await AgentRequest();
            await RejectedThenWithdrawn();
            await RefusedBeforeSending();
        }

        // ---- output --------------------------------------------------------------------------------

        private static string Bold(string s) { return Console.IsOutputRedirected ? s : "\u001b[1m" + s + "\u001b[0m"; }
        private static void Section(int n, string title) { Console.WriteLine(); Console.WriteLine(Bold("━━ " + n + ". " + title + " ━━")); }
        private static void Command(string line) { Console.WriteLine(); Console.WriteLine("$ " + Bold(line)); }
        private static void Note(string text) { Console.WriteLine("  (" + text + ")"); }
        private static void Expect(bool ok, string what) { if (!ok) throw new Surprise(what); }

        private static void PrintRequest(CreatedRequest c)
        {
            SystemUserRequest r = c.Request;
            Console.WriteLine("✓ " + (c.Reconciled ? "reconciled" : c.IsNew ? "created" : "existing") + " request " + r.Id);
            Console.WriteLine("  status:       " + r.StatusText);
            Console.WriteLine("  kind:         " + (r.Kind == RequestKind.Agent ? "agent" : "standard"));
            Console.WriteLine("  system:       " + r.SystemId);
            Console.WriteLine("  customer:     " + r.PartyOrgNo + "  external ref " + r.ExternalRef);
            if (r.Rights.Count > 0) Console.WriteLine("  rights:       " + string.Join(", ", r.Rights.Select(x => x.ToString())));
            if (r.AccessPackages.Count > 0) Console.WriteLine("  packages:     " + string.Join(", ", r.AccessPackages.Select(x => x.Urn)));
            if (r.RedirectUrl != null) Console.WriteLine("  redirect URL: " + r.RedirectUrl);
            if (r.ConfirmUrl != null) Console.WriteLine("  confirm URL:  " + r.ConfirmUrl);
        }

        private static void PrintUser(SystemUser u)
        {
            Console.WriteLine("  id:           " + u.Id);
            Console.WriteLine("  type:         " + u.UserTypeText);
            Console.WriteLine("  system:       " + u.SystemId + " (" + u.ProductName + ")");
            Console.WriteLine("  customer:     " + u.ReporteeOrgNo + "  external ref " + u.ExternalRef);
            Console.WriteLine("  supplier:     " + u.SupplierName + " (" + u.SupplierOrgNo + ")");
        }

        // ---- the customer's browser -----------------------------------------------------------------

        private static string Attr(string tag, string name)
        {
            Match m = Regex.Match(tag, name + "=\"([^\"]*)\"");
            return m.Success ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;
        }

        /// <summary>What a customer's browser does: opens the page, finds the form holding the button,
        /// posts it with its hidden fields. Returns where the answer (a 303) sends the browser.</summary>
        private static async Task<string> SubmitForm(string pageUrl, string buttonId)
        {
            string html;
            using (HttpResponseMessage page = await browser.GetAsync(pageUrl))
            {
                html = await page.Content.ReadAsStringAsync();
                if (page.StatusCode != HttpStatusCode.OK) throw new Surprise("GET " + pageUrl + " answered " + (int)page.StatusCode);
            }
            int at = html.IndexOf("id=\"" + buttonId + "\"", StringComparison.Ordinal);
            if (at < 0) throw new Surprise("the page has no button " + buttonId);
            int start = html.LastIndexOf("<form", at, StringComparison.Ordinal);
            if (start < 0) throw new Surprise("the button " + buttonId + " is in no form");
            string form = html.Substring(start, at - start);
            string action = Attr(form, "action");
            var fields = new List<KeyValuePair<string, string>>();
            foreach (string input in form.Split(new[] { "<input" }, StringSplitOptions.None).Skip(1))
            {
                string name = Attr(input, "name"), value = Attr(input, "value");
                if (name != null && value != null) fields.Add(new KeyValuePair<string, string>(name, value));
            }
            string target = action.StartsWith("http") ? action : baseUrl + action;
            using (HttpResponseMessage answer = await browser.PostAsync(target, new FormUrlEncodedContent(fields)))
            {
                if ((int)answer.StatusCode != 303) throw new Surprise("POST " + target + " answered " + (int)answer.StatusCode + ", not a redirect");
                return answer.Headers.Location == null ? "" : answer.Headers.Location.ToString();
            }
        }

        private static async Task<string> CustomerLater(string confirmUrl, string button)
        {
            await Task.Delay(1000);
            return await SubmitForm(confirmUrl, button);
        }

        /// <summary>Polls the request until it reaches <paramref name="wanted"/>, printing each transition.</summary>
        private static async Task WatchUntil(string id, RequestKind kind, RequestStatus wanted)
        {
            Command("client.GetRequestAsync(\"" + id + "\"" + (kind == RequestKind.Agent ? ", RequestKind.Agent" : "") + ")   every 250 ms until it changes");
            var w = Stopwatch.StartNew();
            string previous = null;
            var seen = new List<string>();
            while (w.Elapsed < TimeSpan.FromSeconds(15))
            {
                SystemUserRequest r = await client.GetRequestAsync(id, kind);
                if (r.StatusText != previous)
                {
                    Console.WriteLine("  " + w.Elapsed.TotalSeconds.ToString("0.0").PadLeft(4) + " s  " + (previous == null ? r.StatusText : previous + " → " + r.StatusText));
                    previous = r.StatusText;
                    seen.Add(r.StatusText);
                }
                if (r.EffectiveStatus == wanted) return;
                if (r.EffectiveStatus != RequestStatus.New) throw new Surprise("expected " + wanted + ", the request became " + r.StatusText);
                await Task.Delay(250);
            }
            throw new Surprise("the request did not become " + wanted + " within 15 s (saw " + string.Join(" → ", seen) + ")");
        }

        // ---- the story ------------------------------------------------------------------------------

        private static async Task ApprovedStandard()
        {
            Section(1, "A standard request with rights, a package and a redirect URL, approved by the customer");
            string org = "310816191", externalRef = "erp-customer-42";
            Command("client.CreateStandardRequestAsync(new StandardRequest(\"" + StandardSystem + "\", \"" + org + "\", externalRef: \"" + externalRef +
                "\", rights: ske-krav-og-betalinger, accessPackages: skattegrunnlag, redirectUrl: \"" + Redirect + "\"))");
            CreatedRequest created = await client.CreateStandardRequestAsync(new StandardRequest(StandardSystem, org, externalRef: externalRef,
                rights: new[] { Right.ForResource("ske-krav-og-betalinger") }, accessPackages: new[] { AccessPackage.Named("skattegrunnlag") }, redirectUrl: Redirect));
            PrintRequest(created);
            SystemUserRequest r = created.Request;
            Expect(created.IsNew && r.Status == RequestStatus.New, "expected a new request in status New, got " + r.StatusText);
            Expect(r.ConfirmUrl != null && r.ConfirmUrl.StartsWith(baseUrl), "the confirm link is not on the local Altinn");
            Note("in about a second the customer opens the link in a browser and clicks Approve: GET the page, POST its form");
            Task<string> customer = CustomerLater(r.ConfirmUrl, "approve");
            await WatchUntil(r.Id, RequestKind.Standard, RequestStatus.Accepted);
            string landed = await customer;
            Note("after approving, the customer's browser was sent to " + landed);
            Expect(landed.StartsWith(Redirect), "expected the customer to be sent to " + Redirect + ", not " + landed);

            Command("client.VerifySystemUserAsync(\"" + StandardSystem + "\", \"" + org + "\", \"" + externalRef + "\")");
            SystemUser user = await client.VerifySystemUserAsync(StandardSystem, org, externalRef);
            Expect(user != null, "verify found no system user after the customer approved");
            Console.WriteLine("✓ system user found");
            PrintUser(user);
            Expect(user.Id == r.Id, "the system user's id should equal the request's id");

            Command("client.GetSystemUserTokenAsync(\"" + org + "\", new[] { \"" + ServiceScope + "\" }, \"" + externalRef + "\")");
            AccessToken token = await client.GetSystemUserTokenAsync(org, new[] { ServiceScope }, externalRef);
            Console.WriteLine("✓ system-user token for " + org + ": " + token);
            Note("AccessToken.ToString() never shows the token; .Value holds it for an Authorization header");
            Expect(token.Scope == ServiceScope, "expected the scope " + ServiceScope + ", got " + token.Scope);

            Command("client.GetSystemUserTokenAsync(\"" + org + "\", new[] { \"" + ServiceScope + "\" })   without the external ref");
            try
            {
                await client.GetSystemUserTokenAsync(org, new[] { ServiceScope });
                throw new Surprise("expected MP-303 without the external ref, got a token");
            }
            catch (MaskinportenException e)
            {
                Console.WriteLine("✗ MaskinportenException: " + e.Message + " [" + e.Code + "]");
                Expect(e.Code == "MP-303", "expected MP-303, got " + e.Code);
            }
        }

        private static async Task AgentRequest()
        {
            Section(2, "An agent request for the client system " + AgentSystem + ", approved by the customer");
            string org = "314224965";
            Command("client.CreateAgentRequestAsync(new AgentRequest(\"" + AgentSystem + "\", \"" + org + "\", new[] { AccessPackage.Named(\"regnskapsforer-med-signeringsrettighet\") }))");
            CreatedRequest created = await client.CreateAgentRequestAsync(new AgentRequest(AgentSystem, org, new[] { AccessPackage.Named("regnskapsforer-med-signeringsrettighet") }));
            PrintRequest(created);
            SystemUserRequest r = created.Request;
            Expect(created.IsNew && r.Kind == RequestKind.Agent && r.Rights.Count == 0, "expected a new agent request without rights");
            Note("the customer approves on the agent confirm page");
            Task<string> customer = CustomerLater(r.ConfirmUrl, "approve");
            await WatchUntil(r.Id, RequestKind.Agent, RequestStatus.Accepted);
            await customer;

            Command("client.VerifySystemUserAsync(\"" + AgentSystem + "\", \"" + org + "\")");
            SystemUser user = await client.VerifySystemUserAsync(AgentSystem, org);
            Expect(user != null, "verify found no agent system user after approval");
            Console.WriteLine("✓ system user found");
            PrintUser(user);
            Expect(user.UserType == UserType.Agent, "expected an agent system user, got " + user.UserTypeText);

            Command("client.SystemUserPages(\"" + AgentSystem + "\")   page by page");
            PageEnumerator<SystemUser> pages = client.SystemUserPages(AgentSystem).GetAsyncEnumerator();
            bool found = false;
            while (await pages.MoveNextAsync())
            {
                foreach (SystemUser u in pages.Current.Items)
                {
                    Console.WriteLine("  " + u.Id + "  " + u.UserTypeText + "  customer " + u.ReporteeOrgNo);
                    found |= u.Id == r.Id;
                }
            }
            Expect(found, "the new agent system user is missing from the list");
        }

        private static async Task RejectedThenWithdrawn()
        {
            Section(3, "A rejected request, and what the vendor must do next");
            string org = "317103360", externalRef = "erp-customer-77";
            var input = new StandardRequest(StandardSystem, org, externalRef: externalRef, rights: new[] { Right.ForResource("ske-innrapportering-a-ordning") });
            string line = "client.CreateStandardRequestAsync(new StandardRequest(\"" + StandardSystem + "\", \"" + org + "\", externalRef: \"" + externalRef + "\", rights: ske-innrapportering-a-ordning))";
            Command(line);
            CreatedRequest first = await client.CreateStandardRequestAsync(input);
            PrintRequest(first);
            Note("the customer clicks Reject this time");
            Task<string> customer = CustomerLater(first.Request.ConfirmUrl, "reject");
            await WatchUntil(first.Request.Id, RequestKind.Standard, RequestStatus.Rejected);
            await customer;

            Console.WriteLine();
            Console.WriteLine("The vendor asks again with the same key (system, customer, external ref):");
            Command(line);
            CreatedRequest again = await client.CreateStandardRequestAsync(input);
            PrintRequest(again);
            Expect(!again.IsNew && again.Request.Id == first.Request.Id && again.Request.Status == RequestStatus.Rejected,
                "expected the same Rejected request with IsNew false, got " + again);
            Note("Altinn answers 200 with the rejected request: the key is taken until the vendor withdraws it");

            Command("client.WithdrawRequestAsync(\"" + first.Request.Id + "\")");
            await client.WithdrawRequestAsync(first.Request.Id);
            Console.WriteLine("✓ request " + first.Request.Id + " withdrawn; its key is free for a new request");

            Command(line);
            CreatedRequest fresh = await client.CreateStandardRequestAsync(input);
            PrintRequest(fresh);
            Expect(fresh.IsNew && fresh.Request.Id != first.Request.Id && fresh.Request.Status == RequestStatus.New, "expected a new request in status New, got " + fresh);
        }

        private static async Task RefusedBeforeSending()
        {
            Section(4, "Requests the component refuses before anything is sent");
            int before = await CreateCalls();
            string wrong = Redirect + "/";
            Command("client.CreateStandardRequestAsync(new StandardRequest(\"" + StandardSystem + "\", \"313981436\", accessPackages: merverdiavgift, redirectUrl: \"" + wrong + "\"))");
            await Refused(() => client.CreateStandardRequestAsync(new StandardRequest(StandardSystem, "313981436", accessPackages: new[] { AccessPackage.Named("merverdiavgift") }, redirectUrl: wrong)),
                "AUTH-00021", "redirectUrl");
            Note("the system registers " + Redirect + "; the component read the registered system first and matched as Altinn does");

            Command("client.CreateStandardRequestAsync(new StandardRequest(\"" + StandardSystem + "\", \"123456789\", rights: ske-krav-og-betalinger))");
            await Refused(() => client.CreateStandardRequestAsync(new StandardRequest(StandardSystem, "123456789", rights: new[] { Right.ForResource("ske-krav-og-betalinger") })),
                "org-no-checksum", "partyOrgNo");
            Note("123456789 fails the mod-11 check: Altinn would have answered AUTH-00000 after a round trip");

            int after = await CreateCalls();
            Console.WriteLine();
            Console.WriteLine("  create calls the local Altinn received during this section: " + (after - before));
            Expect(after == before, "a refused request reached Altinn");
        }

        private static async Task Refused(Func<Task> call, string code, string field)
        {
            try
            {
                await call();
                throw new Surprise("expected a refusal (" + code + "), but a request was created");
            }
            catch (ValidationException e)
            {
                foreach (Violation v in e.Violations) Console.WriteLine("  ✗ " + v);
                Expect(e.Violations.Any(v => v.Code == code && v.Field == field), "expected " + code + " on " + field);
            }
        }

        private static async Task<List<string>> Routes()
        {
            string text = await browser.GetStringAsync(baseUrl + "/_sim/calls");
            var routes = new List<string>();
            foreach (Match m in Regex.Matches(text, "\"route\":\"([a-z_]+)\"")) routes.Add(m.Groups[1].Value);
            return routes;
        }

        private static async Task<int> CreateCalls()
        {
            return (await Routes()).Count(r => r == "create_request" || r == "create_agent_request");
        }

        private static async Task<KeyValuePair<int, int>> CallCounts()
        {
            List<string> routes = await Routes();
            int grants = routes.Count(r => r == "maskinporten_token");
            return new KeyValuePair<int, int>(grants, routes.Count - grants);
        }
    }
}
