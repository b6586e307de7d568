using System.Globalization;
using System.Text;
using BenchmarkDotNet.Running;
using Infra.Topology.Configs;
using Infra.Topology.Model;

namespace Infra.Bench.Growth;

/// <summary>Part 3: time and memory of each stage by host count (BenchmarkDotNet), then what one pass produces.</summary>
public static class GrowthPart
{
    private static readonly string[] Stages = ["load+validate", "resolve", "render", "plan"];

    public static int Run(int[] hosts, string outDir)
    {
        GrowthBenchmarks.HostCounts = hosts;
        var summary = BenchmarkRunner.Run<GrowthBenchmarks>(new GrowthConfig().WithArtifactsPath(Path.GetFullPath(Path.Combine(outDir, "benchmarkdotnet"))));
        var measured = new Dictionary<(string Stage, int Hosts), (double MeanNs, long? Allocated)>();
        foreach (var report in summary.Reports)
        {
            if (report.ResultStatistics is null)
            {
                continue;
            }

            var stage = report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo;
            var n = (int)report.BenchmarkCase.Parameters["Hosts"];
            measured[(stage, n)] = (report.ResultStatistics.Mean, report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase));
        }

        var footprints = hosts.Select(Footprint.Measure).ToList();
        var markdown = Markdown(hosts, measured, footprints);
        File.WriteAllText(Path.Combine(outDir, "growth.md"), markdown);
        Console.WriteLine(markdown);
        return 0;
    }

    private static string Markdown(int[] hosts, Dictionary<(string Stage, int Hosts), (double MeanNs, long? Allocated)> m, List<Footprint> footprints)
    {
        var sb = new StringBuilder();
        sb.AppendLine("## 3. Growth: colocated topology of N hosts (+ 1 load balancer), in-process");
        sb.AppendLine();
        sb.AppendLine("BenchmarkDotNet (in-process, 3 warmups + 3 iterations, mean per operation; allocated = bytes allocated per operation).");
        sb.AppendLine("Every host runs nginx, haproxy, 1 app, 1 CrateDB node; each stage's input is prepared outside its timing.");
        sb.AppendLine();
        sb.AppendLine("| hosts | " + string.Join(" | ", Stages.Select(s => $"{s} time | {s} allocated")) + " | load+validate+resolve+render |");
        sb.AppendLine("|---:|" + string.Concat(Stages.Select(_ => "---:|---:|")) + "---:|");
        foreach (var n in hosts)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {n:N0} |");
            foreach (var stage in Stages)
            {
                sb.Append(m.TryGetValue((stage, n), out var r) ? $" {Time(r.MeanNs)} | {Size(r.Allocated)} |" : " n/a | n/a |");
            }

            var toFiles = Stages.Take(3).Select(stage => m.TryGetValue((stage, n), out var r) ? r.MeanNs : double.NaN).Sum();
            sb.AppendLine(double.IsNaN(toFiles) ? " n/a |" : $" {Time(toFiles)} |");
        }

        sb.AppendLine();
        sb.AppendLine("How cost grows from one host count to the next (time ratio, and the exponent k in time ~ N^k: 1 is linear, 2 quadratic):");
        sb.AppendLine();
        foreach (var stage in Stages)
        {
            var steps = new List<string>();
            for (var i = 1; i < hosts.Length; i++)
            {
                if (m.TryGetValue((stage, hosts[i - 1]), out var a) && m.TryGetValue((stage, hosts[i]), out var b))
                {
                    var ratio = b.MeanNs / a.MeanNs;
                    var k = Math.Log(ratio) / Math.Log((double)hosts[i] / hosts[i - 1]);
                    steps.Add(string.Create(CultureInfo.InvariantCulture, $"{hosts[i - 1]:N0} -> {hosts[i]:N0}: x{ratio:F1} (k = {k:F2})"));
                }
            }

            sb.AppendLine($"- {stage}: " + (steps.Count > 0 ? string.Join("; ", steps) : "not measured"));
        }

        sb.AppendLine();
        sb.AppendLine("What one pass produces (load, resolve, render once; retained = live heap holding the spec, topology and files):");
        sb.AppendLine();
        sb.AppendLine("| hosts | app instances | wires | edges they imply | files | all files | largest file | largest | haproxy.cfg | server lines per haproxy.cfg | server lines, all haproxy.cfg | retained | one cold pass |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var f in footprints)
        {
            sb.AppendLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {f.Hosts:N0} | {f.AppInstances:N0} | {f.Wires:N0} | {f.Edges:N0} | {f.Files:N0} | {Size(f.TotalBytes)} | {f.LargestFile} | {Size(f.LargestBytes)} | {Size(f.HaproxyBytes)} | {f.HaproxyServerLines:N0} | {f.HaproxyServerLinesTotal:N0} | {Retained(f.RetainedBytes)} | {Time(f.ColdTotal.TotalMilliseconds * 1e6)} |"));
        }

        var kinds = footprints.SelectMany(f => f.RenderByKind.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        if (kinds.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Where one cold render pass spends its time, by file (all files of that kind in the stack):");
            sb.AppendLine();
            sb.AppendLine("| hosts | " + string.Join(" | ", kinds) + " |");
            sb.AppendLine("|---:|" + string.Concat(kinds.Select(_ => "---:|")));
            foreach (var f in footprints)
            {
                sb.AppendLine($"| {f.Hosts:N0} | " + string.Join(" | ", kinds.Select(k => f.RenderByKind.TryGetValue(k, out var t) ? Time(t.TotalMilliseconds * 1e6) : "-")) + " |");
            }
        }

        var missing = footprints.Select(f => f.RenderMissing).FirstOrDefault(x => x is not null);
        if (missing is not null)
        {
            sb.AppendLine();
            sb.AppendLine($"Rendering was not measured: {missing}.Render is not implemented on this branch.");
        }
        else if (footprints.Count > 0)
        {
            var last = footprints[^1];
            sb.AppendLine();
            sb.AppendLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Each haproxy.cfg lists every app instance of the stack up to the subsetting threshold, so with one app per host it grows linearly with the host count until then; above it each lists a subset ({last.HaproxyServerLines:N0} server lines at {last.Hosts:N0} hosts, {last.HaproxyServerLinesTotal:N0} in the stack's haproxy configs together)."));
        }

        sb.AppendLine();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Health checks a second (each checker checks each server {ProxyTimeouts.ChecksPerSecond:F0} times a second; the load balancer's checks of the nginx reach an app through its haproxy and are counted in; budget {AppSubsets.CheckBudgetPerApp:F0} per app, `src/Infra.Topology/Model/AppSubsets.cs`):"));
        sb.AppendLine();
        sb.AppendLine("| hosts | haproxy | apps | per app, every haproxy checking every app | subsets | apps per haproxy.cfg | checkers per app (fewest-most) | per app, as rendered (most) | per haproxy, as rendered (most) |");
        sb.AppendLine("|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        foreach (var c in footprints.Select(f => (f.Hosts, f.Checks)))
        {
            sb.AppendLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {c.Hosts:N0} | {c.Checks.Haproxies:N0} | {c.Checks.Apps:N0} | {c.Checks.EveryAppPerApp:N0} | {(c.Checks.Subsetted ? "yes" : "no")} | {Range(c.Checks.ListMin, c.Checks.ListMax)} | {Range(c.Checks.CheckersMin, c.Checks.CheckersMax)} | {c.Checks.PerAppMax:N0} | {c.Checks.PerHaproxyMax:N0} |"));
        }

        return sb.ToString();
    }

    private static string Range(int min, int max) => min == max ? $"{min:N0}" : $"{min:N0}-{max:N0}";

    private static string Time(double ns) => ns switch
    {
        < 1e3 => string.Create(CultureInfo.InvariantCulture, $"{ns:F0} ns"),
        < 1e6 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e3:F1} us"),
        < 1e9 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e6:F1} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e9:F2} s"),
    };

    /// <summary>A difference of two heap sizes: below 1 KiB (or below zero, when the collector freed something else) it is noise.</summary>
    private static string Retained(long bytes) => bytes < 1024 ? "< 1 KiB" : Size(bytes);

    private static string Size(long? bytes) => bytes switch
    {
        null => "n/a",
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F1} MiB"),
    };
}
