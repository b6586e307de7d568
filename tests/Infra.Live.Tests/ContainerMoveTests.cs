using Infra.Live.Tests.Harness;
using Infra.Live.Tests.Harness.Containers;
using Infra.Topology.Configs;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>
/// Changes that move services and data between hosts, made to a running stack under steady load, the plan run as `pulumi
/// up` runs it (openings first, deletions last, the old rulesets retired after what used them is gone): a layout switch
/// each way, a host given up, a CrateDB host replaced. No request fails, and none is retried: a server leaves a backend
/// list before its container goes and joins one only when it is healthy.
/// </summary>
public sealed class ContainerMoveTests(ITestOutputHelper output)
{
    /// <summary>three-host's hosts keep CrateDB; nginx and haproxy move to a proxy host, the apps to two app hosts.</summary>
    private const string SplitHosts = """
          microblog:hosts:
            - name: host1
              address: 192.0.2.11
              roles: [crate]
            - name: host2
              address: 192.0.2.12
              roles: [crate]
            - name: host3
              address: 192.0.2.13
              roles: [crate]
            - name: rp-host1
              address: 192.0.2.21
              roles: [proxy]
            - name: app-host1
              address: 192.0.2.31
              roles: [app]
            - name: app-host2
              address: 192.0.2.32
              roles: [app]

        """;

