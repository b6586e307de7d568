using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Topology.Configs;

/// <summary>The monitoring's openings: each scraped port from the monitoring host only; Prometheus and Alertmanager from the operators.</summary>
public static partial class FirewallConfig
{
    /// <summary>Null in a stack without monitoring, so its rules stay exactly as they were.</summary>
    private static IReadOnlyList<Rule>? MonitoringRules(StackTopology topology, Instance instance)
    {
        if (topology.Spec.Monitoring is null)
        {
            return null;
        }

        var rules = new List<Rule>();
        var scrapers = topology.Scrapers(instance).ToList();
        if (scrapers.Count > 0)
        {
            var prometheus = scrapers[0];
            var target = PrometheusConfig.Targets(topology, prometheus).Single(t => t.Instance == instance);
            var what = $"{instance.Name} metrics ({PrometheusConfig.JobOf(instance.Role)})";
            var remote = Remote(scrapers);
            var names = string.Join(", ", scrapers.Select(s => s.Name));
            rules.Add(new Rule(remote.Count == 0 ? $"{what}: from {names}, over loopback only" : $"{what}: from {names}", [target.Port], new AddressSet(null, remote)));
        }

        if (instance.Role is Role.Prometheus or Role.Alertmanager)
        {
            var admins = topology.Spec.AdminSources;
            rules.Add(admins.Count == 0
                ? new($"{instance.Name}: its web page over loopback only (microblog:adminSources not set: use an SSH tunnel)", [instance.Port], new AddressSet(null, []))
                : new($"{instance.Name}: its web page, from microblog:adminSources", [instance.Port], new AddressSet(AdminSet, admins)));
        }

        return rules;
    }
}
