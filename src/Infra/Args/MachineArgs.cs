using Pulumi;

namespace Infra.Components;

/// <summary>How an address is written: the firewall, the listeners and every URL depend on it.</summary>
public enum IpFamily
{
    /// <summary>Four numbers, 192.0.2.11.</summary>
    IPv4,

    /// <summary>Groups of hex digits, 2001:db8::11 (in brackets in URLs).</summary>
    IPv6,
}

/// <summary>How the deployer reaches a machine for host work: the SSH user, port and key.</summary>
public sealed class SshArgs : ResourceArgs
{
    private Input<string>? _privateKey;

    /// <summary>The SSH user, with passwordless sudo and in the docker group (default deploy). May come from another resource.</summary>
    [Input("user")]
    public Input<string>? User { get; set; }

    /// <summary>
    /// The SSH port (default 22). A number, not an input: the firewall's rules are planned with it, so it must be known
    /// when the plan is made.
    /// </summary>
    [Input("port")]
    public int? Port { get; set; }

    /// <summary>
    /// The private key the host commands log in with (PEM text), kept secret; without it they use the operator's
    /// ssh-agent. The Docker engine's ssh:// connection is made by the ssh client, which reads the agent and
    /// ~/.ssh/config, not this.
    /// </summary>
    [Input("privateKey")]
    public Input<string>? PrivateKey
    {
        get => _privateKey;
        set => _privateKey = Secret.Of(value);
    }
}

/// <summary>A machine the topology deploys to: its name, address and how it is reached.</summary>
public abstract class MachineArgs : ResourceArgs
{
    /// <summary>The host's name: lowercase letters, digits and '-'; it names resources, files and containers.</summary>
    [Input("name", required: true)]
    public string Name { get; set; } = "";

    /// <summary>
    /// The host's IP address, or 127.0.0.1 / localhost for this machine. It may come from another resource (a VM's
    /// address): then it is known only at deploy time, and <see cref="Family"/> must say how it is written.
    /// </summary>
    [Input("address", required: true)]
    public Input<string> Address { get; set; } = null!;

    /// <summary>
    /// The address's family. Required when <see cref="Address"/> comes from another resource (it is then never a
    /// loopback address); for a written address it is read from the address and, if given, must agree.
    /// </summary>
    public IpFamily? Family { get; set; }

    /// <summary>SSH access (default: user deploy, port 22, the operator's ssh-agent).</summary>
    [Input("ssh")]
    public SshArgs? Ssh { get; set; }

    /// <summary>The host's Docker engine (default ssh://&lt;user&gt;@&lt;address&gt;, or the local socket for this machine).</summary>
    [Input("docker")]
    public string? Docker { get; set; }

    [Input("family")]
    internal string? FamilyName => Family?.ToString();
}

/// <summary>How many app instances and CrateDB nodes a host runs (default one each).</summary>
public sealed class InstancesArgs : ResourceArgs
{
    /// <summary>App instances on the host, on consecutive ports from the app's base port.</summary>
    [Input("app")]
    public int? App { get; set; }

    /// <summary>CrateDB nodes on the host.</summary>
    [Input("crate")]
    public int? Crate { get; set; }
}

/// <summary>What a host runs in a split-role topology.</summary>
public enum HostRole
{
    /// <summary>nginx and the haproxy behind it.</summary>
    Proxy,

    /// <summary>nginx alone (give its host haproxy too: nginx proxies to the haproxy on its own host).</summary>
    Nginx,

    /// <summary>haproxy alone.</summary>
    Haproxy,

    /// <summary>App instances.</summary>
    App,

    /// <summary>CrateDB nodes.</summary>
    Crate,
}

/// <summary>One host of the topology.</summary>
public sealed class HostArgs : MachineArgs
{
    /// <summary>Split-role topologies only: what the host runs. Every other layout decides the roles itself.</summary>
    public List<HostRole>? Roles { get; set; }

    /// <summary>App instances and CrateDB nodes on the host.</summary>
    [Input("instances")]
    public InstancesArgs? Instances { get; set; }

    [Input("roles")]
    internal List<string>? RoleNames => Roles?.Select(r => r.ToString().ToLowerInvariant()).ToList();
}

/// <summary>The front load balancer's host (colocated and split-role topologies).</summary>
public sealed class LoadBalancerArgs : MachineArgs
{
    /// <summary>
    /// The absolute path, on the load balancer's host, of the PEM file (certificate chain and key) that adds HTTPS. May
    /// come from another resource.
    /// </summary>
    [Input("tlsCertificate")]
    public Input<string>? TlsCertificate { get; set; }
}

/// <summary>A host of the monitoring's own.</summary>
public sealed class MonitoringHostArgs : MachineArgs
{
}
