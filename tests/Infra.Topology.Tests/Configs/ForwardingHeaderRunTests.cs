using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Infra.Topology.Configs;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Configs;

/// <summary>
/// The rendered nginx.conf and the load balancer's haproxy.cfg on the real servers, in front of a server that answers
/// with the headers it got: who the client is, and how it came, is taken from the load balancer only; anyone else's
/// say is replaced or dropped. And what nginx answers when haproxy has none.
/// </summary>
public sealed class ForwardingHeaderRunTests : IDisposable
{
    private readonly Tools.TempFolder _folder = new();
    private readonly List<Process> _servers = [];
    private readonly CancellationTokenSource _stop = new();

    [Fact]
    public async Task A_client_that_is_not_the_load_balancer_cannot_say_who_it_is_or_how_it_came()
    {
        var nginx = await Start();

        var headers = await Get(nginx, from: IPAddress.Parse("127.0.0.1"));

        Assert.Equal("127.0.0.1", headers["x-real-ip"]);
        Assert.Equal("127.0.0.1", headers["x-forwarded-for"]);
        Assert.Equal("http", headers["x-forwarded-proto"]);
        Assert.False(headers.ContainsKey("forwarded"), "Forwarded passed on");
        Assert.False(headers.ContainsKey("x-forwarded-host"), "X-Forwarded-Host passed on");
    }

    [Fact]
    public async Task The_load_balancer_says_who_the_client_is_and_its_chain_gains_the_load_balancer()
    {
        var nginx = await Start();

        var headers = await Get(nginx, from: IPAddress.Parse("127.0.0.10"));

        Assert.Equal("203.0.113.9", headers["x-real-ip"]);
        Assert.Equal("203.0.113.9, 127.0.0.10", headers["x-forwarded-for"]);
        Assert.Equal("https", headers["x-forwarded-proto"]);
        Assert.False(headers.ContainsKey("forwarded"), "Forwarded passed on");
    }

