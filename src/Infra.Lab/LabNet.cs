using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Infra.Lab;

public sealed record LabResponse(int Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>The test process's own connections from inside a lab host: probes, stats polls, single requests.</summary>
public sealed partial class NetnsLab
{
    private readonly Dictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);

    /// <summary>A TCP socket that lives in <paramref name="from"/>'s namespace.</summary>
    public static Socket SocketIn(LabHost from, AddressFamily family) =>
        Native.InNamespace(from.NsPath, () => new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });

    /// <summary>Whether a TCP connection from <paramref name="from"/> to address:port is accepted within the timeout.</summary>
    public static async Task<bool> CanConnect(LabHost from, string address, int port, TimeSpan timeout)
    {
        var ip = IPAddress.Parse(address);
        using var socket = SocketIn(from, ip.AddressFamily);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(ip, port), cancel.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    public static Task<TimeSpan> WaitForPort(LabHost from, string address, int port, TimeSpan limit) =>
        Bounded.Until($"{address}:{port} to accept connections from {from.Name}", limit,
            () => CanConnect(from, address, port, TimeSpan.FromMilliseconds(500)), pollMs: 20);

    public HttpClient HttpFrom(LabHost from)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(from.Name, out var client))
            {
                var handler = new SocketsHttpHandler
                {
                    UseProxy = false,
                    PooledConnectionIdleTimeout = TimeSpan.FromSeconds(1),
                    ConnectTimeout = TimeSpan.FromSeconds(2),
                    ConnectCallback = async (context, cancel) =>
                    {
                        var ip = IPAddress.Parse(context.DnsEndPoint.Host.Trim('[', ']'));
                        var socket = SocketIn(from, ip.AddressFamily);
                        try
                        {
                            await socket.ConnectAsync(new IPEndPoint(ip, context.DnsEndPoint.Port), cancel);
                            return new NetworkStream(socket, ownsSocket: true);
                        }
                        catch
                        {
                            socket.Dispose();
                            throw;
                        }
                    },
                };
                client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
                _clients[from.Name] = client;
            }

            return client;
        }
    }

    public async Task<LabResponse> Get(LabHost from, string url)
    {
        using var response = await HttpFrom(from).GetAsync(url);
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        return new LabResponse((int)response.StatusCode, await response.Content.ReadAsStringAsync(), headers);
    }

    /// <summary>Polls a URL from a host until it answers 200, e.g. a service's health page.</summary>
    public async Task<TimeSpan> WaitForHttp(LabHost from, string url, TimeSpan limit)
    {
        var last = "nothing yet";
        var clock = Stopwatch.StartNew();
        await Bounded.Until($"{url} to answer 200 from {from.Name}", limit, async () =>
        {
            try
            {
                var response = await Get(from, url);
                last = $"{response.Status}";
                return response.Status == 200;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException)
            {
                last = e.Message;
                return false;
            }
        }, pollMs: 50, lastSeen: () => last);
        return clock.Elapsed;
    }

    private void DisposeClients()
    {
        lock (_clients)
        {
            foreach (var client in _clients.Values)
            {
                client.Dispose();
            }

            _clients.Clear();
        }
    }
}
