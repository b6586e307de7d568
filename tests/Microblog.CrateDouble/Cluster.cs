using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Microblog.CrateDouble;

/// <summary>
/// What the double knows of its cluster: itself and every node of the same cluster name it exchanged a greeting with
/// on a transport port in the last few seconds, in either direction. Each node greets its seed hosts every second,
/// so a new node that lists the old ones as seeds is seen by them too, as when a CrateDB node joins. The cluster
/// "has a master" once a majority of `cluster.initial_master_nodes` is among the members. Enough to watch a
/// deployment's orchestration; nothing of CrateDB's real consensus. The greetings carry the users (see
/// <see cref="Users"/>), as cluster state would.
/// </summary>
public sealed class Cluster(CrateSettings settings, Users users)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(4);

    /// <summary>How long the double reports a table not green after its membership changed (a cluster recovering replicas).</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<string, DateTime> _seen = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private string _members = "";
    private DateTime _changed = DateTime.UtcNow;

    /// <summary>The line each side of a transport connection sends first: `{"node":..,"cluster":..,"users":{name:[hash,stamp,grants]}}`.</summary>
    public byte[] Hello() => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { node = settings.NodeName, cluster = settings.ClusterName, users = users.Snapshot() }) + "\n");

    public IReadOnlyList<string> Members()
    {
        var now = DateTime.UtcNow;
        return _seen.Where(kv => now - kv.Value < Fresh).Select(kv => kv.Key).Append(settings.NodeName)
            .Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public bool HasMaster(IReadOnlyList<string> members)
    {
        var masters = settings.InitialMasterNodes;
        return masters.Count == 0 || masters.Count(members.Contains) >= masters.Count / 2 + 1;
    }

    /// <summary>Greets every seed host once a second, for as long as the node runs.</summary>
    public async Task Gossip()
    {
        while (true)
        {
            await Task.WhenAll(settings.SeedHosts.Select(Greet));
            Settling();
            await Task.Delay(1000);
        }
    }

    /// <summary>True for a while after a node came or went, as this node sees its cluster (and after the node started).</summary>
    public bool Settling()
    {
        var members = string.Join(",", Members());
        var now = DateTime.UtcNow;
        lock (_lock)
        {
            if (members != _members)
            {
                _members = members;
                _changed = now;
            }

            return now - _changed < Settle;
        }
    }

    /// <summary>An incoming transport connection: answer with our greeting, note the peer's, then drain.</summary>
    public async Task Accept(Socket client)
    {
        using var _ = client;
        try
        {
            await client.SendAsync(Hello(), SocketFlags.None);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            Note(await ReadLine(client, timeout.Token));
            var buffer = new byte[4096];
            while (await client.ReceiveAsync(buffer, SocketFlags.None) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task Greet(string seed)
    {
        var colon = seed.LastIndexOf(':');
        var host = colon > 0 ? seed[..colon] : seed;
        var port = colon > 0 ? int.Parse(seed[(colon + 1)..], CultureInfo.InvariantCulture) : 4300;
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var ip = IPAddress.TryParse(host.Trim('[', ']'), out var parsed) ? parsed : (await Dns.GetHostAddressesAsync(host, timeout.Token))[0];
            await socket.ConnectAsync(new IPEndPoint(ip, port), timeout.Token);
            await socket.SendAsync(Hello(), SocketFlags.None, timeout.Token);
            Note(await ReadLine(socket, timeout.Token));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
        }
    }

    private void Note(string? hello)
    {
        if (hello is null)
        {
            return;
        }

        try
        {
            using var json = JsonDocument.Parse(hello);
            if (json.RootElement.GetProperty("cluster").GetString() == settings.ClusterName && json.RootElement.GetProperty("node").GetString() is { } node)
            {
                _seen[node] = DateTime.UtcNow;
                if (json.RootElement.TryGetProperty("users", out var known))
                {
                    users.Merge(known.EnumerateObject().Select(u => (u.Name, u.Value[0].GetString()!, u.Value[1].GetInt64(),
                        (IReadOnlyList<string>)u.Value[2].EnumerateArray().Select(g => g.GetString()!).ToList())));
                }
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
        }
    }

    private static async Task<string?> ReadLine(Socket socket, CancellationToken cancel)
    {
        var buffer = new byte[16384];
        var read = 0;
        while (read < buffer.Length && Array.IndexOf(buffer, (byte)'\n', 0, read) < 0)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancel);
            if (n == 0)
            {
                return null;
            }

            read += n;
        }

        return Encoding.UTF8.GetString(buffer, 0, read).Split('\n')[0];
    }
}
