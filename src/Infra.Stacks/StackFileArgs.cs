using Infra.Components;
using Infra.Topology.Model;
using Infra.Topology.Spec;
using Pulumi;

namespace Infra.Stacks;

/// <summary>
/// A loaded stack file as the components' args: every value as the file writes it (so the plan is the one `infra
/// plan` shows), and only what the file could have set: a default stays a default, so the components' checks say
/// what the loader said. A value the file takes from another stack (`fromStack`) is that stack's output.
/// </summary>
internal sealed class StackFileArgs
{
    private readonly StackSpec _spec;
    private readonly IReadOnlyDictionary<string, Input<string>> _others;

    private StackFileArgs(StackSpec spec, IReadOnlyDictionary<string, Input<string>> others)
    {
        _spec = spec;
        _others = others;
    }

    /// <param name="others">What each placeholder of <see cref="StackSpec.Deferred"/> stands for: another stack's output.</param>
    public static TopologyArgs From(StackSpec spec, Input<string>? cratePassword, IReadOnlyDictionary<string, Input<string>> others) =>
        new StackFileArgs(spec, others).Topology(cratePassword);

    private TopologyArgs Topology(Input<string>? cratePassword) => new()
    {
        Layout = _spec.Layout,
        Stack = _spec.Stack,
        Source = _spec.SourceFile,
        ClusterName = _spec.ClusterName,
        Hosts = _spec.Hosts.Select(Host).ToList(),
        LoadBalancer = _spec.LoadBalancer is { } lb
            ? Machine(new LoadBalancerArgs { TlsCertificate = Optional(lb.TlsCertificate) }, lb.Name, lb.Address, lb.Ssh, lb.DockerEndpoint)
            : null,
        Images = new ImagesArgs
        {
            Nginx = Value(_spec.Images.Nginx),
            Haproxy = Value(_spec.Images.Haproxy),
            App = Value(_spec.Images.App),
            Crate = Value(_spec.Images.Crate),
            Prometheus = Value(_spec.Images.Monitoring.Prometheus),
            Alertmanager = Value(_spec.Images.Monitoring.Alertmanager),
            NodeExporter = Value(_spec.Images.Monitoring.NodeExporter),
            NginxExporter = Value(_spec.Images.Monitoring.NginxExporter),
        },
        Ports = new PortsArgs
        {
            Nginx = _spec.Ports.Nginx,
            Haproxy = _spec.Ports.Haproxy,
            App = _spec.Ports.App,
            CrateHttp = _spec.Ports.CrateHttp,
            CrateTransport = _spec.Ports.CrateTransport,
            CratePsql = _spec.Ports.CratePsql,
            LoadBalancerHttp = _spec.Ports.LoadBalancerHttp,
            LoadBalancerHttps = _spec.Ports.LoadBalancerHttps,
        },
        Crate = new CrateArgs
        {
            HeapSize = _spec.Crate.HeapSize,
            // Written only when it is not the default: a stack with fewer nodes uses them all.
            MasterNodes = _spec.Crate.MasterNodes == CrateSpec.DefaultMasterNodes ? null : _spec.Crate.MasterNodes,
        },
        HealthCheckPath = _spec.HealthCheckPath,
        AdminSources = _spec.AdminSources.Count == 0 ? null : [.. _spec.AdminSources],
        AppUser = _spec.AppUser,
        Rollout = _spec.Rollout == new RolloutSpec() ? null : new RolloutArgs { MaxUnavailable = _spec.Rollout.MaxUnavailable },
        Destroy = _spec.Destroy == new DestroySpec() ? null : new DestroyArgs
        {
            Allowed = _spec.Destroy.Allowed,
            Volumes = _spec.Destroy.DeletesVolumes ? DestroySpec.DeleteVolumes : DestroySpec.KeepVolumes,
        },
        Monitoring = _spec.Monitoring is { } monitoring ? Monitoring(monitoring) : null,
        CratePassword = cratePassword,
    };

    private HostArgs Host(HostSpec host)
    {
        var roles = PortPlan.RolesOf(_spec.Layout, host);
        var args = Machine(new HostArgs(), host.Name, host.Address, host.Ssh, host.DockerEndpoint);
        args.Roles = _spec.Layout == Layout.SplitRole ? host.Roles.Select(RoleOf).ToList() : null;
        // A count only for a role the host runs: a split-role host without apps has no app count to give.
        args.Instances = new InstancesArgs
        {
            App = roles.Contains(Role.App) ? host.AppInstances : null,
            Crate = roles.Contains(Role.Crate) ? host.CrateNodes : null,
        };
        return args;
    }

    private T Machine<T>(T args, string name, string address, SshSpec ssh, string? docker)
        where T : MachineArgs
    {
        args.Name = name;
        args.Address = Value(address);
        // Another stack's address has the family the stack file declares for it.
        args.Family = Deferred.Parse(address) is { Kind: var kind } ? (kind == DeferredKind.IPv6 ? IpFamily.IPv6 : IpFamily.IPv4) : null;
        args.Ssh = new SshArgs { User = Value(ssh.User), Port = ssh.Port };
        args.Docker = docker;
        return args;
    }

    private MonitoringArgs Monitoring(MonitoringSpec monitoring) => new()
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

    /// <summary>The value as written, or the other stack's output its placeholder stands for.</summary>
    private Input<string> Value(string written) => _spec.IsDeferred(written) ? _others[written] : written;

    private Input<string>? Optional(string? written) => written is null ? null : Value(written);

    private static HostRole RoleOf(Role role) => role switch
    {
        Role.Nginx => HostRole.Nginx,
        Role.Haproxy => HostRole.Haproxy,
        Role.App => HostRole.App,
        Role.Crate => HostRole.Crate,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a role a stack file gives a host"),
    };
}
