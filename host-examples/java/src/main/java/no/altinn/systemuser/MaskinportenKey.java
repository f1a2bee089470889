package no.altinn.systemuser;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The vendor's Maskinporten key: signs the grants the component builds (the key never enters the
 * component or libsystemuser) and names itself in each grant by a {@code kid} (a key registered
 * with the client) or an {@code x5c} certificate chain (a business certificate).
 *
 * <pre>{@code
 * MaskinportenKey.fromPemFile(Path.of("mp-key.pk8.pem"), "my-kid");          // PKCS#8 PEM, kid
 * MaskinportenKey.fromPkcs12(Path.of("virksomhet.p12"), password, null);     // PKCS#12, x5c chain
 * }</pre>
 *
 * {@link #toString()} shows the identity and the key size only.
 */
public final class MaskinportenKey {
    private final Signer signer;
    private final String kid;
    private final List<String> x5c;
    private final String description;

    private MaskinportenKey(Signer signer, String kid, List<String> x5c, String description) {
        this.signer = signer;
        this.kid = kid;
        this.x5c = x5c;
        this.description = description;
    }

    /** An RSA private key named by a {@code kid}. */
    public static MaskinportenKey of(PrivateKey key, String kid) {
        Objects.requireNonNull(kid, "kid");
        return new MaskinportenKey(rsaSigner(key), kid, null, describe(key));
    }

    /** An RSA private key named by its certificate chain (leaf first), sent as {@code x5c}. */
    public static MaskinportenKey of(PrivateKey key, List<X509Certificate> chain) {
        return new MaskinportenKey(rsaSigner(key), null, x5c(chain), describe(key));
    }

    /** A key held elsewhere (an HSM, a KMS), named by a {@code kid}. */
    public static MaskinportenKey of(Signer signer, String kid) {
        return new MaskinportenKey(Objects.requireNonNull(signer, "signer"), Objects.requireNonNull(kid, "kid"), null, "external signer");
    }

    /** A key held elsewhere, named by its certificate chain (leaf first). */
    public static MaskinportenKey of(Signer signer, List<X509Certificate> chain) {
        return new MaskinportenKey(Objects.requireNonNull(signer, "signer"), null, x5c(chain), "external signer");
    }

    /** A PKCS#8 PEM text ({@code -----BEGIN PRIVATE KEY-----}) named by a {@code kid}. */
    public static MaskinportenKey fromPem(String pem, String kid) {
        return of(pkcs8(pem), kid);
    }

    /** A PKCS#8 PEM file named by a {@code kid}. */
    public static MaskinportenKey fromPemFile(Path file, String kid) throws IOException {
        return fromPem(Files.readString(file, StandardCharsets.US_ASCII), kid);
    }

    /**
     * A key of a PKCS#12 file, named by the certificate chain stored with it ({@code x5c}).
     * {@code alias} may be {@code null} when the store holds one key; the password opens the
     * store and the key.
     */
    public static MaskinportenKey fromPkcs12(Path file, char[] password, String alias) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password);
        }
        return fromKeyStore(store, alias, password);
    }

    /** A key of any {@link KeyStore} (PKCS#12, a PKCS#11 token, …), named by its certificate chain. */
    public static MaskinportenKey fromKeyStore(KeyStore store, String alias, char[] keyPassword) throws GeneralSecurityException {
        String a = alias != null ? alias : onlyKeyAlias(store);
        Key key = store.getKey(a, keyPassword);
        if (!(key instanceof PrivateKey)) throw new GeneralSecurityException("the key store has no private key under the alias " + a);
        Certificate[] chain = store.getCertificateChain(a);
        if (chain == null || chain.length == 0) {
            throw new GeneralSecurityException("the key store has no certificate chain for " + a + ": name the key by kid with withKid(...)");
        }
        List<X509Certificate> certs = new ArrayList<>();
        for (Certificate c : chain) {
            if (!(c instanceof X509Certificate)) throw new GeneralSecurityException("the chain of " + a + " holds a certificate that is not X.509");
            certs.add((X509Certificate) c);
        }
        return of((PrivateKey) key, certs);
    }

    /** The same key, named by a {@code kid} instead (a key store's key registered as a JWK). */
    public MaskinportenKey withKid(String kid) {
        return new MaskinportenKey(signer, Objects.requireNonNull(kid, "kid"), null, description);
    }

    /** The {@code kid}, when the key is named by one. */
    public java.util.Optional<String> kid() {
        return java.util.Optional.ofNullable(kid);
    }

    /** Signs {@code data} with RS256. */
    public byte[] sign(byte[] data) throws GeneralSecurityException {
        return signer.sign(data);
    }

    /** The {@code key} member of the config's {@code maskinporten}: {@code {"kid"}} or {@code {"x5c"}}. */
    Map<String, Object> identityJson() {
        return kid != null ? Map.of("kid", kid) : Map.of("x5c", x5c);
    }

    @Override
    public String toString() {
        return "MaskinportenKey[" + (kid != null ? "kid=" + kid : "x5c chain of " + x5c.size()) + ", " + description + "]";
    }

    private static Signer rsaSigner(PrivateKey key) {
        Objects.requireNonNull(key, "key");
        if (!"RSA".equals(key.getAlgorithm())) throw new IllegalArgumentException("a Maskinporten key must be RSA, not " + key.getAlgorithm());
        return data -> {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(data);
            return s.sign();
        };
    }

    private static String describe(PrivateKey key) {
        return key instanceof RSAKey ? "RSA " + ((RSAKey) key).getModulus().bitLength() + " bits" : key.getAlgorithm();
    }

    private static List<String> x5c(List<X509Certificate> chain) {
        if (chain == null || chain.isEmpty()) throw new IllegalArgumentException("an x5c chain needs at least the leaf certificate");
        List<String> out = new ArrayList<>();
        for (X509Certificate c : chain) {
            try {
                out.add(Base64.getEncoder().encodeToString(c.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("a certificate of the chain cannot be encoded", e);
            }
        }
        return Collections.unmodifiableList(out);
    }

    private static String onlyKeyAlias(KeyStore store) throws GeneralSecurityException {
        String found = null;
        for (Enumeration<String> e = store.aliases(); e.hasMoreElements();) {
            String a = e.nextElement();
            if (store.isKeyEntry(a)) {
                if (found != null) throw new GeneralSecurityException("the key store holds several keys: name the alias");
                found = a;
            }
        }
        if (found == null) throw new GeneralSecurityException("the key store holds no private key");
        return found;
    }

    /** PKCS#8 PEM to a private key; the messages never quote the text. */
    private static PrivateKey pkcs8(String pem) {
        Objects.requireNonNull(pem, "pem");
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int b = pem.indexOf(begin);
        int e = pem.indexOf(end);
        if (b < 0 || e < b) {
            String hint = pem.contains("BEGIN RSA PRIVATE KEY") ? " (this is PKCS#1: convert it with `openssl pkcs8 -topk8 -nocrypt -in key.pem`)"
                    : pem.contains("BEGIN ENCRYPTED PRIVATE KEY") ? " (it is encrypted: decrypt it, or put it in a PKCS#12 store)" : "";
            throw new IllegalArgumentException("not a PKCS#8 PEM private key" + hint);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("the PEM key is not valid base64");
        }
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException("the PEM key is not an RSA private key (" + ex.getClass().getSimpleName() + ")");
        }
    }
}
