package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The README's ten-line sample runs as written: taken from README.md, launched as a source file against the jar, from the repository root, on a simulator. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReadmeSampleTest {
    @Test
    void theTenLineSampleRunsAsWritten(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Repo.ROOT.resolve("host-examples/java/README.md"));
        int at = readme.indexOf("## Ten lines");
        int start = readme.indexOf("```java\n", at) + "```java\n".length();
        int end = readme.indexOf("```", start);
        assertTrue(at > 0 && start > at && end > start, "README.md has a java block under \"## Ten lines\"");
        String source = readme.substring(start, end);
        Path file = dir.resolve("Sample.java");
        Files.writeString(file, source);
        try (Sim sim = Sim.start()) {
            String jar = LoaderTest.jar().toString();
            Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
            Process p = new ProcessBuilder(javaBin.toString(), "-cp", jar + ":/usr/share/java/jna.jar", file.toString(), sim.url).directory(Repo.ROOT.toFile())
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            boolean done = p.waitFor(90, TimeUnit.SECONDS);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!done) p.destroyForcibly();
            assertTrue(done, "the sample finished");
            assertEquals(0, p.exitValue(), out);
            List<String> lines = out.lines().toList();
            assertTrue(lines.get(0).matches("true New " + java.util.regex.Pattern.quote(sim.url) + "/accessmanagement/ui/systemuser/request\\?id=[0-9a-f-]{36}&DONTCHOOSEREPORTEE=true"), out);
            assertTrue(lines.get(1).equals("partyOrgNo org-no-checksum 310816192 is not a valid organisation number: its check digit (mod 11) is wrong; check for a typo"), out);
        }
    }

    /** A java block of README.md after {@code heading} (the {@code n}th, from 0). */
    static String block(String readme, String heading, int n) {
        int at = readme.indexOf(heading);
        assertTrue(at > 0, "README.md has " + heading);
        int start = at;
        for (int i = 0; i <= n; i++) start = readme.indexOf("```java\n", start) + "```java\n".length();
        int end = readme.indexOf("```", start);
        return readme.substring(start, end);
    }

    /** Runs a source file against the jar from the repository root; its output lines. */
    static List<String> run(Path file, String url) throws Exception {
        String jar = LoaderTest.jar().toString();
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(javaBin.toString(), "-cp", jar + ":/usr/share/java/jna.jar", file.toString(), url).directory(Repo.ROOT.toFile())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        boolean done = p.waitFor(90, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) p.destroyForcibly();
        assertTrue(done, "the sample finished");
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    @Test
    void theSystemRegisterAndDelegationSamplesRunAsWritten(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Repo.ROOT.resolve("host-examples/java/README.md"));
        Path vendor = dir.resolve("Vendor.java");
        Path bureau = dir.resolve("BureauSoftware.java");
        Files.writeString(vendor, block(readme, "## System Register and client delegation", 0));
        Files.writeString(bureau, block(readme, "## System Register and client delegation", 1));
        try (Sim sim = Sim.start()) {
            List<String> out = run(vendor, sim.url);
            String[] created = out.get(0).split(" ");
            assertTrue(created[1].contains("/agentrequest?id=" + created[0]), out.toString());
            sim.approve(created[0]);
            sim.clientAdministrator("310816191", "byraa-klientadm");
            out = run(bureau, sim.url);
            assertEquals(List.of("314224965 STORFOSSEN KRAFT AS", "316501389 HEIBAKKEN BYGG OG ANLEGG AS"), out.subList(0, 2).stream().sorted().toList(), out.toString());
            assertTrue(out.get(2).startsWith("AUTH-00079 "), out.toString());
            assertEquals(1, sim.calls("exchange_token"), "one exchange for the bureau's calls");
        }
    }
}
