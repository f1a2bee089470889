package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * No token, assertion or key material in any {@code toString()}, message, detail or stack trace
 * of any value or exception: checked against every secret the simulator dealt in (its secret
 * log: each token it minted, each assertion it received, its token key), with the server
 * quoting the bearer token and the assertion back.
 */
@ExtendWith(SchemaCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NoSecretsTest {
    /** Every text of an error: toString, message, details as JSON, the stack trace, and the same of every cause. */
    static List<String> texts(Throwable error) {
        List<String> out = new ArrayList<>();
        for (Throwable t = error; t != null; t = t.getCause()) {
            out.add(String.valueOf(t));
            out.add(String.valueOf(t.getMessage()));
            StringWriter w = new StringWriter();
            t.printStackTrace(new PrintWriter(w));
            out.add(w.toString());
            if (t instanceof SystemUserException) out.add(Json.write(((SystemUserException) t).details()));
            if (t instanceof ProblemException) out.add(((ProblemException) t).extensions().toString());
        }
        return out;
    }

    /** The secrets a token stands for: itself and each part of it as a JWT of 16 characters or more. */
    static List<String> parts(String secret) {
        List<String> out = new ArrayList<>(List.of(secret));
        for (String p : secret.split("\\.")) if (p.length() >= 16 && !p.equals(secret)) out.add(p);
        return out;
    }

    static void assertNoSecret(Throwable error, List<String> secrets) {
        for (String text : texts(error)) {
            for (String secret : secrets) {
                for (String part : parts(secret)) {
                    assertFalse(text.contains(part), "a secret (" + part.substring(0, Math.min(6, part.length())) + "…) shows in " + error.getClass().getSimpleName());
                }
            }
        }
    }

    static void assertNoSecretIn(String text, List<String> secrets) {
        for (String secret : secrets) for (String part : parts(secret)) assertFalse(text.contains(part), "a secret (" + part.substring(0, 6) + "…) shows");
    }

    @Test
    void anEchoedBearerTokenShowsNowhere() {
        try (Sim sim = Sim.start(); SystemUserClient c = sim.tokenClient()) {
            sim.fault("get_request", "echo_token");
            AltinnException e = assertThrows(AltinnException.class, () -> c.getRequest("0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f"));
            assertFalse(sim.minted.isEmpty());
            assertNoSecret(e, sim.minted);
            assertFalse(e.extensions().isEmpty(), "the problem's extensions are kept (redacted)");
            assertTrue(Json.write(e.details()).contains("[redacted]"));
            assertNoSecretIn(c.toString(), sim.minted);
        }
    }

    @Test
    void inMaskinportenModeNoGrantTokenOrKeyShowsEvenWhenMaskinportenQuotesTheAssertion(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("secrets.txt");
        try (Sim sim = Sim.start(Map.of("ALTINN_SIM_SECRET_LOG", log.toString())); SystemUserClient c = sim.keyClient()) {
            List<Throwable> errors = new ArrayList<>();
            errors.add(assertThrows(NotFoundException.class, () -> c.getRequest("0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f")));
            String id = c.createStandardRequest(StandardRequest.builder(Repo.SYSTEM, "310816191").externalRef("secret-1")
                    .right(Right.forResource("ske-krav-og-betalinger")).build()).request().id();
            sim.approve(id);
            AccessToken token = c.systemUserToken("310816191", "secret-1", List.of(Repo.SERVICE_SCOPE));
            errors.add(assertThrows(MaskinportenException.class, () -> c.systemUserToken("310816191", null, List.of(Repo.SERVICE_SCOPE))));
            sim.fault("get_request", "echo_token");
            errors.add(assertThrows(AltinnException.class, () -> c.getRequest(id)));
            sim.fault("maskinporten_token", "echo_token");
            errors.add(assertThrows(MaskinportenException.class, () -> c.systemUserToken("310816191", "secret-1", List.of("altinn:authentication/systemuser.request.read"))));

            List<String> secrets = new ArrayList<>(Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList());
            assertTrue(secrets.size() >= 4, "the simulator logged the tokens and assertions it dealt in: " + secrets.size());
            assertTrue(secrets.contains(token.accessToken()), "the system-user token is one of them");
            for (Throwable e : errors) assertNoSecret(e, secrets);
            assertNoSecretIn(token.toString(), secrets);
            assertNoSecretIn(c.toString(), secrets);
            // The key: no line of the PEM file in any text.
            List<String> keyLines = Files.readAllLines(Repo.KEY_PEM).stream().filter(l -> l.length() >= 16 && !l.startsWith("-----")).toList();
            for (Throwable e : errors) for (String t : texts(e)) for (String line : keyLines) assertFalse(t.contains(line), "a key line shows");
            for (String line : keyLines) assertFalse(Repo.pemKey().toString().contains(line) || c.toString().contains(line));
        }
    }

    @Test
    void valuesShowNoSecret() {
        String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzeXN0ZW11c2VyIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
        AccessToken token = new AccessToken(jwt, "ttd:regnskap.read", Instant.parse("2026-03-01T10:15:00Z"));
        assertNoSecretIn(token.toString(), List.of(jwt));
        assertTrue(token.toString().contains("masked"), token.toString());
        assertTrue(token.toString().contains("ttd:regnskap.read"));
        assertNoSecretIn(new CreatedRequest(null, true, false).toString(), List.of(jwt));
        MaskinportenKey key = Repo.pemKey();
        assertTrue(key.toString().contains("kid=" + Repo.KID) && key.toString().contains("RSA 2048"), key.toString());
        assertThrows(IllegalArgumentException.class, () -> MaskinportenKey.fromPem("-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretsecretsecret\n-----END RSA PRIVATE KEY-----", "k"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> MaskinportenKey.fromPem("-----BEGIN PRIVATE KEY-----\nMIIEsecretsecretsecretAAAA\n-----END PRIVATE KEY-----", "k"));
        assertFalse(bad.getMessage().contains("MIIEsecret"), bad.getMessage());
        assertTrue(Pump.masked("vault said token=" + jwt + " for scope x").contains("[masked]"));
        assertFalse(Pump.masked("vault said token=" + jwt).contains("eyJhbGciOiJIUzI1NiJ9"));
    }
}
