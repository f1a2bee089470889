// PEM private keys to RSAParameters, by hand: netstandard2.0 has no PKCS#8 import (.NET Core 3's
// RSA.ImportPkcs8PrivateKey takes a ReadOnlySpan<byte>, which netstandard2.0 lacks, so it
// cannot be called from here even where the runtime has it). Only unencrypted RSA keys.
// Errors name what is wrong, never a byte of the key.
using System;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Altinn.SystemUser
{
    internal static class Pem
    {
        private static readonly Regex Block = new Regex("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", RegexOptions.Singleline);

        // 1.2.840.113549.1.1.1 rsaEncryption
        private static readonly byte[] RsaEncryption = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };

        internal static RSA ReadRsaPrivateKey(string pem)
        {
            if (pem == null) throw new ArgumentNullException("pem");
            Match m = Block.Match(pem);
            if (!m.Success) throw new ArgumentException("no PEM block (-----BEGIN PRIVATE KEY-----) in the key text");
            string label = m.Groups[1].Value;
            byte[] der;
            try
            {
                der = Convert.FromBase64String(Regex.Replace(m.Groups[2].Value, "\\s", ""));
            }
            catch (FormatException)
            {
                throw new ArgumentException("the PEM block " + label + " is not base64");
            }
            RSAParameters p;
            switch (label)
            {
                case "PRIVATE KEY": p = FromPkcs8(der); break;
                case "RSA PRIVATE KEY": p = FromPkcs1(der); break;
                case "ENCRYPTED PRIVATE KEY": throw new ArgumentException("the key is encrypted: decrypt it first (openssl pkcs8 -topk8 -nocrypt), or load it yourself and use MaskinportenKey.FromRsa");
                default: throw new ArgumentException("a PEM block " + label + " is not an RSA private key");
            }
            RSA rsa = RSA.Create();
            rsa.ImportParameters(p);
            return rsa;
        }

        /// <summary>PrivateKeyInfo: SEQUENCE { INTEGER 0, SEQUENCE { OID rsaEncryption, NULL }, OCTET STRING RSAPrivateKey }.</summary>
        internal static RSAParameters FromPkcs8(byte[] der)
        {
            var outer = new Der(der).Read(0x30);
            outer.Read(0x02);
            var algorithm = outer.Read(0x30);
            byte[] oid = algorithm.Read(0x06).Rest();
            if (!Same(oid, RsaEncryption)) throw new ArgumentException("the PKCS#8 key is not an RSA key");
            return FromPkcs1(outer.Read(0x04).Rest());
        }

        /// <summary>RSAPrivateKey: SEQUENCE { version, n, e, d, p, q, dp, dq, qinv }.</summary>
        internal static RSAParameters FromPkcs1(byte[] der)
        {
            var seq = new Der(der).Read(0x30);
            seq.Read(0x02);
            byte[] n = Unsigned(seq.Read(0x02).Rest());
            byte[] e = Unsigned(seq.Read(0x02).Rest());
            byte[] d = Unsigned(seq.Read(0x02).Rest());
            byte[] p = Unsigned(seq.Read(0x02).Rest());
            byte[] q = Unsigned(seq.Read(0x02).Rest());
            byte[] dp = Unsigned(seq.Read(0x02).Rest());
            byte[] dq = Unsigned(seq.Read(0x02).Rest());
            byte[] qi = Unsigned(seq.Read(0x02).Rest());
            int k = n.Length, half = (k + 1) / 2;
            // The Windows/.NET Framework providers want D as long as the modulus and the CRT
            // members half of it, with leading zeros.
            return new RSAParameters
            {
                Modulus = n,
                Exponent = e,
                D = Pad(d, k),
                P = Pad(p, half),
                Q = Pad(q, half),
                DP = Pad(dp, half),
                DQ = Pad(dq, half),
                InverseQ = Pad(qi, half),
            };
        }

        private static bool Same(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
            return true;
        }

        private static byte[] Unsigned(byte[] v)
        {
            int i = 0;
            while (i < v.Length - 1 && v[i] == 0) i++;
            if (i == 0) return v;
            var r = new byte[v.Length - i];
            Array.Copy(v, i, r, 0, r.Length);
            return r;
        }

        private static byte[] Pad(byte[] v, int length)
        {
            if (v.Length >= length) return v;
            var r = new byte[length];
            Array.Copy(v, 0, r, length - v.Length, v.Length);
            return r;
        }

        /// <summary>A DER reader over a slice.</summary>
        private sealed class Der
        {
            private readonly byte[] data;
            private int pos;
            private readonly int end;

            internal Der(byte[] data) : this(data, 0, data.Length) { }

            private Der(byte[] data, int start, int end)
            {
                this.data = data;
                pos = start;
                this.end = end;
            }

            internal Der Read(byte tag)
            {
                if (pos + 2 > end || data[pos] != tag) throw new ArgumentException("the key is not the DER structure expected (tag " + tag.ToString("x2") + ")");
                pos++;
                int len = data[pos++];
                if (len >= 0x80)
                {
                    int bytes = len & 0x7f;
                    if (bytes == 0 || bytes > 3 || pos + bytes > end) throw new ArgumentException("the key has a DER length this reader does not take");
                    len = 0;
                    for (int i = 0; i < bytes; i++) len = (len << 8) | data[pos++];
                }
                if (pos + len > end) throw new ArgumentException("the key's DER is truncated");
                var inner = new Der(data, pos, pos + len);
                pos += len;
                return inner;
            }

            internal byte[] Rest()
            {
                var r = new byte[end - pos];
                Array.Copy(data, pos, r, 0, r.Length);
                pos = end;
                return r;
            }
        }
    }
}
