using Infra.Components;
using Infra.Topology.Model;
using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Stacks;

/// <summary>
/// A loaded stack file as the components' args: every value as the file writes it (so the plan is the one `infra
/// plan` shows), and only what the file could have set: a default stays a default, so the components' checks say
/// what the loader said.
/// </summary>
internal static class StackFileArgs
{
    public static TopologyArgs From(StackSpec spec, Input<string>? cratePassword) => new()
    {
        Layout = spec.Layout,
        Stack = spec.Stack,
        Source = spec.SourceFile,
        ClusterName = spec.ClusterName,
        Hosts = spec.Hosts.Select(h => Host(spec, h)).ToList(),
        LoadBalancer = spec.LoadBalancer is { } lb ? Machine(new LoadBalancerArgs { TlsCertificate = lb.TlsCertificate is { } certificate ? (Input<string>)certificate : null }, lb.Name, lb.Address, lb.Ssh, lb.DockerEndpoint) : null,
        Images = new ImagesArgs
        {
            Nginx = spec.Images.Nginx,
            Haproxy = spec.Images.Haproxy,
            App = spec.Images.App,
            Crate = spec.Images.Crate,
            Prometheus = spec.Images.Monitoring.Prometheus,
            Alertmanager = spec.Images.Monitoring.Alertmanager,
            NodeExporter = spec.Images.Monitoring.NodeExporter,
            NginxExporter = spec.Images.Monitoring.NginxExporter,
        },
        Ports = new PortsArgs
        {
            Nginx = spec.Ports.Nginx,
            Haproxy = spec.Ports.Haproxy,
            App = spec.Ports.App,
            CrateHttp = spec.Ports.CrateHttp,
            CrateTransport = spec.Ports.CrateTransport,
            CratePsql = spec.Ports.CratePsql,
            LoadBalancerHttp = spec.Ports.LoadBalancerHttp,
            LoadBalancerHttps = spec.Ports.LoadBalancerHttps,
        },
        Crate = new CrateArgs
        {
            HeapSize = spec.Crate.HeapSize,
            // Written only when it is not the default: a stack with fewer nodes uses them all.
            MasterNodes = spec.Crate.MasterNodes == CrateSpec.DefaultMasterNodes ? null : spec.Crate.MasterNodes,
        },
        HealthCheckPath = spec.HealthCheckPath,
        AdminSources = spec.AdminSources.Count == 0 ? null : [.. spec.AdminSources],
        Monitoring = spec.Monitoring is { } monitoring ? Monitoring(monitoring) : null,
        CratePassword = cratePassword,
    };

    private static HostArgs Host(StackSpec spec, HostSpec host)
    {
        var roles = PortPlan.RolesOf(spec.Layout, host);
        var args = Machine(new HostArgs(), host.Name, host.Address, host.Ssh, host.DockerEndpoint);
        args.Roles = spec.Layout == Layout.SplitRole ? host.Roles.Select(RoleOf).ToList() : null;
        // A count only for a role the host runs: a split-role host without apps has no app count to give.
        args.Instances = new InstancesArgs
        {
            App = roles.Contains(Role.App) ? host.AppInstances : null,
            Crate = roles.Contains(Role.Crate) ? host.CrateNodes : null,
        };
        return args;
    }

    private static T Machine<T>(T args, string name, string address, SshSpec ssh, string? docker)
        where T : MachineArgs
    {
        args.Name = name;
        args.Address = address;
        args.Ssh = new SshArgs { User = ssh.User, Port = ssh.Port };
        args.Docker = docker;
        return args;
    }

    private static MonitoringArgs Monitoring(MonitoringSpec monitoring) => new()
    {
        OnHost = monitoring.OnHost,
        Host = monitoring.OwnHost is { } own ? Machine(new MonitoringHostArgs(), own.Name, own.Address, own.Ssh, own.DockerEndpoint) : null,
        Webhook = monitoring.Webhook,
        ErrorRatio = monitoring.ErrorRatio,
        AppMetricsPath = monitoring.AppMetricsPath,
        CrateMetricsPort = monitoring.CrateMetricsPort,
        Ports = new MonitoringPortsArgs
        {
            Prometheus = monitoring.Ports.Prometheus,
            Alertmanager = monitoring.Ports.Alertmanager,
            NodeExporter = monitoring.Ports.NodeExporter,
            NginxExporter = monitoring.Ports.NginxExporter,
            HaproxyMetrics = monitoring.Ports.HaproxyMetrics,
        },
    };

    private static HostRole RoleOf(Role role) => role switch
    {
        Role.Nginx => HostRole.Nginx,
        Role.Haproxy => HostRole.Haproxy,
        Role.App => HostRole.App,
        Role.Crate => HostRole.Crate,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a role a stack file gives a host"),
    };
}