    [Fact]
    public async Task When_haproxy_closes_without_an_answer_nginx_says_nothing_to_a_safe_request_so_the_load_balancer_may_retry_it()
    {
        var nginx = await Start();

        Assert.Equal("", await Raw(nginx, "GET /close HTTP/1.1"));
        Assert.StartsWith("HTTP/1.1 502", await Raw(nginx, "POST /close HTTP/1.1\r\nContent-Length: 0"), StringComparison.Ordinal);
        // The app's own 502 is an answer: passed on as it is, never turned into silence (that would invite a retry).
        var app502 = await Raw(nginx, "GET /app502 HTTP/1.1");
        Assert.StartsWith("HTTP/1.1 502", app502, StringComparison.Ordinal);
        Assert.EndsWith("the app says 502\n", app502, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_load_balancer_drops_what_clients_say_about_forwarding_and_says_it_itself()
    {
        var (lbPort, echoPort) = (Tools.FreePort(), Tools.FreePort());
        var topology = Repo.TopologyEdited("two-host", yaml =>
            yaml.Replace("192.0.2.", "127.0.0.", StringComparison.Ordinal) + $"  microblog:ports:\n    loadBalancerHttp: {lbPort}\n    nginx: {echoPort}\n");
        // The echo stands in for both nginx: the load balancer's health checks and requests reach it.
        _ = Echo(echoPort, IPAddress.Parse("127.0.0.11"));
        _ = Echo(echoPort, IPAddress.Parse("127.0.0.12"));
        _servers.Add(Tools.Start(Tools.Find("haproxy"), "-db", "-f", _folder.Write("lb.cfg", LoadBalancerConfig.Render(topology, topology.Instance("front-lb")))));

        var headers = await Retry(() => Get(lbPort, from: IPAddress.Parse("127.0.0.1")));

        Assert.Equal("127.0.0.1", headers["x-real-ip"]);
        Assert.Equal("127.0.0.1", headers["x-forwarded-for"]);
        Assert.Equal("http", headers["x-forwarded-proto"]);
        Assert.False(headers.ContainsKey("forwarded"), "Forwarded passed on");
        Assert.False(headers.ContainsKey("x-forwarded-host"), "X-Forwarded-Host passed on");
    }

    /// <summary>Until haproxy has marked a server UP (a 503 or a refused connection before).</summary>
    private async Task<Dictionary<string, string>> Retry(Func<Task<Dictionary<string, string>>> get)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return await get();
            }
            catch (Exception e) when (e is SocketException or Xunit.Sdk.XunitException && DateTime.UtcNow < deadline && _servers.All(s => !s.HasExited))
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>two-host on loopback (the load balancer at 127.0.0.10), host1's nginx in front of the header echo.</summary>
    private async Task<int> Start()
    {
        var (nginxPort, echoPort) = (Tools.FreePort(), Tools.FreePort());
        var topology = Repo.TopologyEdited("two-host", yaml =>
            yaml.Replace("192.0.2.", "127.0.0.", StringComparison.Ordinal) + $"  microblog:ports:\n    nginx: {nginxPort}\n    haproxy: {echoPort}\n");
        _ = Echo(echoPort, IPAddress.Loopback);
        _servers.Add(Tools.Start(Tools.Find("nginx"), "-p", _folder.Path + "/", "-e", "stderr", "-c",
            _folder.Write("nginx.conf", NginxConfig.Render(topology, topology.Instance("host1-nginx"))), "-g", "daemon off;"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await Listening(nginxPort))
        {
            Assert.True(DateTime.UtcNow < deadline && _servers.All(s => !s.HasExited), "nginx did not start");
            await Task.Delay(50);
        }

        return nginxPort;
    }

    /// <summary>The whole response to one request line (and headers), sent from <paramref name="from"/>; empty when the server closed without one.</summary>
    private static async Task<string> Raw(int port, string requestLine, IPAddress? from = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from ?? IPAddress.Loopback, 0));
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"{requestLine}\r\nHost: microblog.example\r\nConnection: close\r\n\r\n"), SocketFlags.None);
        var response = new StringBuilder();
        var buffer = new byte[8192];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            response.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return response.ToString();
    }

    /// <summary>A GET from <paramref name="from"/> carrying every forwarding header a client could forge; the headers the echo got.</summary>
    private static async Task<Dictionary<string, string>> Get(int port, IPAddress from)
    {
        var text = await Raw(port, "GET /echo HTTP/1.1\r\n" +
            "X-Real-IP: 203.0.113.9\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n" +
            "Forwarded: for=198.51.100.1;proto=https\r\nX-Forwarded-Host: evil.example", from);
        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        var body = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        return body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
    }

    /// <summary>Answers every request with the request's own header lines as its body.</summary>
    private async Task Echo(int port, IPAddress address)
    {
        var listener = new TcpListener(address, port);
        listener.Start();
        using var registration = _stop.Token.Register(listener.Stop);
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using var _ = client;
                var stream = client.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[8192];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer);
                    if (n == 0)
                    {
                        return;
                    }

                    head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                var all = head.ToString().Split("\r\n");
                if (all[0].Contains(" /close ", StringComparison.Ordinal))
                {
                    // As haproxy does when its server is marked down mid-request (on-marked-down shutdown-sessions).
                    return;
                }

                var status = all[0].Contains(" /app502 ", StringComparison.Ordinal) ? "502 Bad Gateway" : "200 OK";
                var body = status.StartsWith("502", StringComparison.Ordinal) ? "the app says 502\n" : string.Join("\n", all.Skip(1).TakeWhile(l => l.Length > 0)) + "\n";
                var response = $"HTTP/1.1 {status}\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
            });
        }
    }

    private static async Task<bool> Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var server in _servers)
        {
            Tools.Stop(server);
            server.Dispose();
        }

        _folder.Dispose();
        _stop.Dispose();
    }
}
