using Infra.Topology.Configs;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Configs;

public class NginxConfigTests
{
    /// <summary>The haproxy on each nginx's host, the upstream it names.</summary>
    private static readonly Dictionary<string, string> OwnHaproxy = new()
    {
        ["host1-nginx"] = "host1-haproxy",
        ["host2-nginx"] = "host2-haproxy",
        ["host3-nginx"] = "host3-haproxy",
        ["rp-host1-nginx"] = "rp-host1-haproxy",
        ["rp-host2-nginx"] = "rp-host2-haproxy",
    };

    [Theory]
    [MemberData(nameof(Proxies.Nginxes), MemberType = typeof(Proxies))]
    public void It_proxies_only_to_the_haproxy_on_its_own_host_over_loopback(string stack, string instanceName)
    {
        var topology = Repo.Topology(stack);

        var config = NginxConfig.Render(topology, topology.Instance(instanceName));

        var upstreamServers = Lines(config).Where(l => l.StartsWith("server ", StringComparison.Ordinal) && l.EndsWith(';')).ToList();
        Assert.Equal(["server 127.0.0.1:9100;"], upstreamServers);
        Assert.Contains($"proxy_pass http://{OwnHaproxy[instanceName]};", Lines(config));
        // Only the load balancer's address appears, as the one source whose forwarding headers count.
        Assert.DoesNotContain(topology.Hosts.Where(h => !h.Roles.Contains(Role.LoadBalancer)), h => config.Contains(h.Address, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Proxies.Nginxes), MemberType = typeof(Proxies))]
    public void It_listens_on_its_port_keeps_upstream_connections_alive_and_forwards_the_client(string stack, string instanceName)
    {
        var topology = Repo.Topology(stack);

        var lines = Lines(NginxConfig.Render(topology, topology.Instance(instanceName)));

        Assert.Contains("listen 80;", lines);
        Assert.Contains("proxy_http_version 1.1;", lines);
        Assert.Contains("proxy_set_header Connection \"\";", lines);
        Assert.Contains(lines, l => l.StartsWith("keepalive ", StringComparison.Ordinal));
        Assert.Contains("proxy_set_header X-Forwarded-For $forwarded_for;", lines);
        Assert.Contains("proxy_set_header Forwarded \"\";", lines);
        // Every committed stack with nginx has its load balancer at 192.0.2.10.
        Assert.Equal(["set_real_ip_from 192.0.2.10;"], lines.Where(l => l.StartsWith("set_real_ip_from ", StringComparison.Ordinal)));
        Assert.Contains("proxy_set_header X-Forwarded-Proto $forwarded_proto;", lines);
        Assert.Contains("proxy_set_header Host $host;", lines);
        Assert.Contains(lines, l => l.StartsWith("proxy_set_header X-Real-IP ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Proxies.Nginxes), MemberType = typeof(Proxies))]
    public void The_haproxy_stats_path_is_a_404_in_nginx(string stack, string instanceName)
    {
        var topology = Repo.Topology(stack);

        var config = NginxConfig.Render(topology, topology.Instance(instanceName));

        Assert.Contains("location ^~ /__haproxy_stats {\n            return 404;\n        }", config);
    }

    [Fact]
    public void Ports_come_from_the_stack_file()
    {
        var topology = Repo.TopologyEdited("two-host", yaml => yaml + "  microblog:ports:\n    nginx: 8080\n    haproxy: 9300\n");

        var lines = Lines(NginxConfig.Render(topology, topology.Of(Role.Nginx).First()));

        Assert.Contains("listen 8080;", lines);
        Assert.Contains("server 127.0.0.1:9300;", lines);
    }

    [Fact]
    public void Timeouts_outlast_haproxys_worst_case_and_idle_connections_close_on_nginxs_side_first()
    {
        Assert.True(ProxyTimeouts.NginxRead > ProxyTimeouts.HaproxyWorstCase);
        Assert.True(ProxyTimeouts.LoadBalancerResponse > ProxyTimeouts.NginxRead);
        Assert.True(ProxyTimeouts.NginxUpstreamKeepAlive < ProxyTimeouts.HttpKeepAlive);
        Assert.True(ProxyTimeouts.ReloadDrain > ProxyTimeouts.LoadBalancerResponse);
    }

    [Fact]
    public void A_lost_host_is_down_within_a_second_and_the_load_balancers_check_outlasts_the_app_tiers_detection()
    {
        // The check's connect timeout is min(inter, timeout connect): the connect timeout must be the smaller one.
        Assert.True(ProxyTimeouts.ConnectMs <= ProxyTimeouts.CheckIntervalMs);
        Assert.InRange(ProxyTimeouts.DownWorstMs, 1, 999);
        Assert.InRange(ProxyTimeouts.AppDownTailMs, 1, 999);
        // Else an LB check through a live nginx could time out on a dead app twice in a row, and mark that nginx DOWN too.
        Assert.True(ProxyTimeouts.NginxCheckMs > Math.Max(ProxyTimeouts.DownWorstMs, ProxyTimeouts.AppDownTailMs) + ProxyTimeouts.ConnectMs);
    }

    private static List<string> Lines(string config) => config.Split('\n').Select(l => l.Trim()).ToList();
}
