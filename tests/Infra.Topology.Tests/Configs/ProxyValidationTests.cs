using System.Text.RegularExpressions;
using Infra.Topology.Configs;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Configs;

/// <summary>Every rendered proxy config of every stack goes through the real server's own config check.</summary>
public class ProxyValidationTests
{
    [Theory]
    [MemberData(nameof(Proxies.Nginxes), MemberType = typeof(Proxies))]
    public void Nginx_accepts_the_rendered_nginx_conf(string stack, string instanceName)
    {
        var topology = Repo.Topology(stack);

        AssertNginxAccepts(NginxConfig.Render(topology, topology.Instance(instanceName)));
    }

    [Theory]
    [MemberData(nameof(Proxies.Haproxies), MemberType = typeof(Proxies))]
    [MemberData(nameof(Proxies.LoadBalancers), MemberType = typeof(Proxies))]
    public void Haproxy_accepts_the_rendered_config(string stack, string instanceName)
    {
        var topology = Repo.Topology(stack);

        AssertHaproxyAccepts(Proxies.Render(topology, topology.Instance(instanceName)).Content);
    }

    [Theory]
    [MemberData(nameof(Proxies.LoadBalancers), MemberType = typeof(Proxies))]
    public void Haproxy_accepts_the_load_balancer_config_with_a_tls_certificate(string stack, string instanceName)
    {
        using var folder = new Tools.TempFolder();
        var pem = SelfSignedPem(folder);
        var topology = Repo.TopologyEdited(stack, yaml =>
            yaml.Replace("  microblog:loadBalancer:\n", $"  microblog:loadBalancer:\n    tlsCertificate: {pem}\n", StringComparison.Ordinal));
        var config = LoadBalancerConfig.Render(topology, topology.Instance(instanceName));

        Assert.Contains($"bind *:443 ssl crt {pem}", config);
        AssertHaproxyAccepts(config);
    }

    [Fact]
    public void Both_servers_accept_a_host_with_an_ipv6_address()
    {
        var topology = Repo.TopologyEdited("two-host", yaml =>
            yaml.Replace("address: 192.0.2.12", "address: \"2001:db8::12\"", StringComparison.Ordinal));
        var host2Nginx = NginxConfig.Render(topology, topology.Instance("host2-nginx"));
        var host2Haproxy = HaproxyConfig.Render(topology, topology.Instance("host2-haproxy"));

        Assert.Contains("listen [::]:80;", host2Nginx);
        Assert.Contains("bind [::]:9100 v6only", host2Haproxy);
        Assert.Contains("server host2-app-9210 [2001:db8::12]:9210 minconn 5 maxconn 50 check", host2Haproxy);
        AssertNginxAccepts(host2Nginx);
        AssertHaproxyAccepts(host2Haproxy);
        AssertHaproxyAccepts(LoadBalancerConfig.Render(topology, topology.Of(Role.LoadBalancer).Single()));
    }

    private static void AssertNginxAccepts(string config)
    {
        using var folder = new Tools.TempFolder();
        var file = folder.Write("nginx.conf", config);

        var result = Tools.Run(Tools.Find("nginx"), "-t", "-p", folder.Path + "/", "-e", "stderr", "-c", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("[warn]", result.Output);
    }

    private static void AssertHaproxyAccepts(string config)
    {
        using var folder = new Tools.TempFolder();
        var file = folder.Write("haproxy.cfg", config);

        var result = Tools.Run(Tools.Find("haproxy"), "-c", "-f", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotMatch(new Regex(@"\[(WARNING|ALERT)\]"), result.Output);
    }

    /// <summary>haproxy wants the certificate and its key in one PEM file.</summary>
    private static string SelfSignedPem(Tools.TempFolder folder)
    {
        var cert = Path.Combine(folder.Path, "cert.pem");
        var key = Path.Combine(folder.Path, "key.pem");
        var result = Tools.Run(Tools.Find("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", "/CN=front", "-keyout", key, "-out", cert);
        Assert.True(result.ExitCode == 0, result.ToString());
        return folder.Write("front.pem", File.ReadAllText(cert) + File.ReadAllText(key));
    }
}
