using Infra.Topology.Model;

namespace Infra.Topology.Configs;

public static class FirewallConfig
{
    public static string Render(StackTopology topology, Host host) => throw new NotImplementedException();
}
