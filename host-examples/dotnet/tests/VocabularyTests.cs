// The package's public names against tests/vocabulary.json, the one vocabulary every host follows
// (the root README's table is written from it): each operation a public method of the client,
// each error kind a public exception under the one base, and statuses written as Altinn spells them.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace Altinn.SystemUser.Tests
{
    internal sealed class VocabularyTests
    {
        private static readonly JsonObject Vocabulary = Repo.Json("tests/vocabulary.json");

        private static List<string[]> Named(string table)
        {
            return Vocabulary.GetArray(table).Cast<JsonObject>()
                .Where(r => r.GetString("csharp") != null)
                .Select(r => new[] { r.GetString("concept"), r.GetString("csharp") })
                .ToList();
        }

        [Test]
        public void EveryOperationIsAPublicMethodOfTheClient()
        {
            List<string[]> ops = Named("operations");
            Assert.True(ops.Count >= 20, ops.Count + " operations");
            var methods = new HashSet<string>(typeof(SystemUserClient).GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => m.Name));
            string missing = string.Join(", ", ops.Where(o => !methods.Contains(o[1])).Select(o => o[0] + ": " + o[1]));
            Assert.Equal("", missing, "named in tests/vocabulary.json, not a public method of SystemUserClient");
        }

        [Test]
        public void EveryErrorKindIsAPublicExceptionUnderTheOneBase()
        {
            List<string[]> errors = Named("errors");
            Assembly assembly = typeof(SystemUserClient).Assembly;
            Type baseType = assembly.GetType("Altinn.SystemUser." + errors[0][1]);
            Assert.Equal(typeof(SystemUserException), baseType, "the base");
            foreach (string[] e in errors.Skip(1))
            {
                Type t = assembly.GetType("Altinn.SystemUser." + e[1]);
                Assert.True(t != null && t.IsPublic && t.IsSubclassOf(baseType), e[0] + ": " + e[1]);
            }
        }

        [Test]
        public void StatusesAreWrittenAsAltinnSpellsThem()
        {
            string want = string.Join(",", Vocabulary.GetObject("statuses").GetArray("request").Cast<string>());
            RequestStatus[] all = { RequestStatus.New, RequestStatus.Accepted, RequestStatus.Rejected, RequestStatus.Denied, RequestStatus.TimedOut };
            Assert.Equal(want, string.Join(",", all.Select(s => s.WireName())), "statuses");
        }
    }
}
