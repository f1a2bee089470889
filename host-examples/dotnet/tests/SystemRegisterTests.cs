// The System Register (API.md §13) and client delegation (§12) against the simulator over real
// HTTP: a system registered, changed (PUT on the wire) and deleted through the API; an agent
// request with it approved by a bureau, which then delegates, lists and removes clients with one
// token exchange; the typed refusals; no minted or exchanged token in any exception.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    internal sealed class SystemRegisterTests
    {
        internal static readonly AccessPackage Lonn = AccessPackage.Named("regnskapsforer-lonn");
        internal static readonly AccessPackage Med = AccessPackage.Named("regnskapsforer-med-signeringsrettighet");

        /// <summary>A client system (agent packages, not visible), texts in all three languages as Altinn stores them.</summary>
        internal static RegisteredSystem ClientSystem(string id, IEnumerable<string> clientIds = null)
        {
            return RegisteredSystem.Create(id, Repo.Vendor, new LocalizedText("Byråklient", "Byråklient", "Bureau client"),
                new LocalizedText("Registrert med API", "Registrert med API", "Registered by API"), accessPackages: new[] { Lonn, Med },
                clientIds: clientIds, isVisible: false);
        }

        [Test]
        public async Task RegisterListReadUpdatePartiallySetRightsAndPackagesAndReadTheChangelog()
        {
            using (Sim sim = Sim.Start())
            using (SystemUserClient c = sim.KeyClient())
            {
                const string id = "314248295_dotnetregister";
                SystemRegistration registered = await c.RegisterSystemAsync(ClientSystem(id, new[] { "sim-spare-client" }));
                Assert.False(registered.Reconciled, "not reconciled");
                Assert.NotNull(registered.InternalId, "the internal id");
                JsonObject stored = (await sim.AdminAsync(HttpMethod.Get, "/_sim/systems")).GetArray("systems").Cast<JsonObject>().First(s => s.GetString("id") == id);
                Assert.Equal(registered.InternalId.ToLowerInvariant(), stored.RequireString("internalId").ToLowerInvariant(), "the internal id the simulator holds");

                RegisteredSystem listed = (await c.ListSystemsAsync()).First(s => s.Id == id);
                Assert.Equal(Repo.Vendor, listed.VendorOrgNo, "vendor");
                Assert.False(listed.IsVisible, "not visible");
                RegisteredSystem before = await c.GetRegisteredSystemAsync(id);
                Assert.Equal("sim-spare-client", string.Join(",", before.ClientIds), "client ids");
                Assert.NotNull(await c.FindRegisteredSystemAsync(id), "found");

                int from = (await sim.CallsAsync()).Count;
                await c.UpdateSystemAsync(new SystemUpdate(id) { AllowedRedirectUrls = new[] { "https://dotnet.example/callback" } });
                RegisteredSystem after = await c.GetRegisteredSystemAsync(id);
                Assert.Equal("https://dotnet.example/callback", string.Join(",", after.AllowedRedirectUrls), "redirect URLs replaced");
                Assert.Equal(before.Name.En, after.Name.En, "name kept");
                Assert.Equal(before.Description.Nn, after.Description.Nn, "description kept");
                Assert.Equal(string.Join(",", before.AccessPackages.Select(p => p.Urn)), string.Join(",", after.AccessPackages.Select(p => p.Urn)), "packages kept");
                Assert.Equal(string.Join(",", before.ClientIds), string.Join(",", after.ClientIds), "client ids kept");
                Assert.Equal(before.IsVisible, after.IsVisible, "visibility kept");

                // An empty list replaces too (null keeps): the client ids go, the new name comes.
                await c.UpdateSystemAsync(new SystemUpdate(id) { ClientIds = new string[0], Name = new LocalizedText("Byråklient 2", "Byråklient 2", "Bureau client 2") });
                after = await c.GetRegisteredSystemAsync(id);
                Assert.Equal(0, after.ClientIds.Count, "client ids replaced by none: " + string.Join(",", after.ClientIds));
                Assert.Equal("Byråklient 2|Byråklient 2|Bureau client 2", after.Name.Nb + "|" + after.Name.Nn + "|" + after.Name.En, "name replaced");
                Assert.Equal("https://dotnet.example/callback", string.Join(",", after.AllowedRedirectUrls), "redirect URLs kept");

                await c.SetSystemRightsAsync(id, new[] { Right.ForResource("ske-krav-og-betalinger") });
                await c.SetSystemAccessPackagesAsync(id, new[] { Lonn });
                after = await c.GetRegisteredSystemAsync(id);
                Assert.Equal("ske-krav-og-betalinger", after.Rights.Single().Resource.Single().Value, "rights set");
                Assert.Equal(Lonn.Urn, after.AccessPackages.Single().Urn, "packages set");

                IReadOnlyList<SystemChange> log = await c.GetSystemChangelogAsync(id);
                Assert.Equal("accesspackageupdate,rightsupdate,update,update,create", string.Join(",", log.Select(x => x.ChangeType)), "newest first");
                Assert.True(log.All(x => string.Equals(x.SystemInternalId, registered.InternalId, StringComparison.OrdinalIgnoreCase)), "one system");
                Assert.Contains("\"Id\":\"" + id + "\"", log[4].ChangedData, "changedData is the body as JSON");

                List<JsonObject> calls = await sim.CallsAsync();
                string puts = string.Join(",", calls.Skip(from).Where(x => x.GetString("method") == "PUT").Select(x => x.GetString("route")));
                Assert.Equal("update_registered_system,update_registered_system,update_registered_system_rights,update_registered_system_access_packages", puts, "this binding's HTTP sent PUT");
            }
        }

        [Test]
        public async Task ADeletedSystemIsDeletedAgainButNotChangedAndTheRefusalsAreTyped()
        {
            using (Sim sim = Sim.Start())
            using (SystemUserClient c = sim.KeyClient())
            {
                const string id = "314248295_dotnetslettes";
                await c.RegisterSystemAsync(ClientSystem(id));
                await c.DeleteSystemAsync(id);
                await c.DeleteSystemAsync(id);
                Assert.False((await c.ListSystemsAsync()).Any(s => s.Id == id), "deleted systems are not listed");
                Assert.True((await c.GetRegisteredSystemAsync(id)).IsDeleted, "read: deleted");
                int before = await sim.CallCountAsync();
                var conflict = await Assert.Throws<ConflictException>(() => c.UpdateSystemAsync(new SystemUpdate(id) { IsVisible = false }), "a change of a deleted system");
                Assert.Equal("system-deleted", conflict.Code, "code");
                Assert.Equal(before + 1, await sim.CallCountAsync(), "the read only: nothing sent after it");
                conflict = await Assert.Throws<ConflictException>(() => c.SetSystemAccessPackagesAsync(id, new[] { Lonn }), "packages of a deleted system");
                Assert.Equal("system-deleted", conflict.Code, "code");
                Assert.Equal(before + 2, await sim.CallCountAsync(), "again the read only");
                var reused = await Assert.Throws<AltinnException>(() => c.RegisterSystemAsync(ClientSystem(id)), "its id again");
                Assert.True(reused.Violations.Any(v => v.Code == "AUTH.VLD-00002"), "AUTH.VLD-00002");

                var bad = RegisteredSystem.Create("314248295_has space", Repo.Vendor, new LocalizedText("x", "x", "x"), new LocalizedText("x", "x", "x"),
                    accessPackages: new[] { Lonn }, allowedRedirectUrls: new[] { "http://insecure.example/cb" });
                before = await sim.CallCountAsync();
                var invalid = await Assert.Throws<ValidationException>(() => c.RegisterSystemAsync(bad), "checked before sending");
                foreach (string code in new[] { "AUTH.VLD-00013", "AUTH.VLD-00005", "AUTH.VLD-00018" }) Assert.True(invalid.Codes.Contains(code), code + " in " + string.Join(",", invalid.Codes));
                Assert.Equal(before, await sim.CallCountAsync(), "nothing sent");

                Assert.Equal<RegisteredSystem>(null, await c.FindRegisteredSystemAsync("314248295_finnesikke"), "not found: null");
                await Assert.Throws<NotFoundException>(() => c.GetSystemChangelogAsync("314248295_finnesikke"), "unknown system");
                await Assert.Throws<ForbiddenException>(() => c.SetSystemRightsAsync("313367002_konkurrent", new Right[0]), "another vendor's system");
            }
        }

        [Test]
        public async Task ABureauAgentOrClientIdBreakingARuleIsRefusedBeforeAnythingIsSent()
        {
            using (Sim sim = Sim.Start())
            using (SystemUserClient c = sim.KeyClient())
            {
                const string agent = "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f", client = "5d2c0a1e-8b7f-4c3d-a9e6-1f2b3c4d5e6f";
                int before = await sim.CallCountAsync();
                var org = await Assert.Throws<ValidationException>(() => c.ListClientsAsync(new Bureau("12345678"), agent), "an org number of 8 digits");
                Assert.True(org.Violations.Count > 0, "violations");
                await Assert.Throws<ValidationException>(() => c.ListAgentsAsync(new Bureau("310816191", "ref\r\nX-Injected: 1")), "CR/LF in the external ref");
                await Assert.Throws<ValidationException>(() => c.AddClientAsync(new Bureau("310816191"), "../" + agent, client), "an agent id with a path");
                await Assert.Throws<ValidationException>(() => c.RemoveClientAsync(new Bureau("310816191"), agent, client + "?x=1"), "a client id with a query");
                Assert.Equal(before, await sim.CallCountAsync(), "nothing sent, no token asked for");
                using (var cancelled = new System.Threading.CancellationTokenSource())
                {
                    cancelled.Cancel();
                    await Assert.Throws<OperationCanceledException>(() => c.ListAgentsAsync(new Bureau("310816191"), cancelled.Token), "cancelled before the start");
                }
                Assert.Equal(before, await sim.CallCountAsync(), "nothing sent when cancelled");
            }
        }
    }

    internal sealed class ClientDelegationTests
    {
        private const string BureauOrg = "310816191";
        private const string AdminRef = "dotnet-klientadm";
        private static readonly string[] Scopes = { "altinn:clientdelegations.read", "altinn:clientdelegations.write" };

        private static async Task<string> AgentAsync(Sim sim, SystemUserClient c, string system, string externalRef, params AccessPackage[] packages)
        {
            CreatedRequest created = await c.CreateAgentRequestAsync(new AgentRequest(system, BureauOrg, packages, externalRef: externalRef));
            await sim.ApproveAsync(created.Request.Id);
            return created.Request.Id;
        }

        [Test(TimeoutSeconds = 120)]
        public async Task FromNothingToDelegatedClientsWithOneExchangeTypedRefusalsAndNoTokenShown()
        {
            string log = Path.Combine(Path.GetTempPath(), "su-dotnet-secrets-" + Guid.NewGuid().ToString("N") + ".txt");
            var errors = new List<SystemUserException>();
            try
            {
                using (Sim sim = Sim.Start(new Dictionary<string, string> { { "ALTINN_SIM_SECRET_LOG", log } }))
                using (SystemUserClient vendor = sim.KeyClient())
                {
                    const string system = "314248295_dotnetbyraa";
                    await vendor.RegisterSystemAsync(SystemRegisterTests.ClientSystem(system, new[] { "sim-spare-client" }));
                    string agent = await AgentAsync(sim, vendor, system, "dotnet-agent", SystemRegisterTests.Lonn);
                    await sim.ClientAdministratorAsync(BureauOrg, AdminRef);
                    var bureau = new Bureau(BureauOrg, AdminRef);

                    // The bureau's software: a client of its own, nothing exchanged yet.
                    using (SystemUserClient c = sim.KeyClient())
                    {
                        int exchanges = await sim.CallsAsync("exchange_token");
                        AgentSystemUser listed = (await c.ListAgentsAsync(bureau)).First(a => a.Id == agent);
                        Assert.Equal(UserType.Agent, listed.SystemUser.UserType, "an agent system user");
                        Assert.Equal(SystemRegisterTests.Lonn.Urn, listed.AccessPackages.Single().Urn, "its package");
                        ClientList available = await c.ListAvailableClientsAsync(bureau, agent);
                        Assert.Equal(agent, available.SystemUserId, "the agent asked about");
                        Assert.Equal(BureauOrg, available.OwnerOrgNo, "the bureau");
                        BureauClient first = available.ByOrgNo("314224965"), second = available.ByOrgNo("316501389");
                        Assert.True(first != null && second != null, "both available: " + string.Join(",", available.Clients.Select(x => x.OrgNo)));
                        Assert.Equal(new ClientLink(agent, first.Id), await c.AddClientAsync(bureau, agent, first.Id), "added");
                        Assert.Equal(new ClientLink(agent, second.Id), await c.AddClientAsync(bureau, agent, second.Id), "added");
                        Assert.Equal("314224965,316501389", string.Join(",", (await c.ListClientsAsync(bureau, agent)).Clients.Select(x => x.OrgNo).OrderBy(x => x)), "delegated");
                        Assert.Equal(new ClientLink(agent, first.Id), await c.RemoveClientAsync(bureau, agent, first.Id), "removed");
                        Assert.Equal(second.Id, (await c.ListClientsAsync(bureau, agent)).Clients.Single().Id, "one left");
                        Assert.Equal(exchanges + 1, await sim.CallsAsync("exchange_token"), "one exchange for seven delegation calls");
                    }

                    // The refusals, typed.
                    string both = await AgentAsync(sim, vendor, system, "dotnet-both", SystemRegisterTests.Lonn, SystemRegisterTests.Med);
                    var e79 = await Assert.Throws<AltinnException>(async () => await vendor.AddClientAsync(bureau, agent, await sim.PartyUuidAsync("316859356")), "not a client");
                    Assert.Equal("AUTH-00079", e79.Code, "code");
                    Assert.Equal(400, e79.Status.Value, "status");
                    var e80 = await Assert.Throws<AltinnException>(async () => await vendor.AddClientAsync(bureau, both, await sim.PartyUuidAsync("317103360")), "lacks a package");
                    Assert.Equal("AUTH-00080", e80.Code, "code");
                    CreatedRequest standard = await vendor.CreateStandardRequestAsync(new StandardRequest(Repo.StandardSystem, "314224965", externalRef: "dotnet-uten-kladm",
                        rights: new[] { Right.ForResource("ske-krav-og-betalinger") }));
                    await sim.ApproveAsync(standard.Request.Id);
                    var forbidden = await Assert.Throws<ForbiddenException>(() => vendor.ListAgentsAsync(new Bureau("314224965", "dotnet-uten-kladm")), "no klientadministrator");
                    Assert.Contains("klientadministrator", forbidden.Message, "the advice");
                    errors.AddRange(new SystemUserException[] { e79, e80, forbidden });

                    // Token mode: the provider gives the bureau's Maskinporten system-user token for the two scopes.
                    AccessToken token = await vendor.GetSystemUserTokenAsync(BureauOrg, Scopes, AdminRef);
                    var asked = new ConcurrentQueue<string>();
                    using (SystemUserClient tokens = sim.TokenClient(o => o.TokenProvider = (scopes, ct) =>
                    {
                        asked.Enqueue(string.Join(" ", scopes));
                        return Task.FromResult(token.Value);
                    }))
                    {
                        Assert.True((await tokens.ListAgentsAsync(bureau)).Any(a => a.Id == both), "listed in token mode");
                        Assert.Equal(string.Join(" ", Scopes), string.Join("|", asked), "asked once, for the two scopes");
                        var other = await Assert.Throws<TokenException>(() => tokens.ListAgentsAsync(new Bureau("314224965")), "the token acts for another bureau");
                        Assert.Contains("314224965", other.Message, "names the bureau asked for");
                        errors.Add(other);
                        Assert.False(tokens.ToString().Contains(token.Value), "no token in the client's text");
                    }

                }
                string[] secrets = File.ReadAllLines(log).Where(l => l.Trim().Length > 0).ToArray();
                Assert.True(secrets.Length >= 3, "the simulator logged the tokens it minted and exchanged: " + secrets.Length);
                foreach (SystemUserException e in errors) SecretTests.AssertNoSecret(e, secrets);
            }
            finally
            {
                try { File.Delete(log); } catch (IOException) { }
            }
        }
    }
}
