using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Topology.Plan;

/// <summary>
/// The command-line flags of Prometheus, Alertmanager and the exporters: the plan's containers and the process tier
/// both take them from here, with their own paths. Each binds its host's address only, the one the firewall guards.
/// </summary>
public static class MonitoringCommands
{
    /// <summary>Flags for <paramref name="instance"/>; <paramref name="configDir"/> holds its rendered files, <paramref name="dataDir"/> its data.</summary>
    public static IReadOnlyList<string> For(StackTopology topology, Instance instance, string configDir, string dataDir, string? hostRoot = null)
    {
        var listen = $"--web.listen-address={Endpoints.Format(instance.Address, instance.Port)}";
        return instance.Role switch
        {
            Role.Prometheus =>
            [
                $"--config.file={configDir}/{Path.GetFileName(FilePaths.Prometheus)}",
                $"--storage.tsdb.path={dataDir}",
                "--storage.tsdb.retention.time=15d",
                listen,
            ],
            // An empty cluster address turns off Alertmanager's gossip port (9094 on every interface): one Alertmanager, no peers.
            Role.Alertmanager =>
            [
                $"--config.file={configDir}/{Path.GetFileName(FilePaths.Alertmanager)}",
                $"--storage.path={dataDir}",
                "--cluster.listen-address=",
                listen,
            ],
            Role.NodeExporter => hostRoot is null ? [listen] : [listen, $"--path.rootfs={hostRoot}"],
            Role.NginxExporter => [$"--nginx.scrape-uri={NginxStatusUrl(topology, instance)}", listen],
            _ => throw new ArgumentOutOfRangeException(nameof(instance), instance.Role, $"{instance.Name} is not a monitoring service"),
        };
    }

    /// <summary>nginx on the exporter's own host, over loopback: the only caller its stub_status location allows.</summary>
    public static string NginxStatusUrl(StackTopology topology, Instance exporter) =>
        $"http://127.0.0.1:{topology.On(exporter.Host, Role.Nginx).Single().Port}{NginxConfig.StatusPath}";
}
