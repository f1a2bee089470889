import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import no.altinn.systemuser.AccessPackage;
import no.altinn.systemuser.AccessToken;
import no.altinn.systemuser.AgentRequest;
import no.altinn.systemuser.CreatedRequest;
import no.altinn.systemuser.Environment;
import no.altinn.systemuser.MaskinportenException;
import no.altinn.systemuser.MaskinportenKey;
import no.altinn.systemuser.RequestKind;
import no.altinn.systemuser.RequestStatus;
import no.altinn.systemuser.Right;
import no.altinn.systemuser.StandardRequest;
import no.altinn.systemuser.SystemUser;
import no.altinn.systemuser.SystemUserClient;
import no.altinn.systemuser.SystemUserRequest;
import no.altinn.systemuser.UserType;
import no.altinn.systemuser.ValidationException;
import no.altinn.systemuser.Violation;

/**
 * The vendor's story against a local Altinn (the simulator, admin routes on), through the Java
 * package: create a standard request, the customer approves it on the confirm page (a browser's
 * GET and form POST), wait for Accepted, verify the system user, get a token to act as it, then
 * an agent request, and a request refused before anything is sent. Every step checks what it
 * got; the first surprise ends the demo with exit 1.
 *
 * <pre>java -cp altinn-systemuser-0.1.0.jar:jna.jar:. Demo http://127.0.0.1:PORT simulator/tests/keys/TEST-ONLY-client-key.pk8.pem</pre>
 */
public final class Demo {
    static final String VENDOR = "314248295";
    static final String SYSTEM = "314248295_smartregnskap";
    static final String AGENT_SYSTEM = "314248295_smartbyraa";
    static final String CLIENT_ID = "sim-smartregnskap-client";
    static final String KID = "sim-test-key-1";
    static final String REDIRECT = "https://smartregnskap.example/callback";
    static final String SERVICE_SCOPE = "ttd:regnskap.read";

    /** A browser: no redirects followed (we want to see where the customer is sent), no proxy (loopback). */
    static final HttpClient BROWSER = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

    final String base;
    final SystemUserClient client;

