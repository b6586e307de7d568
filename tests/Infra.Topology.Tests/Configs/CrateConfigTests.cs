using System.Globalization;
using Infra.Topology.Configs;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;
using YamlDotNet.Serialization;

namespace Infra.Topology.Tests.Configs;

public class CrateConfigTests
{
    [Fact]
    public void Three_host_node_settings_are_exactly_these()
    {
        var topology = Repo.Topology("three-host");

        var parsed = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(CrateConfig.Render(topology, topology.Instance("host2-crate-4200")));

        var expected = new Dictionary<string, object>
        {
            ["cluster.name"] = "microblog-three-host",
            ["node.name"] = "host2-crate-4200",
            ["node.master"] = "true",
            ["node.data"] = "true",
            ["network.host"] = "192.0.2.12",
            ["network.publish_host"] = "192.0.2.12",
            ["http.port"] = "4200",
            ["transport.tcp.port"] = "4300",
            ["psql.port"] = "5432",
            ["discovery.seed_hosts"] = new[] { "192.0.2.11:4300", "192.0.2.13:4300" },
            ["cluster.initial_master_nodes"] = new[] { "host1-crate-4200", "host2-crate-4200", "host3-crate-4200" },
            ["network.bind_host"] = new[] { "192.0.2.12", "_local_", "169.254.77.1" },
            ["auth.host_based.enabled"] = "true",
            ["auth.host_based.config.0.user"] = "crate",
            ["auth.host_based.config.0.address"] = "169.254.77.8/29",
            ["auth.host_based.config.0.method"] = "trust",
            ["auth.host_based.config.0.protocol"] = "http",
            ["auth.host_based.config.1.user"] = "microblog",
            ["auth.host_based.config.1.method"] = "password",
            ["auth.host_based.config.2.protocol"] = "transport",
            ["auth.host_based.config.2.method"] = "trust",
            ["auth.trust.http_support_x_real_ip"] = "false",
            ["path.data"] = "/data/data",
            ["path.logs"] = "/data/log",
        };
        Assert.Equal(expected.Keys, parsed.Keys);
        Assert.All(expected, kv => Assert.Equal(Normalize(kv.Value), Normalize(parsed[kv.Key])));
    }

    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void Every_node_parses_back_to_its_settings(string stack)
    {
        var topology = Repo.Topology(stack);
        foreach (var node in topology.Of(Role.Crate))
        {
            var parsed = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(CrateConfig.Render(topology, node));

            Assert.Equal(CrateConfig.Settings(topology, node).Select(kv => (kv.Key, Normalize(kv.Value))), parsed.Select(kv => (kv.Key, Normalize(kv.Value))));
        }
    }

    [Fact]
    public void Five_nodes_have_three_masters_and_adding_a_sixth_changes_no_nodes_file()
    {
        var hosts = string.Concat(Enumerable.Range(3, 3).Select(i => $"    - name: host{i}\n      address: 192.0.2.1{i}\n"));
        var five = Repo.TopologyEdited("two-host", yaml => yaml + hosts);
        var six = Repo.TopologyEdited("two-host", yaml => yaml + hosts + "    - name: host6\n      address: 192.0.2.16\n");

        var host4 = CrateConfig.Settings(five, five.Instance("host4-crate-4200"));
        Assert.Equal(false, host4["node.master"]);
        Assert.Equal(new[] { "192.0.2.11:4300", "192.0.2.12:4300", "192.0.2.13:4300" }, host4["discovery.seed_hosts"]);
        Assert.Equal(new[] { "host1-crate-4200", "host2-crate-4200", "host3-crate-4200" }, host4["cluster.initial_master_nodes"]);
        Assert.Equal(true, CrateConfig.Settings(five, five.Instance("host3-crate-4200"))["node.master"]);
        foreach (var node in five.Of(Role.Crate))
        {
            Assert.Equal(CrateConfig.Render(five, node), CrateConfig.Render(six, six.Instance(node.Name)));
        }
    }

    [Theory]
    [InlineData(1, new[] { "host1-crate-4200" })]
    [InlineData(5, new[] { "host1-crate-4200", "host2-crate-4200", "host3-crate-4200", "host4-crate-4200", "host5-crate-4200" })]
    public void The_number_of_master_eligible_nodes_is_settable(int masters, string[] expected)
    {
        var hosts = string.Concat(Enumerable.Range(3, 3).Select(i => $"    - name: host{i}\n      address: 192.0.2.1{i}\n"));
        var topology = Repo.TopologyEdited("two-host", yaml => yaml.Replace("    heapSize: 2g\n", $"    heapSize: 2g\n    masterNodes: {masters}\n", StringComparison.Ordinal) + hosts);

        Assert.Equal(expected, CrateConfig.MasterEligible(topology).Select(n => n.Name));
    }

