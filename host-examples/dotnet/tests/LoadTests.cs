// Loading: the ABI version check refuses another library clearly (a real libsystemuser
// stand-in built with cc, in a child process), a missing library is a LoadException, and a
// component that cannot be read or compiled is one too.
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    internal sealed class LoadTests
    {
        /// <summary>Child-process mode: load the library found the usual way and say what happened.</summary>
        internal static int Probe()
        {
            try
            {
                Console.WriteLine("loaded, ABI " + SystemUserRuntime.LibraryAbiVersion);
                return 0;
            }
            catch (LoadException e)
            {
                Console.WriteLine("LoadException: " + e.Message);
                return 3;
            }
        }

        /// <summary>Runs the probe from a directory holding the assemblies and, when given, a library.</summary>
        private static string RunProbe(string libraryToPlace, out int exitCode)
        {
            string dir = Path.Combine(Path.GetTempPath(), "su-probe-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                foreach (string f in new[] { typeof(SystemUserClient).Assembly.Location, typeof(LoadTests).Assembly.Location })
                    File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
                if (libraryToPlace != null) File.Copy(libraryToPlace, Path.Combine(dir, "libsystemuser.so"));
                var psi = new ProcessStartInfo("mono", Path.Combine(dir, Path.GetFileName(typeof(LoadTests).Assembly.Location)) + " --abi-probe")
                {
                    UseShellExecute = false,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    WorkingDirectory = dir,
                };
                psi.EnvironmentVariables["LD_LIBRARY_PATH"] = dir;
                psi.EnvironmentVariables["SYSTEMUSER_ROOT"] = Repo.Root;
                using (Process p = Process.Start(psi))
                {
                    Task<string> err = p.StandardError.ReadToEndAsync();
                    string output = p.StandardOutput.ReadToEnd();
                    if (!p.WaitForExit(30000))
                    {
                        p.Kill();
                        throw new TimeoutException("the probe did not end in 30 s");
                    }
                    exitCode = p.ExitCode;
                    return output + err.Result;
                }
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
        }

        [Test(TimeoutSeconds = 90)]
        public void ALibraryOfAnotherAbiVersionIsRefusedClearly()
        {
            string dir = Path.Combine(Path.GetTempPath(), "su-fake-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string c = Path.Combine(dir, "fake.c"), so = Path.Combine(dir, "libsystemuser.so");
                File.WriteAllText(c, "#include <stdint.h>\nuint32_t su_abi_version(void) { return 2; }\n");
                var psi = new ProcessStartInfo("cc", "-shared -fPIC -o " + so + " " + c) { UseShellExecute = false, RedirectStandardError = true };
                using (Process p = Process.Start(psi))
                {
                    string err = p.StandardError.ReadToEnd();
                    Assert.True(p.WaitForExit(60000) && p.ExitCode == 0, "cc built the stand-in: " + err);
                }
                int code;
                string output = RunProbe(so, out code);
                Assert.Equal(3, code, "the probe's exit code (output: " + output.Trim() + ")");
                Assert.Contains("libsystemuser speaks ABI version 2, this binding speaks version 1", output, "the refusal");
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
        }

        [Test(TimeoutSeconds = 90)]
        public void TheRealLibraryLoadsInTheProbe()
        {
            int code;
            string output = RunProbe(Repo.Path("target/release/libsystemuser.so"), out code);
            Assert.Equal(0, code, "the probe's exit code (output: " + output.Trim() + ")");
            Assert.Contains("loaded, ABI 1", output, "the probe");
        }

        [Test(TimeoutSeconds = 90)]
        public void AMissingLibraryIsALoadException()
        {
            int code;
            string output = RunProbe(null, out code);
            Assert.Equal(3, code, "the probe's exit code (output: " + output.Trim() + ")");
            Assert.Contains("libsystemuser could not be loaded", output, "the refusal");
        }

        [Test]
        public void AComponentThatCannotBeReadOrCompiledIsALoadException()
        {
            var e = Assert.ThrowsSync<LoadException>(() => SystemUserRuntime.Load("/nonexistent/component.wasm"), "a missing file");
            Assert.Equal("load", e.KindName, "kind");
            var core = new byte[] { 0, (byte)'a', (byte)'s', (byte)'m', 1, 0, 0, 0 };
            Assert.ThrowsSync<LoadException>(() => SystemUserRuntime.FromBytes(core), "a core module, not a component");
        }

        [Test]
        public void TheEmbeddedComponentIsTheBuiltOne()
        {
            byte[] embedded = SystemUserRuntime.EmbeddedComponent();
            byte[] built = File.ReadAllBytes(Repo.Path("target/wasm/altinn_systemuser.wasm"));
            Assert.True(embedded.SequenceEqual(built), "the embedded component equals target/wasm/altinn_systemuser.wasm");
        }

        [Test]
        public void ARuntimeWithACacheDirectoryStartsFromTheCache()
        {
            string dir = Path.Combine(Path.GetTempPath(), "su-cache-" + Guid.NewGuid().ToString("N"));
            try
            {
                var options = new RuntimeOptions { CacheDirectory = dir };
                var w = Stopwatch.StartNew();
                using (SystemUserRuntime first = SystemUserRuntime.Load(Repo.Path("target/wasm/altinn_systemuser.wasm"), options)) { }
                long compiled = w.ElapsedMilliseconds;
                Assert.True(Directory.GetFiles(dir, "*.cwasm").Length == 1, "one compiled artifact in the cache");
                w.Restart();
                using (SystemUserRuntime second = SystemUserRuntime.Load(Repo.Path("target/wasm/altinn_systemuser.wasm"), options))
                using (var client = new SystemUserClient(new SystemUserClientOptions { Environment = Fixture.Sim.Environment, TokenProvider = Fixture.Sim.Tokens }, second))
                {
                    Assert.True(client.Validate(Fixtures.Standard("310816191", "cache")).IsValid, "the cached component works");
                }
                Console.WriteLine("  runtime: compiled in " + compiled + " ms, from the cache in " + w.ElapsedMilliseconds + " ms (with a client and a validate)");
            }
            finally
            {
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
        }
    }
}
