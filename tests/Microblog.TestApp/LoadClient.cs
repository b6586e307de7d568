using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microblog.Testing;

namespace Microblog.TestApp;

/// <summary>What the load client sends, how, and where it writes what it saw (see <see cref="LoadCommand"/>).</summary>
public sealed record LoadOptions(
    Uri Url,
    int Count,
    int Concurrency,
    double Seconds,
    double Rate,
    string Method,
    int RequestTimeoutMs,
    string IdPrefix,
    bool KeepAlive,
    bool StaleRetry,
    string? RequestsLog,
    string? Summary,
    int ProgressEvery);

/// <summary>One request's outcome; Status 0 means no HTTP answer (Error says why).</summary>
public sealed record RequestResult(int Seq, long StartUnixMs, double LatencyMs, int Status, string? ServedBy, string RequestId, string? Error);

/// <summary>
/// A bounded load client on raw sockets: no hidden retries (a GET on a reused connection that the server
/// closed before answering is resent once, as browsers do, and counted), every request's status and latency.
/// Not HttpClient: its handler resends a request whose pooled connection closed before answering, without telling
/// the caller, which would hide the very failures (and POSTs sent twice) the failover tests count.
/// </summary>
public static class LoadClient
{
    public static async Task<int> Run(LoadOptions options)
    {
        var endpoint = new IPEndPoint(AppSettings.Resolve(options.Url.Host), options.Url.Port);
        var results = new RequestResult?[options.Count];
        var next = -1;
        var completed = 0;
        var staleRetries = 0;
        var startUnix = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = Stopwatch.StartNew();
        var stopIssuing = TimeSpan.FromSeconds(options.Seconds);
        using var hardStop = new CancellationTokenSource(stopIssuing + TimeSpan.FromMilliseconds(options.RequestTimeoutMs) + TimeSpan.FromSeconds(5));
        var stoppedByTime = false;
        // SIGTERM: stop issuing, finish what is in flight, write the summary (a test ends the load when its change is done).
        using var stopRequested = new CancellationTokenSource();
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            stopRequested.Cancel();
        });
        var inFlight = new System.Collections.Concurrent.ConcurrentDictionary<int, TimeSpan>();

        async Task Worker()
        {
            Connection? connection = null;
            try
            {
                while (true)
                {
                    var seq = Interlocked.Increment(ref next);
                    if (seq >= options.Count)
                    {
                        return;
                    }

                    if (options.Rate > 0)
                    {
                        var now = clock.Elapsed;
                        var wait = TimeSpan.FromSeconds(seq / options.Rate) - now;
                        if (wait > stopIssuing - now)
                        {
                            wait = stopIssuing - now;
                        }

                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait);
                        }
                    }

                    if (clock.Elapsed >= stopIssuing || hardStop.IsCancellationRequested || stopRequested.IsCancellationRequested)
                    {
                        stoppedByTime = true;
                        return;
                    }

                    inFlight[seq] = clock.Elapsed;
                    var id = $"{options.IdPrefix}-{seq}";
                    var request = Encode(options, id);
                    var started = clock.Elapsed;
                    var startedUnix = startUnix + (long)started.TotalMilliseconds;
                    RequestResult result;
                    var attempt = 0;
                    while (true)
                    {
                        attempt++;
                        var reused = connection is { Used: true };
                        try
                        {
                            connection ??= await Connection.Open(endpoint, options.RequestTimeoutMs, hardStop.Token);
                            var response = await connection.Send(request, options.RequestTimeoutMs, hardStop.Token);
                            if (!options.KeepAlive || response.Close)
                            {
                                connection.Dispose();
                                connection = null;
                            }

                            result = new RequestResult(seq, startedUnix, (clock.Elapsed - started).TotalMilliseconds, response.Status, response.ServedBy, id, null);
                        }
                        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or TimeoutException or ProtocolException)
                        {
                            connection?.Dispose();
                            connection = null;
                            if (e is NothingReceivedException && reused && options.StaleRetry && attempt == 1)
                            {
                                Interlocked.Increment(ref staleRetries);
                                continue;
                            }

                            result = new RequestResult(seq, startedUnix, (clock.Elapsed - started).TotalMilliseconds, 0, null, id, Classify(e, reused));
                        }

                        break;
                    }

                    results[seq] = result;
                    inFlight.TryRemove(seq, out _);
                    var done = Interlocked.Increment(ref completed);
                    if (options.ProgressEvery > 0 && done % options.ProgressEvery == 0)
                    {
                        Console.Error.WriteLine($"progress {done}");
                    }
                }
            }
            finally
            {
                connection?.Dispose();
            }
        }

        var workers = Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Concurrency)).Select(_ => Task.Run(Worker)));
        var hardLimit = stopIssuing + TimeSpan.FromMilliseconds(options.RequestTimeoutMs) + TimeSpan.FromSeconds(10);
        var stoppedHard = false;
        try
        {
            await workers.WaitAsync(hardLimit);
        }
        catch (TimeoutException)
        {
            // Every request has its own timeout, so this is a bug here; say what hung rather than hang the test.
            stoppedHard = true;
            Console.Error.WriteLine($"load client: still waiting after {hardLimit.TotalSeconds:F0} s for requests {string.Join(", ", inFlight.Select(kv => $"#{kv.Key} (started at {kv.Value.TotalMilliseconds:F0} ms)"))}");
        }

        var duration = clock.Elapsed;
        var sent = results.Where(r => r is not null).Select(r => r!).ToList();
        if (options.RequestsLog is { } log)
        {
            await File.WriteAllLinesAsync(log, new[] { "seq,start_unix_ms,latency_ms,status,served_by,request_id,error" }
                .Concat(sent.Select(r => string.Join(',', r.Seq, r.StartUnixMs, r.LatencyMs.ToString("F2", CultureInfo.InvariantCulture), r.Status, r.ServedBy ?? "", r.RequestId, r.Error ?? ""))));
        }

        var summary = JsonSerializer.Serialize(Summary(options, sent, staleRetries, startUnix, duration, stoppedHard ? "hard-limit" : stoppedByTime ? "time" : "count"));
        if (options.Summary is { } file)
        {
            // Written whole under another name first, so a reader never sees half a summary.
            await File.WriteAllTextAsync(file + ".tmp", summary);
            File.Move(file + ".tmp", file, overwrite: true);
        }

        Console.WriteLine(summary);
        if (stoppedHard)
        {
            Environment.Exit(3);
        }

        return 0;
    }

    private static Dictionary<string, object?> Summary(LoadOptions options, List<RequestResult> sent, int staleRetries, long startUnix, TimeSpan duration, string stoppedBy)
    {
        var latencies = sent.Select(r => r.LatencyMs).Order().ToArray();
        double Percentile(double p) => latencies.Length == 0 ? 0 : latencies[Math.Clamp((int)Math.Ceiling(p * latencies.Length) - 1, 0, latencies.Length - 1)];
        var failures = sent.Where(r => r.Status is < 200 or > 299).ToList();
        return new Dictionary<string, object?>
        {
            ["url"] = options.Url.ToString(),
            ["method"] = options.Method,
            ["requested"] = options.Count,
            ["sent"] = sent.Count,
            ["ok"] = sent.Count - failures.Count,
            ["failed"] = failures.Count,
            ["statuses"] = sent.GroupBy(r => r.Status.ToString(CultureInfo.InvariantCulture)).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
            ["errors"] = failures.Where(r => r.Error is not null).GroupBy(r => r.Error!).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
            ["servedBy"] = sent.Where(r => r.ServedBy is not null).GroupBy(r => r.ServedBy!).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            ["staleRetries"] = staleRetries,
            ["p50Ms"] = Math.Round(Percentile(0.50), 2),
            ["p99Ms"] = Math.Round(Percentile(0.99), 2),
            ["maxMs"] = Math.Round(latencies.LastOrDefault(), 2),
            ["startUnixMs"] = startUnix,
            ["durationMs"] = Math.Round(duration.TotalMilliseconds, 1),
            ["stoppedBy"] = stoppedBy,
            ["firstFailures"] = failures.Take(20).Select(r => $"#{r.Seq} at {r.StartUnixMs - startUnix} ms: {(r.Status == 0 ? r.Error : r.Status.ToString(CultureInfo.InvariantCulture))} after {r.LatencyMs:F0} ms").ToList(),
        };
    }

    private static string Classify(Exception e, bool reused) => e switch
    {
        NothingReceivedException => reused ? "closed-before-response-on-reused-connection" : "closed-before-response",
        ConnectException c => "connect-" + c.Reason,
        TimeoutException => "timeout",
        OperationCanceledException => "time-limit",
        SocketException s => s.SocketErrorCode.ToString(),
        ProtocolException p => "protocol: " + p.Message,
        _ => e.GetType().Name,
    };

    private static byte[] Encode(LoadOptions options, string id)
    {
        var body = options.Method == "POST" ? Encoding.UTF8.GetBytes($"{{\"text\":\"post {id}\"}}") : [];
        var head = new StringBuilder()
            .Append(options.Method).Append(' ').Append(options.Url.PathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(options.Url.Authority).Append("\r\n")
            .Append("X-Request-Id: ").Append(id).Append("\r\n")
            .Append("User-Agent: microblog-testapp-load\r\n");
        if (body.Length > 0)
        {
            head.Append("Content-Type: application/json\r\nContent-Length: ").Append(body.Length).Append("\r\n");
        }

        head.Append(options.KeepAlive ? "\r\n" : "Connection: close\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
    }

    private sealed class ProtocolException(string message) : Exception(message);

    private sealed class NothingReceivedException() : IOException("connection closed before any response byte");

    private sealed class ConnectException(string reason, Exception inner) : IOException("connect failed: " + reason, inner)
    {
        public string Reason { get; } = reason;
    }

    private sealed record Response(int Status, string? ServedBy, bool Close);

    private sealed class Connection : IDisposable
    {
        private readonly Socket _socket;
        private readonly SocketReader _reader;

        private Connection(Socket socket)
        {
            _socket = socket;
            _reader = new SocketReader(socket, 16 * 1024);
        }

        public bool Used { get; private set; }

        public static async Task<Connection> Open(IPEndPoint endpoint, int timeoutMs, CancellationToken stop)
        {
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(timeoutMs);
            try
            {
                await socket.ConnectAsync(endpoint, timeout.Token);
                return new Connection(socket);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new ConnectException(e.SocketErrorCode.ToString(), e);
            }
            catch (OperationCanceledException e) when (!stop.IsCancellationRequested)
            {
                socket.Dispose();
                throw new ConnectException("timeout", e);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        public async Task<Response> Send(byte[] request, int timeoutMs, CancellationToken stop)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(timeoutMs);
            try
            {
                Used = true;
                _reader.Discard();
                await _socket.SendAsync(request, SocketFlags.None, timeout.Token);
                var head = await ReadHead(timeout.Token);
                var lines = head.Split("\r\n");
                var status = lines[0].Split(' ', 3);
                if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(status[1], out var code))
                {
                    throw new ProtocolException("bad status line: " + lines[0]);
                }

                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var line in lines.Skip(1))
                {
                    var colon = line.IndexOf(':');
                    if (colon > 0)
                    {
                        headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                    }
                }

                var close = headers.GetValueOrDefault("connection")?.Contains("close", StringComparison.OrdinalIgnoreCase) == true
                    || status[0] == "HTTP/1.0" && headers.GetValueOrDefault("connection")?.Contains("keep-alive", StringComparison.OrdinalIgnoreCase) != true;
                if (headers.GetValueOrDefault("transfer-encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
                {
                    await SkipChunked(timeout.Token);
                }
                else if (headers.TryGetValue("content-length", out var cl) && int.TryParse(cl, out var length))
                {
                    await Skip(length, timeout.Token);
                }
                else if (code is not (204 or 304) && code >= 200)
                {
                    while (await _reader.Fill(timeout.Token))
                    {
                        _reader.Discard();
                    }

                    close = true;
                }

                return new Response(code, headers.GetValueOrDefault("x-served-by"), close);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                throw new TimeoutException($"no complete response within {timeoutMs} ms");
            }
        }

        private async Task<string> ReadHead(CancellationToken cancel)
        {
            var any = false;
            string head;
            while (!_reader.TryTake("\r\n\r\n"u8, out head))
            {
                bool filled;
                try
                {
                    filled = await _reader.Fill(cancel);
                }
                catch (SocketException e) when (!any && e.SocketErrorCode is SocketError.ConnectionReset)
                {
                    throw new NothingReceivedException();
                }

                if (!filled)
                {
                    throw any ? new ProtocolException("connection closed inside the response head") : new NothingReceivedException();
                }

                any = true;
            }

            return head;
        }

        private Task Skip(int count, CancellationToken cancel) =>
            _reader.Skip(count, () => new ProtocolException("connection closed inside the response body"), cancel);

        private Task SkipChunked(CancellationToken cancel) =>
            _reader.ReadChunked(
                line => new ProtocolException("bad chunk size: " + line),
                () => new ProtocolException("connection closed inside a chunked body"),
                size => Skip(size, cancel),
                cancel);

        public void Dispose() => _socket.Dispose();
    }
}
