using Infra.Topology.Configs;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Configs;

public class HaproxyConfigTests
{
    /// <summary>Each committed stack's app servers, as every haproxy of the stack lists them.</summary>
    private static readonly Dictionary<string, (string Name, string Endpoint)[]> Backends = new()
    {
        ["single-host"] = [("localhost-app-9210", "127.0.0.1:9210"), ("localhost-app-9211", "127.0.0.1:9211")],
        ["two-host"] = [("host1-app-9210", "192.0.2.11:9210"), ("host2-app-9210", "192.0.2.12:9210")],
        ["three-host"] = [("host1-app-9210", "192.0.2.11:9210"), ("host2-app-9210", "192.0.2.12:9210"), ("host3-app-9210", "192.0.2.13:9210")],
        ["split-role"] = [("app-host1-app-9210", "192.0.2.31:9210"), ("app-host2-app-9210", "192.0.2.32:9210")],
        ["monitored"] = [("host1-app-9210", "192.0.2.11:9210"), ("host2-app-9210", "192.0.2.12:9210")],
    };

    /// <summary>Who may read each haproxy's stats page: loopback, and the address it binds when that is not loopback.</summary>
    private static readonly Dictionary<string, string[]> StatsCallers = new()
    {
        ["localhost-haproxy"] = ["127.0.0.1", "::1"],
        ["host1-haproxy"] = ["127.0.0.1", "::1", "192.0.2.11"],
        ["host2-haproxy"] = ["127.0.0.1", "::1", "192.0.2.12"],
        ["host3-haproxy"] = ["127.0.0.1", "::1", "192.0.2.13"],
        ["rp-host1-haproxy"] = ["127.0.0.1", "::1", "192.0.2.21"],
        ["rp-host2-haproxy"] = ["127.0.0.1", "::1", "192.0.2.22"],
    };

    [Theory]
    [MemberData(nameof(Proxies.Haproxies), MemberType = typeof(Proxies))]
    public void The_backend_lists_exactly_the_topologys_app_instances(string stack, string instanceName)
    {
        var topology = Repo.Topology(stack);

        var servers = Proxies.ServerLines(HaproxyConfig.Render(topology, topology.Instance(instanceName)));

        Assert.Equal(Backends[stack].Select(s => (s.Name, s.Endpoint, "minconn 5 maxconn 50 check")), servers);
    }

    [Fact]
    public void A_third_app_on_the_single_host_becomes_a_third_server_line_as_in_the_reference_design()
    {
        var before = Repo.Topology("single-host");
        var after = Repo.TopologyEdited("single-host", yaml => yaml.Replace("app: 2", "app: 3", StringComparison.Ordinal));

        var oldConfig = HaproxyConfig.Render(before, before.Of(Role.Haproxy).Single()).Split('\n');
        var newConfig = HaproxyConfig.Render(after, after.Of(Role.Haproxy).Single()).Split('\n');

        Assert.Equal(["    fullconn 15", "    server localhost-app-9212 127.0.0.1:9212 minconn 5 maxconn 50 check"], newConfig.Except(oldConfig));
        Assert.Equal(["    fullconn 10"], oldConfig.Except(newConfig));
    }

    [Fact]
    public void A_third_host_joins_every_haproxy_backend()
    {
        var topology = Repo.TopologyEdited("two-host", yaml => yaml + "    - name: host3\n      address: 192.0.2.13\n");

        var haproxies = topology.Of(Role.Haproxy).ToList();

        Assert.Equal(["host1", "host2", "host3"], haproxies.Select(h => h.Host));
        foreach (var haproxy in haproxies)
        {
            var servers = Proxies.ServerLines(HaproxyConfig.Render(topology, haproxy));
            Assert.Equal(["host1-app-9210", "host2-app-9210", "host3-app-9210"], servers.Select(s => s.Name));
            Assert.Contains(("host3-app-9210", "192.0.2.13:9210", "minconn 5 maxconn 50 check"), servers);
        }
    }

    [Theory]
    [MemberData(nameof(Proxies.Haproxies), MemberType = typeof(Proxies))]
    public void It_binds_its_own_port_on_every_address_and_keeps_stats_to_its_host(string stack, string instanceName)
    {
        var topology = Repo.Topology(stack);
        var haproxy = topology.Instance(instanceName);

        var lines = Lines(HaproxyConfig.Render(topology, haproxy));

        Assert.Contains("bind *:9100", lines);
        var callers = lines.Single(l => l.StartsWith("acl stats_caller src ", StringComparison.Ordinal)).Split(' ')[3..];
        Assert.Equal(StatsCallers[instanceName], callers);
        Assert.Contains("http-request deny if stats_path !stats_caller", lines);
        Assert.Contains("use_backend stats if stats_path", lines);
        Assert.Contains("stats uri /__haproxy_stats", lines);
    }

    [Fact]
    public void Only_the_front_door_haproxy_adds_x_forwarded_for_behind_nginx_it_would_duplicate_it()
    {
        var single = Repo.Topology("single-host");
        var twoHost = Repo.Topology("two-host");

        Assert.Contains("option forwardfor", Lines(HaproxyConfig.Render(single, single.Of(Role.Haproxy).Single())));
        foreach (var haproxy in twoHost.Of(Role.Haproxy))
        {
            var lines = Lines(HaproxyConfig.Render(twoHost, haproxy));
            Assert.DoesNotContain("option forwardfor", lines);
            Assert.DoesNotContain(lines, l => l.StartsWith("http-request set-header X-", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.StartsWith("http-request del-header X-", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Health_checks_use_the_stacks_health_path_and_failover_retries_posts_only_on_connection_failure()
    {
        var topology = Repo.TopologyEdited("two-host", yaml => yaml + "  microblog:healthCheckPath: /status\n");

        var lines = Lines(HaproxyConfig.Render(topology, topology.Of(Role.Haproxy).First()));

        Assert.Contains("http-check send meth GET uri /status", lines);
        Assert.Contains("http-check expect status 200", lines);
        Assert.Contains("default-server inter 200ms fastinter 50ms fall 2 rise 2 observe layer4 error-limit 2 on-error fail-check on-marked-down shutdown-sessions", lines);
        Assert.Contains("timeout check 500ms", lines);
        Assert.Contains("retries 3", lines);
        Assert.Contains("retry-on conn-failure empty-response", lines);
        Assert.Contains("acl retry_safe method GET HEAD OPTIONS", lines);
        Assert.Contains("http-request disable-l7-retry unless retry_safe", lines);
        Assert.Contains(lines, l => l.StartsWith("option redispatch", StringComparison.Ordinal));
    }

    [Fact]
    public void Ports_come_from_the_stack_file()
    {
        var topology = Repo.TopologyEdited("two-host", yaml => yaml + "  microblog:ports:\n    haproxy: 9300\n    app: 9400\n");

        var config = HaproxyConfig.Render(topology, topology.Of(Role.Haproxy).First());

        Assert.Contains("bind *:9300", Lines(config));
        Assert.Equal(["192.0.2.11:9400", "192.0.2.12:9400"], Proxies.ServerLines(config).Select(s => s.Endpoint));
    }

    private static List<string> Lines(string config) => config.Split('\n').Select(l => l.Trim()).ToList();
}
