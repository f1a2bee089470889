// Configuration: the environment, the limits (the component's defaults when left null), and
// where tokens come from: a Maskinporten key (the component builds and posts its own grants,
// this binding signs) or a token provider (a vendor's own Maskinporten client).
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace Altinn.SystemUser
{
    /// <summary>An Altinn environment: a named one, or your own URLs (the simulator, a proxy).</summary>
    public sealed class AltinnEnvironment
    {
        private readonly string name;

        private AltinnEnvironment(string name, string platformUrl, string confirmUrl, string maskinportenIssuer)
        {
            this.name = name;
            PlatformUrl = platformUrl;
            ConfirmUrl = confirmUrl;
            MaskinportenIssuer = maskinportenIssuer;
        }

        public static readonly AltinnEnvironment Production = new AltinnEnvironment("production", null, null, null);
        public static readonly AltinnEnvironment Tt02 = new AltinnEnvironment("tt02", null, null, null);
        public static readonly AltinnEnvironment At22 = new AltinnEnvironment("at22", null, null, null);
        public static readonly AltinnEnvironment At23 = new AltinnEnvironment("at23", null, null, null);
        public static readonly AltinnEnvironment At24 = new AltinnEnvironment("at24", null, null, null);
        public static readonly AltinnEnvironment Yt01 = new AltinnEnvironment("yt01", null, null, null);

        /// <summary>Your own URLs: the platform (API) origin, the confirm page origin and Maskinporten's
        /// issuer (with its trailing slash; grants are posted to <c>{issuer}token</c>).</summary>
        public static AltinnEnvironment Custom(string platformUrl, string confirmUrl, string maskinportenIssuer)
        {
            if (platformUrl == null) throw new ArgumentNullException("platformUrl");
            if (confirmUrl == null) throw new ArgumentNullException("confirmUrl");
            if (maskinportenIssuer == null) throw new ArgumentNullException("maskinportenIssuer");
            return new AltinnEnvironment(null, platformUrl, confirmUrl, maskinportenIssuer);
        }

        /// <summary>The named environment, or null for a custom one.</summary>
        public string Name { get { return name; } }
        public string PlatformUrl { get; private set; }
        public string ConfirmUrl { get; private set; }
        public string MaskinportenIssuer { get; private set; }

        public override string ToString() { return name ?? "custom(" + PlatformUrl + ")"; }

        internal object ToJson()
        {
            if (name != null) return name;
            return new JsonObject().Add("platformUrl", PlatformUrl).Add("confirmUrl", ConfirmUrl).Add("maskinportenIssuer", MaskinportenIssuer);
        }
    }

    /// <summary>Gets an access token carrying the given Maskinporten scopes (e.g. from the vendor's
    /// own Maskinporten client). Called from any thread, possibly concurrently. Throw to refuse;
    /// the exception's message is not passed on (only its type's name), so it may say anything.</summary>
    public delegate Task<string> TokenProvider(IReadOnlyList<string> scopes, CancellationToken cancellationToken);

    /// <summary>How a <see cref="SystemUserClient"/> works. Null members take the component's defaults.</summary>
    public sealed class SystemUserClientOptions
    {
        /// <summary>Required.</summary>
        public AltinnEnvironment Environment { get; set; }

        /// <summary>With a key: the component gets its own Maskinporten tokens (it asks this
        /// binding to sign its grants). Either this or <see cref="TokenProvider"/>.</summary>
        public MaskinportenOptions Maskinporten { get; set; }

        /// <summary>Tokens from your own Maskinporten client. Either this or <see cref="Maskinporten"/>.</summary>
        public TokenProvider TokenProvider { get; set; }

        /// <summary>One exchange, connect to last byte (default 30 s).</summary>
        public TimeSpan? Timeout { get; set; }
        /// <summary>One operation, retries and waits included (default 60 s).</summary>
        public TimeSpan? Deadline { get; set; }
        /// <summary>Retries of transient failures per operation (default 3).</summary>
        public int? RetryBudget { get; set; }
        /// <summary>The first back-off, doubling (default 200 ms).</summary>
        public TimeSpan? Backoff { get; set; }

        /// <summary>Your own HTTP handler (a proxy, client certificates, IHttpClientFactory's). It must
        /// not follow redirects nor decompress: an <see cref="HttpClientHandler"/> with
        /// AllowAutoRedirect or AutomaticDecompression set is refused. Default: an HttpClientHandler
        /// with both off, using the platform's proxy and certificate settings.</summary>
        public HttpMessageHandler HttpMessageHandler { get; set; }

        internal byte[] ConfigDocument()
        {
            if (Environment == null) throw new ArgumentException("SystemUserClientOptions.Environment is required");
            var o = new JsonObject().Add("v", 1L).Add("environment", Environment.ToJson());
            if (Timeout.HasValue) o.Add("timeoutMs", Millis(Timeout.Value, "Timeout"));
            if (Deadline.HasValue) o.Add("deadlineMs", Millis(Deadline.Value, "Deadline"));
            if (RetryBudget.HasValue)
            {
                if (RetryBudget.Value < 0) throw new ArgumentOutOfRangeException("RetryBudget", "RetryBudget cannot be negative");
                o.Add("retryBudget", (long)RetryBudget.Value);
            }
            if (Backoff.HasValue) o.Add("backoffMs", Millis(Backoff.Value, "Backoff"));
            if (Maskinporten != null) o.Add("maskinporten", Maskinporten.ToJson());
            return Json.WriteBytes(o);
        }

        private static long Millis(TimeSpan t, string name)
        {
            double ms = t.TotalMilliseconds;
            if (ms < 0 || ms > uint.MaxValue) throw new ArgumentOutOfRangeException(name, name + " must be between 0 and " + uint.MaxValue + " ms");
            return (long)ms;
        }
    }

    /// <summary>The vendor's Maskinporten client and key.</summary>
    public sealed class MaskinportenOptions
    {
        public MaskinportenOptions(string clientId, MaskinportenKey key, string resource = null)
        {
            if (clientId == null) throw new ArgumentNullException("clientId");
            if (key == null) throw new ArgumentNullException("key");
            ClientId = clientId;
            Key = key;
            Resource = resource;
        }

        public string ClientId { get; private set; }
        public MaskinportenKey Key { get; private set; }
        /// <summary>An optional <c>resource</c> claim (audience restriction).</summary>
        public string Resource { get; private set; }

        public override string ToString() { return "MaskinportenOptions(" + ClientId + ", " + Key + ")"; }

        internal JsonObject ToJson()
        {
            var o = new JsonObject().Add("clientId", ClientId);
            if (Resource != null) o.Add("resource", Resource);
            o.Add("key", Key.ToJson());
            return o;
        }
    }

    /// <summary>The key that signs Maskinporten grants (RS256): a pre-registered key named by its
    /// <c>kid</c>, or a business certificate sent as the <c>x5c</c> chain. The private key stays
    /// in this process; <see cref="ToString"/> shows no key material.</summary>
    public sealed class MaskinportenKey
    {
        private readonly string kid;
        private readonly IReadOnlyList<string> x5c;
        private readonly Func<byte[], CancellationToken, Task<byte[]>> sign;
        private readonly string description;

        private MaskinportenKey(string kid, IReadOnlyList<string> x5c, Func<byte[], CancellationToken, Task<byte[]>> sign, string description)
        {
            this.kid = kid;
            this.x5c = x5c;
            this.sign = sign;
            this.description = description;
        }

        /// <summary>A PKCS#8 PEM private key (<c>-----BEGIN PRIVATE KEY-----</c>, or PKCS#1
        /// <c>BEGIN RSA PRIVATE KEY</c>) registered with Maskinporten under <paramref name="kid"/>.</summary>
        public static MaskinportenKey FromPem(string kid, string pem)
        {
            if (kid == null) throw new ArgumentNullException("kid");
            return FromRsa(kid, Pem.ReadRsaPrivateKey(pem));
        }

        /// <summary>An RSA key registered with Maskinporten under <paramref name="kid"/>.</summary>
        public static MaskinportenKey FromRsa(string kid, RSA key)
        {
            if (kid == null) throw new ArgumentNullException("kid");
            if (key == null) throw new ArgumentNullException("key");
            return new MaskinportenKey(kid, null, RsaSigner(key), "kid " + kid);
        }

        /// <summary>A business certificate with its private key (e.g. loaded from a .p12): the grant
        /// carries the certificate, then <paramref name="chain"/>, as <c>x5c</c>.</summary>
        public static MaskinportenKey FromCertificate(X509Certificate2 certificate, X509Certificate2Collection chain = null)
        {
            if (certificate == null) throw new ArgumentNullException("certificate");
            RSA key = certificate.HasPrivateKey ? certificate.GetRSAPrivateKey() : null;
            if (key == null) throw new ArgumentException("the certificate has no RSA private key: load it with its key (a .p12/.pfx), or pass the key with FromCertificate(certificate, key)");
            return FromCertificate(certificate, key, chain);
        }

        /// <summary>A business certificate and its private key given separately.</summary>
        public static MaskinportenKey FromCertificate(X509Certificate2 certificate, RSA privateKey, X509Certificate2Collection chain = null)
        {
            if (certificate == null) throw new ArgumentNullException("certificate");
            if (privateKey == null) throw new ArgumentNullException("privateKey");
            var list = new List<string> { Convert.ToBase64String(certificate.RawData) };
            if (chain != null) foreach (X509Certificate2 c in chain) if (!c.RawData.SequenceEqual(certificate.RawData)) list.Add(Convert.ToBase64String(c.RawData));
            return new MaskinportenKey(null, list.AsReadOnly(), RsaSigner(privateKey), "x5c " + certificate.Subject + " (" + list.Count + " certificate" + (list.Count == 1 ? "" : "s") + ")");
        }

        /// <summary>A key held elsewhere (an HSM, a key vault): <paramref name="signRs256"/> returns
        /// the RS256 (RSASSA-PKCS1-v1_5, SHA-256) signature of the bytes it is given.</summary>
        public static MaskinportenKey FromSigner(string kid, Func<byte[], CancellationToken, Task<byte[]>> signRs256)
        {
            if (kid == null) throw new ArgumentNullException("kid");
            if (signRs256 == null) throw new ArgumentNullException("signRs256");
            return new MaskinportenKey(kid, null, signRs256, "kid " + kid + ", external signer");
        }

        /// <summary>The <c>kid</c>, or null for a certificate.</summary>
        public string KeyId { get { return kid; } }
        /// <summary>The certificate chain (base64 DER), or null for a kid.</summary>
        public IReadOnlyList<string> CertificateChain { get { return x5c; } }

        public override string ToString() { return "MaskinportenKey(" + description + ")"; }

        internal Task<byte[]> SignAsync(byte[] data, CancellationToken ct) { return sign(data, ct); }

        internal JsonObject ToJson()
        {
            if (kid != null) return new JsonObject().Add("kid", kid);
            return new JsonObject().Add("x5c", x5c.Cast<object>().ToList());
        }

        private static Func<byte[], CancellationToken, Task<byte[]>> RsaSigner(RSA key)
        {
            object gate = new object();
            return (data, ct) =>
            {
                // An RSA object is not documented as safe for concurrent use: one signature at a time.
                lock (gate) return Task.FromResult(key.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            };
        }
    }
}