    private const string Host3 = "    - name: host3\n      address: 192.0.2.13\n";

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Three_host_switches_to_split_role_and_back_then_gives_up_host3_under_load_without_a_failed_or_retried_request()
    {
        var colocated = Stacks.Spec("three-host");
        var split = Stacks.Edited("three-host", yaml =>
        {
            var switched = yaml.Replace("microblog:layout: colocated", "microblog:layout: split-role", StringComparison.Ordinal);
            return switched[..switched.IndexOf("  microblog:hosts:", StringComparison.Ordinal)] + SplitHosts;
        });
        var hosts = ContainerStack.HostNames(colocated);
        return ContainerLab.Run(output, hosts, ImageNames.Of(colocated), async lab =>
        {
            var stack = ContainerStack.Deploy(lab, colocated, out var firstRuns);
            await FirstDeploy.Verify(stack, firstRuns, output);
            var nodes = stack.Plan.Services.Where(s => s.Role == Role.Crate).Select(s => s.Name).ToList();
            var nodeIds = nodes.ToDictionary(n => n, n => stack.Inspect(n).Id);
            await lab.AddHosts(ContainerStack.HostNames(split).Except(hosts).ToList());

            // colocated -> split-role: the data stays where it is; proxies and apps come up on their new hosts first.
            await Moves(stack, "to-split-role", split, nodeIds);
            await FirewallMatrix.PortsAnswerExactlyTheirWiredSources(lab.Net, stack.Topology, output);

            // And back: the colocated services come up again on host1-3 before the proxy and app hosts are emptied.
            await Moves(stack, "back-to-colocated", colocated, nodeIds);

            // host3 leaves: its node is decommissioned while host1 and host2 still admit it, then its container goes.
            var since = DateTime.UtcNow;
            var (runs, load) = await Changes.UnderLoad(stack, "give-up-host3", () => stack.Apply(Stacks.Edited("three-host", yaml => yaml.Replace(Host3, "", StringComparison.Ordinal))), output);
            output.WriteLine($"give up host3: {load}");
            Assert.Equal(0, load.Failed);
            var order = runs.Select(r => (r.Change, r.Id)).ToList();
            var decommission = order.IndexOf((StepChangeKind.Delete, "host3-crate-4200-decommission"));
            Assert.True(decommission >= 0, "no decommission ran");
            Assert.True(decommission < order.IndexOf((StepChangeKind.Delete, "host3-crate-4200-container")));
            Assert.All(new[] { "host1", "host2" }, host => Assert.True(order.IndexOf((StepChangeKind.Retire, $"{host}-nftables-apply")) > order.IndexOf((StepChangeKind.Delete, "host3-crate-4200-container")), $"{host} withdrew host3 before its node was gone"));
            // The two that stay restart one at a time for their new crate.yml (two master-eligible nodes now), then host3 leaves.
            Assert.True(order.IndexOf((StepChangeKind.Run, "host1-crate-4200-restart")) < order.IndexOf((StepChangeKind.Run, "host2-crate-4200-restart")));
            Assert.True(order.IndexOf((StepChangeKind.Run, "host2-crate-4200-restart")) < decommission);
            var statements = Changes.Statements(lab, [("host1", "host1-crate-4200"), ("host2", "host2-crate-4200"), ("host3", "host3-crate-4200")], since);
            output.WriteLine(string.Join('\n', statements.Select(s => $"{s.Time:HH:mm:ss.fff} {s.Text}")));
            Assert.Equal(
                [
                    "host1-crate-4200 SET GLOBAL TRANSIENT \"cluster.routing.allocation.enable\" = 'new_primaries'",
                    "host1-crate-4200 RESET GLOBAL \"cluster.graceful_stop.min_availability\"",
                    "host1-crate-4200 ALTER CLUSTER DECOMMISSION 'host1-crate-4200'",
                    "host1-crate-4200 RESET GLOBAL \"cluster.routing.allocation.enable\"",
                    "host2-crate-4200 SET GLOBAL TRANSIENT \"cluster.routing.allocation.enable\" = 'new_primaries'",
                    "host2-crate-4200 RESET GLOBAL \"cluster.graceful_stop.min_availability\"",
                    "host2-crate-4200 ALTER CLUSTER DECOMMISSION 'host2-crate-4200'",
                    "host2-crate-4200 RESET GLOBAL \"cluster.routing.allocation.enable\"",
                    // Last, after every other step: the node that leaves, every shard handed over.
                    "host3-crate-4200 SET GLOBAL TRANSIENT \"cluster.graceful_stop.min_availability\" = 'full'",
                    "host3-crate-4200 ALTER CLUSTER DECOMMISSION 'host3-crate-4200'",
                ],
                statements.Select(s => s.Text).Where(s => !s.Contains(" select ", StringComparison.Ordinal)));
            // Each restarted node waited until the cluster was green before the next began; the leaving one asked itself first.
            var host2Begins = statements.FindIndex(s => s.Text.StartsWith("host2-crate-4200 SET GLOBAL", StringComparison.Ordinal));
            var host1Restored = statements.FindLastIndex(host2Begins, s => s.Text == "host1-crate-4200 RESET GLOBAL \"cluster.routing.allocation.enable\"");
            Assert.Contains(statements.Skip(host1Restored).Take(host2Begins - host1Restored), s => s.Text == "host1-crate-4200 select count(*) from sys.health where health <> 'GREEN'");
            var leaves = statements.FindIndex(s => s.Text.StartsWith("host3-crate-4200 SET GLOBAL", StringComparison.Ordinal));
            Assert.Equal(
                ["host3-crate-4200 select count(*) from sys.nodes", "host3-crate-4200 select name from sys.nodes", "host3-crate-4200 select count(*) from sys.health where health <> 'GREEN'"],
                statements.Take(leaves).Where(s => s.Text.StartsWith("host3-crate-4200 ", StringComparison.Ordinal)).Select(s => s.Text).Distinct());
            Assert.False(lab.Docker(lab["host3"], "inspect", "host3-crate-4200").Ok, "host3-crate-4200's container is still there");
            Assert.True(lab.Docker(lab["host3"], "volume", "inspect", "host3-crate-4200-data").Ok, "host3's volume went with its container");
            // The nodes that stay list each other only, and every table is green (the plan's cluster check ran after).
            Assert.Contains(runs, r => r.Id == "check-crate-cluster");
            Assert.Equal("2", Ask(lab, stack, "host1-crate-4200", "select count(*) from sys.nodes"));
            await Green(lab, stack, "host1-crate-4200");
        });
    }

