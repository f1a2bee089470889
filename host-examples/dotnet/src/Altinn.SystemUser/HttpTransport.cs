// The `send` step over System.Net.Http, following the limits policy (SECURITY.md): no
// redirects, nothing decompressed (an answer with a Content-Encoding other than identity is
// refused unread), one timeout for the whole exchange (connect, headers and body together),
// the body read as a stream and given up past maxResponseBytes. Failures are mapped to the
// input's kinds; their messages name no header value, body, URL or query.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Altinn.SystemUser
{
    /// <summary>Answers a send step's request with an input document (response or transport-failed).</summary>
    internal interface ITransport : IDisposable
    {
        Task<JsonObject> SendAsync(JsonObject request, CancellationToken cancellationToken);
    }

    internal sealed class HttpTransport : ITransport
    {
        private readonly HttpClient http;

        internal HttpTransport(HttpMessageHandler handler)
        {
            bool own = handler == null;
            if (own)
            {
                handler = new HttpClientHandler
                {
                    AllowAutoRedirect = false,
                    AutomaticDecompression = DecompressionMethods.None,
                    UseCookies = false,
                };
            }
            else
            {
                var h = handler as HttpClientHandler;
                if (h != null && h.AllowAutoRedirect) throw new ArgumentException("the HttpMessageHandler follows redirects: set AllowAutoRedirect = false (a bearer token must never follow a redirect)");
                if (h != null && h.AutomaticDecompression != DecompressionMethods.None) throw new ArgumentException("the HttpMessageHandler decompresses: set AutomaticDecompression = DecompressionMethods.None (answers are capped as received)");
            }
            http = new HttpClient(handler, own) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        }

        public void Dispose() { http.Dispose(); }

        public async Task<JsonObject> SendAsync(JsonObject request, CancellationToken cancellationToken)
        {
            long timeoutMs = request.GetLong("timeoutMs") ?? 30000;
            long max = request.GetLong("maxResponseBytes") ?? 1048576;
            using (var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                Task<JsonObject> exchange = ExchangeAsync(request, max, abort.Token);
                Task timer = Task.Delay(TimeSpan.FromMilliseconds(timeoutMs), abort.Token);
                Task first = await Task.WhenAny(exchange, timer).ConfigureAwait(false);
                if (first == exchange)
                {
                    abort.Cancel(); // stops the timer
                    try
                    {
                        return await exchange.ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        return Classify(e);
                    }
                }
                // The time is up (or the caller cancelled): abort the exchange and leave it behind.
                abort.Cancel();
                Forget(exchange);
                cancellationToken.ThrowIfCancellationRequested();
                return Failed("timeout", "no complete answer within the exchange's " + timeoutMs + " ms");
            }
        }

        private async Task<JsonObject> ExchangeAsync(JsonObject rq, long max, CancellationToken ct)
        {
            using (HttpRequestMessage message = Build(rq))
            {
                if (message == null) return Failed("other", "the request has a header the HTTP stack refuses");
                HttpResponseMessage response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                using (response)
                using (ct.Register(() => response.Dispose()))
                {
                    var headers = new List<object>();
                    bool encoded = false;
                    foreach (var h in response.Headers) foreach (string v in h.Value) headers.Add(new List<object> { h.Key, v });
                    if (response.Content != null)
                    {
                        foreach (var h in response.Content.Headers)
                        {
                            foreach (string v in h.Value)
                            {
                                headers.Add(new List<object> { h.Key, v });
                                if (string.Equals(h.Key, "Content-Encoding", StringComparison.OrdinalIgnoreCase) && !string.Equals(v.Trim(), "identity", StringComparison.OrdinalIgnoreCase)) encoded = true;
                            }
                        }
                    }
                    if (encoded) return Failed("too-large", "the answer is compressed (Content-Encoding): refused unread, never decompressed");
                    long? length = response.Content == null ? null : response.Content.Headers.ContentLength;
                    if (length.HasValue && length.Value > max) return Failed("too-large", "the answer announces " + length.Value + " bytes, more than the " + max + " allowed");
                    var body = new MemoryStream();
                    if (response.Content != null)
                    {
                        using (Stream stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                        {
                            var chunk = new byte[16384];
                            while (true)
                            {
                                int n = await stream.ReadAsync(chunk, 0, chunk.Length, ct).ConfigureAwait(false);
                                if (n <= 0) break;
                                if (body.Length + n > max) return Failed("too-large", "the answer is longer than the " + max + " bytes allowed");
                                body.Write(chunk, 0, n);
                            }
                        }
                    }
                    var answer = new JsonObject()
                        .Add("status", (long)(int)response.StatusCode)
                        .Add("headers", headers)
                        .Add("body", Convert.ToBase64String(body.ToArray()));
                    return new JsonObject().Add("v", 1L).Add("input", "response").Add("response", answer);
                }
            }
        }

        /// <summary>The request of a send step; null when the HTTP stack refuses one of its headers.</summary>
        private static HttpRequestMessage Build(JsonObject rq)
        {
            var message = new HttpRequestMessage(new HttpMethod(rq.RequireString("method")), new Uri(rq.RequireString("url"), UriKind.Absolute));
            message.Headers.ExpectContinue = false;
            string body = rq.GetString("body");
            if (body != null) message.Content = new ByteArrayContent(Convert.FromBase64String(body));
            foreach (object item in rq.GetArray("headers"))
            {
                var pair = (List<object>)item;
                string name = (string)pair[0], value = (string)pair[1];
                if (IsContentHeader(name))
                {
                    if (message.Content == null) message.Content = new ByteArrayContent(new byte[0]);
                    message.Content.Headers.Remove(name);
                    if (!message.Content.Headers.TryAddWithoutValidation(name, value)) { message.Dispose(); return null; }
                }
                else if (!message.Headers.TryAddWithoutValidation(name, value))
                {
                    message.Dispose();
                    return null;
                }
            }
            return message;
        }

        private static bool IsContentHeader(string name)
        {
            switch (name.ToLowerInvariant())
            {
                case "content-type":
                case "content-length":
                case "content-encoding":
                case "content-language":
                case "content-md5":
                    return true;
                default:
                    return false;
            }
        }

        internal static JsonObject Failed(string kind, string message)
        {
            return new JsonObject().Add("v", 1L).Add("input", "transport-failed")
                .Add("failure", new JsonObject().Add("kind", kind).Add("message", message));
        }

        /// <summary>The failure kind of an exception of the HTTP stack (.NET Core's sockets, or the
        /// HttpWebRequest-based handlers of .NET Framework and Mono). The message names only types.</summary>
        internal static JsonObject Classify(Exception e)
        {
            string seen = "";
            for (Exception x = e; x != null; x = x.InnerException)
            {
                seen += (seen.Length == 0 ? "" : " <- ") + x.GetType().Name;
                var agg = x as AggregateException;
                if (agg != null && agg.InnerExceptions.Count == 1) continue;
                var se = x as SocketException;
                if (se != null)
                {
                    switch (se.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused:
                        case SocketError.HostNotFound:
                        case SocketError.HostUnreachable:
                        case SocketError.NetworkUnreachable:
                        case SocketError.TryAgain:
                        case SocketError.NoData:
                        case SocketError.AddressNotAvailable:
                            return Failed("connect", "could not connect (" + se.SocketErrorCode + ")");
                        default:
                            return Failed("connection-lost", "the connection broke (" + se.SocketErrorCode + ")");
                    }
                }
                var we = x as WebException;
                if (we != null)
                {
                    switch (we.Status)
                    {
                        case WebExceptionStatus.ConnectFailure:
                        case WebExceptionStatus.NameResolutionFailure:
                        case WebExceptionStatus.ProxyNameResolutionFailure:
                            return Failed("connect", "could not connect (" + we.Status + ")");
                        case WebExceptionStatus.ReceiveFailure:
                        case WebExceptionStatus.ConnectionClosed:
                        case WebExceptionStatus.KeepAliveFailure:
                        case WebExceptionStatus.SendFailure:
                        case WebExceptionStatus.PipelineFailure:
                        case WebExceptionStatus.RequestCanceled:
                            return Failed("connection-lost", "the connection broke (" + we.Status + ")");
                        case WebExceptionStatus.Timeout:
                            return Failed("timeout", "the exchange timed out (" + we.Status + ")");
                    }
                }
                if (x is IOException || x is ObjectDisposedException) return Failed("connection-lost", "the connection broke (" + seen + ")");
                if (x is OperationCanceledException) return Failed("timeout", "the exchange was cut off (" + seen + ")");
            }
            if (e is HttpRequestException) return Failed("connection-lost", "the exchange failed (" + seen + ")");
            return Failed("other", "the exchange failed (" + seen + ")");
        }

        private static void Forget(Task task)
        {
            task.ContinueWith(t => { var ignored = t.Exception; }, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
        }
    }
}
