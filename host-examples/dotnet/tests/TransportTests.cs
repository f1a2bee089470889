// The transport's own hygiene over real loopback HTTP: no redirect followed, the platform's
// handler refused when it would follow redirects or decompress, a handler of the caller's used,
// the request as the component built it (identity encoding, no Expect: 100-continue).
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    /// <summary>A loopback HTTP/1.1 server that answers every request with the same bytes and
    /// keeps the request heads it saw.</summary>
    internal sealed class RawServer : IDisposable
    {
        private readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly byte[] answer;
        public readonly ConcurrentQueue<string> Heads = new ConcurrentQueue<string>();
        private volatile bool stopped;

        public RawServer(string answer)
        {
            this.answer = Encoding.UTF8.GetBytes(answer);
            listener.Start();
            Task.Run(Loop);
        }

        public string Base { get { return "http://127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port; } }

        private async Task Loop()
        {
            while (!stopped)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync();
                }
                catch (Exception)
                {
                    return;
                }
                Task served = Task.Run(() => Serve(client));
                GC.KeepAlive(served);
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            {
                NetworkStream s = client.GetStream();
                var head = new StringBuilder();
                var buf = new byte[1];
                while (!head.ToString().EndsWith("\r\n\r\n"))
                {
                    int n = await s.ReadAsync(buf, 0, 1);
                    if (n == 0) return;
                    head.Append((char)buf[0]);
                    if (head.Length > 65536) return;
                }
                Heads.Enqueue(head.ToString());
                await s.WriteAsync(answer, 0, answer.Length);
                await s.FlushAsync();
            }
        }

        public void Dispose()
        {
            stopped = true;
            listener.Stop();
        }
    }

    internal sealed class TransportTests
    {
        [Test]
        public async Task ARedirectIsNeverFollowed()
        {
            using (var target = new RawServer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"))
            using (var server = new RawServer("HTTP/1.1 302 Found\r\nLocation: " + target.Base + "/steal\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
            using (var c = new SystemUserClient(new SystemUserClientOptions
            {
                Environment = AltinnEnvironment.Custom(server.Base, server.Base, server.Base + "/"),
                TokenProvider = (s, ct) => Task.FromResult("test-only-token"),
                RetryBudget = 0,
            }))
            {
                await Assert.Throws<InvalidResponseException>(() => c.GetRegisteredSystemAsync(Repo.StandardSystem), "a 302 is an answer, and not a valid one");
                Assert.Equal(1, server.Heads.Count, "one request to the server");
                Assert.Equal(0, target.Heads.Count, "nothing to the redirect's target");
                string head;
                server.Heads.TryPeek(out head);
                Assert.Contains("Accept-Encoding: identity", head, "the component's identity encoding went out");
                Assert.False(head.ToLowerInvariant().Contains("expect:"), "no Expect: 100-continue");
                Assert.True(head.StartsWith("GET /authentication/api/v1/systemregister/vendor/" + Repo.StandardSystem + " HTTP/1.1"), "the URL as built");
            }
        }

        [Test]
        public void AHandlerThatFollowsRedirectsOrDecompressesIsRefused()
        {
            var redirects = new HttpClientHandler { AllowAutoRedirect = true };
            var e = Assert.ThrowsSync<ArgumentException>(() => Fixture.Sim.TokenClient(o => o.HttpMessageHandler = redirects), "redirects on");
            Assert.Contains("AllowAutoRedirect", e.Message, "says what to change");
            var gzip = new HttpClientHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.GZip };
            Assert.ThrowsSync<ArgumentException>(() => Fixture.Sim.TokenClient(o => o.HttpMessageHandler = gzip), "decompression on");
        }

        private sealed class Counting : DelegatingHandler
        {
            public int Count;

            public Counting() : base(new HttpClientHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None }) { }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref Count);
                return base.SendAsync(request, cancellationToken);
            }
        }

        [Test]
        public async Task ACallersHandlerCarriesTheExchanges()
        {
            var handler = new Counting();
            using (SystemUserClient c = Fixture.Sim.TokenClient(o => o.HttpMessageHandler = handler))
            {
                await c.GetRegisteredSystemAsync(Repo.StandardSystem);
                await c.ListRequestsAsync(Repo.StandardSystem);
            }
            Assert.Equal(2, handler.Count, "both exchanges went through the caller's handler");
        }

        [Test]
        public async Task AnAnswerCutShortIsConnectionLostAndRetried()
        {
            using (Sim sim = Sim.Start())
            using (SystemUserClient c = sim.TokenClient())
            {
                await sim.ArmAsync(new JsonObject().Add("route", "get_registered_system").Add("kind", "truncated"));
                RegisteredSystem s = await c.GetRegisteredSystemAsync(Repo.StandardSystem);
                Assert.Equal(Repo.StandardSystem, s.Id, "the retry got the answer");
                await sim.ArmAsync(new JsonObject().Add("route", "create_request").Add("kind", "lost_response"));
                CreatedRequest created = await c.CreateStandardRequestAsync(Fixtures.Standard("310816191", "lost"));
                Assert.True(created.Reconciled, "a lost create answer reconciled by external ref: " + created);
                var keys = await sim.DedupeKeysAsync();
                JsonObject key = keys.Find(k => k.GetString("externalRef") == "lost");
                Assert.Equal<long?>(1, key.GetLong("requestsStored"), "stored once");
            }
        }
    }
}