    Demo(String base, SystemUserClient client) {
        this.base = base;
        this.client = client;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Demo SIMULATOR_URL KEY_PEM (demo.sh starts the simulator and passes both)");
            System.exit(2);
        }
        long started = System.nanoTime();
        String base = args[0];
        MaskinportenKey key = MaskinportenKey.fromPemFile(Path.of(args[1]), KID);
        System.out.println("altinn-systemuser for Java: a vendor's system user requests, end to end");
        System.out.println("A local Altinn (the simulator) is running at " + base + ".");
        System.out.println("Vendor " + VENDOR + " (SMARTREGNSKAP AS) has the Maskinporten client " + CLIENT_ID + " and its key (" + KID + ", TEST-ONLY).");
        System.out.println("Each call runs the altinn-systemuser component inside libsystemuser (through JNA); this JVM does the");
        System.out.println("HTTP (java.net.http), signs each Maskinporten grant (java.security) and waits between retries.");
        long t0 = System.nanoTime();
        try (SystemUserClient client = SystemUserClient.builder().environment(Environment.local(base)).maskinporten(CLIENT_ID, key)
                .timeout(Duration.ofSeconds(10)).deadline(Duration.ofSeconds(30)).build()) {
            System.out.printf("  (client ready in %.0f ms: libsystemuser loaded, the component compiled, or from the cache after the first start)%n",
                    (System.nanoTime() - t0) / 1e6);
            Demo demo = new Demo(base, client);
            demo.approvedStandard();
            demo.agentRequest();
            demo.refusedBeforeSending();
            long[] counts = demo.callCounts();
            System.out.println();
            System.out.println("Maskinporten grants: " + counts[0] + " for " + counts[1] + " Altinn calls (the component caches each token per scope and customer).");
            System.out.printf("✓ demo finished: every step behaved as expected (%.1f s)%n", (System.nanoTime() - started) / 1e9);
        } catch (DemoFailure e) {
            System.out.println();
            System.out.printf("✗ demo failed after %.1f s: %s%n", (System.nanoTime() - started) / 1e9, e.getMessage());
            System.exit(1);
        }
    }

    void approvedStandard() throws Exception {
        section(1, "A standard request with a right, a package and a redirect URL, approved by the customer");
        String org = "310816191";
        String ref = "erp-customer-42";
        call("client.createStandardRequest(StandardRequest.builder(\"" + SYSTEM + "\", \"" + org + "\").externalRef(\"" + ref + "\")…)");
        StandardRequest input = StandardRequest.builder(SYSTEM, org).externalRef(ref).integrationTitle("SmartRegnskap for Kunde AS")
                .right(Right.forResource("ske-krav-og-betalinger")).accessPackage(AccessPackage.named("skattegrunnlag")).redirectUrl(REDIRECT).build();
        CreatedRequest created = client.createStandardRequest(input);
        SystemUserRequest r = created.request();
        printCreated(created);
        expect(created.isNew() && r.status() == RequestStatus.NEW, "expected a new request in status New, got " + r.statusText());
        String confirm = r.confirmLink().orElseThrow(() -> new DemoFailure("the created request has no confirm link"));
        expect(confirm.startsWith(base), "the confirm link " + confirm + " is not on the local Altinn");

        note("in about a second the customer opens the link in a browser and clicks Approve: GET the page, POST its form");
        CompletableFuture<String> customer = customerLater(confirm, "approve");
        watchUntil(r.id(), RequestKind.STANDARD, RequestStatus.ACCEPTED);
        String landed = customer.get(15, TimeUnit.SECONDS);
        note("after approving, the customer's browser was sent to " + landed);
        expect(landed.startsWith(REDIRECT), "expected the customer to be sent to " + REDIRECT + ", not " + landed);

        call("client.verifySystemUser(\"" + SYSTEM + "\", \"" + org + "\", \"" + ref + "\")");
        SystemUser user = client.verifySystemUser(SYSTEM, org, ref).orElseThrow(() -> new DemoFailure("verify found no system user after approval"));
        System.out.println("✓ system user found");
        printUser(user);
        expect(user.id().equals(r.id()), "the system user's id " + user.id() + " should equal the request's id " + r.id());

        note("now the vendor acts for the customer: a system-user token (the grant names the customer and the external ref)");
        call("client.systemUserToken(\"" + org + "\", \"" + ref + "\", List.of(\"" + SERVICE_SCOPE + "\"))");
        AccessToken token = client.systemUserToken(org, ref, List.of(SERVICE_SCOPE));
        System.out.println("✓ system-user token for " + org + ": " + token);
        String details = authorizationDetails(token.accessToken());
        System.out.println("  acts as: " + details);
        expect(details.contains("0192:" + org) && details.contains(r.id()), "the token's authorization_details do not name the customer's system user");
        expect(token.scope().equals(SERVICE_SCOPE), "expected the scope " + SERVICE_SCOPE + ", got " + token.scope());

        note("without the external ref the request used, Maskinporten finds no system user");
        call("client.systemUserToken(\"" + org + "\", null, List.of(\"" + SERVICE_SCOPE + "\"))");
        try {
            client.systemUserToken(org, null, List.of(SERVICE_SCOPE));
            throw new DemoFailure("expected MP-303 without the external ref, got a token");
        } catch (MaskinportenException e) {
            System.out.println("✗ " + e.getMessage() + " [" + e.code().orElse("?") + "]");
            expect(e.code().equals(Optional.of("MP-303")), "expected MP-303, got " + e.code());
        }
    }

    void agentRequest() throws Exception {
        section(2, "An agent request for the client system " + AGENT_SYSTEM + ", approved by the customer");
        String org = "314224965";
        call("client.createAgentRequest(AgentRequest.builder(\"" + AGENT_SYSTEM + "\", \"" + org + "\").accessPackage(AccessPackage.named(\"regnskapsforer-med-signeringsrettighet\"))…)");
        CreatedRequest created = client.createAgentRequest(
                AgentRequest.builder(AGENT_SYSTEM, org).accessPackage(AccessPackage.named("regnskapsforer-med-signeringsrettighet")).build());
        printCreated(created);
        SystemUserRequest r = created.request();
        expect(created.isNew() && r.kind() == RequestKind.AGENT && r.rights().isEmpty(), "expected a new agent request without rights");
        note("the customer approves on the agent confirm page");
        CompletableFuture<String> customer = customerLater(r.confirmLink().orElseThrow(() -> new DemoFailure("no confirm link")), "approve");
        watchUntil(r.id(), RequestKind.AGENT, RequestStatus.ACCEPTED);
        customer.get(15, TimeUnit.SECONDS);

        call("client.verifySystemUser(\"" + AGENT_SYSTEM + "\", \"" + org + "\")");
        SystemUser user = client.verifySystemUser(AGENT_SYSTEM, org).orElseThrow(() -> new DemoFailure("verify found no agent system user"));
        System.out.println("✓ system user found");
        printUser(user);
        expect(user.userType() == UserType.AGENT, "expected an agent system user, got " + user.userTypeText());
        note("the customer now delegates clients to it in Altinn's portal (the vendor's API does not do that)");

        call("client.listAllSystemUsers(\"" + AGENT_SYSTEM + "\")");
        List<SystemUser> users = client.listAllSystemUsers(AGENT_SYSTEM).toList();
        for (SystemUser u : users) System.out.println("  " + u.id() + "  " + u.userTypeText() + "  customer " + u.reporteeOrgNo());
        expect(users.stream().anyMatch(u -> u.id().equals(r.id())), "the new agent system user is missing from the list");
    }

    void refusedBeforeSending() {
        section(3, "Refused before anything is sent: the component checks a request in Altinn's rule order");
        call("client.createStandardRequest(StandardRequest.builder(\"" + SYSTEM + "\", \"310816192\").externalRef(\"kunde 42\")…)");
        try {
            client.createStandardRequest(StandardRequest.builder(SYSTEM, "310816192").externalRef("kunde 42")
                    .accessPackage(AccessPackage.named("regnskapsforer-lonn")).build());
            throw new DemoFailure("expected the component to refuse the input, but a request was created");
        } catch (ValidationException e) {
            for (Violation v : e.violations()) System.out.println("  ✗ " + (v.field().isEmpty() ? "(body)" : v.field()) + ": " + v.message() + " [" + v.code() + "]");
            expect(e.codes().contains("org-no-checksum") && e.codes().contains("external-ref-charset"), "expected org-no-checksum and external-ref-charset, got " + e.codes());
        }
    }

    // ---- the customer's browser (the simulator's confirm page) ----

    /** In a background thread, after a second: opens the confirm page and submits the form holding {@code button}. */
    static CompletableFuture<String> customerLater(String confirmUrl, String button) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(1000);
                return submitForm(confirmUrl, button);
            } catch (Exception e) {
                throw new IllegalStateException("the customer's browser: " + e.getMessage(), e);
            }
        });
    }

    /** What a browser does: GET the page, find the form of the button, POST its hidden fields. Returns the 303's Location. */
    static String submitForm(String pageUrl, String buttonId) throws Exception {
        HttpResponse<String> page = BROWSER.send(HttpRequest.newBuilder(URI.create(pageUrl)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (page.statusCode() != 200) throw new IllegalStateException("GET " + pageUrl + " answered " + page.statusCode());
        String html = page.body();
        int at = html.indexOf("id=\"" + buttonId + "\"");
        if (at < 0) throw new IllegalStateException("the page has no button " + buttonId);
        int formStart = html.lastIndexOf("<form", at);
        if (formStart < 0) throw new IllegalStateException("the button " + buttonId + " is in no form");
        String form = html.substring(formStart, at);
        String action = unescape(attr(form, "action").orElseThrow(() -> new IllegalStateException("the form has no action")));
        List<String> fields = new ArrayList<>();
        for (String input : form.split("<input")) {
            Optional<String> name = attr(input, "name");
            Optional<String> value = attr(input, "value");
            if (name.isPresent() && value.isPresent() && !input.startsWith("<form")) {
                fields.add(URLEncoder.encode(unescape(name.get()), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(unescape(value.get()), StandardCharsets.UTF_8));
            }
        }
        URI target = URI.create(pageUrl).resolve(action);
        HttpResponse<Void> answer = BROWSER.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(String.join("&", fields))).build(), HttpResponse.BodyHandlers.discarding());
        if (answer.statusCode() != 303) throw new IllegalStateException("POST " + target + " answered " + answer.statusCode() + ", not a redirect");
        return answer.headers().firstValue("location").orElse("");
    }

    static Optional<String> attr(String tag, String name) {
        Matcher m = Pattern.compile("\\s" + name + "=\"([^\"]*)\"").matcher(tag);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    static String unescape(String s) {
        return s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    }

    // ---- watching, printing ----

    /** Polls the request every 250 ms (at most 15 s) and prints each status it sees. */
    void watchUntil(String id, RequestKind kind, RequestStatus expected) {
        call("client.getRequest(\"" + id + "\", RequestKind." + kind + ")   (every 250 ms until it is final)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        RequestStatus last = null;
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            SystemUserRequest r = client.getRequest(id, kind);
            if (r.effectiveStatus() != last) {
                System.out.println("  " + Instant.now().toString().substring(11, 19) + "  " + (last == null ? "" : last.wireName() + " → ") + r.statusText());
                seen.add(r.statusText());
                last = r.effectiveStatus();
            }
            if (r.effectiveStatus().isTerminal()) break;
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DemoFailure("interrupted");
            }
        }
        expect(last == expected && seen.equals(List.of("New", expected.wireName())), "expected the watch to show New → " + expected.wireName() + "; it saw " + seen);
        System.out.println("  ✓ " + expected.wireName() + " (" + (seen.size() - 1) + " change seen)");
    }

    static void printCreated(CreatedRequest c) {
        SystemUserRequest r = c.request();
        System.out.println((c.isNew() ? "✓ created" : "✓ existing") + " request " + r.id() + " (" + r.statusText() + ")");
        System.out.println("  kind:         " + r.kind().wireName());
        System.out.println("  system:       " + r.systemId());
        System.out.println("  customer:     " + r.partyOrgNo());
        System.out.println("  external ref: " + r.externalRef());
        for (Right right : r.rights()) System.out.println("  right:        " + right.resource().get(0).id() + "=" + right.resource().get(0).value());
        for (AccessPackage p : r.accessPackages()) System.out.println("  package:      " + p.urn());
        r.confirmLink().ifPresent(url -> {
            String title = "Send this link to the customer; they approve it in Altinn:";
            int width = Math.max(title.length(), url.length());
            String line = "─".repeat(width + 2);
            System.out.println("┌" + line + "┐");
            System.out.println("│ " + pad(title, width) + " │");
            System.out.println("│ " + pad(url, width) + " │");
            System.out.println("└" + line + "┘");
        });
    }

    static void printUser(SystemUser u) {
        System.out.println("  id:           " + u.id());
        System.out.println("  type:         " + u.userTypeText());
        System.out.println("  system:       " + u.systemId());
        System.out.println("  customer:     " + u.reporteeOrgNo());
        System.out.println("  external ref: " + u.externalRef());
        System.out.println("  created:      " + u.created());
    }

    /** The token's {@code authorization_details} (its payload is not secret; the signature is what makes it a credential, never shown). */
    static String authorizationDetails(String jwt) {
        String[] parts = jwt.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        int at = payload.indexOf("\"authorization_details\"");
        if (at < 0) return "(no authorization_details)";
        int start = payload.indexOf('[', at);
        int depth = 0;
        for (int i = start; i < payload.length(); i++) {
            char c = payload.charAt(i);
            if (c == '[' || c == '{') depth++;
            if (c == ']' || c == '}') depth--;
            if (depth == 0) return payload.substring(start, i + 1);
        }
        return payload.substring(start);
    }

    /** [grants posted to Maskinporten, Altinn calls] from the simulator's call log. */
    long[] callCounts() throws Exception {
        HttpResponse<String> r = BROWSER.send(HttpRequest.newBuilder(URI.create(base + "/_sim/calls")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"route\":\"([a-z_]+)\"").matcher(r.body());
        long grants = 0, altinn = 0;
        while (m.find()) {
            if (m.group(1).equals("maskinporten_token")) grants++;
            else altinn++;
        }
        return new long[] {grants, altinn};
    }

    static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }

    static void section(int n, String title) {
        System.out.println();
        System.out.println("━━ " + n + ". " + title + " ━━");
    }

    static void call(String line) {
        System.out.println();
        System.out.println("> " + line);
    }

    static void note(String text) {
        System.out.println("  (" + text + ")");
    }

    static void expect(boolean ok, String what) {
        if (!ok) throw new DemoFailure(what);
    }

    static final class DemoFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DemoFailure(String message) {
            super(message);
        }
    }
}
