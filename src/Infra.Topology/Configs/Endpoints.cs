using System.Net;
using System.Net.Sockets;

namespace Infra.Topology.Configs;

/// <summary>`address:port` as clients write it: IPv6 literals in brackets, as CrateDB and most clients require.</summary>
public static class Endpoints
{
    public static string Format(string address, int port) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{address}]:{port}"
            : $"{address}:{port}";
}
