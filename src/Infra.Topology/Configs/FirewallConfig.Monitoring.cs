using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Topology.Configs;

/// <summary>The monitoring's openings: each scraped port from the monitoring host only; Prometheus and Alertmanager from the operators.</summary>
public static partial class FirewallConfig
{
    /// <summary>Null in a stack without monitoring, so its openings stay exactly as they were.</summary>
    private static IReadOnlyList<Opening>? MonitoringOpenings(StackTopology topology, Instance instance)
    {
        if (topology.Spec.Monitoring is null)
        {
            return null;
        }

        var openings = new List<Opening>();
        var scrapers = topology.Scrapers(instance).ToList();
        if (scrapers.Count > 0)
        {
            var prometheus = scrapers[0];
            var target = PrometheusConfig.Targets(topology, prometheus).Single(t => t.Instance == instance);
            var what = $"{instance.Name} metrics ({PrometheusConfig.JobOf(instance.Role)})";
            var source = Hosts(Role.Prometheus);
            var names = string.Join(", ", scrapers.Select(s => s.Name));
            openings.Add(MembersOf(topology, source).Count == 0
                ? new Opening(what, [target.Port], source, LoopbackOnly: true, Note: $"from {names}")
                : new Opening(what, [target.Port], source));
        }

        if (instance.Role is Role.Prometheus or Role.Alertmanager)
        {
            openings.Add(topology.Spec.AdminSources.Count == 0
                ? new($"{instance.Name}, its web page", [instance.Port], null, LoopbackOnly: true, Note: "microblog:adminSources not set: use an SSH tunnel")
                : new($"{instance.Name}, its web page", [instance.Port], Admin));
        }

        return openings;
    }
}
