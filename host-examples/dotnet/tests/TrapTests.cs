// A trap inside the component (the test-trap build panics on the external ref "test-trap")
// is a ComponentException; the same client then works.
using System;
using System.Threading.Tasks;

namespace Altinn.SystemUser.Tests
{
    internal sealed class TrapTests
    {
        [Test]
        public async Task ATrapThenSuccessfulCallsOnTheSameClient()
        {
            Sim sim = Fixture.Sim;
            using (SystemUserRuntime trapRuntime = SystemUserRuntime.Load(Repo.Path("target/wasm/altinn_systemuser.test-trap.wasm")))
            using (SystemUserClient c = sim.TokenClient(null, trapRuntime))
            {
                var e = await Assert.Throws<ComponentException>(() => c.CreateStandardRequestAsync(Fixtures.Standard("317103360", "test-trap")), "the trap");
                Assert.Equal(ErrorKind.Component, e.Kind, "kind");
                Assert.Equal("component", e.KindName, "kind name");
                Assert.True(e is LibraryException, "a library error");
                string reference = Fixtures.Ref("after-trap");
                CreatedRequest created = await c.CreateStandardRequestAsync(Fixtures.Standard("317103360", reference));
                Assert.True(created.IsNew, "a create on the same client after the trap");
                Assert.Equal(created.Request.Id, (await c.GetRequestAsync(created.Request.Id)).Id, "a get after the trap");
                Assert.True(c.Validate(Fixtures.Standard("317103360", "ok")).IsValid, "validate after the trap");
                await Assert.Throws<ComponentException>(() => c.CreateStandardRequestAsync(Fixtures.Standard("317103360", "test-trap")), "a second trap");
                Assert.Equal(reference, (await c.GetRequestByExternalRefAsync(Repo.StandardSystem, "317103360", reference)).ExternalRef, "and calls after it");
            }
        }
    }
}