    /// <summary>
    /// split-role's CrateDB host replaced in two updates: crate-host3 joins (the others restart one at a time for their
    /// new seed list), then crate-host1 leaves, decommissioned while every other node still admits it.
    /// </summary>
    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Split_role_replaces_a_crate_host_in_two_updates_under_load_without_a_failed_request()
    {
        const string CrateHost1 = "    - name: crate-host1\n      address: 192.0.2.41\n      roles: [crate]\n";
        const string CrateHost3 = "    - name: crate-host3\n      address: 192.0.2.43\n      roles: [crate]\n";
        // Monitored: a node exporter on every host is the only neighbour a CrateDB node has on split-role (FirstDeploy asks it).
        const string Monitoring = "  microblog:monitoring:\n    name: monitor\n    address: 192.0.2.50\n    webhook: http://192.0.2.99:9999/hook\n";
        var spec = Stacks.Edited("split-role", yaml => yaml + Monitoring);
        var added = Stacks.Edited("split-role", yaml => yaml + CrateHost3 + Monitoring);
        var replaced = Stacks.Edited("split-role", yaml => yaml.Replace(CrateHost1, "", StringComparison.Ordinal) + CrateHost3 + Monitoring);
        return ContainerLab.Run(output, ContainerStack.HostNames(spec), ImageNames.Of(spec), async lab =>
        {
            var stack = ContainerStack.Deploy(lab, spec, out var firstRuns);
            await FirstDeploy.Verify(stack, firstRuns, output);
            await lab.AddHosts(["crate-host3"]);

            var (runs, load) = await Changes.UnderLoad(stack, "add-crate-host3", () => stack.Apply(added), output);
            output.WriteLine($"crate-host3 joins: {load}");
            Assert.Equal(0, load.Failed);
            Assert.Equal("3", Ask(lab, stack, "crate-host3-crate-4200", "select count(*) from sys.nodes"));

            var since = DateTime.UtcNow;
            (runs, load) = await Changes.UnderLoad(stack, "remove-crate-host1", () => stack.Apply(replaced), output);
            output.WriteLine($"crate-host1 leaves: {load}; {string.Join(", ", runs.Select(r => $"{r.Change.ToString().ToLowerInvariant()} {r.Id}"))}");
            Assert.Equal(0, load.Failed);
            var order = runs.Select(r => (r.Change, r.Id)).ToList();
            var decommission = order.IndexOf((StepChangeKind.Delete, "crate-host1-crate-4200-decommission"));
            Assert.True(decommission >= 0 && decommission < order.IndexOf((StepChangeKind.Delete, "crate-host1-crate-4200-container")));
            Assert.All(new[] { "crate-host2", "crate-host3" }, host => Assert.True(order.IndexOf((StepChangeKind.Retire, $"{host}-nftables-apply")) > decommission, $"{host} withdrew crate-host1 before it was decommissioned"));
            var statements = Changes.Statements(lab, [("crate-host1", "crate-host1-crate-4200"), ("crate-host2", "crate-host2-crate-4200"), ("crate-host3", "crate-host3-crate-4200")], since);
            var leaving = statements.Where(s => s.Text.StartsWith("crate-host1-crate-4200 ", StringComparison.Ordinal) && !s.Text.Contains(" select ", StringComparison.Ordinal)).Select(s => s.Text).ToList();
            Assert.Equal(["crate-host1-crate-4200 SET GLOBAL TRANSIENT \"cluster.graceful_stop.min_availability\" = 'full'", "crate-host1-crate-4200 ALTER CLUSTER DECOMMISSION 'crate-host1-crate-4200'"], leaving);
            Assert.True(lab.Docker(lab["crate-host1"], "volume", "inspect", "crate-host1-crate-4200-data").Ok, "crate-host1's volume went with its container");
            Assert.Equal("2", Ask(lab, stack, "crate-host2-crate-4200", "select count(*) from sys.nodes"));
            await Green(lab, stack, "crate-host2-crate-4200");
            // The apps serve from the nodes that stay.
            var after = await stack.Lab.Net.StartLoad(stack.Client, stack.FrontDoorUrl(), count: 200, name: "after-replacement").Result(TimeSpan.FromSeconds(60));
            Assert.Equal(200, after.Ok);
        });
    }

