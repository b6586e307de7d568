using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests;

/// <summary>Which apps each haproxy lists: every app in small stacks, a stable and balanced subset in large ones.</summary>
public sealed class AppSubsetsTests
{
    private static List<string> Names(string role, int count) => Enumerable.Range(1, count).Select(i => $"host{i}-{role}").ToList();

    private static IReadOnlyList<IReadOnlyList<int>> Colocated(int hosts) => AppSubsets.Assign(Names("haproxy", hosts), Names("app-9210", hosts), hosts);

    [Theory]
    [MemberData(nameof(Stacks))]
    public void Every_committed_stack_lists_every_app_in_every_haproxy(string stack)
    {
        var topology = Repo.Topology(stack);

        foreach (var haproxy in topology.Of(Role.Haproxy))
        {
            Assert.Equal(topology.Of(Role.App), topology.Targets(haproxy).Where(t => t.Role == Role.App));
        }
    }

    public static TheoryData<string> Stacks() => new(Repo.StackNames);

    [Fact]
    public void The_threshold_is_where_every_haproxy_checking_every_app_would_pass_the_budget()
    {
        var below = AppSubsets.PlanFor(haproxies: 19, apps: 19, nginx: 19);
        var above = AppSubsets.PlanFor(haproxies: 20, apps: 20, nginx: 20);

        Assert.False(below.Subsetted);
        Assert.InRange(below.MaxChecksPerApp, 0, AppSubsets.CheckBudgetPerApp);
        Assert.True(above.Subsetted);
        Assert.True(20 * ProxyTimeouts.ChecksPerSecond + ProxyTimeouts.ChecksPerSecond > AppSubsets.CheckBudgetPerApp);
        Assert.InRange(above.MaxChecksPerApp, 0, AppSubsets.CheckBudgetPerApp);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(100)]
    [InlineData(1000)]
    public void Large_colocated_stacks_are_balanced_covered_and_within_the_budget(int hosts)
    {
        var plan = AppSubsets.PlanFor(hosts, hosts, hosts);
        var lists = Colocated(hosts);
        var checkers = new int[hosts];
        foreach (var list in lists)
        {
            Assert.Equal(plan.PerHaproxy, list.Count);
            Assert.Equal(list.Count, list.Distinct().Count());
            foreach (var app in list)
            {
                checkers[app]++;
            }
        }

        Assert.True(plan.Subsetted);
        Assert.InRange(plan.PerHaproxy, AppSubsets.MinPerHaproxy, hosts - 1);
        // Balanced: every app within a band of the average, so apps get like shares of the requests too.
        Assert.All(checkers, c => Assert.InRange(c, plan.MinCheckers, plan.MaxCheckers));
        Assert.InRange(plan.MaxCheckers - plan.MinCheckers, 1, (2 * AppSubsets.Band) + 1);
        Assert.InRange(plan.MaxChecksPerApp, 0, AppSubsets.CheckBudgetPerApp);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    public void Adding_a_host_moves_few_assignments(int hosts)
    {
        var before = Colocated(hosts);
        var after = Colocated(hosts + 1);

        var moved = 0;
        for (var h = 0; h < hosts; h++)
        {
            moved += before[h].Except(after[h]).Count();
        }

        var total = before.Sum(l => l.Count);
        // The new app needs its checkers, about one list's worth of places taken from the others; no more than three times that moves.
        var plan = AppSubsets.PlanFor(hosts + 1, hosts + 1, hosts + 1);
        Assert.True(moved <= 3 * plan.PerHaproxy, $"{moved} of {total} assignments moved");
    }

    [Fact]
    public void The_assignment_depends_on_names_not_on_the_order_of_hosts()
    {
        var haproxies = Names("haproxy", 60);
        var apps = Names("app-9210", 60);
        var forward = AppSubsets.Assign(haproxies, apps, 60);
        var reversed = AppSubsets.Assign([.. Enumerable.Reverse(haproxies)], [.. Enumerable.Reverse(apps)], 60);

        for (var h = 0; h < haproxies.Count; h++)
        {
            var mine = forward[h].Select(a => apps[a]).Order(StringComparer.Ordinal);
            var theirs = reversed[haproxies.Count - 1 - h].Select(a => apps[apps.Count - 1 - a]).Order(StringComparer.Ordinal);
            Assert.Equal(mine, theirs);
        }
    }

    [Fact]
    public void Many_haproxies_before_few_apps_keep_a_minimum_list_and_every_app_covered()
    {
        var plan = AppSubsets.PlanFor(haproxies: 200, apps: 12, nginx: 200);
        var lists = AppSubsets.Assign(Names("haproxy", 200), Names("app-9210", 12), 200);

        Assert.True(plan.Subsetted);
        Assert.All(lists, l => Assert.Equal(AppSubsets.MinPerHaproxy, l.Count));
        Assert.Equal(12, lists.SelectMany(l => l).Distinct().Count());
    }

    [Fact]
    public void A_large_topology_serves_through_its_subsets_and_sources_agree_with_targets()
    {
        var yaml = "config:\n  microblog:layout: colocated\n  microblog:images:\n    app: registry.example.com/microblog/app:1.0.0\n" +
            "  microblog:loadBalancer:\n    name: front\n    address: 198.51.100.10\n  microblog:hosts:\n" +
            string.Concat(Enumerable.Range(1, 40).Select(i => $"  - name: host{i}\n    address: 10.0.0.{i}\n"));
        var topology = TopologyResolver.Resolve(SpecLoader.LoadYaml(yaml, "stacks/Pulumi.big.yaml", "big").Spec!);
        var plan = AppSubsets.PlanFor(topology);

        Assert.True(plan.Subsetted);
        foreach (var haproxy in topology.Of(Role.Haproxy))
        {
            var apps = topology.Targets(haproxy).Where(t => t.Role == Role.App).ToList();
            Assert.Equal(plan.PerHaproxy, apps.Count);
            Assert.All(apps, app => Assert.Contains(haproxy, topology.Sources(app)));
            Assert.Equal(apps.Count, HaproxyConfig.Render(topology, haproxy).Split('\n').Count(l => l.TrimStart().StartsWith("server ", StringComparison.Ordinal)));
        }

        Assert.All(topology.Of(Role.App), app => Assert.NotEmpty(topology.Sources(app)));
    }
}
