using System.Globalization;
using System.Text.Json;

namespace Infra.Lab;

/// <summary>What the load client reports when it stops (its `--summary` JSON).</summary>
public sealed record LoadResult(
    string Url,
    string Method,
    int Requested,
    int Sent,
    int Ok,
    int Failed,
    Dictionary<string, int> Statuses,
    Dictionary<string, int> Errors,
    Dictionary<string, int> ServedBy,
    int StaleRetries,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    long StartUnixMs,
    double DurationMs,
    string StoppedBy,
    List<string> FirstFailures)
{
    public override string ToString() =>
        $"{Sent} {Method}s to {Url} in {DurationMs / 1000:F1} s: {Ok} ok, {Failed} failed" +
        (Failed > 0 ? $" ({string.Join(", ", Statuses.Where(s => !s.Key.StartsWith('2')).Select(s => $"{s.Value}x{(s.Key == "0" ? "no answer" : s.Key)}").Concat(Errors.Select(e => $"{e.Value}x{e.Key}")))})" : "") +
        $", latency p50 {P50Ms:F1} ms p99 {P99Ms:F1} ms max {MaxMs:F0} ms" +
        (StaleRetries > 0 ? $", {StaleRetries} resent after a stale keep-alive connection" : "") +
        $"; served by {string.Join(", ", ServedBy.Select(s => $"{s.Key} {s.Value}"))}";
}

/// <summary>One request as the load client logged it.</summary>
public sealed record RequestRecord(int Seq, long StartUnixMs, double LatencyMs, int Status, string ServedBy, string RequestId, string Error);

/// <summary>The load client running as its own process inside a lab host (the outside, usually).</summary>
public sealed class LoadRun(LabProcess process, string summaryPath, string requestsPath)
{
    public LabProcess Process { get; } = process;

    public string RequestsPath { get; } = requestsPath;

    public int Completed
    {
        get
        {
            var last = Process.Log.Split('\n').LastOrDefault(l => l.StartsWith("progress ", StringComparison.Ordinal));
            return last is null ? 0 : int.Parse(last["progress ".Length..], CultureInfo.InvariantCulture);
        }
    }

    public Task<TimeSpan> WaitForProgress(int completed, TimeSpan limit) =>
        Bounded.Until($"{completed} requests of {Process.Name} done", limit, () => Completed >= completed || Process.HasExited, pollMs: 10,
            lastSeen: () => $"{Completed} done");

    public async Task<LoadResult> Result(TimeSpan limit)
    {
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await Process.WaitForExit(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Process.Name} still running after {limit.TotalSeconds} s:\n{Process.LogTail()}");
        }

        if (!File.Exists(summaryPath))
        {
            throw new InvalidOperationException($"{Process.Name} exited {Process.ExitCode} without a summary:\n{Process.LogTail()}");
        }

        return JsonSerializer.Deserialize<LoadResult>(await File.ReadAllTextAsync(summaryPath), new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("empty load summary");
    }

    public IReadOnlyList<RequestRecord> Requests() => File.ReadAllLines(RequestsPath).Skip(1)
        .Select(l => l.Split(','))
        .Select(f => new RequestRecord(int.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture),
            double.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture), f[4], f[5], f[6]))
        .ToList();
}

public static class LoadRunExtensions
{
    /// <summary>
    /// Starts the load client in <paramref name="from"/>. It stops by itself after <paramref name="count"/>
    /// requests or <paramref name="seconds"/>, whichever comes first; every request has its own timeout.
    /// </summary>
    public static LoadRun StartLoad(this NetnsLab lab, LabHost from, string url, int count, int concurrency = 8, string method = "GET",
        double rate = 0, double seconds = 30, int requestTimeoutMs = 5000, string name = "load", params string[] extra)
    {
        var summary = Path.Combine(lab.RunDir, "logs", $"{name}.summary.json");
        var requests = Path.Combine(lab.RunDir, "logs", $"{name}.requests.csv");
        string[] args =
        [
            "--load", url, "--count", $"{count}", "--concurrency", $"{concurrency}", "--method", method,
            "--rate", rate.ToString(CultureInfo.InvariantCulture), "--seconds", seconds.ToString(CultureInfo.InvariantCulture),
            "--request-timeout-ms", $"{requestTimeoutMs}", "--id-prefix", $"{lab.Prefix}{name}",
            "--summary", summary, "--requests-log", requests, .. extra,
        ];
        return new LoadRun(lab.Start(from, name, Binaries.TestApp, args), summary, requests);
    }
}
