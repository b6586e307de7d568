using System.Text;
using System.Text.Json;
using Infra.Live.Tests.Harness;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>
/// The rendered nftables rules loaded on every host: each port is tried from every other host and from the
/// outside, and must answer exactly where the design says (front door: anyone; nginx: the load balancer;
/// haproxy: nginx hosts; apps: haproxy hosts; CrateDB http/psql: app and CrateDB hosts; transport: CrateDB
/// hosts; the stats page: the host itself).
/// </summary>
public sealed class FirewallTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Probe = TimeSpan.FromMilliseconds(700);

    [LiveFact("nginx", "haproxy", "nft")]
    public Task Two_host_ports_answer_exactly_their_wired_sources() => OnlyWiredSourcesReach("two-host");

    [LiveFact("nginx", "haproxy", "nft")]
    public Task Split_role_ports_answer_exactly_their_wired_sources() => OnlyWiredSourcesReach("split-role");

    private Task OnlyWiredSourcesReach(string stackName) => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec(stackName));
        var topology = stack.Topology;
        var froms = topology.Hosts.Select(h => lab[h.Name]).Append(lab.Outside).ToList();

        var probes = new List<(Instance Instance, string Kind, int Port, LabHost From, bool Expected)>();
        foreach (var instance in topology.Instances)
        {
            foreach (var (kind, port) in PortsOf(instance))
            {
                var allowed = AllowedHosts(topology, instance, kind);
                foreach (var from in froms.Where(f => f.Name != instance.Host))
                {
                    probes.Add((instance, kind, port, from, allowed is null || allowed.Contains(from.Name)));
                }
            }
        }

        var answers = await Task.WhenAll(probes.Select(p => NetnsLab.CanConnect(p.From, p.Instance.Address, p.Port, Probe)));
        var table = new StringBuilder();
        foreach (var group in probes.Zip(answers).GroupBy(x => (x.First.Instance.Name, x.First.Kind, x.First.Port)))
        {
            table.AppendLine($"  {group.Key.Name} {group.Key.Kind} :{group.Key.Port} answers {string.Join(", ", group.Where(x => x.Second).Select(x => x.First.From.Name).DefaultIfEmpty("no other host"))}");
        }

        output.WriteLine($"{probes.Count} connection attempts from {froms.Count} places:\n{table}");
        var wrong = probes.Zip(answers).Where(x => x.First.Expected != x.Second)
            .Select(x => $"{x.First.Instance.Name} {x.First.Kind} :{x.First.Port} from {x.First.From.Name}: {(x.Second ? "answered" : "did not answer")}, expected {(x.First.Expected ? "to" : "not to")}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.Contains(probes.Zip(answers), x => !x.Second);

        var proxies = topology.Instances.Where(i => i.Role is Role.Haproxy or Role.LoadBalancer).ToList();
        foreach (var proxy in proxies)
        {
            Assert.Equal(200, (await lab.Get(stack.HostOf(proxy), stack.StatsUrl(proxy))).Status);
        }

        var stats = proxies.SelectMany(p => froms.Where(f => f.Name != p.Host).Select(f => (Proxy: p, From: f))).ToList();
        var statuses = await Task.WhenAll(stats.Select(x => StatusOrNone(lab, x.From, x.Proxy, stack.StatsUrl(x.Proxy))));
        output.WriteLine("stats pages from other places: " + string.Join(", ", stats.Zip(statuses)
            .GroupBy(x => x.Second?.ToString() ?? "no connection").Select(g => $"{g.Key} x{g.Count()}")));
        Assert.DoesNotContain(stats.Zip(statuses), x => x.Second == 200);

        // What the rules are for: the wiring still works through them.
        foreach (var app in topology.Of(Role.App))
        {
            var crate = JsonDocument.Parse((await lab.Get(stack.HostOf(app), stack.Url(app, "/__crate"))).Body).RootElement.GetProperty("crate");
            Assert.True(crate.EnumerateArray().All(c => c.GetProperty("reachable").GetBoolean()), $"{app.Name}: {crate}");
        }

        foreach (var node in topology.Of(Role.Crate))
        {
            var seeds = JsonDocument.Parse((await lab.Get(stack.HostOf(node), stack.Url(node, "/__seeds"))).Body).RootElement;
            Assert.True(seeds.EnumerateArray().All(c => c.GetProperty("reachable").GetBoolean()), $"{node.Name}: {seeds}");
        }
    });

    private static IEnumerable<(string Kind, int Port)> PortsOf(Instance instance)
    {
        yield return ("http", instance.Port);
        if (instance.TransportPort is { } transport)
        {
            yield return ("transport", transport);
        }

        if (instance.PsqlPort is { } psql)
        {
            yield return ("psql", psql);
        }
    }

    /// <summary>The hosts that need a port, from the wiring; null for the front door, which everyone may reach.</summary>
    private static HashSet<string>? AllowedHosts(StackTopology topology, Instance instance, string kind)
    {
        if (topology.FrontDoor.Contains(instance))
        {
            return null;
        }

        if (instance.Role == Role.Crate)
        {
            var crates = topology.Of(Role.Crate).Select(c => c.Host);
            return (kind == "transport" ? crates : crates.Concat(topology.Of(Role.App).Select(a => a.Host))).ToHashSet();
        }

        return topology.Sources(instance).Select(s => s.Host).ToHashSet();
    }

    private static async Task<int?> StatusOrNone(NetnsLab lab, LabHost from, Instance to, string url)
    {
        if (!await NetnsLab.CanConnect(from, to.Address, to.Port, Probe))
        {
            return null;
        }

        try
        {
            return (await lab.Get(from, url)).Status;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
