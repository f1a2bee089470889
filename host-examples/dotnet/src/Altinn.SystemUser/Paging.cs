// Every page of a list, one operation per page, as an async enumerator that compiles on
// netstandard2.0 (no IAsyncEnumerable there): a while loop over MoveNextAsync, or, with C# 8
// and later, `await foreach` (which takes any type with this shape).
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Altinn.SystemUser
{
    /// <summary>The pages of a list, fetched one at a time as the caller moves on.</summary>
    public sealed class AsyncPages<T>
    {
        private readonly Func<string, CancellationToken, Task<Page<T>>> fetch;

        internal AsyncPages(Func<string, CancellationToken, Task<Page<T>>> fetch) { this.fetch = fetch; }

        public PageEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default(CancellationToken))
        {
            return new PageEnumerator<T>(fetch, cancellationToken);
        }

        /// <summary>Every item of every page.</summary>
        public async Task<IReadOnlyList<T>> ToListAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var all = new List<T>();
            PageEnumerator<T> e = GetAsyncEnumerator(cancellationToken);
            while (await e.MoveNextAsync().ConfigureAwait(false)) all.AddRange(e.Current.Items);
            return all.AsReadOnly();
        }
    }

    /// <summary>Moves over pages: <c>while (await e.MoveNextAsync()) use(e.Current)</c>.</summary>
    public sealed class PageEnumerator<T>
    {
        private readonly Func<string, CancellationToken, Task<Page<T>>> fetch;
        private readonly CancellationToken cancellationToken;
        private bool started, finished;

        internal PageEnumerator(Func<string, CancellationToken, Task<Page<T>>> fetch, CancellationToken cancellationToken)
        {
            this.fetch = fetch;
            this.cancellationToken = cancellationToken;
        }

        /// <summary>The page the last <see cref="MoveNextAsync"/> fetched.</summary>
        public Page<T> Current { get; private set; }

        /// <summary>Fetches the next page; false after the last one.</summary>
        public async Task<bool> MoveNextAsync()
        {
            if (finished) return false;
            if (started && Current.NextPage == null)
            {
                finished = true;
                return false;
            }
            string token = started ? Current.NextPage : null;
            started = true;
            Current = await fetch(token, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }
}
