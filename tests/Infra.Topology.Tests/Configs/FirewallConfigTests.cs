using System.Text.RegularExpressions;
using Infra.Topology.Configs;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Configs;

public partial class FirewallConfigTests
{
    public static TheoryData<string, string> Hosts()
    {
        var data = new TheoryData<string, string>();
        foreach (var stack in Repo.StackNames)
        {
            foreach (var host in Repo.Topology(stack).Hosts)
            {
                data.Add(stack, host.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Real_nft_accepts_every_hosts_ruleset(string stack, string host)
    {
        var topology = Repo.Topology(stack);
        NftCheck(FirewallConfig.Render(topology, topology.Hosts.Single(h => h.Name == host)));
    }

    /// <remarks>
    /// A port wired from a role is open to every host of that role, this host too where it runs the role (transport
    /// from 192.0.2.11 on host1): a host's own traffic arrives on lo, accepted before any rule, and Linux drops a packet
    /// from outside that claims a local source address (accept_local=0), so the own address opens nothing. haproxy's
    /// port (9100) is wired from its own host's nginx only: nothing from outside is admitted to it.
    /// </remarks>
    [Fact]
    public void Two_host_host1_opens_each_port_to_the_hosts_of_the_roles_wired_to_it()
    {
        var accepted = Accepted(Render("two-host", "host1"));

        Assert.Equal(["192.0.2.11", "192.0.2.12"], accepted[9210]);
        Assert.Equal(["192.0.2.10"], accepted[80]);
        Assert.Equal(["203.0.113.0/24"], accepted[22]);
        Assert.Equal(["192.0.2.11", "192.0.2.12"], accepted[4200]);
        Assert.Equal(["192.0.2.11", "192.0.2.12"], accepted[5432]);
        Assert.Equal(["192.0.2.11", "192.0.2.12"], accepted[4300]);
        Assert.Equal([22, 80, 4200, 4300, 5432, 9210], accepted.Keys.Order());
        Assert.Contains("#   host1-haproxy: from host1-nginx (9100)\n", Render("two-host", "host1"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_hosts_rules_do_not_grow_with_the_stack_only_its_sets_elements_do()
    {
        // two-host has host1 and host2 at 192.0.2.11-12; 38 more hosts at 192.0.2.13-50.
        var forty = Repo.TopologyEdited("two-host", yaml => yaml + string.Concat(Enumerable.Range(13, 38).Select(i => $"    - name: host{i}\n      address: 192.0.2.{i}\n")));
        var small = Render("two-host", "host1");
        var big = FirewallConfig.Render(forty, forty.Hosts.Single(h => h.Name == "host1"));

        Assert.Equal(Table(small), Table(big));
        Assert.Equal(FirewallConfig.Additions(small).Select(l => l.Split('{')[0]), FirewallConfig.Additions(big).Select(l => l.Split('{')[0]));
        var every = Enumerable.Range(11, 40).Select(i => $"192.0.2.{i}").ToList();
        Assert.Equal(every, Accepted(big)[9210]);
        Assert.Equal(every, Accepted(big)[4300]);
        Assert.False(Accepted(big).ContainsKey(9100));
        NftCheck(big);
    }

    /// <summary>What an update adds first and what it withdraws later are elements: every host of every stack has the same table and rules.</summary>
    [Fact]
    public void Every_host_of_every_stack_has_the_same_table_and_rules_and_admits_through_its_elements_only()
    {
        var tables = Repo.StackNames.SelectMany(stack => Repo.Topology(stack).Hosts.Select(h => Table(FirewallConfig.Render(Repo.Topology(stack), h)))).Distinct().ToList();

        var table = Assert.Single(tables);
        Assert.Contains($"comment \"{FirewallConfig.TableComment}\"", table, StringComparison.Ordinal);
        Assert.DoesNotContain("elements", table, StringComparison.Ordinal);
        var rendered = Render("split-role", "crate-host1");
        Assert.All(rendered[rendered.IndexOf("\n# from", StringComparison.Ordinal)..].Split('\n'), line => Assert.True(line.Length == 0 || line.StartsWith('#') || line.StartsWith("add element inet microblog ", StringComparison.Ordinal), line));
        Assert.Equal(
            [
                "add element inet microblog admin_sources { 203.0.113.0/24 }",
                "add element inet microblog admin_ports { 22 }",
                "add element inet microblog app_hosts { 192.0.2.31, 192.0.2.32 }",
                "add element inet microblog app_ports { 4200, 5432 }",
                "add element inet microblog crate_hosts { 192.0.2.41, 192.0.2.42 }",
                "add element inet microblog crate_ports { 4200, 4300, 5432 }",
                "add element inet microblog crate_admin_ports { 4200 }",
            ],
            FirewallConfig.Additions(rendered));
    }

    /// <summary>
    /// CrateDB trusts its superuser from the admin network's addresses: a packet claiming one is dropped unless it came in
    /// on that network's bridge (before loopback is accepted, so a forged one on lo goes too), and what comes in on the
    /// bridge reaches the host's CrateDB HTTP ports only.
    /// </summary>
    [Fact]
    public void The_admin_network_reaches_the_hosts_crate_http_ports_only_and_no_packet_elsewhere_may_claim_its_addresses()
    {
        var rendered = Render("split-role", "crate-host1");

        var antiSpoof = rendered.IndexOf("ip saddr 169.254.77.8/29 iifname != \"mb-admin\" drop", StringComparison.Ordinal);
        Assert.True(antiSpoof > 0, rendered);
        Assert.True(antiSpoof < rendered.IndexOf("iif \"lo\" accept", StringComparison.Ordinal));
        Assert.Contains("iifname \"mb-admin\" ip saddr 169.254.77.8/29 tcp dport @crate_admin_ports accept", rendered, StringComparison.Ordinal);
        Assert.Contains("add element inet microblog crate_admin_ports { 4200 }", FirewallConfig.Additions(rendered));
        Assert.DoesNotContain(FirewallConfig.Additions(Render("split-role", "app-host1")), a => a.Contains("crate_admin_ports", StringComparison.Ordinal));
        Assert.Contains("add element inet microblog crate_admin_ports { 4200, 4201 }", FirewallConfig.Additions(Render("single-host", "localhost")));
        NftCheck(rendered);
    }

    [Fact]
    public void The_load_balancer_is_the_only_front_door()
    {
        var accepted = Accepted(Render("two-host", "front"));

        Assert.Equal(["any"], accepted[80]);
        Assert.Equal([22, 80], accepted.Keys.Order());
    }

    [Fact]
    public void Split_role_opens_crate_to_app_and_crate_hosts_and_transport_to_crate_hosts_only()
    {
        var crate = Accepted(Render("split-role", "crate-host1"));
        Assert.Equal(["192.0.2.31", "192.0.2.32", "192.0.2.41", "192.0.2.42"], crate[4200]);
        Assert.Equal(["192.0.2.41", "192.0.2.42"], crate[4300]);

        var app = Accepted(Render("split-role", "app-host1"));
        Assert.Equal(["192.0.2.21", "192.0.2.22"], app[9210]);

        var proxy = Accepted(Render("split-role", "rp-host1"));
        Assert.Equal(["192.0.2.10"], proxy[80]);
        Assert.Equal([22, 80], proxy.Keys.Order());
    }

    [Fact]
    public void Single_host_opens_haproxy_to_all_and_nothing_else_but_ssh()
    {
        var accepted = Accepted(Render("single-host", "localhost"));

        Assert.Equal(["any"], accepted[9100]);
        Assert.Equal([22, 9100], accepted.Keys.Order());
    }

    [Fact]
    public void Dev_opens_the_app_to_all()
    {
        var accepted = Accepted(Render("dev", "localhost"));

        Assert.Equal(["any"], accepted[9210]);
        Assert.Equal([22, 9210], accepted.Keys.Order());
    }

    [Fact]
    public void The_ssh_port_is_the_hosts_own()
    {
        var topology = Repo.TopologyEdited("two-host", yaml => yaml.Replace("      address: 192.0.2.11\n", "      address: 192.0.2.11\n      ssh:\n        port: 2222\n"));

        var accepted = Accepted(FirewallConfig.Render(topology, topology.Hosts.Single(h => h.Name == "host1")));

        Assert.Equal(["203.0.113.0/24"], accepted[2222]);
        Assert.False(accepted.ContainsKey(22));
    }

    [Fact]
    public void Without_admin_sources_ssh_is_open_to_all_and_a_tcp_docker_endpoint_is_refused()
    {
        var open = Repo.TopologyEdited("two-host", yaml => yaml.Replace("  microblog:adminSources:\n    - 203.0.113.0/24\n", "", StringComparison.Ordinal));
        Assert.Equal(["any"], Accepted(FirewallConfig.Render(open, open.Hosts.Single(h => h.Name == "host1")))[22]);

        var tcp = Repo.LoadEdited("two-host", yaml => yaml.Replace("  microblog:adminSources:\n    - 203.0.113.0/24\n", "", StringComparison.Ordinal)
            .Replace("      address: 192.0.2.11\n", "      address: 192.0.2.11\n      docker: tcp://192.0.2.11:2376\n", StringComparison.Ordinal));
        var error = Assert.Single(tcp.Errors);
        Assert.Equal("microblog:hosts[0].docker", error.KeyPath);
        Assert.Contains("microblog:adminSources", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tcp_docker_endpoint_is_open_to_the_admin_sources_only()
    {
        var topology = Repo.TopologyEdited("two-host", yaml => yaml
            .Replace("    - 203.0.113.0/24\n", "    - 203.0.113.0/24\n    - 2001:db8:ff::/48\n    - 198.51.100.7\n", StringComparison.Ordinal)
            .Replace("      address: 192.0.2.11\n", "      address: 192.0.2.11\n      docker: tcp://192.0.2.11:2376\n", StringComparison.Ordinal));

        var rendered = FirewallConfig.Render(topology, topology.Hosts.Single(h => h.Name == "host1"));

        Assert.Contains("    set admin_sources { type ipv4_addr; flags interval; auto-merge; }\n    set admin_sources6 { type ipv6_addr; flags interval; auto-merge; }\n", rendered, StringComparison.Ordinal);
        Assert.Contains("\nadd element inet microblog admin_sources { 203.0.113.0/24, 198.51.100.7 }\nadd element inet microblog admin_sources6 { 2001:db8:ff::/48 }\nadd element inet microblog admin_ports { 22, 2376 }\n", rendered, StringComparison.Ordinal);
        Assert.Equal(["203.0.113.0/24", "198.51.100.7", "2001:db8:ff::/48"], Accepted(rendered)[2376]);
        Assert.Equal(["203.0.113.0/24", "198.51.100.7", "2001:db8:ff::/48"], Accepted(rendered)[22]);
        NftCheck(rendered);
        Assert.False(Accepted(FirewallConfig.Render(topology, topology.Hosts.Single(h => h.Name == "host2"))).ContainsKey(2376));
    }

    [Theory]
    [InlineData("203.0.113.0/33")]
    [InlineData("203.0.113.x")]
    [InlineData("any")]
    public void An_admin_source_that_is_not_an_address_or_network_is_an_error(string source)
    {
        var result = Repo.LoadEdited("two-host", yaml => yaml.Replace("    - 203.0.113.0/24\n", $"    - \"{source}\"\n", StringComparison.Ordinal));

        var error = Assert.Single(result.Errors);
        Assert.Equal("microblog:adminSources[0]", error.KeyPath);
        Assert.Contains("e.g. 203.0.113.0/24", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IPv6_sources_use_ip6_saddr_and_load()
    {
        var topology = Repo.TopologyEdited("two-host", yaml => yaml.Replace("192.0.2.12", "2001:db8::12"));

        var text = FirewallConfig.Render(topology, topology.Hosts.Single(h => h.Name == "host1"));

        Assert.Contains("\nadd element inet microblog haproxy_hosts { 192.0.2.11 }\nadd element inet microblog haproxy_hosts6 { 2001:db8::12 }\nadd element inet microblog haproxy_ports { 9210 }\n", text);
        Assert.Contains("        ip saddr @haproxy_hosts tcp dport @haproxy_ports accept\n        ip6 saddr @haproxy_hosts6 tcp dport @haproxy_ports accept\n", text);
        Assert.Equal(["192.0.2.11", "2001:db8::12"], Accepted(text)[9210]);
        NftCheck(text);
    }

    [Fact]
    public void The_ruleset_replaces_its_own_table_and_drops_by_default()
    {
        var text = Render("three-host", "host3");

        Assert.StartsWith("# three-host / host3: generated by microblog-infra: do not edit\n", text);
        Assert.Contains("\ntable inet microblog\ndelete table inet microblog\n", text);
        Assert.DoesNotContain("flush ruleset", text);
        Assert.Contains("type filter hook input priority filter; policy drop;", text);
        Assert.Contains("ct state established,related accept", text);
        Assert.Contains("iif \"lo\" accept", text);
    }

    private static string Render(string stack, string host)
    {
        var topology = Repo.Topology(stack);
        return FirewallConfig.Render(topology, topology.Hosts.Single(h => h.Name == host));
    }

    private static void NftCheck(string ruleset)
    {
        var file = Path.Combine(Path.GetTempPath(), $"nft-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, ruleset);
        try
        {
            var (exit, output) = Tools.Run(TimeSpan.FromSeconds(20), "nft", "-c", "-f", file);
            Assert.True(exit == 0, $"nft -c rejected the ruleset:\n{output}\n{ruleset}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The table and its rules: everything before the first section of elements.</summary>
    private static string Table(string ruleset) => ruleset[ruleset.IndexOf("table inet microblog\n", StringComparison.Ordinal)..ruleset.IndexOf("\n# from", StringComparison.Ordinal)];

    /// <summary>Port to the sources it is accepted from ("any" for no saddr), read back from the accept rules and the sets' added elements.</summary>
    private static Dictionary<int, List<string>> Accepted(string ruleset)
    {
        var sets = AddElement().Matches(ruleset).ToDictionary(m => m.Groups["set"].Value, m => m.Groups["elements"].Value.Split(", ").ToList());
        var accepted = new Dictionary<int, List<string>>();
        foreach (Match match in AcceptRule().Matches(ruleset))
        {
            var from = match.Groups["from"];
            var sources = !from.Success ? ["any"] : sets.GetValueOrDefault(from.Value, []);
            foreach (var port in sets.GetValueOrDefault(match.Groups["ports"].Value, []).Select(int.Parse))
            {
                accepted.TryAdd(port, []);
                accepted[port].AddRange(sources.Where(s => !accepted[port].Contains(s)));
            }
        }

        return accepted.Where(a => a.Value.Count > 0).ToDictionary();
    }

    [GeneratedRegex(@"^\s*(?:ip6? saddr @(?<from>\S+) )?tcp dport @(?<ports>\S+) accept$", RegexOptions.Multiline)]
    private static partial Regex AcceptRule();

    [GeneratedRegex(@"^add element inet microblog (?<set>\S+) \{ (?<elements>[^}]*) \}$", RegexOptions.Multiline)]
    private static partial Regex AddElement();
}
