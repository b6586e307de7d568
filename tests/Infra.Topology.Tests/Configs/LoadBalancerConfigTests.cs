using Infra.Topology.Configs;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Configs;

public class LoadBalancerConfigTests
{
    /// <summary>Each committed stack's nginx servers, as its load balancer lists them.</summary>
    private static readonly Dictionary<string, (string Name, string Endpoint)[]> Nginxes = new()
    {
        ["two-host"] = [("host1-nginx", "192.0.2.11:80"), ("host2-nginx", "192.0.2.12:80")],
        ["three-host"] = [("host1-nginx", "192.0.2.11:80"), ("host2-nginx", "192.0.2.12:80"), ("host3-nginx", "192.0.2.13:80")],
        ["split-role"] = [("rp-host1-nginx", "192.0.2.21:80"), ("rp-host2-nginx", "192.0.2.22:80")],
        ["monitored"] = [("host1-nginx", "192.0.2.11:80"), ("host2-nginx", "192.0.2.12:80")],
    };

    [Theory]
    [MemberData(nameof(Proxies.LoadBalancers), MemberType = typeof(Proxies))]
    public void Every_nginx_is_a_checked_server_and_only_port_80_is_bound_without_a_certificate(string stack, string instanceName)
    {
        var topology = Repo.Topology(stack);

        var config = LoadBalancerConfig.Render(topology, topology.Instance(instanceName));

        Assert.Equal(Nginxes[stack].Select(n => (n.Name, n.Endpoint, "check")), Proxies.ServerLines(config));
        var lines = Lines(config);
        // A monitored stack adds haproxy's metrics frontend, on a port of its own.
        string[] binds = stack == "monitored" ? ["bind *:80", "bind *:8405"] : ["bind *:80"];
        Assert.Equal(binds, lines.Where(l => l.StartsWith("bind ", StringComparison.Ordinal)));
        Assert.Contains("http-check send meth GET uri /health", lines);
        Assert.Contains("timeout check 1s", lines);
        Assert.Contains("default-server inter 200ms fastinter 50ms fall 2 rise 2 observe layer4 error-limit 2 on-error fail-check on-marked-down shutdown-sessions", lines);
        Assert.Contains("retry-on conn-failure empty-response", lines);
        Assert.Contains("http-request disable-l7-retry unless retry_safe", lines);
    }

    [Fact]
    public void A_certificate_adds_the_tls_port_and_the_forwarded_proto_follows_the_connection()
    {
        var topology = Repo.TopologyEdited("two-host", yaml =>
            yaml.Replace("  microblog:loadBalancer:\n", "  microblog:loadBalancer:\n    tlsCertificate: /etc/ssl/private/front.pem\n", StringComparison.Ordinal));

        var lines = Lines(LoadBalancerConfig.Render(topology, topology.Of(Role.LoadBalancer).Single()));

        Assert.Equal(
            ["bind *:80", "bind *:443 ssl crt /etc/ssl/private/front.pem alpn h2,http/1.1"],
            lines.Where(l => l.StartsWith("bind ", StringComparison.Ordinal)));
        Assert.Contains("http-request set-header X-Forwarded-Proto https if { ssl_fc }", lines);
        Assert.Contains("http-request set-header X-Forwarded-Proto http if !{ ssl_fc }", lines);
    }

    [Fact]
    public void The_edge_replaces_client_sent_forwarding_headers_with_its_own()
    {
        var topology = Repo.Topology("two-host");

        var lines = Lines(LoadBalancerConfig.Render(topology, topology.Of(Role.LoadBalancer).Single()));

        Assert.Contains("http-request del-header X-Forwarded-For", lines);
        Assert.Contains("option forwardfor", lines);
        Assert.Contains("http-request set-header X-Forwarded-Proto http", lines);
        Assert.Contains("http-request set-header X-Real-IP %[src]", lines);
    }

    [Fact]
    public void A_third_host_joins_the_load_balancer()
    {
        var topology = Repo.TopologyEdited("two-host", yaml => yaml + "    - name: host3\n      address: 192.0.2.13\n");

        var servers = Proxies.ServerLines(LoadBalancerConfig.Render(topology, topology.Of(Role.LoadBalancer).Single()));

        Assert.Equal(
            [("host1-nginx", "192.0.2.11:80", "check"), ("host2-nginx", "192.0.2.12:80", "check"), ("host3-nginx", "192.0.2.13:80", "check")],
            servers);
    }

    private static List<string> Lines(string config) => config.Split('\n').Select(l => l.Trim()).ToList();
}
