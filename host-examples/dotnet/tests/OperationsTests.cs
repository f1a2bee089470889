// Every operation against the simulator over real HTTP, through both token sources.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    internal sealed class OperationsTests
    {
        [Test]
        public async Task EveryOperationWithATokenProvider()
        {
            Sim sim = Fixture.Sim;
            using (SystemUserClient c = sim.TokenClient())
            {
                string org = "310816191", reference = Fixtures.Ref("ops");
                CreatedRequest created = await c.CreateStandardRequestAsync(Fixtures.Standard(org, reference));
                Assert.True(created.IsNew && !created.Reconciled, "a new request: " + created);
                SystemUserRequest r = created.Request;
                Assert.Equal(RequestStatus.New, r.Status, "status");
                Assert.Equal(RequestStatus.New, r.EffectiveStatus, "effective status");
                Assert.Equal("New", r.StatusText, "status text");
                Assert.Equal(RequestKind.Standard, r.Kind, "kind");
                Assert.Equal(reference, r.ExternalRef, "external ref");
                Assert.Equal("ske-krav-og-betalinger", r.Rights[0].Resource[0].Value, "the right");
                Assert.True(r.ConfirmUrl.StartsWith(sim.Base + "/accessmanagement/ui/systemuser/request?id=" + r.Id), "confirm URL on the simulator");
                Assert.True(r.Created.HasValue && Math.Abs((r.Created.Value - DateTimeOffset.UtcNow).TotalMinutes) < 5, "created now");

                CreatedRequest again = await c.CreateStandardRequestAsync(Fixtures.Standard(org, reference));
                Assert.True(!again.IsNew && again.Request.Id == r.Id, "the same key finds the same request");

                Assert.Equal(r.Id, (await c.GetRequestAsync(r.Id)).Id, "get");
                Assert.Equal(r.Id, (await c.GetRequestByExternalRefAsync(Repo.StandardSystem, org, reference)).Id, "by external ref");
                Page<SystemUserRequest> page = await c.ListRequestsAsync(Repo.StandardSystem);
                Assert.True(page.Items.Any(x => x.Id == r.Id), "one page holds it");
                IReadOnlyList<SystemUserRequest> all = await c.ListAllRequestsAsync(Repo.StandardSystem);
                Assert.True(all.Any(x => x.Id == r.Id), "all pages hold it");

                Assert.Equal<SystemUser>(null, await c.VerifySystemUserAsync(Repo.StandardSystem, org, reference), "no system user before approval");
                await sim.ApproveAsync(r.Id);
                Assert.Equal(RequestStatus.Accepted, (await c.GetRequestAsync(r.Id)).Status, "accepted");
                SystemUser user = await c.VerifySystemUserAsync(Repo.StandardSystem, org, reference);
                Assert.NotNull(user, "the system user");
                Assert.Equal(r.Id, user.Id, "the system user's id is the request's");
                Assert.Equal(UserType.Standard, user.UserType, "user type");
                Assert.Equal(org, user.ReporteeOrgNo, "customer");
                Assert.True((await c.ListSystemUsersAsync(Repo.StandardSystem)).Items.Any(u => u.Id == r.Id), "list system users");
                Assert.True((await c.ListAllSystemUsersAsync(Repo.StandardSystem)).Any(u => u.Id == r.Id), "list all system users");

                RegisteredSystem system = await c.GetRegisteredSystemAsync(Repo.StandardSystem);
                Assert.Equal(Repo.StandardSystem, system.Id, "system id");
                Assert.Equal(Repo.Vendor, system.VendorOrgNo, "vendor");
                Assert.True(system.AllowedRedirectUrls.Contains("https://smartregnskap.example/callback"), "redirect URLs");
                Assert.Equal("SmartRegnskap", system.Name.Nb, "name");

                CreatedRequest agent = await c.CreateAgentRequestAsync(Fixtures.Agent("314224965", Fixtures.Ref("ops-agent")));
                Assert.Equal(RequestKind.Agent, agent.Request.Kind, "agent kind");
                Assert.Equal(0, agent.Request.Rights.Count, "no rights on an agent request");
                Assert.Equal(agent.Request.Id, (await c.GetRequestAsync(agent.Request.Id, RequestKind.Agent)).Id, "get agent");
                Assert.True((await c.ListAllRequestsAsync(Repo.AgentSystem, RequestKind.Agent)).Any(x => x.Id == agent.Request.Id), "list agent requests");
                await c.WithdrawRequestAsync(agent.Request.Id);
                await Assert.Throws<NotFoundException>(() => c.GetRequestAsync(agent.Request.Id, RequestKind.Agent), "gone after withdrawal");
            }
        }

        [Test]
        public async Task EveryOperationWithTheComponentsOwnGrants()
        {
            Sim sim = Fixture.Sim;
            using (SystemUserClient c = sim.KeyClient())
            {
                string org = "313981436", reference = Fixtures.Ref("grants");
                int before = await sim.CallCountAsync();
                CreatedRequest created = await c.CreateStandardRequestAsync(Fixtures.Standard(org, reference));
                Assert.True(created.IsNew, "created");
                Assert.Equal(created.Request.Id, (await c.GetRequestAsync(created.Request.Id)).Id, "get");
                Assert.Equal(created.Request.Id, (await c.GetRequestByExternalRefAsync(Repo.StandardSystem, org, reference)).Id, "by external ref");
                Assert.True((await c.ListAllRequestsAsync(Repo.StandardSystem)).Count > 0, "list all");
                await sim.ApproveAsync(created.Request.Id);
                Assert.NotNull(await c.VerifySystemUserAsync(Repo.StandardSystem, org, reference), "verify");
                Assert.True((await c.ListAllSystemUsersAsync(Repo.StandardSystem)).Count > 0, "system users");
                Assert.Equal(Repo.StandardSystem, (await c.GetRegisteredSystemAsync(Repo.StandardSystem)).Id, "registered system");

                AccessToken token = await c.GetSystemUserTokenAsync(org, new[] { Repo.ServiceScope }, reference);
                Assert.Equal(Repo.ServiceScope, token.Scope, "scope");
                Assert.True(token.Value.Split('.').Length == 3, "a JWT");
                Assert.True(token.ExpiresAt > DateTimeOffset.UtcNow, "not expired");
                var calls = (await sim.AdminAsync(HttpMethod.Get, "/_sim/calls")).GetArray("calls").Cast<JsonObject>().Where(x => x.GetString("route") != null).Skip(before).ToList();
                int grants = calls.Count(x => x.GetString("route") == "maskinporten_token");
                Assert.True(grants >= 3 && grants < calls.Count, "the component posted its own grants (" + grants + " of " + calls.Count + " calls)");

                var mp = await Assert.Throws<MaskinportenException>(() => c.GetSystemUserTokenAsync(org, new[] { Repo.ServiceScope }), "no system user for the default external ref");
                Assert.Equal("MP-303", mp.Code, "MP code");
            }
        }

        [Test]
        public async Task PagesOneAtATime()
        {
            using (Sim sim = Sim.Start())
            {
                await sim.AdminAsync(new HttpMethod("PUT"), "/_sim/settings", new JsonObject().Add("pageSize", 2L));
                using (SystemUserClient c = sim.TokenClient())
                {
                    var ids = new List<string>();
                    for (int i = 0; i < 5; i++) ids.Add((await c.CreateStandardRequestAsync(Fixtures.Standard(Repo.Customers[i], "page-" + i))).Request.Id);
                    PageEnumerator<SystemUserRequest> pages = c.RequestPages(Repo.StandardSystem).GetAsyncEnumerator();
                    var seen = new List<string>();
                    var pageIds = new List<List<string>>();
                    while (await pages.MoveNextAsync())
                    {
                        Assert.True(pages.Current.Items.Count <= 2, "at most the page size");
                        pageIds.Add(pages.Current.Items.Select(x => x.Id).ToList());
                        seen.AddRange(pages.Current.Items.Select(x => x.Id));
                    }
                    // Altinn loses one request at every page boundary (API.md §14; the simulator does
                    // too): the pages hold our requests, in order, once each, and end.
                    Assert.True(pageIds.Count >= 2, "more than one page: " + pageIds.Count);
                    Assert.True(seen.All(ids.Contains) && seen.Distinct().Count() == seen.Count, "our requests, once each");
                    Assert.Equal(string.Join(",", seen.OrderBy(x => x, StringComparer.Ordinal)), string.Join(",", seen), "in the server's order");
                    Assert.True(seen.Count >= 3, "most of the requests: " + seen.Count);
                    Assert.Equal(seen.Count, (await c.RequestPages(Repo.StandardSystem).ToListAsync()).Count, "ToListAsync");
                    Assert.Equal(string.Join(",", seen), string.Join(",", (await c.ListAllRequestsAsync(Repo.StandardSystem)).Select(x => x.Id)), "list-all sees what the pages do");
                    Page<SystemUserRequest> first = await c.ListRequestsAsync(Repo.StandardSystem);
                    Assert.NotNull(first.NextPage, "a next page token");
                    Page<SystemUserRequest> second = await c.ListRequestsAsync(Repo.StandardSystem, RequestKind.Standard, first.NextPage);
                    Assert.Equal(string.Join(",", pageIds[1]), string.Join(",", second.Items.Select(x => x.Id)), "the second page by its token");
                }
            }
        }

        [Test]
        public void ValidateWithoutSending()
        {
            using (SystemUserClient c = Fixture.Sim.TokenClient())
            {
                ValidationResult<StandardRequest> ok = c.Validate(new StandardRequest(" " + Repo.StandardSystem + " ", "0192:310816191", rights: new[] { Right.ForResource("ske-krav-og-betalinger") }));
                Assert.True(ok.IsValid, "valid: " + ok);
                Assert.Equal(Repo.StandardSystem, ok.Normalized.SystemId, "trimmed");
                Assert.Equal("310816191", ok.Normalized.PartyOrgNo, "0192: stripped");
                ValidationResult<StandardRequest> bad = c.Validate(new StandardRequest(Repo.StandardSystem, "123456789"));
                Assert.False(bad.IsValid, "invalid");
                Assert.Equal<StandardRequest>(null, bad.Normalized, "no normalised body");
                Assert.True(bad.Violations.Any(v => v.Code == "org-no-checksum" && v.Field == "partyOrgNo"), "the org number's violation: " + bad);
                Assert.True(bad.Violations.Any(v => v.Code == "AUTH-00001"), "nothing asked for: " + bad);
                var system = new RegisteredSystem(Repo.StandardSystem, Repo.Vendor, null, null, new[] { Right.ForResource("ske-krav-og-betalinger") }, null, null, true,
                    new[] { "https://smartregnskap.example/callback" }, false);
                var redirect = c.Validate(new StandardRequest(Repo.StandardSystem, "310816191", rights: new[] { Right.ForResource("ske-krav-og-betalinger") },
                    redirectUrl: "https://smartregnskap.example/callback/"), system);
                Assert.True(redirect.Violations.Any(v => v.Code == "AUTH-00021" && v.Field == "redirectUrl"), "a redirect URL the system lacks: " + redirect);
                var agent = c.Validate(Fixtures.Agent("310816191", "v-agent"));
                Assert.True(agent.IsValid && agent.Normalized.AccessPackages.Count == 1, "a valid agent request");
            }
        }
    }
}
