using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Infra.Bench.Live;

namespace Infra.Bench.Failover;

/// <summary>
/// Part 2: steady GET load through the load balancer while host2's app instance is killed, or host2 is powered
/// off; for the rendered haproxy configs and a checks-only variant. A fresh lab per scenario.
/// </summary>
public static class FailoverPart
{
    public const int Rate = 400;
    public const int Concurrency = 8;
    public const double LoadSeconds = 8;
    public const double KillAfterSeconds = 2.5;
    public const int RequestTimeoutMs = 20_000;
    private const string Victim = "host2";

    /// <summary>Runs of the rendered chain per kill (every run is reported, not the best); each other variant runs once.</summary>
    public const int RenderedRuns = 3;

    /// <summary>Idle seconds over which host2's cable is counted before the load: health checks are all it carries then.</summary>
    private const double IdleSeconds = 3;

    public sealed record Outcome(string Kill, ConfigVariant Variant, int Run, long Sent, long Failed, double P99Ms, double MaxMs, string Errors, IReadOnlyDictionary<string, double?> DownAfterMs, double IdleBytesPerSecond);

    public static int Run(string outDir)
    {
        var outcomes = new List<Outcome>();
        foreach (var kill in new[] { "app instance", "host" })
        {
            foreach (var variant in new[] { ConfigVariant.Rendered, ConfigVariant.BeforeTuning, ConfigVariant.ChecksOnly, ConfigVariant.NoShutdownSessions })
            {
                var runs = variant == ConfigVariant.Rendered ? RenderedRuns : 1;
                for (var run = 1; run <= runs; run++)
                {
                    outcomes.Add(Scenario(Path.Combine(Path.GetFullPath(outDir), "failover", $"{kill.Replace(' ', '-')}-{variant.Name}-{run}"), kill, variant, run));
                }
            }
        }

        var markdown = Markdown(outcomes);
        File.WriteAllText(Path.Combine(outDir, "failover.md"), markdown);
        Console.WriteLine(markdown);
        return 0;
    }

    private static Outcome Scenario(string workDir, string kill, ConfigVariant variant, int run)
    {
        using var chain = new ChainLab(workDir, Repo.TestApp());
        chain.StartApps();
        chain.StartProxies(variant);
        chain.WaitUntilUp(TimeSpan.FromSeconds(20));
        Console.Error.WriteLine($"failover: {kill} kill, {variant.Label}, run {run}");

        var idleFrom = chain.LinkBytes(Victim);
        var idleClock = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(IdleSeconds));
        var idleBytesPerSecond = (chain.LinkBytes(Victim) - idleFrom) / idleClock.Elapsed.TotalSeconds;

        // Who should notice: every surviving haproxy loses host2's app; on a host kill the load balancer also loses host2's nginx.
        var watched = new List<(string Host, string Server)> { ("host1", chain.App(Victim).Name) };
        if (kill == "host")
        {
            watched.Add((ChainLab.Front, chain.Topology.On(Victim, Infra.Topology.Spec.Role.Nginx).Single().Name));
        }

        var log = Path.Combine(workDir, "requests.csv");
        // Bounded by count (rate x seconds); the time limit is only a guard. A load client stopped by time while a
        // worker waits for its next slot can compute a negative delay and exit 2 (live harness, reported).
        var load = Task.Run(() => chain.Exec(ChainLab.Client, TimeSpan.FromSeconds(LoadSeconds + (RequestTimeoutMs / 1000.0) + 30),
            "dotnet", Repo.TestApp(), "--load", chain.FrontUrl, "--count", ((int)(Rate * LoadSeconds)).ToString(CultureInfo.InvariantCulture), "--concurrency", Concurrency.ToString(CultureInfo.InvariantCulture),
            "--seconds", (LoadSeconds + 4).ToString(CultureInfo.InvariantCulture), "--rate", Rate.ToString(CultureInfo.InvariantCulture),
            "--request-timeout-ms", RequestTimeoutMs.ToString(CultureInfo.InvariantCulture), "--requests-log", log, "--progress-every", "0"));
        Thread.Sleep(TimeSpan.FromSeconds(KillAfterSeconds));

        var clock = Stopwatch.StartNew();
        if (kill == "host")
        {
            chain.PowerOff(Victim);
        }
        else
        {
            chain.KillApp(Victim);
        }

        var down = watched.ToDictionary(w => $"{w.Host}: {w.Server}", _ => (double?)null);
        while (clock.Elapsed < TimeSpan.FromSeconds(10) && down.Values.Any(v => v is null))
        {
            foreach (var (host, server) in watched)
            {
                var key = $"{host}: {server}";
                if (down[key] is null && chain.ServerStatus(host).GetValueOrDefault(server, "").StartsWith("DOWN", StringComparison.Ordinal))
                {
                    down[key] = clock.Elapsed.TotalMilliseconds;
                }
            }

            Thread.Sleep(20);
        }

