using System.Globalization;
using System.Text;
using Infra.Bench.Live;

namespace Infra.Bench.DataPath;

/// <summary>
/// Part 1: GET / through LB -> nginx -> haproxy -> app (2 hosts) with wrk from the client namespace, against the
/// app direct and the naive chain in the same run; then the rendered chain with one setting taken out at a time.
/// </summary>
public static class DataPathPart
{
    public const int Threads = 2;
    public const int Connections = 32;
    public const int Seconds = 8;
    public const int WarmupSeconds = 2;

    /// <summary>Every path is measured this many times, in turn, and its best round kept: other work on the machine only ever slows a round down.</summary>
    public const int Rounds = 2;

    private static readonly ConfigVariant[] Ablations =
        [ConfigVariant.NoNginxKeepAlive, ConfigVariant.NoHaproxyReuse, ConfigVariant.HaproxyClose, ConfigVariant.NoAccessLogs];

    public static int Run(string outDir)
    {
        using var chain = new ChainLab(Path.Combine(Path.GetFullPath(outDir), "datapath"), Repo.TestApp());
        chain.StartApps();
        WaitForApp(chain);
        var variants = new[] { ConfigVariant.Naive, ConfigVariant.Rendered }.Concat(Ablations).ToList();
        var best = new Dictionary<string, WrkResult>(StringComparer.Ordinal);
        void Keep(string key, WrkResult r)
        {
            if (!best.TryGetValue(key, out var had) || r.RequestsPerSecond > had.RequestsPerSecond)
            {
                best[key] = r;
            }
        }

        for (var round = 1; round <= Rounds; round++)
        {
            Keep("direct", Measure(chain, $"round {round}: app direct (host1)", () => { }, chain.DirectUrl("host1")));
            foreach (var variant in variants)
            {
                chain.StartProxies(variant);
                try
                {
                    Keep(variant.Name, Measure(chain, $"round {round}: {variant.Label}", () => chain.WaitUntilUp(TimeSpan.FromSeconds(20)), chain.FrontUrl));
                }
                finally
                {
                    chain.StopProxies();
                }
            }
        }

        var direct = best["direct"];
        var results = variants.Select(v => (v, best[v.Name])).ToList();
        var markdown = Markdown(direct, results);
        File.WriteAllText(Path.Combine(outDir, "datapath.md"), markdown);
        Console.WriteLine(markdown);
        return 0;
    }

    private static WrkResult Measure(ChainLab chain, string label, Action waitReady, string url)
    {
        waitReady();
        Console.Error.WriteLine($"datapath: {label}: {url}");
        Wrk(chain, url, WarmupSeconds);
        var result = WrkResult.Parse(Wrk(chain, url, Seconds));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"datapath: {label}: {result.RequestsPerSecond:F0} req/s, p50 {result.P50Ms:F2} ms, p99 {result.P99Ms:F2} ms, {result.Failed} failed"));
        return result;
    }

    private static string Wrk(ChainLab chain, string url, int seconds) =>
        chain.Exec(ChainLab.Client, TimeSpan.FromSeconds(seconds + 30), "wrk",
            $"-t{Threads}", $"-c{Connections}", $"-d{seconds}s", "--latency", "--timeout", "5s", url);

    private static void WaitForApp(ChainLab chain)
    {
        var url = chain.DirectUrl("host1") + "health";
        for (var i = 0; i < 100; i++)
        {
            if (chain.TryExec(ChainLab.Client, TimeSpan.FromSeconds(5), "curl", "-sf", "-m", "1", url).Code == 0)
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"the app at {url} did not answer");
    }

    private static string Markdown(WrkResult direct, List<(ConfigVariant Variant, WrkResult Result)> results)
    {
        var sb = new StringBuilder();
        var rendered = results.Single(r => r.Variant == ConfigVariant.Rendered).Result;
        var naive = results.Single(r => r.Variant == ConfigVariant.Naive).Result;
        sb.AppendLine("## 1. Data path: GET / through the chain on network-namespace hosts");
        sb.AppendLine();
        sb.AppendLine(FormattableString.Invariant(
            $"wrk (Debian) from the client namespace, {Threads} threads, {Connections} keep-alive connections, {Seconds} s after a {WarmupSeconds} s warm-up, `--latency`, best of {Rounds} rounds taken in turn. ")
            + "Chain: load balancer (haproxy) -> nginx -> haproxy -> app on 2 hosts (the two-host stack, rendered); direct: the same app instance with no proxy. "
            + "All namespaces share this machine's cores, so the chain's proxies compete with the apps and wrk for CPU.");
        sb.AppendLine();
        sb.AppendLine("| path | requests/s | x direct | p50 | p99 | max | failed |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        sb.AppendLine(Row("app direct", direct, direct));
        sb.AppendLine(Row("naive chain", naive, direct));
        sb.AppendLine(Row("rendered chain", rendered, direct));
        sb.AppendLine();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Rendered vs naive: x{rendered.RequestsPerSecond / naive.RequestsPerSecond:F2} requests/s, p50 {rendered.P50Ms:F2} vs {naive.P50Ms:F2} ms, p99 {rendered.P99Ms:F2} vs {naive.P99Ms:F2} ms."));
        sb.AppendLine();
        sb.AppendLine("What each setting buys: the rendered chain with one setting taken out (a negative change means the setting helps).");
        sb.AppendLine();
        sb.AppendLine("| variant | requests/s | vs rendered | p50 | p99 | failed | edit |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var (variant, result) in results)
        {
            var change = (result.RequestsPerSecond / rendered.RequestsPerSecond - 1) * 100;
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {variant.Label} | {result.RequestsPerSecond:N0} | {(variant == ConfigVariant.Rendered ? "-" : $"{change:+0;-0}%")} | {result.P50Ms:F2} ms | {result.P99Ms:F2} ms | {result.Failed:N0} | {variant.What} |"));
        }

        return sb.ToString();
    }

    private static string Row(string name, WrkResult r, WrkResult direct) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {r.RequestsPerSecond:N0} | {r.RequestsPerSecond / direct.RequestsPerSecond:F2} | {r.P50Ms:F2} ms | {r.P99Ms:F2} ms | {r.MaxMs:F1} ms | {r.Failed:N0} |");
}
