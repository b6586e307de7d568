using System.Diagnostics;
using System.Globalization;
using Infra.Topology.Configs;
using Infra.Topology.Spec;

namespace Infra.Live.Tests.Harness.Containers;

/// <summary>A change made to a running container stack while clients use it: the steady load, and what the proxies and nodes saw.</summary>
public static class Changes
{
    /// <summary>Steady GETs through the front door while <paramref name="change"/> runs; the load ends a little after it.</summary>
    public static async Task<(IReadOnlyList<StepRun> Runs, Infra.Lab.LoadResult Load)> UnderLoad(ContainerStack stack, string name, Func<IReadOnlyList<StepRun>> change, ITestOutputHelper output)
    {
        var load = stack.Lab.Net.StartLoad(stack.Client, stack.FrontDoorUrl(), count: 1_000_000, rate: 200, seconds: 300, name: name);
        await Task.Delay(1000);
        var clock = Stopwatch.StartNew();
        var runs = await Task.Run(change);
        output.WriteLine($"{name}: the change took {clock.Elapsed.TotalSeconds:F1} s ({runs.Count} steps)");
        await Task.Delay(2000);
        load.Process.Signal(15);
        var result = await load.Result(TimeSpan.FromSeconds(30));
        return (runs, result);
    }

    /// <summary>
    /// Retried connections and redispatched requests, summed over the backends of every haproxy of the stack that runs
    /// (the load balancer's and the proxies'), read from each one's stats page on its own host.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, long>> Retries(ContainerStack stack)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var proxy in stack.Topology.Instances.Where(i => i.Role is Role.Haproxy or Role.LoadBalancer))
        {
            var rows = await HaproxyStats.Read(stack.Lab.Net, stack.HostOf(proxy.Name).Lab, $"http://{Endpoints.Format(proxy.Address, proxy.Port)}{HaproxyConfig.StatsPath}");
            counts[proxy.Name] = rows.Where(r => r.Server == "BACKEND").Sum(r => r.Retries + r.Redispatches);
        }

        return counts;
    }

    /// <summary>Every statement the CrateDB doubles logged on their volumes since <paramref name="since"/>, in the order they arrived.</summary>
    public static List<(DateTime Time, string Text)> Statements(ContainerLab lab, IEnumerable<(string Host, string Node)> nodes, DateTime since) =>
        nodes.SelectMany(node =>
            {
                // Through the volume, so a node whose container is gone is read too.
                var read = lab.Docker(lab[node.Host], "run", "--rm", "--entrypoint", "cat", "-v", $"{node.Node}-data:/data", StackSpec.DefaultImages.Crate, "/data/data/statements.log");
                Assert.True(read.Ok, read.ToString());
                return read.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            })
            .Select(line => line.Split(' ', 2))
            .Select(parts => (Time: DateTime.Parse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), Text: parts[1]))
            .Where(s => s.Time >= since)
            .OrderBy(s => s.Time)
            .ToList();
}
