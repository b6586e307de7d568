using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Microblog.CrateDouble;

/// <summary>
/// What the double knows of its cluster: itself and every seed host whose transport port greets it with the same
/// cluster name. A cluster "has a master" once a majority of `cluster.initial_master_nodes` is among them. Enough
/// to watch a deployment's orchestration (a node joining, a cluster forming); nothing of CrateDB's real consensus.
/// </summary>
public sealed class Cluster(CrateSettings settings)
{
    /// <summary>The line a node's transport port sends first: `{"node":..,"cluster":..}`.</summary>
    public byte[] Hello { get; } = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { node = settings.NodeName, cluster = settings.ClusterName }) + "\n");

    public async Task<IReadOnlyList<string>> Members()
    {
        var peers = await Task.WhenAll(settings.SeedHosts.Select(Greet));
        return peers.OfType<string>().Prepend(settings.NodeName).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public bool HasMaster(IReadOnlyList<string> members)
    {
        var masters = settings.InitialMasterNodes;
        return masters.Count == 0 || masters.Count(members.Contains) >= masters.Count / 2 + 1;
    }

    /// <summary>The node name a seed's transport port announces, if it belongs to this cluster.</summary>
    private async Task<string?> Greet(string seed)
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
            var buffer = new byte[512];
            var read = 0;
            while (read < buffer.Length && Array.IndexOf(buffer, (byte)'\n', 0, read) < 0)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    return null;
                }

                read += n;
            }

            using var hello = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, read).Split('\n')[0]);
            return hello.RootElement.GetProperty("cluster").GetString() == settings.ClusterName ? hello.RootElement.GetProperty("node").GetString() : null;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }
}
