namespace Infra.Lab.Session;

/// <summary>
/// A localhost stack's front door (dev: the app, single-host: haproxy) listens on 127.0.0.1 inside its host, where
/// nothing outside can reach it. The lab forwards the host's lab address and the same port to it with a DNAT rule in a
/// table of its own in that host (the stack's `inet microblog` table stays as rendered), so this machine reaches it.
/// </summary>
public static class FrontDoorForward
{
    public const string Table = "microblog_lab";

    /// <summary>Replaces the forward (a port may change with the stack); returns the URL this machine reaches it at.</summary>
    public static string Apply(LabHost host, int port)
    {
        // A packet to 127.0.0.1 that came in on eth0, and its answer, are martians unless the interface allows them.
        Shell.Check("nsenter", ["--net=" + host.NsPath, "--", "sysctl", "-q", "-w", "net.ipv4.conf.all.route_localnet=1", "net.ipv4.conf.eth0.route_localnet=1"], null);
        Shell.Check("nsenter", ["--net=" + host.NsPath, "--", "nft", "-f", "-"], $$"""
            table ip {{Table}}
            delete table ip {{Table}}
            table ip {{Table}} {
                chain prerouting {
                    type nat hook prerouting priority dstnat; policy accept;
                    iif "eth0" ip daddr {{host.Address}} tcp dport {{port}} dnat to 127.0.0.1:{{port}}
                }
            }

            """);
        return $"http://{host.Address}:{port}/";
    }
}
