// One operation, pumped: the task in, each step answered (send through the transport, sign
// with the key, token from the provider, wait with Task.Delay), until the done step. The
// operation handle is freed whatever happens; cancellation stops it at its next step.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Altinn.SystemUser
{
    internal static class Documents
    {
        /// <summary>Sees every document sent to or received from the library, named by its
        /// $defs entry in systemuser.schema.json (tests validate them).</summary>
        internal static volatile Action<string, byte[]> Observer = null;

        internal static void Observe(string kind, byte[] document)
        {
            Action<string, byte[]> o = Observer;
            if (o != null) o(kind, document);
        }
    }

    internal sealed class Pump
    {
        private readonly ITransport transport;
        private readonly MaskinportenKey key;
        private readonly TokenProvider tokens;

        internal Pump(ITransport transport, MaskinportenKey key, TokenProvider tokens)
        {
            this.transport = transport;
            this.key = key;
            this.tokens = tokens;
        }

        /// <summary>Runs the task to its end; the done step's outcome, or its error thrown.</summary>
        internal async Task<JsonObject> RunAsync(ClientHandle client, JsonObject task, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            byte[] taskBytes = Json.WriteBytes(task);
            Documents.Observe("task", taskBytes);
            using (OperationHandle op = NewOperation(client, taskBytes))
            {
                byte[] stepBytes = op.Start();
                while (true)
                {
                    Documents.Observe("step", stepBytes);
                    JsonObject step = Json.ParseObject(stepBytes);
                    string kind = step.RequireString("step");
                    if (kind == "done")
                    {
                        JsonObject error = step.GetObject("error");
                        if (error != null) throw Errors.FromDone(error);
                        return step.GetObject("outcome");
                    }
                    ct.ThrowIfCancellationRequested();
                    JsonObject input = await AnswerAsync(kind, step, ct).ConfigureAwait(false);
                    ct.ThrowIfCancellationRequested();
                    byte[] inputBytes = Json.WriteBytes(input);
                    Documents.Observe("input", inputBytes);
                    stepBytes = op.Advance(inputBytes);
                }
            }
        }

        internal static OperationHandle NewOperation(ClientHandle client, byte[] task)
        {
            var op = new OperationHandle();
            IntPtr raw = client.Use(c =>
            {
                using (var p = new Native.Pinned(task))
                {
                    IntPtr created;
                    Native.Check(NativeMethods.su_operation_new(c, p.Pointer, p.Length, out created));
                    return created;
                }
            });
            op.Adopt(raw);
            return op;
        }

        private async Task<JsonObject> AnswerAsync(string kind, JsonObject step, CancellationToken ct)
        {
            switch (kind)
            {
                case "send":
                    return await transport.SendAsync(step.GetObject("request"), ct).ConfigureAwait(false);
                case "sign":
                    return await SignAsync(Convert.FromBase64String(step.RequireString("data")), ct).ConfigureAwait(false);
                case "token":
                    return await TokenAsync(step.GetArray("scopes").Cast<string>().ToList().AsReadOnly(), ct).ConfigureAwait(false);
                case "wait":
                    long ms = step.GetLong("ms") ?? 0;
                    await Task.Delay(TimeSpan.FromMilliseconds(ms), ct).ConfigureAwait(false);
                    return Input("waited");
                default:
                    throw new MisuseException("the library asked for a step this binding does not know (" + kind + "): a newer libsystemuser than the binding");
            }
        }

        private async Task<JsonObject> SignAsync(byte[] data, CancellationToken ct)
        {
            if (key == null) return Input("sign-failed").Add("message", "no Maskinporten key is configured");
            byte[] signature;
            try
            {
                signature = await key.SignAsync(data, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                return Input("sign-failed").Add("message", "the signer failed (" + e.GetType().Name + ")");
            }
            if (signature == null || signature.Length == 0) return Input("sign-failed").Add("message", "the signer returned no signature");
            return Input("signature").Add("signature", Convert.ToBase64String(signature));
        }

        private async Task<JsonObject> TokenAsync(IReadOnlyList<string> scopes, CancellationToken ct)
        {
            if (tokens == null) return Input("token-failed").Add("message", "no token provider is configured");
            string token;
            try
            {
                token = await tokens(scopes, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                return Input("token-failed").Add("message", "the token provider failed (" + e.GetType().Name + ")");
            }
            if (token == null) return Input("token-failed").Add("message", "the token provider returned null");
            return Input("token").Add("token", token);
        }

        private static JsonObject Input(string name) { return new JsonObject().Add("v", 1L).Add("input", name); }
    }
}
