// Signing grants: the TEST-ONLY PKCS#8 key parsed by hand (its signatures byte-equal OpenSSL's),
// an X509Certificate2 with its private key (a .p12, as business certificates come) and a PEM
// certificate with its key given separately: both send the x5c chain and no kid.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    internal sealed class MaskinportenTests
    {
        private static string Run(string file, string args, byte[] stdin = null)
        {
            var psi = new ProcessStartInfo(file, args) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin != null };
            using (Process p = Process.Start(psi))
            {
                if (stdin != null)
                {
                    p.StandardInput.BaseStream.Write(stdin, 0, stdin.Length);
                    p.StandardInput.Close();
                }
                var output = new MemoryStream();
                p.StandardOutput.BaseStream.CopyTo(output);
                string err = p.StandardError.ReadToEnd();
                Assert.True(p.WaitForExit(30000), file + " ended");
                Assert.True(p.ExitCode == 0, file + " " + args + " failed: " + err);
                return Convert.ToBase64String(output.ToArray());
            }
        }

        [Test]
        public void TheHandParsedKeySignsAsOpenSslDoes()
        {
            RSA rsa = Pem.ReadRsaPrivateKey(Repo.Text(Repo.KeyFile));
            byte[] data = Encoding.ASCII.GetBytes("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ0ZXN0In0");
            byte[] mine = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            string openssl = Run("openssl", "dgst -sha256 -sign " + Repo.Path(Repo.KeyFile), data);
            Assert.Equal(openssl, Convert.ToBase64String(mine), "RS256 signatures (PKCS#1 v1.5 is deterministic)");
            // And against the public key the simulator trusts (its JWKS).
            JsonObject jwk = (JsonObject)Repo.Json("simulator/tests/keys/TEST-ONLY-client-key.jwks.json").GetArray("keys")[0];
            var pub = RSA.Create();
            pub.ImportParameters(new RSAParameters { Modulus = B64Url(jwk.RequireString("n")), Exponent = B64Url(jwk.RequireString("e")) });
            Assert.True(pub.VerifyData(data, mine, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), "verifies with the JWKS key");
        }

        private static byte[] B64Url(string s)
        {
            s = s.Replace('-', '+').Replace('_', '/');
            return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
        }

        [Test]
        public void PemErrorsNameNoKeyMaterial()
        {
            string pem = Repo.Text(Repo.KeyFile);
            var e1 = Assert.ThrowsSync<ArgumentException>(() => MaskinportenKey.FromPem("k", "not a key"), "no PEM block");
            var e2 = Assert.ThrowsSync<ArgumentException>(() => MaskinportenKey.FromPem("k", pem.Replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY")), "encrypted");
            Assert.Contains("encrypted", e2.Message, "says why");
            string broken = Regex.Replace(pem, "(-----BEGIN PRIVATE KEY-----\\s*)M", "$1A");
            var e3 = Assert.ThrowsSync<ArgumentException>(() => MaskinportenKey.FromPem("k", broken), "not the DER expected");
            string body = Regex.Replace(pem, "-----[A-Z ]+-----", "");
            foreach (var e in new[] { e1, e2, e3 })
            {
                foreach (string line in body.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 8))
                    Assert.False(e.Message.Contains(line) || e.ToString().Contains(line.Substring(0, 8)), "a key line in the error");
            }
            Assert.Equal("MaskinportenKey(kid sim-test-key-1)", Keys.Kid.ToString(), "ToString shows the kid only");
        }

        /// <summary>The headers of the JWT grants the component posts while <paramref name="body"/> runs.</summary>
        private static async Task<List<JsonObject>> GrantHeaders(Func<Task> body)
        {
            var headers = new List<JsonObject>();
            Fixture.Also = (kind, bytes) =>
            {
                if (kind != "step") return;
                var step = Altinn.SystemUser.Json.ParseObject(bytes);
                if (step.GetString("step") != "send") return;
                JsonObject rq = step.GetObject("request");
                if (!rq.RequireString("url").EndsWith("/token") || rq.GetString("body") == null) return;
                string form = Encoding.UTF8.GetString(Convert.FromBase64String(rq.GetString("body")));
                Match m = Regex.Match(form, "assertion=([A-Za-z0-9_-]+)\\.");
                if (m.Success) lock (headers) headers.Add(Altinn.SystemUser.Json.ParseObject(B64Url(m.Groups[1].Value)));
            };
            try
            {
                await body();
            }
            finally
            {
                Fixture.Also = null;
            }
            return headers;
        }

        private static string CertificateDer()
        {
            string pem = Repo.Text(Repo.CertFile);
            return Regex.Replace(Regex.Match(pem, "-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", RegexOptions.Singleline).Groups[1].Value, "\\s", "");
        }

        [Test]
        public async Task AnX509Certificate2FromAP12SendsX5c()
        {
            string dir = Path.Combine(Path.GetTempPath(), "su-p12-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string p12 = Path.Combine(dir, "TEST-ONLY.p12");
                // A business certificate comes as a .p12; 3DES/SHA-1 so that every runtime reads it.
                Run("openssl", "pkcs12 -export -in " + Repo.Path(Repo.CertFile) + " -inkey " + Repo.Path(Repo.KeyFile) + " -out " + p12 +
                    " -passout pass:test-only -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1");
                var cert = new X509Certificate2(p12, "test-only", X509KeyStorageFlags.Exportable);
                Assert.True(cert.HasPrivateKey, "the .p12 holds the key");
                MaskinportenKey key = MaskinportenKey.FromCertificate(cert);
                Assert.Equal<string>(null, key.KeyId, "no kid");
                Assert.Equal(CertificateDer(), key.CertificateChain[0], "x5c[0] is the certificate");
                Assert.False(key.ToString().Contains(key.CertificateChain[0].Substring(0, 20)), "ToString shows no certificate bytes");
                await UseAndCheckX5c(key);
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
        }

        [Test]
        public async Task APemCertificateWithItsKeySendsX5c()
        {
            var cert = new X509Certificate2(Convert.FromBase64String(CertificateDer()));
            Assert.False(cert.HasPrivateKey, "a bare certificate");
            Assert.ThrowsSync<ArgumentException>(() => MaskinportenKey.FromCertificate(cert), "a certificate without its key");
            MaskinportenKey key = MaskinportenKey.FromCertificate(cert, Pem.ReadRsaPrivateKey(Repo.Text(Repo.KeyFile)));
            await UseAndCheckX5c(key);
        }

        private static async Task UseAndCheckX5c(MaskinportenKey key)
        {
            Sim sim = Fixture.Sim;
            string org = "312317761", reference = Fixtures.Ref("x5c");
            using (SystemUserClient c = sim.KeyClient(key))
            {
                List<JsonObject> headers = await GrantHeaders(async () =>
                {
                    CreatedRequest created = await c.CreateStandardRequestAsync(Fixtures.Standard(org, reference));
                    await sim.ApproveAsync(created.Request.Id);
                    AccessToken token = await c.GetSystemUserTokenAsync(org, new[] { Repo.ServiceScope }, reference);
                    Assert.Equal(Repo.ServiceScope, token.Scope, "a system-user token with the certificate");
                });
                Assert.True(headers.Count >= 2, "grants were posted: " + headers.Count);
                foreach (JsonObject h in headers)
                {
                    Assert.Equal("RS256", h.GetString("alg"), "alg");
                    Assert.False(h.Has("kid"), "no kid beside x5c");
                    Assert.Equal(CertificateDer(), (string)h.GetArray("x5c")[0], "x5c[0] in the grant");
                }
            }
        }

        [Test]
        public async Task AKidGrantCarriesTheKid()
        {
            using (SystemUserClient c = Fixture.Sim.KeyClient())
            {
                List<JsonObject> headers = await GrantHeaders(() => c.GetRegisteredSystemAsync(Repo.StandardSystem));
                Assert.Equal(1, headers.Count, "one grant");
                Assert.Equal(Repo.Kid, headers[0].GetString("kid"), "kid");
                Assert.False(headers[0].Has("x5c"), "no x5c");
            }
        }
    }
}
