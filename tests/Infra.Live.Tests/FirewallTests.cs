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
    private static readonly TimeSpan Probe = FirewallMatrix.Probe;

    [LiveFact("nginx", "haproxy", "nft")]
    public Task Two_host_ports_answer_exactly_their_wired_sources() => OnlyWiredSourcesReach("two-host");

    [LiveFact("nginx", "haproxy", "nft")]
    public Task Split_role_ports_answer_exactly_their_wired_sources() => OnlyWiredSourcesReach("split-role");

    private Task OnlyWiredSourcesReach(string stackName) => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec(stackName));
        var topology = stack.Topology;
        var froms = await FirewallMatrix.PortsAnswerExactlyTheirWiredSources(lab, topology, output);

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
