// No secret in any ToString(), message or error field: tokens (given, minted, the component's
// own, a system-user token), the key, a token the server quotes back.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    internal sealed class SecretTests
    {
        /// <summary>Every text an error carries.</summary>
        internal static string Everything(SystemUserException e)
        {
            var parts = new List<string> { e.Message, e.ToString(), e.KindName };
            var p = e as ProblemException;
            if (p != null) parts.AddRange(new[] { p.Code, p.Title, p.Detail, p.TraceId });
            var a = e as AltinnException;
            if (a != null)
            {
                parts.AddRange(a.Violations.Select(v => v.ToString()));
                parts.AddRange(a.Extensions.Select(kv => kv.Key + "=" + kv.Value));
            }
            var v2 = e as ValidationException;
            if (v2 != null) parts.AddRange(v2.Violations.Select(v => v.ToString()));
            return string.Join("\n", parts.Where(x => x != null));
        }

        internal static void AssertNoSecret(SystemUserException e, IEnumerable<string> secrets)
        {
            string all = Everything(e);
            foreach (string s in secrets)
            {
                Assert.False(all.Contains(s), "a token in the error");
                foreach (string part in s.Split('.').Where(x => x.Length >= 16)) Assert.False(all.Contains(part), "a part of a token in the error");
            }
        }

        private static IEnumerable<string> KeyLines()
        {
            string pem = Repo.Text(Repo.KeyFile);
            return Regex.Replace(pem, "-----[A-Z ]+-----", "").Split('\n').Select(l => l.Trim()).Where(l => l.Length >= 16);
        }

        [Test]
        public async Task ASystemUserTokenNeverShows()
        {
            Sim sim = Fixture.Sim;
            string org = "313526011", reference = Fixtures.Ref("secret");
            using (SystemUserClient c = sim.KeyClient())
            {
                CreatedRequest created = await c.CreateStandardRequestAsync(Fixtures.Standard(org, reference));
                await sim.ApproveAsync(created.Request.Id);
                AccessToken token = await c.GetSystemUserTokenAsync(org, new[] { Repo.ServiceScope }, reference);
                string shown = token.ToString();
                Assert.False(shown.Contains(token.Value), "the token in ToString");
                foreach (string part in token.Value.Split('.')) Assert.False(part.Length >= 8 && shown.Contains(part), "a part of the token in ToString");
                Assert.Contains("[redacted]", shown, "masked");
                Assert.Contains(Repo.ServiceScope, shown, "the scope shows");
                foreach (object o in new object[] { c, created, created.Request, Keys.Kid, new MaskinportenOptions(Repo.ClientId, Keys.Kid) })
                {
                    string text = o.ToString();
                    Assert.False(text.Contains(token.Value), o.GetType().Name + " shows a token");
                    foreach (string line in KeyLines()) Assert.False(text.Contains(line), o.GetType().Name + " shows a key line");
                }
            }
        }

        [Test]
        public async Task AGivenTokenShowsInNoErrorNorToString()
        {
            Sim sim = Fixture.Sim;
            string token = await sim.MintAsync(Repo.VendorScopes);
            using (SystemUserClient c = sim.TokenClient(o => o.TokenProvider = (s, ct) => Task.FromResult(token)))
            {
                Assert.False(c.ToString().Contains(token), "the client's ToString");
                var errors = new List<SystemUserException>();
                try { await c.GetRequestAsync("3f0c4a4e-8c3f-4a7b-9d55-6f8f2b7f1a10"); } catch (SystemUserException e) { errors.Add(e); }
                try { await c.CreateStandardRequestAsync(Fixtures.Standard("123456789", "x")); } catch (SystemUserException e) { errors.Add(e); }
                Assert.Equal(2, errors.Count, "two errors");
                foreach (SystemUserException e in errors) AssertNoSecret(e, new[] { token });
            }
        }

        [Test]
        public async Task TheComponentsOwnTokenQuotedBackShowsNowhere()
        {
            using (Sim sim = Sim.Start())
            using (SystemUserClient c = sim.KeyClient())
            {
                await sim.ArmAsync(new JsonObject().Add("route", "get_registered_system").Add("kind", "echo_token"));
                var e = await Assert.Throws<AltinnException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem), "a 400 quoting the bearer token");
                string all = Everything(e);
                Assert.Contains("[redacted]", all, "the echoed token was replaced");
                // The simulator's grant tokens are JWTs: no three-part token with a long signature remains.
                Assert.False(Regex.IsMatch(all, "eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{20,}"), "a JWT in the error");
            }
        }
    }

    internal sealed class ReadmeSampleTests
    {
        /// <summary>The README's sample, compiled with mcs and run against the simulator as written
        /// (only the simulator's address is given to it, through ALTINN_SIM).</summary>
        [Test(TimeoutSeconds = 120)]
        public void TheReadmeSampleRunsAsWritten()
        {
            string readme = Repo.Text("host-examples/dotnet/README.md");
            Match m = Regex.Match(readme, "<!-- sample -->\\s*```csharp\\n(.*?)```", RegexOptions.Singleline);
            Assert.True(m.Success, "the README has a sample marked <!-- sample -->");
            string code = m.Groups[1].Value;
            int lines = code.Trim().Split('\n').Length;
            string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "su-readme-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(dir);
            try
            {
                string lib = typeof(SystemUserClient).Assembly.Location;
                System.IO.File.Copy(lib, System.IO.Path.Combine(dir, "Altinn.SystemUser.dll"));
                System.IO.File.Copy(Repo.Path("target/release/libsystemuser.so"), System.IO.Path.Combine(dir, "libsystemuser.so"));
                System.IO.File.WriteAllText(System.IO.Path.Combine(dir, "Sample.cs"), code);
                Exec(dir, "mcs", "-langversion:7.2 -r:Altinn.SystemUser.dll -r:System.Net.Http.dll -out:Sample.exe Sample.cs", null, dir);
                // Run from the repository root, as the README says (the key path is relative to it).
                string output = Exec(dir, "mono", System.IO.Path.Combine(dir, "Sample.exe"), Fixture.Sim.Base, Repo.Root);
                Console.WriteLine("  README sample (" + lines + " lines): " + output.Trim().Replace("\n", " | "));
                Assert.Contains("Accepted", output, "the sample saw the request accepted");
            }
            finally
            {
                try { System.IO.Directory.Delete(dir, true); } catch (System.IO.IOException) { }
            }
        }

        /// <summary>The README's System Register and client-delegation sample, compiled and run on a
        /// simulator of its own (it starts from nothing: registers a system, delegates clients).</summary>
        [Test(TimeoutSeconds = 120)]
        public async Task TheDelegationSampleRunsAsWritten()
        {
            string readme = Repo.Text("host-examples/dotnet/README.md");
            Match m = Regex.Match(readme, "<!-- sample: delegation -->\\s*```csharp\\n(.*?)```", RegexOptions.Singleline);
            Assert.True(m.Success, "the README has a sample marked <!-- sample: delegation -->");
            string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "su-readme-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(dir);
            try
            {
                System.IO.File.Copy(typeof(SystemUserClient).Assembly.Location, System.IO.Path.Combine(dir, "Altinn.SystemUser.dll"));
                System.IO.File.Copy(Repo.Path("target/release/libsystemuser.so"), System.IO.Path.Combine(dir, "libsystemuser.so"));
                System.IO.File.WriteAllText(System.IO.Path.Combine(dir, "Delegation.cs"), m.Groups[1].Value);
                Exec(dir, "mcs", "-langversion:7.2 -r:Altinn.SystemUser.dll -r:System.Net.Http.dll -out:Delegation.exe Delegation.cs", null, dir);
                using (Sim sim = Sim.Start())
                {
                    string output = Exec(dir, "mono", System.IO.Path.Combine(dir, "Delegation.exe"), sim.Base, Repo.Root);
                    string[] lines = output.Trim().Split('\n');
                    Assert.Equal("314224965 STORFOSSEN KRAFT AS,316501389 HEIBAKKEN BYGG OG ANLEGG AS", string.Join(",", lines.Take(2).OrderBy(l => l)), "the delegated clients");
                    Assert.True(lines.Length == 3 && lines[2].StartsWith("AUTH-00079 "), "the refusal: " + output);
                    Assert.Equal(1, await sim.CallsAsync("exchange_token"), "one exchange for the bureau's calls");
                }
            }
            finally
            {
                try { System.IO.Directory.Delete(dir, true); } catch (System.IO.IOException) { }
            }
        }

        private static string Exec(string dir, string file, string args, string sim, string cwd)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(file, args) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd };
            if (sim != null) psi.EnvironmentVariables["ALTINN_SIM"] = sim;
            psi.EnvironmentVariables["LD_LIBRARY_PATH"] = dir;
            using (var p = System.Diagnostics.Process.Start(psi))
            {
                Task<string> err = p.StandardError.ReadToEndAsync();
                string output = p.StandardOutput.ReadToEnd();
                Assert.True(p.WaitForExit(90000), file + " ended");
                Assert.True(p.ExitCode == 0, file + " " + args + " failed (" + p.ExitCode + "): " + output + err.Result);
                return output;
            }
        }
    }

    internal sealed class SchemaSummaryTests
    {
        /// <summary>Every document sent to or received from the library during this run matched
        /// its schema (runs last).</summary>
        [Test]
        public void EveryDocumentMatchedTheSchema()
        {
            Console.WriteLine("  documents checked against the schema: " + Fixture.DocumentsChecked + " (" +
                string.Join(", ", Fixture.DocumentKinds.OrderBy(k => k.Key).Select(k => k.Key + " " + k.Value)) + ")");
            Assert.True(Fixture.SchemaFailures.Count == 0, Fixture.SchemaFailures.Count + " documents did not match: " + string.Join("; ", Fixture.SchemaFailures.Take(5)));
            foreach (string kind in new[] { "config", "task", "step", "input", "validate", "validated", "runtimeOptions" })
                Assert.True(Fixture.DocumentKinds.ContainsKey(kind), "no " + kind + " document was checked");
            Assert.True(Fixture.DocumentsChecked > 1000, "documents checked: " + Fixture.DocumentsChecked);
        }
    }
}