    /// <summary>A layout switch under load: nothing fails, no proxy retried anything, CrateDB's containers stay, each proxy's new servers serve.</summary>
    private async Task Moves(ContainerStack stack, string name, StackSpec to, IReadOnlyDictionary<string, string> nodeIds)
    {
        var before = stack.Plan.Hosts.SelectMany(h => h.Services.Where(s => s.Role != Role.Crate).Select(s => (Host: h.Host.Name, s.Name))).ToList();
        var (runs, load) = await Changes.UnderLoad(stack, name, () => stack.Apply(to), output);
        var retries = await Changes.Retries(stack);
        output.WriteLine($"{name}: {load}; retries and redispatches since each proxy's last reload: {string.Join(", ", retries.Select(r => $"{r.Key} {r.Value}"))}");
        output.WriteLine($"{name}, in order: {string.Join(", ", runs.Where(r => r.Change != StepChangeKind.Run).Select(r => $"{r.Change.ToString().ToLowerInvariant()} {r.Id}"))}");
        Assert.Equal(0, load.Failed);
        Assert.True(load.MaxMs <= 1000, $"worst latency {load.MaxMs:F0} ms");
        Assert.All(retries, r => Assert.Equal(0, r.Value));
        Assert.All(nodeIds, n => Assert.Equal(n.Value, stack.Inspect(n.Key).Id));
        var now = stack.Plan.Services.Where(s => s.Role == Role.App).Select(s => s.Name).Order().ToList();
        Assert.Equal(now, load.ServedBy.Keys.Where(now.Contains).Order());
        // What moved away is gone, after the openings and before the withdrawals.
        var gone = before.Where(s => stack.Plan.Services.All(now => now.Name != s.Name)).ToList();
        Assert.All(gone, s => Assert.False(stack.Lab.Docker(stack.Lab[s.Host], "inspect", s.Name).Ok, $"{s.Name} is still on {s.Host}"));
        var lastOpen = runs.ToList().FindLastIndex(r => r.Change is StepChangeKind.Replace or StepChangeKind.Create && r.Id.EndsWith("-nftables-apply", StringComparison.Ordinal));
        var firstContainer = runs.ToList().FindIndex(r => r.Id.EndsWith("-container", StringComparison.Ordinal));
        var lastGone = runs.ToList().FindLastIndex(r => r.Change == StepChangeKind.Delete && r.Id.EndsWith("-container", StringComparison.Ordinal));
        var firstWithdrawal = runs.ToList().FindIndex(r => r.Change == StepChangeKind.Retire);
        Assert.True(lastOpen < firstContainer, "a container started before every firewall opened");
        Assert.True(gone.Count == 0 || lastGone < firstWithdrawal, "a firewall withdrew before every removed container was gone");
    }

    /// <summary>Every table green again, as CrateDB reports a few seconds after a node left (the double: 3 s).</summary>
    private static Task Green(ContainerLab lab, ContainerStack stack, string node) =>
        Bounded.Until($"{node}'s cluster green", TimeSpan.FromSeconds(30), () => Ask(lab, stack, node, "select count(*) from sys.health where health <> 'GREEN'") == "0", pollMs: 500);

    /// <summary>A count CrateDB answers, asked of a node as the plan's own steps ask: as the superuser, from the admin network on its host.</summary>
    private static string Ask(ContainerLab lab, ContainerStack stack, string node, string statement)
    {
        var instance = stack.Topology.Instance(node);
        var result = lab.Docker(stack.HostOf(node), "run", "--rm", "--network", CrateAccess.AdminNetwork, "--entrypoint", "curl", stack.Inspect(node).Image,
            "-fsS", "-H", "Content-Type: application/json", "-X", "POST", CrateConfig.AdminSqlUrl(instance), "-d", $"{{\"stmt\":\"{statement}\"}}");
        Assert.True(result.Ok, result.ToString());
        return System.Text.RegularExpressions.Regex.Match(result.Stdout, @"""rows"":\[\[(\d+)\]\]").Groups[1].Value;
    }
}
