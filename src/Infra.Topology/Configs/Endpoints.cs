using System.Net;
using System.Net.Sockets;

namespace Infra.Topology.Configs;

/// <summary>`address:port` as clients write it: IPv6 literals in brackets, as CrateDB and most clients require.</summary>
public static class Endpoints
{
    public static string Format(string address, int port) => IsIPv6(address) ? $"[{address}]:{port}" : $"{address}:{port}";

    /// <summary>An IPv6 address, written or a placeholder declared IPv6 (<see cref="Spec.Deferred"/>).</summary>
    public static bool IsIPv6(string address) =>
        (IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6) || Spec.Deferred.IsAddress(address, AddressFamily.InterNetworkV6);

    /// <summary>An IP address, written or a placeholder (not a DNS name).</summary>
    public static bool IsIP(string address) =>
        IPAddress.TryParse(address, out _) || Spec.Deferred.IsAddress(address, AddressFamily.InterNetwork) || Spec.Deferred.IsAddress(address, AddressFamily.InterNetworkV6);
}
