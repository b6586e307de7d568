using System.Globalization;

namespace Infra.Topology.Spec;

/// <summary>`microblog:monitoring` and the monitoring images of `microblog:images`.</summary>
internal sealed partial class SpecBinder
{
    private static readonly string[] MonitoringKeys =
        ["host", "name", "address", "ssh", "docker", "webhook", "errorRatio", "appMetricsPath", "crateMetricsPort", "ports"];

    private static readonly string[] MonitoringPortKeys = ["prometheus", "alertmanager", "nodeExporter", "nginxExporter", "haproxyMetrics"];

    private MonitoringImages BindMonitoringImages(MapNode images, string path)
    {
        var d = MonitoringImages.Default;
        return new MonitoringImages(
            Prometheus: Value(images, "prometheus", path, "images.prometheus", DeferredKind.Image) ?? d.Prometheus,
            Alertmanager: Value(images, "alertmanager", path, "images.alertmanager", DeferredKind.Image) ?? d.Alertmanager,
            NodeExporter: Value(images, "nodeExporter", path, "images.nodeExporter", DeferredKind.Image) ?? d.NodeExporter,
            NginxExporter: Value(images, "nginxExporter", path, "images.nginxExporter", DeferredKind.Image) ?? d.NginxExporter);
    }

    private MonitoringSpec? BindMonitoring(ConfigNode node, string path)
    {
        var map = Map(node, path, MonitoringKeys);
        if (map is null)
        {
            return null;
        }

        MonitoringHostSpec? own = null;
        var name = String(map, "name", path);
        var address = Value(map, "address", path, $"{name}.address", null);
        if (name is not null || address is not null || Find(map, "ssh") is not null || Find(map, "docker") is not null)
        {
            own = new MonitoringHostSpec(name ?? "", address ?? "", BindSsh(map, path, name ?? ""), String(map, "docker", path));
        }

        var ratio = MonitoringSpec.DefaultErrorRatio;
        if (Find(map, "errorRatio") is { } ratioNode && Scalar(ratioNode, $"{path}.errorRatio") is { } ratioText)
        {
            Explicit.Add($"{path}.errorRatio");
            if (double.TryParse(ratioText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed))
            {
                ratio = parsed;
            }
            else
            {
                Error($"{path}.errorRatio", ratioNode, $"\"{ratioText}\" is not a share of requests: write a decimal between 0 and 1, e.g. 0.05 for 5%");
            }
        }

        var ports = MonitoringPorts.Default;
        if (Find(map, "ports") is { } portsNode && Map(portsNode, $"{path}.ports", MonitoringPortKeys) is { } portsMap)
        {
            var p = $"{path}.ports";
            ports = new MonitoringPorts(
                Prometheus: Int(portsMap, "prometheus", p) ?? ports.Prometheus,
                Alertmanager: Int(portsMap, "alertmanager", p) ?? ports.Alertmanager,
                NodeExporter: Int(portsMap, "nodeExporter", p) ?? ports.NodeExporter,
                NginxExporter: Int(portsMap, "nginxExporter", p) ?? ports.NginxExporter,
                HaproxyMetrics: Int(portsMap, "haproxyMetrics", p) ?? ports.HaproxyMetrics);
        }

        return new MonitoringSpec(
            OnHost: String(map, "host", path),
            OwnHost: own,
            Webhook: String(map, "webhook", path) ?? "",
            ErrorRatio: ratio,
            AppMetricsPath: String(map, "appMetricsPath", path),
            CrateMetricsPort: Int(map, "crateMetricsPort", path),
            Ports: ports);
    }
}
