// A small test runner (no xunit/nunit is to be had from Debian for this Mono): [Test] methods
// (void or Task) and [Cases] methods (IEnumerable<TestCase>, one test each), run one at a time
// in declaration order, each under a time limit. Prints "ok - name" / "not ok - name" and the
// closing line "dotnet: N passed, M failed in S.SSs" (scripts/test-summary.sh counts it).
// Arguments: substrings of test names to run only those.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class TestAttribute : Attribute
    {
        public int TimeoutSeconds = 60;
    }

    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class CasesAttribute : Attribute
    {
        public int TimeoutSeconds = 60;
    }

    internal sealed class TestCase
    {
        public TestCase(string name, Func<Task> body)
        {
            Name = name;
            Body = body;
        }

        public string Name { get; private set; }
        public Func<Task> Body { get; private set; }
    }

    internal sealed class AssertionFailed : Exception
    {
        public AssertionFailed(string message) : base(message) { }
    }

    internal static class Assert
    {
        public static void True(bool condition, string message)
        {
            if (!condition) throw new AssertionFailed(message);
        }

        public static void False(bool condition, string message) { True(!condition, message); }

        public static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual)) throw new AssertionFailed(what + ": expected " + Show(expected) + ", got " + Show(actual));
        }

        public static void NotNull(object value, string what) { True(value != null, what + ": null"); }

        public static void Contains(string needle, string haystack, string what)
        {
            True(haystack != null && haystack.Contains(needle), what + ": " + Show(haystack) + " does not contain " + Show(needle));
        }

        public static void Fail(string message) { throw new AssertionFailed(message); }

        /// <summary>The exception of type T that <paramref name="call"/> throws; fails on anything else.</summary>
        public static async Task<T> Throws<T>(Func<Task> call, string what) where T : Exception
        {
            try
            {
                await call();
            }
            catch (T e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new AssertionFailed(what + ": expected " + typeof(T).Name + ", got " + e.GetType().Name + ": " + e.Message);
            }
            throw new AssertionFailed(what + ": expected " + typeof(T).Name + ", but the call succeeded");
        }

        public static T ThrowsSync<T>(Action call, string what) where T : Exception
        {
            return Throws<T>(() => { call(); return Task.FromResult(0); }, what).GetAwaiter().GetResult();
        }

        private static string Show(object o)
        {
            if (o == null) return "null";
            string s = o.ToString();
            return s.Length > 300 ? s.Substring(0, 300) + "…" : s;
        }
    }

    internal static class Runner
    {
        public static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "--abi-probe") return LoadTests.Probe();
            var watch = Stopwatch.StartNew();
            int passed = 0, failed = 0;
            var failures = new List<string>();
            try
            {
                Fixture.Start();
            }
            catch (Exception e)
            {
                Console.WriteLine("not ok - fixture: " + e.GetType().Name + ": " + e.Message);
                Console.WriteLine("dotnet: 0 passed, 1 failed in " + Seconds(watch));
                return 1;
            }
            try
            {
                foreach (Type type in Classes())
                {
                    foreach (MethodInfo m in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly).OrderBy(m => m.MetadataToken))
                    {
                        var test = m.GetCustomAttribute<TestAttribute>();
                        var cases = m.GetCustomAttribute<CasesAttribute>();
                        if (test == null && cases == null) continue;
                        string prefix = type.Name + "." + m.Name;
                        var run = new List<TestCase>();
                        int timeout;
                        if (test != null)
                        {
                            MethodInfo method = m;
                            run.Add(new TestCase(prefix, () => Invoke(method)));
                            timeout = test.TimeoutSeconds;
                        }
                        else
                        {
                            timeout = cases.TimeoutSeconds;
                            IEnumerable<TestCase> made;
                            try
                            {
                                made = (IEnumerable<TestCase>)m.Invoke(m.IsStatic ? null : Activator.CreateInstance(m.DeclaringType), null);
                            }
                            catch (Exception e)
                            {
                                Report(prefix, Unwrap(e), ref failed, failures);
                                continue;
                            }
                            foreach (TestCase c in made) run.Add(new TestCase(prefix + ": " + c.Name, c.Body));
                        }
                        foreach (TestCase c in run)
                        {
                            if (!Selected(args, c.Name)) continue;
                            Exception error = RunOne(c, timeout);
                            if (error == null)
                            {
                                passed++;
                                Console.WriteLine("ok - " + c.Name);
                            }
                            else
                            {
                                Report(c.Name, error, ref failed, failures);
                            }
                        }
                    }
                }
            }
            finally
            {
                Fixture.Stop();
            }
            if (failures.Count > 0)
            {
                Console.WriteLine();
                Console.WriteLine("failures:");
                foreach (string f in failures) Console.WriteLine("  " + f);
            }
            Console.WriteLine("dotnet: " + passed + " passed, " + failed + " failed in " + Seconds(watch));
            return failed == 0 && passed > 0 ? 0 : 1;
        }

        private static string Seconds(Stopwatch w)
        {
            return w.Elapsed.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + "s";
        }

        private static bool Selected(string[] args, string name)
        {
            return args.Length == 0 || args.Any(a => name.Contains(a));
        }

        private static void Report(string name, Exception e, ref int failed, List<string> failures)
        {
            failed++;
            string text = e is AssertionFailed ? e.Message : e.GetType().Name + ": " + e.Message;
            Console.WriteLine("not ok - " + name + ": " + text);
            if (!(e is AssertionFailed) && e.StackTrace != null)
            {
                foreach (string line in e.StackTrace.Split('\n').Take(6)) Console.WriteLine("    " + line.Trim());
            }
            failures.Add(name + ": " + text);
        }

        private static IEnumerable<Type> Classes()
        {
            // Declaration order of the fixture's list, so that the schema summary runs last.
            return Fixture.Order;
        }

        private static Task Invoke(MethodInfo m)
        {
            object target = m.IsStatic ? null : Activator.CreateInstance(m.DeclaringType);
            object result = m.Invoke(target, null);
            var task = result as Task;
            return task ?? Task.FromResult(0);
        }

        private static Exception RunOne(TestCase c, int timeoutSeconds)
        {
            Task task;
            try
            {
                task = Task.Run(c.Body);
            }
            catch (Exception e)
            {
                return Unwrap(e);
            }
            try
            {
                if (!task.Wait(TimeSpan.FromSeconds(timeoutSeconds))) return new TimeoutException("the test did not finish within " + timeoutSeconds + " s");
                return null;
            }
            catch (Exception e)
            {
                return Unwrap(e);
            }
        }

        private static Exception Unwrap(Exception e)
        {
            while (true)
            {
                var agg = e as AggregateException;
                if (agg != null && agg.InnerExceptions.Count == 1) { e = agg.InnerExceptions[0]; continue; }
                var tie = e as TargetInvocationException;
                if (tie != null && tie.InnerException != null) { e = tie.InnerException; continue; }
                return e;
            }
        }
    }
}
