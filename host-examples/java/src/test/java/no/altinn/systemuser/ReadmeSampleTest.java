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
}
