using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Infra.Topology.Configs;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Configs;

/// <summary>
/// The rendered nginx and haproxy briefly running for real on free ports of this machine: the stats page
/// answers local callers (the live tests poll its CSV) and nobody who comes through nginx or from outside.
/// </summary>
public sealed class ProxyRunTests : IDisposable
{
    private readonly Tools.TempFolder _folder = new();
    private readonly List<Process> _servers = [];
    private readonly HttpClient _http = new(new HttpClientHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Haproxy_serves_its_stats_csv_to_local_callers_only()
    {
        // Only haproxy listens here; its servers (the apps at 9210 and 9211) are names in the csv, never connected to.
        var haproxyPort = Tools.FreePort();
        var topology = Repo.TopologyEdited("single-host", yaml =>
            yaml + $"  microblog:ports:\n    haproxy: {haproxyPort}\n");
        StartHaproxy(HaproxyConfig.Render(topology, topology.Of(Role.Haproxy).Single()));
        var stats = $"http://127.0.0.1:{haproxyPort}{HaproxyConfig.StatsPath};csv";

        var csv = await WaitForAsync(stats);

        Assert.StartsWith("# pxname,svname,", csv);
        Assert.Contains("app,localhost-app-9210,", csv);
        Assert.Contains("app,localhost-app-9211,", csv);
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(stats, forwardedFor: "203.0.113.7"));
        if (OutsideAddress() is { } outside)
        {
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync($"http://{outside}:{haproxyPort}{HaproxyConfig.StatsPath};csv"));
        }
    }

    [Fact]
    public async Task Nginx_proxies_to_its_haproxy_and_hides_the_stats_page()
    {
        var (nginxPort, haproxyPort, appPort) = (Tools.FreePort(), Tools.FreePort(), Tools.FreePort());
        // loopback addresses: haproxy health-checks its servers, and no traffic may leave this machine
        var topology = Repo.TopologyEdited("two-host", yaml =>
            yaml.Replace("192.0.2.", "127.0.0.") + $"  microblog:ports:\n    nginx: {nginxPort}\n    haproxy: {haproxyPort}\n    app: {appPort}\n");
        StartHaproxy(HaproxyConfig.Render(topology, topology.Instance("host1-haproxy")));
        StartNginx(NginxConfig.Render(topology, topology.Instance("host1-nginx")));
        await WaitForAsync($"http://127.0.0.1:{haproxyPort}{HaproxyConfig.StatsPath};csv");
        var nginx = $"http://127.0.0.1:{nginxPort}";

        // haproxy answers 503 (no app is up in this test): the request went nginx -> haproxy; nginx alone would say 502.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await WaitForStatusAsync($"{nginx}/"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync($"{nginx}{HaproxyConfig.StatsPath};csv"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync($"{nginx}{HaproxyConfig.StatsPath}/"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync($"{nginx}/{HaproxyConfig.StatsPath}"));
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            Tools.Stop(server);
            server.Dispose();
        }

        _http.Dispose();
        _folder.Dispose();
    }

    private void StartHaproxy(string config) =>
        _servers.Add(Tools.Start(Tools.Find("haproxy"), "-db", "-f", _folder.Write("haproxy.cfg", config)));

    private void StartNginx(string config) =>
        _servers.Add(Tools.Start(Tools.Find("nginx"), "-p", _folder.Path + "/", "-e", "stderr", "-c", _folder.Write("nginx.conf", config), "-g", "daemon off;"));

    private async Task<HttpStatusCode> StatusAsync(string url, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await _http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>The body of the first 200 from a server that is still starting.</summary>
    private async Task<string> WaitForAsync(string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync(url);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode}\n{body}");
                return body;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && _servers.All(s => !s.HasExited))
            {
                await Task.Delay(50);
            }
        }
    }

    private async Task<HttpStatusCode> WaitForStatusAsync(string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return await StatusAsync(url);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && _servers.All(s => !s.HasExited))
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>A non-loopback IPv4 address of this machine, if it has one: connecting to it makes that the caller's address.</summary>
    private static IPAddress? OutsideAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
