using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Cli.Output;

/// <summary>How services and files are named in what the CLI prints.</summary>
public static class Describe
{
    public static string Role(Role role) => role switch
    {
        Topology.Spec.Role.LoadBalancer => "load balancer",
        _ => TopologyResolver.RoleName(role),
    };

    /// <summary>`app 9210`: the role and its main port, as the reference design labels its boxes.</summary>
    public static string Service(Instance instance) => $"{Role(instance.Role)} {instance.Port}";

    public static string Ports(Instance instance) => string.Join(", ", instance.Ports);

    /// <summary>The service a file configures; host-wide files are named after what reads them.</summary>
    public static string ServiceOf(RenderedFile file, StackTopology topology) =>
        file.Instance is { } name ? Role(topology.Instance(name).Role) : file.Path switch
        {
            FilePaths.Firewall => "firewall",
            _ when file.ForSupervisord => "supervisord",
            _ => "-",
        };
}
