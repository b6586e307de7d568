using Infra.Topology.Model;

namespace Infra.Topology.Configs;

/// <summary>Every file of a topology, host by host, in a stable order.</summary>
public static class Render
{
    public static IReadOnlyList<RenderedFile> All(StackTopology topology, RunMode? mode = null)
    {
        var files = new List<RenderedFile>();
        foreach (var host in topology.Hosts)
        {
            files.AddRange(ForHost(topology, host, mode));
        }

        return files;
    }

    /// <summary>A host's files as the services run in <paramref name="mode"/> (by default the layout's own: see <see cref="StackTopology.DefaultRunMode"/>).</summary>
    public static IEnumerable<RenderedFile> ForHost(StackTopology topology, Host host, RunMode? mode = null)
    {
        var supervisord = (mode ?? topology.DefaultRunMode) == RunMode.Supervisord;
        foreach (var instance in topology.On(host.Name))
        {
            if (MonitoringFiles(topology, host, instance) is { } monitoring)
            {
                foreach (var file in monitoring)
                {
                    yield return file;
                }

                continue;
            }

            yield return instance.Role switch
            {
                Spec.Role.LoadBalancer => new(host.Name, FilePaths.LoadBalancer, LoadBalancerConfig.Render(topology, instance), instance.Name, ChangeAction.Reload),
                Spec.Role.Nginx => new(host.Name, FilePaths.Nginx, NginxConfig.Render(topology, instance), instance.Name, ChangeAction.Reload),
                Spec.Role.Haproxy => new(host.Name, FilePaths.Haproxy, HaproxyConfig.Render(topology, instance), instance.Name, ChangeAction.Reload),
                Spec.Role.App => new(host.Name, FilePaths.App(instance), AppConfig.Render(topology, instance), instance.Name, ChangeAction.RollingRestart),
                Spec.Role.Crate => new(host.Name, FilePaths.Crate(instance), CrateConfig.Render(topology, instance, mode), instance.Name,
                    supervisord ? ChangeAction.NextRestart : ChangeAction.CrateRollingRestart),
                _ => throw new InvalidOperationException($"no renderer for {instance.Role}"),
            };

            // supervisord points CrateDB at this folder (-Cpath.conf), and CrateDB will not start without a log4j2.properties there.
            if (instance.Role == Spec.Role.Crate && supervisord)
            {
                yield return new(host.Name, FilePaths.CrateLogging(instance), CrateConfig.Logging(topology, instance), instance.Name, ChangeAction.NextRestart);
            }
        }

        if (supervisord)
        {
            yield return new(host.Name, FilePaths.Supervisord, SupervisordConfig.Render(topology, host), null, ChangeAction.SupervisorUpdate);
            foreach (var program in SupervisordConfig.Programs)
            {
                yield return new(host.Name, FilePaths.SupervisorScript(program), SupervisordConfig.Script(program), null, ChangeAction.SupervisordRestart, Executable: true);
            }

            yield return new(host.Name, FilePaths.SupervisorExtension, SupervisordConfig.Extension, null, ChangeAction.SupervisordRestart);
        }

        yield return new(host.Name, FilePaths.Firewall, FirewallConfig.Render(topology, host), null, ChangeAction.ApplyFirewall);
    }

    /// <summary>The files of a monitoring service (the exporters have none: their flags say it all); null for any other role.</summary>
    private static IEnumerable<RenderedFile>? MonitoringFiles(StackTopology topology, Host host, Instance instance) => instance.Role switch
    {
        Spec.Role.Prometheus =>
        [
            new(host.Name, FilePaths.Prometheus, PrometheusConfig.Render(topology, instance), instance.Name, ChangeAction.Reload),
            new(host.Name, FilePaths.AlertRules, AlertRules.Render(topology), instance.Name, ChangeAction.Reload),
        ],
        Spec.Role.Alertmanager => [new(host.Name, FilePaths.Alertmanager, AlertmanagerConfig.Render(topology, instance), instance.Name, ChangeAction.Reload)],
        Spec.Role.NodeExporter or Spec.Role.NginxExporter => [],
        _ => null,
    };
}
