using System.Diagnostics;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Bench.Growth;

/// <summary>What one pass over N hosts produces and holds: files, their sizes, haproxy's server lines, live heap.</summary>
public sealed record Footprint(
    int Hosts,
    int AppInstances,
    int Wires,
    long Edges,
    int Files,
    long TotalBytes,
    string LargestFile,
    long LargestBytes,
    int HaproxyServerLines,
    int HaproxyServerLinesTotal,
    long HaproxyBytes,
    long RetainedBytes,
    TimeSpan ColdTotal,
    IReadOnlyDictionary<string, TimeSpan> RenderByKind,
    string? RenderMissing,
    CheckLoad Checks)
{
    public static Footprint Measure(int hosts)
    {
        var yaml = ColocatedStack.Yaml(hosts);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var sw = Stopwatch.StartNew();
        var spec = Pipeline.Load(yaml, hosts);
        var topology = Pipeline.Resolve(spec);
        var byKind = new SortedDictionary<string, TimeSpan>(StringComparer.Ordinal);
        List<RenderedFile> files = [];
        string? missing = null;
        try
        {
            files = RenderTimed(topology, byKind);
        }
        catch (NotImplementedException e)
        {
            files = [];
            missing = e.TargetSite?.DeclaringType?.Name ?? "a renderer";
        }

        var cold = sw.Elapsed;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - before;

        var largest = files.MaxBy(f => f.Content.Length);
        var haproxies = files.Where(f => f.Path == FilePaths.Haproxy).ToList();
        var serverLines = haproxies.Select(f => CountServerLines(f.Content)).ToList();
        var result = new Footprint(
            hosts,
            topology.Of(Role.App).Count(),
            topology.Wires.Count,
            // Counted, not enumerated: the topology keeps role-level wires, and 3,000 hosts imply 27 million edges.
            topology.Wires.Sum(w => topology.Of(w.From).Sum(from => (long)topology.Ends(w, from, w.To).Count())),
            files.Count,
            files.Sum(f => (long)Bytes(f)),
            largest is null ? "-" : $"{largest.Host}/{largest.Path}",
            largest is null ? 0 : Bytes(largest),
            serverLines.DefaultIfEmpty(0).Max(),
            serverLines.Sum(),
            haproxies.Select(f => (long)Bytes(f)).DefaultIfEmpty(0).Max(),
            retained,
            cold,
            byKind,
            missing,
            CheckLoad.Of(topology));
        GC.KeepAlive(files);
        GC.KeepAlive(topology);
        return result;
    }

    /// <summary>Render.All, host by host, timing each file as the renderer yields it, to see which renderer the time goes to.</summary>
    private static List<RenderedFile> RenderTimed(Infra.Topology.Model.StackTopology topology, SortedDictionary<string, TimeSpan> byKind)
    {
        // The topology builds its instance index on the first lookup: time it apart, or the first renderer carries it.
        var indexed = Stopwatch.GetTimestamp();
        _ = topology.Targets(topology.Instances[0]).Count();
        byKind["(index)"] = Stopwatch.GetElapsedTime(indexed);
        // Which apps each haproxy lists is worked out once per stack, on the first haproxy's question: time it apart too.
        var subsets = Stopwatch.GetTimestamp();
        _ = AppSubsets.PlanFor(topology);
        byKind["(subsets)"] = Stopwatch.GetElapsedTime(subsets);

        var files = new List<RenderedFile>();
        foreach (var host in topology.Hosts)
        {
            using var e = Infra.Topology.Configs.Render.ForHost(topology, host).GetEnumerator();
            while (true)
            {
                var started = Stopwatch.GetTimestamp();
                if (!e.MoveNext())
                {
                    break;
                }

                var kind = KindOf(e.Current);
                byKind[kind] = byKind.GetValueOrDefault(kind) + Stopwatch.GetElapsedTime(started);
                files.Add(e.Current);
            }
        }

        return files;
    }

    public static string KindOf(RenderedFile file) => file.Path == FilePaths.LoadBalancer ? "lb/haproxy.cfg" : Path.GetFileName(file.Path);

    private static int Bytes(RenderedFile file) => System.Text.Encoding.UTF8.GetByteCount(file.Content);

    private static int CountServerLines(string haproxyCfg) =>
        haproxyCfg.Split('\n').Count(line => line.TrimStart().StartsWith("server ", StringComparison.Ordinal));
}

/// <summary>
/// Health checks a second: what every haproxy checking every app would cost each app, and what the rendered stack costs
/// (each haproxy's list, the checkers each app has, counted from the topology). The load balancer's checks of the nginx
/// reach an app through its haproxy: their share is added to each app's.
/// </summary>
public sealed record CheckLoad(int Haproxies, int Apps, double EveryAppPerApp, bool Subsetted, int ListMin, int ListMax, int CheckersMin, int CheckersMax, double PerAppMax, double PerHaproxyMax)
{
    public static CheckLoad Of(StackTopology topology)
    {
        var rate = ProxyTimeouts.ChecksPerSecond;
        var haproxies = topology.Of(Role.Haproxy);
        var apps = topology.Of(Role.App);
        var share = apps.Count == 0 ? 0 : topology.Of(Role.Nginx).Count * rate / apps.Count;
        var lists = haproxies.Select(h => topology.Targets(h).Count(t => t.Role == Role.App)).DefaultIfEmpty(0).ToList();
        var checkers = apps.Select(a => topology.Sources(a).Count(s => s.Role == Role.Haproxy)).DefaultIfEmpty(0).ToList();
        return new CheckLoad(haproxies.Count, apps.Count, (haproxies.Count * rate) + share, AppSubsets.PlanFor(topology).Subsetted,
            lists.Min(), lists.Max(), checkers.Min(), checkers.Max(), (checkers.Max() * rate) + share, lists.Max() * rate);
    }
}
