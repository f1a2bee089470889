// Every error kind, each through the C# API against the simulator over real HTTP (or the
// library itself for its own kinds), with the Altinn/Maskinporten code kept.
using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    internal sealed class ErrorTests
    {
        private static JsonObject Fault(string route, string kind)
        {
            return new JsonObject().Add("route", route).Add("kind", kind);
        }

        [Test]
        public async Task ValidationNothingSent()
        {
            Sim sim = Fixture.Sim;
            using (SystemUserClient c = sim.TokenClient())
            {
                int before = await sim.CallCountAsync();
                var e = await Assert.Throws<ValidationException>(() => c.CreateStandardRequestAsync(Fixtures.Standard("123456789", "bad")), "an invalid org number");
                Assert.True(e.Codes.Contains("org-no-checksum"), "codes " + string.Join(",", e.Codes));
                Assert.Equal(ErrorKind.Validation, e.Kind, "kind");
                Assert.Equal(before, await sim.CallCountAsync(), "nothing was sent");
                var agent = await Assert.Throws<ValidationException>(() => c.GetRequestAsync("../etc/passwd"), "a request id with a path");
                Assert.True(agent.Codes.Contains("request-id-format"), "codes " + string.Join(",", agent.Codes));
            }
        }

        [Test]
        public async Task AltinnProblemWithItsCode()
        {
            Sim sim = Fixture.Sim;
            using (SystemUserClient c = sim.TokenClient())
            {
                string reference = Fixtures.Ref("auth4");
                CreatedRequest created = await c.CreateStandardRequestAsync(Fixtures.Standard("316859356", reference));
                await sim.ApproveAsync(created.Request.Id);
                var e = await Assert.Throws<AltinnException>(() => c.CreateStandardRequestAsync(Fixtures.Standard("316859356", reference)), "an active system user holds the key");
                Assert.Equal("AUTH-00004", e.Code, "code");
                Assert.Equal(400, e.Status, "status");
                Assert.Equal(ErrorKind.Altinn, e.Kind, "kind");
                Assert.False(e.CouldNotTell, "a no, not a could-not-tell");
            }
        }

        [Test]
        public async Task UnauthorizedWithAnExpiredToken()
        {
            Sim sim = Fixture.Sim;
            string expired = await sim.MintAsync(Repo.VendorScopes, 0);
            using (SystemUserClient c = sim.TokenClient(o => o.TokenProvider = (s, ct) => Task.FromResult(expired)))
            {
                var e = await Assert.Throws<UnauthorizedException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem), "expired");
                Assert.Equal(401, e.Status, "status");
            }
        }

        [Test]
        public async Task ForbiddenWithoutTheScope()
        {
            Sim sim = Fixture.Sim;
            string readOnly = await sim.MintAsync(new[] { "altinn:authentication/systemuser.request.read" });
            using (SystemUserClient c = sim.TokenClient(o => o.TokenProvider = (s, ct) => Task.FromResult(readOnly)))
            {
                var e = await Assert.Throws<ForbiddenException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem), "no systemregister scope");
                Assert.Equal(403, e.Status, "status");
            }
            using (SystemUserClient c = sim.TokenClient())
            {
                await Assert.Throws<ForbiddenException>(() => c.GetRegisteredSystemAsync("313367002_konkurrent"), "another vendor's system");
            }
        }

        [Test]
        public async Task NotFoundWithItsCode()
        {
            using (SystemUserClient c = Fixture.Sim.TokenClient())
            {
                var e = await Assert.Throws<NotFoundException>(() => c.GetRequestAsync("3f0c4a4e-8c3f-4a7b-9d55-6f8f2b7f1a10"), "unknown id");
                Assert.Equal("AUTH-00010", e.Code, "code");
                Assert.Equal(404, e.Status, "status");
            }
        }

        [Test]
        public async Task ConflictFromTheServer()
        {
            using (Sim sim = Sim.Start())
            using (SystemUserClient c = sim.TokenClient())
            {
                CreatedRequest created = await c.CreateStandardRequestAsync(Fixtures.Standard("310816191", "conflict"));
                await sim.ArmAsync(Fault("get_request", "conflict"));
                var e = await Assert.Throws<ConflictException>(() => c.GetRequestAsync(created.Request.Id), "409");
                Assert.Equal("AUTH-00013", e.Code, "code");
                Assert.Equal(409, e.Status, "status");
            }
        }

        [Test]
        public async Task UnavailableWithRetryAfter()
        {
            using (Sim sim = Sim.Start())
            using (SystemUserClient c = sim.TokenClient(o => o.RetryBudget = 0))
            {
                await sim.ArmAsync(Fault("get_registered_system", "status503").Add("retryAfterSecs", 2L));
                var e = await Assert.Throws<UnavailableException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem), "503 with no retries allowed");
                Assert.Equal(503, e.Status, "status");
                Assert.Equal<long?>(2, e.RetryAfterSeconds, "Retry-After");
                Assert.True(e.CouldNotTell, "could not tell");
            }
        }

        [Test]
        public async Task TransportConnectWhenNothingListens()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            string nowhere = "http://127.0.0.1:" + port;
            using (var c = new SystemUserClient(new SystemUserClientOptions
            {
                Environment = AltinnEnvironment.Custom(nowhere, nowhere, nowhere + "/"),
                TokenProvider = (s, ct) => Task.FromResult("not-sent-anywhere"),
                RetryBudget = 1,
                Backoff = TimeSpan.FromMilliseconds(10),
                Timeout = TimeSpan.FromSeconds(2),
            }))
            {
                var e = await Assert.Throws<TransportException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem), "a closed port");
                Assert.Equal(TransportKind.Connect, e.TransportKind, "transport kind: " + e.Message);
                Assert.True(e.CouldNotTell, "could not tell");
            }
        }

        [Test]
        public async Task TokenWhenTheProviderFails()
        {
            Sim sim = Fixture.Sim;
            using (SystemUserClient c = sim.TokenClient(o => o.TokenProvider = (s, ct) => { throw new InvalidOperationException("vault says no: secret-xyz"); }))
            {
                int before = await sim.CallCountAsync();
                var e = await Assert.Throws<TokenException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem), "the provider throws");
                Assert.Contains("InvalidOperationException", e.Message, "the provider's exception type is named");
                Assert.False(e.Message.Contains("secret-xyz"), "the provider's message is not passed on");
                Assert.Equal(before, await sim.CallCountAsync(), "nothing was sent");
            }
            using (SystemUserClient c = sim.TokenClient(o => o.TokenProvider = (s, ct) => Task.FromResult<string>(null)))
            {
                await Assert.Throws<TokenException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem), "the provider returns null");
            }
        }

        [Test]
        public async Task MaskinportenRefusals()
        {
            Sim sim = Fixture.Sim;
            var unknownClient = new SystemUserClientOptions
            {
                Environment = sim.Environment,
                Maskinporten = new MaskinportenOptions("no-such-client", Keys.Kid),
            };
            using (var c = new SystemUserClient(unknownClient))
            {
                var e = await Assert.Throws<MaskinportenException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem), "an unknown client");
                Assert.Equal("MP-100", e.Code, "code");
            }
            MaskinportenKey wrong = MaskinportenKey.FromPem(Repo.Kid, Repo.Text("simulator/tests/keys/TEST-ONLY-unregistered-key.pk8.pem"));
            using (SystemUserClient c = sim.KeyClient(wrong))
            {
                var e = await Assert.Throws<MaskinportenException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem), "a key the client does not have");
                Assert.Equal("MP-120", e.Code, "code");
            }
        }

        [Test]
        public async Task InvalidResponseForAnotherQuestion()
        {
            using (Sim sim = Sim.Start())
            using (SystemUserClient c = sim.TokenClient())
            {
                CreatedRequest created = await c.CreateStandardRequestAsync(Fixtures.Standard("310816191", "mismatch"));
                await sim.ArmAsync(Fault("get_request", "mismatch").Add("field", "id"));
                var e = await Assert.Throws<InvalidResponseException>(() => c.GetRequestAsync(created.Request.Id), "an answer about another request");
                Assert.Equal(ErrorKind.InvalidResponse, e.Kind, "kind");
            }
        }

        [Test]
        public async Task SignFailedIsATokenError()
        {
            var failing = MaskinportenKey.FromSigner(Repo.Kid, (data, ct) => { throw new CryptographicLikeException(); });
            using (SystemUserClient c = Fixture.Sim.KeyClient(failing))
            {
                var e = await Assert.Throws<TokenException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem), "a signer that fails");
                Assert.Contains("CryptographicLikeException", e.Message, "the signer's exception type");
            }
        }

        private sealed class CryptographicLikeException : Exception
        {
            public CryptographicLikeException() : base("HSM offline: pin 1234") { }
        }

        [Test]
        public void LibraryInvalidArgument()
        {
            using (SystemUserClient c = Fixture.Sim.TokenClient())
            using (Fixture.Unobserved())
            {
                var e = Assert.ThrowsSync<InvalidArgumentException>(() => c.ValidateDocument(Encoding.UTF8.GetBytes("{not json")), "not JSON");
                Assert.Equal("invalid-argument", e.KindName, "kind");
                Assert.ThrowsSync<InvalidArgumentException>(() => c.ValidateDocument(Encoding.UTF8.GetBytes("{\"v\":2,\"kind\":\"standard\",\"request\":{}}")), "another v");
                var t = new JsonObject().Add("v", 1L).Add("task", "get-request").Add("id", "x").Add("extra", 1L);
                var e2 = Assert.ThrowsSync<InvalidArgumentException>(() => c.RunAsync(t, CancellationToken.None).GetAwaiter().GetResult(), "an unknown member in a task");
                Assert.True(e2.Message.Length > 0, "a message");
            }
            Assert.ThrowsSync<ArgumentException>(() => new SystemUserClient(new SystemUserClientOptions { Environment = AltinnEnvironment.Tt02 }), "no token source");
        }

        [Test]
        public void LibraryMisuseOutOfOrder()
        {
            using (SystemUserClient c = Fixture.Sim.TokenClient())
            {
                OperationHandle op = c.NewOperationForTests(new JsonObject().Add("v", 1L).Add("task", "get-registered-system").Add("systemId", Repo.StandardSystem));
                using (op)
                {
                    byte[] waited = Encoding.UTF8.GetBytes("{\"v\":1,\"input\":\"waited\"}");
                    var e = Assert.ThrowsSync<LibraryMisuseException>(() => op.Advance(waited), "advance before start");
                    Assert.Equal(ErrorKind.Misuse, e.Kind, "kind");
                    string step = Encoding.UTF8.GetString(op.Start());
                    Assert.Contains("\"step\":\"token\"", step, "a token step");
                    Assert.ThrowsSync<LibraryMisuseException>(() => op.Start(), "start twice");
                    Assert.ThrowsSync<LibraryMisuseException>(() => op.Advance(waited), "waited for a token step");
                }
            }
        }

        [Test]
        public void PanicSurfacesAsAnException()
        {
            var e = Assert.ThrowsSync<PanicException>(() => SystemUserClient.TestPanic(), "su_test_panic");
            Assert.Equal(ErrorKind.Panic, e.Kind, "kind");
            Assert.Equal("panic", e.KindName, "kind name");
            using (SystemUserClient c = Fixture.Sim.TokenClient())
            {
                Assert.True(c.Validate(Fixtures.Standard("310816191", "after-panic")).IsValid, "the library works after the panic");
            }
        }
    }
}
