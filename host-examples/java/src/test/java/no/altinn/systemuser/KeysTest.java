package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maskinporten grants signed by java.security from each kind of key a vendor holds: a PKCS#8
 * PEM file named by {@code kid}, and a PKCS#12 key store made at test time from the TEST-ONLY key
 * and certificate (with openssl, as a vendor's would be, and with keytool's own format), named by
 * its certificate chain ({@code x5c}) or by {@code kid}. The simulator's Maskinporten checks each
 * signature against the client's registered key or certificate.
 */
@ExtendWith(SchemaCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeysTest {
    static final char[] PASSWORD = "test-only-password".toCharArray();
    static Sim sim;

    @BeforeAll
    static void start() {
        sim = Sim.start();
    }

    @AfterAll
    static void stop() {
        if (sim != null) sim.close();
    }

    static X509Certificate certificate() throws Exception {
        try (InputStream in = Files.newInputStream(Repo.CERT_PEM)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Grants work: a read of the registered system (one grant) and a create (another scope, another grant). */
    static void grantsWork(MaskinportenKey key, String ref) {
        try (SystemUserClient c = SystemUserClient.builder().environment(sim.environment()).maskinporten(Repo.CLIENT_ID, key).build()) {
            assertEquals(Repo.SYSTEM, c.getRegisteredSystem(Repo.SYSTEM).id());
            assertTrue(c.createStandardRequest(StandardRequest.builder(Repo.SYSTEM, "310816191").externalRef(ref)
                    .right(Right.forResource("ske-krav-og-betalinger")).build()).isNew());
        }
    }

    @Test
    void pemKeyNamedByKid() {
        grantsWork(Repo.pemKey(), "keys-pem");
    }

    @Test
    void pkcs12FromOpensslNamedByItsCertificateChain(@TempDir Path dir) throws Exception {
        Path p12 = dir.resolve("virksomhet.p12");
        Process p = new ProcessBuilder("openssl", "pkcs12", "-export", "-inkey", Repo.KEY_PEM.toString(), "-in", Repo.CERT_PEM.toString(), "-name",
                "virksomhet", "-out", p12.toString(), "-passout", "pass:" + new String(PASSWORD)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl pkcs12 -export: " + out);
        MaskinportenKey key = MaskinportenKey.fromPkcs12(p12, PASSWORD, null);
        assertTrue(key.toString().contains("x5c chain of 1"), key.toString());
        assertEquals(java.util.Optional.empty(), key.kid());
        grantsWork(key, "keys-p12-openssl");
        // The same key store's key, registered as a JWK: named by kid instead.
        grantsWork(MaskinportenKey.fromPkcs12(p12, PASSWORD, "virksomhet").withKid(Repo.KID), "keys-p12-kid");
    }

    @Test
    void pkcs12WrittenByJavaNamedByItsCertificateChain(@TempDir Path dir) throws Exception {
        PrivateKey pk = java.security.KeyFactory.getInstance("RSA").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getMimeDecoder()
                .decode(Files.readString(Repo.KEY_PEM).replaceAll("-----[A-Z ]+-----", ""))));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("mp", pk, PASSWORD, new Certificate[] {certificate()});
        Path p12 = dir.resolve("java.p12");
        try (OutputStream o = Files.newOutputStream(p12)) {
            store.store(o, PASSWORD);
        }
        grantsWork(MaskinportenKey.fromPkcs12(p12, PASSWORD, "mp"), "keys-p12-java");
        grantsWork(MaskinportenKey.of(pk, List.of(certificate())), "keys-chain");
    }

    @Test
    void aKeyOfAnotherClientIsRefusedByMaskinportenAndABadStoreBeforeAnything(@TempDir Path dir) throws Exception {
        MaskinportenKey other = MaskinportenKey.fromPemFile(Repo.keys("TEST-ONLY-konkurrent-client-key.pk8.pem"), Repo.KID);
        try (SystemUserClient c = SystemUserClient.builder().environment(sim.environment()).maskinporten(Repo.CLIENT_ID, other).build()) {
            assertEquals("MP-120", assertThrows(MaskinportenException.class, () -> c.getRegisteredSystem(Repo.SYSTEM)).code().orElseThrow());
        }
        Path empty = dir.resolve("empty.p12");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (OutputStream o = Files.newOutputStream(empty)) {
            store.store(o, PASSWORD);
        }
        java.security.GeneralSecurityException e = assertThrows(java.security.GeneralSecurityException.class, () -> MaskinportenKey.fromPkcs12(empty, PASSWORD, null));
        assertTrue(e.getMessage().contains("no private key"), e.getMessage());
        // A signer that fails: a TokenException, nothing sent to Maskinporten.
        long before = sim.apiCalls();
        try (SystemUserClient c = SystemUserClient.builder().environment(sim.environment())
                .maskinporten(Repo.CLIENT_ID, MaskinportenKey.of(data -> {
                    throw new java.security.SignatureException("the HSM is offline");
                }, Repo.KID)).build()) {
            TokenException t = assertThrows(TokenException.class, () -> c.getRegisteredSystem(Repo.SYSTEM));
            assertTrue(t.getMessage().contains("SignatureException") || t.getMessage().contains("sign"), t.getMessage());
        }
        assertEquals(before, sim.apiCalls());
    }
}
