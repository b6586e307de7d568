using Infra.Topology.Model;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests;

public class TopologyTests
{
    /// <summary>The edges of a topology in the reference design diagram's aliases; a <-> b stands for both directions.</summary>
    private static SortedSet<string> EdgesOf(string stack)
    {
        var topology = Repo.Topology(stack);
        var alias = topology.Instances.ToDictionary(i => i.Name, i => i.Alias);
        return new SortedSet<string>(topology.Edges.Select(e => $"{alias[e.From]}->{alias[e.To]}"), StringComparer.Ordinal);
    }

    private static string[] Both(params string[] pairs) =>
        pairs.SelectMany(p => p.Split("<->") is [var a, var b] ? new[] { $"{a}->{b}", $"{b}->{a}" } : [p]).ToArray();

    [Fact]
    public void A_colocated_stack_is_five_role_rules_whatever_its_size_and_its_edges_follow_from_them()
    {
        // two-host has host1 and host2 at 192.0.2.11-12; 38 more hosts at 192.0.2.13-50.
        var forty = Repo.TopologyEdited("two-host", yaml => yaml + string.Concat(Enumerable.Range(13, 38).Select(i => $"    - name: host{i}\n      address: 192.0.2.{i}\n")));

        Assert.Equal(
            [
                new Wire(Role.LoadBalancer, Role.Nginx, EdgeKind.Http, WireScope.All),
                new Wire(Role.Nginx, Role.Haproxy, EdgeKind.Http, WireScope.SameHost),
                new Wire(Role.Haproxy, Role.App, EdgeKind.Http, WireScope.Subset),
                new Wire(Role.App, Role.Crate, EdgeKind.Sql, WireScope.All),
                new Wire(Role.Crate, Role.Crate, EdgeKind.Discovery, WireScope.Others),
            ],
            forty.Wires);
        // lb -> 40 nginx, 40 nginx -> their own haproxy, 40 haproxy x 16 apps (a subset: 40 checkers would pass an app's
        // check budget), 40 apps x 40 nodes, 40 nodes x 39 others.
        Assert.Equal(40 + 40 + 640 + 1600 + 1560, forty.Edges.Count());
        var host17 = forty.Instance("host17-crate-4200");
        Assert.Equal(79, forty.Sources(host17).Count());
        Assert.DoesNotContain(host17, forty.Sources(host17));
        Assert.Equal(["host17-haproxy"], forty.Targets(forty.Instance("host17-nginx")).Select(i => i.Name));
    }

    [Fact]
    public void Dev_is_one_app_talking_to_one_crate_node()
    {
        Assert.Equal(["ap1->cr1"], EdgesOf("dev"));
        Assert.Equal(["localhost-app-9210", "localhost-crate-4200"], Repo.Topology("dev").Instances.Select(i => i.Name));
    }

    [Fact]
    public void Single_host_is_the_supervisord_picture()
    {
        Assert.Equal(
            new SortedSet<string>(Both("ha1->ap1", "ha1->ap2", "ap1->cr1", "ap1->cr2", "ap2->cr1", "ap2->cr2", "cr1<->cr2"), StringComparer.Ordinal),
            EdgesOf("single-host"));

        var ports = Repo.Topology("single-host").Instances.Select(i => $"{i.Role}:{i.Port}");
        Assert.Equal(["Haproxy:9100", "App:9210", "App:9211", "Crate:4200", "Crate:4201"], ports);
    }

    [Fact]
    public void Two_host_is_the_reference_designs_production_picture()
    {
        Assert.Equal(
            new SortedSet<string>(
                Both("ha1->ap1", "ha1->ap2", "ha2->ap1", "ha2->ap2", "ap1->cr1", "ap1->cr2", "ap2->cr1", "ap2->cr2", "cr1<->cr2",
                    "lb->rp1", "lb->rp2", "rp1->ha1", "rp2->ha2"),
                StringComparer.Ordinal),
            EdgesOf("two-host"));
    }