    [Fact]
    public void Two_host_node_settings_read_as_the_reference_design_draws_them()
    {
        var topology = Repo.Topology("two-host");
        var settings = CrateConfig.Settings(topology, topology.Instance("host1-crate-4200"));

        Assert.Equal("microblog-two-host", settings["cluster.name"]);
        Assert.Equal("192.0.2.11", settings["network.host"]);
        Assert.Equal(new[] { "192.0.2.12:4300" }, settings["discovery.seed_hosts"]);
        Assert.Equal(new[] { "host1-crate-4200", "host2-crate-4200" }, settings["cluster.initial_master_nodes"]);
        Assert.Equal(true, settings["node.master"]);
    }

    [Theory]
    [MemberData(nameof(Repo.Stacks), MemberType = typeof(Repo))]
    public void Every_emitted_key_is_a_documented_CrateDB_setting(string stack)
    {
        var topology = Repo.Topology(stack);
        foreach (var node in topology.Of(Role.Crate))
        {
            Assert.All(CrateConfig.Settings(topology, node).Keys, key => Assert.Contains(key, CrateConfig.DocumentedKeys));
        }
    }

    [Fact]
    public void Files_start_with_a_do_not_edit_header_naming_stack_and_node()
    {
        var topology = Repo.Topology("single-host");
        var node = topology.Instance("localhost-crate-4201");

        Assert.StartsWith("# single-host / localhost-crate-4201: generated by microblog-infra: do not edit\n", CrateConfig.Render(topology, node));
        Assert.StartsWith("# single-host / localhost-crate-4201: generated by microblog-infra: do not edit\n", CrateConfig.Logging(topology, node));
    }

    [Fact]
    public void Process_managed_nodes_get_their_data_paths_from_supervisord_not_crate_yml()
    {
        var topology = Repo.Topology("single-host");
        var settings = CrateConfig.Settings(topology, topology.Instance("localhost-crate-4200"));

        Assert.DoesNotContain("path.data", settings.Keys);
        Assert.Equal("127.0.0.1", settings["network.host"]);
        Assert.Equal(new[] { "127.0.0.1:4301" }, settings["discovery.seed_hosts"]);
    }

    [Fact]
    public void IPv6_seed_hosts_are_bracketed()
    {
        var topology = Repo.TopologyEdited("two-host", yaml => yaml.Replace("192.0.2.11", "2001:db8::11").Replace("192.0.2.12", "2001:db8::12"));

        var settings = CrateConfig.Settings(topology, topology.Instance("host1-crate-4200"));

        Assert.Equal(new[] { "[2001:db8::12]:4300" }, settings["discovery.seed_hosts"]);
        Assert.Equal("2001:db8::11", settings["network.host"]);
    }

    [Fact]
    public void Reference_procedure_adding_host3_reaches_every_crate_node_and_every_app()
    {
        var topology = Repo.TopologyEdited("two-host", yaml => yaml + "    - name: host3\n      address: 192.0.2.13\n");

        var seeds = new Dictionary<string, string[]>
        {
            ["host1-crate-4200"] = ["192.0.2.12:4300", "192.0.2.13:4300"],
            ["host2-crate-4200"] = ["192.0.2.11:4300", "192.0.2.13:4300"],
            ["host3-crate-4200"] = ["192.0.2.11:4300", "192.0.2.12:4300"],
        };
        Assert.Equal(seeds.Keys, topology.Of(Role.Crate).Select(n => n.Name));
        foreach (var (node, expected) in seeds)
        {
            var settings = CrateConfig.Settings(topology, topology.Instance(node));
            Assert.Equal(new[] { "host1-crate-4200", "host2-crate-4200", "host3-crate-4200" }, settings["cluster.initial_master_nodes"]);
            Assert.Equal(expected, settings["discovery.seed_hosts"]);
        }

        foreach (var app in topology.Of(Role.App))
        {
            Assert.Contains("crate.hosts = 192.0.2.11:4200 192.0.2.12:4200 192.0.2.13:4200\n", AppConfig.Render(topology, app));
        }
    }

    private static string Normalize(object value) => value switch
    {
        bool b => b ? "true" : "false",
        System.Collections.IEnumerable list and not string => "[" + string.Join(",", list.Cast<object>().Select(Normalize)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