        using var summary = JsonDocument.Parse(load.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{')));
        var root = summary.RootElement;
        var errors = string.Join(", ", root.GetProperty("statuses").EnumerateObject().Where(p => p.Name is not ("200" or "201"))
            .Select(p => $"{(p.Name == "0" ? "no answer" : p.Name)}: {p.Value.GetInt32()}")
            .Concat(root.GetProperty("errors").EnumerateObject().Select(p => $"{p.Name}: {p.Value.GetInt32()}")));
        return new Outcome(kill, variant, run, root.GetProperty("sent").GetInt64(), root.GetProperty("failed").GetInt64(),
            root.GetProperty("p99Ms").GetDouble(), root.GetProperty("maxMs").GetDouble(), errors, down, idleBytesPerSecond);
    }

    private static string Markdown(List<Outcome> outcomes)
    {
        var sb = new StringBuilder();
        sb.AppendLine("## 2. Failover cost: an app instance killed, a host powered off, under steady GET load");
        sb.AppendLine();
        sb.AppendLine(FormattableString.Invariant(
            $"The live harness's load client (Microblog.TestApp --load) sends GET / to the load balancer at {Rate} requests/s over {Concurrency} keep-alive connections for {LoadSeconds} s ")
            + FormattableString.Invariant($"(request timeout {RequestTimeoutMs / 1000} s); {KillAfterSeconds} s in, host2's app is SIGKILLed (app instance kill) or host2's link goes down and all its processes die (host kill: a powered-off machine, peers see silence). ")
            + "Time to DOWN: from the kill to the first stats-CSV poll (every ~50 ms, from the host itself) that shows the server DOWN. "
            + "A client-side GET on a reused connection closed before any answer is resent once by the client, as browsers do; everything else that is not 2xx counts as failed.");
        sb.AppendLine();
        sb.AppendLine(FormattableString.Invariant($"The rendered chain runs {RenderedRuns} times per kill, each run reported; every other config once."));
        sb.AppendLine();
        sb.AppendLine("| kill | config | run | time to DOWN | requests | failed | p99 | worst latency | failures | host2's link at idle |");
        sb.AppendLine("|---|---|---:|---|---:|---:|---:|---:|---|---:|");
        foreach (var o in outcomes)
        {
            var down = string.Join("; ", o.DownAfterMs.Select(d => d.Value is { } ms ? string.Create(CultureInfo.InvariantCulture, $"{d.Key} {ms:F0} ms") : $"{d.Key} not within 10 s"));
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {o.Kill} | {o.Variant.Label} | {o.Run} | {down} | {o.Sent:N0} | {o.Failed:N0} | {o.P99Ms:F1} ms | {o.MaxMs:F0} ms | {(o.Errors.Length == 0 ? "-" : o.Errors)} | {o.IdleBytesPerSecond / 1024:F1} KiB/s |"));
        }

        sb.AppendLine();
        var rendered = outcomes.Where(o => o.Variant == ConfigVariant.Rendered).ToList();
        foreach (var kill in rendered.Select(o => o.Kill).Distinct())
        {
            var runs = rendered.Where(o => o.Kill == kill).ToList();
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Rendered chain, {kill} kill, {runs.Count} runs: failed {string.Join(", ", runs.Select(o => o.Failed))}; worst latency {string.Join(", ", runs.Select(o => $"{o.MaxMs:F0}"))} ms."));
        }

        sb.AppendLine();
        sb.AppendLine(HealthCheckTraffic(outcomes));
        sb.AppendLine();
        sb.AppendLine($"Before the tuning: {ConfigVariant.BeforeTuning.What}.");
        sb.AppendLine($"Checks only: {ConfigVariant.ChecksOnly.What}. ");
        sb.AppendLine($"Without on-marked-down shutdown-sessions: {ConfigVariant.NoShutdownSessions.What}.");
        sb.AppendLine("With a fixed number of client connections, a request that hangs holds one of them: fewer requests are sent in the same time when requests hang.");
        return sb.ToString();
    }

    /// <summary>What the checks cost: per app and per haproxy from the rendered settings, and host2's cable at idle, measured.</summary>
    private static string HealthCheckTraffic(List<Outcome> outcomes)
    {
        static double Idle(IEnumerable<Outcome> runs) => runs.Select(o => o.IdleBytesPerSecond).DefaultIfEmpty(0).Average();
        var rendered = Idle(outcomes.Where(o => o.Variant == ConfigVariant.Rendered));
        var before = Idle(outcomes.Where(o => o.Variant == ConfigVariant.BeforeTuning));
        var rate = Infra.Topology.Configs.ProxyTimeouts.ChecksPerSecond;
        return string.Create(CultureInfo.InvariantCulture,
            $"Health-check traffic: each checker checks each of its servers {rate:F0} times a second (`inter` {Infra.Topology.Configs.ProxyTimeouts.CheckIntervalMs} ms; before the tuning 2). ")
            + string.Create(CultureInfo.InvariantCulture,
                $"In this two-host stack each app answers {2 * rate + rate:F0} checks a second (two haproxy, and the load balancer's checks of an nginx, which reach an app through its haproxy), each haproxy sends {2 * rate:F0} and the load balancer {2 * rate:F0}. ")
            + string.Create(CultureInfo.InvariantCulture,
                $"Measured on host2's cable with no load (checks only; mean of the runs above): {rendered / 1024:F1} KiB/s rendered, {before / 1024:F1} KiB/s before the tuning.");
    }
}