    [Fact]
    public void Three_host_wires_every_haproxy_to_every_app_and_every_app_to_every_node()
    {
        Assert.Equal(
            new SortedSet<string>(
                Both("lb->rp1", "lb->rp2", "lb->rp3", "rp1->ha1", "rp2->ha2", "rp3->ha3",
                    "ha1->ap1", "ha1->ap2", "ha1->ap3", "ha2->ap1", "ha2->ap2", "ha2->ap3", "ha3->ap1", "ha3->ap2", "ha3->ap3",
                    "ap1->cr1", "ap1->cr2", "ap1->cr3", "ap2->cr1", "ap2->cr2", "ap2->cr3", "ap3->cr1", "ap3->cr2", "ap3->cr3",
                    "cr1<->cr2", "cr1<->cr3", "cr2<->cr3"),
                StringComparer.Ordinal),
            EdgesOf("three-host"));
    }

    [Fact]
    public void Split_role_puts_each_role_on_its_own_hosts()
    {
        Assert.Equal(
            new SortedSet<string>(
                Both("lb->rp1", "lb->rp2", "rp1->ha1", "rp2->ha2", "ha1->ap1", "ha1->ap2", "ha2->ap1", "ha2->ap2",
                    "ap1->cr1", "ap1->cr2", "ap2->cr1", "ap2->cr2", "cr1<->cr2"),
                StringComparer.Ordinal),
            EdgesOf("split-role"));

        var topology = Repo.Topology("split-role");
        Assert.Equal(["rp-host1-nginx", "rp-host1-haproxy"], topology.On("rp-host1").Select(i => i.Name));
        Assert.Equal(["app-host1-app-9210"], topology.On("app-host1").Select(i => i.Name));
        Assert.Equal(["crate-host2-crate-4200"], topology.On("crate-host2").Select(i => i.Name));
    }

    [Fact]
    public void Instances_on_one_host_take_consecutive_ports_and_separate_hosts_use_the_base()
    {
        var single = Repo.Topology("single-host");
        Assert.Equal([(4200, 4300, 5432), (4201, 4301, 5433)],
            single.Of(Role.Crate).Select(c => (c.Port, c.TransportPort!.Value, c.PsqlPort!.Value)));

        var three = Repo.Topology("three-host");
        Assert.All(three.Of(Role.App), app => Assert.Equal(9210, app.Port));
        Assert.Equal(["host1-app-9210", "host2-app-9210", "host3-app-9210"], three.Of(Role.App).Select(a => a.Name));
    }

    [Fact]
    public void Hosts_know_how_they_are_reached()
    {
        var two = Repo.Topology("two-host");
        Assert.Equal(new HostAccess(false, "ssh://deploy@192.0.2.11", new SshSpec("deploy", 22)), two.Hosts[0].Access);
        Assert.Equal("front", two.Hosts[^1].Name);

        var dev = Repo.Topology("dev");
        Assert.Equal(new HostAccess(true, TopologyResolver.LocalDockerEndpoint, new SshSpec("deploy", 22)), dev.Hosts[0].Access);
    }

    [Fact]
    public void The_front_door_is_the_load_balancer_else_haproxy_else_the_app()
    {
        Assert.Equal(["front-lb"], Repo.Topology("two-host").FrontDoor.Select(i => i.Name));
        Assert.Equal(["localhost-haproxy"], Repo.Topology("single-host").FrontDoor.Select(i => i.Name));
        Assert.Equal(["localhost-app-9210"], Repo.Topology("dev").FrontDoor.Select(i => i.Name));
    }

    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void Resolution_is_deterministic(string stack)
    {
        var first = TopologyResolver.Resolve(Repo.Spec(stack));
        var second = TopologyResolver.Resolve(Repo.Spec(stack));

        Assert.Equal(first, second);
        Assert.Equal(first.Instances.Select(i => i.Name), second.Instances.Select(i => i.Name));
    }

    [Fact]
    public void Adding_a_host_keeps_every_existing_instance_unchanged()
    {
        var two = Repo.Topology("two-host");
        var three = Repo.Topology("three-host");

        Assert.All(two.Instances, instance => Assert.Contains(instance, three.Instances));
    }
}
