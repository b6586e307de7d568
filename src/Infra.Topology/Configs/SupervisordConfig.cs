using Infra.Topology.Model;

namespace Infra.Topology.Configs;

public static class SupervisordConfig
{
    public static string Render(StackTopology topology, Host host) => throw new NotImplementedException();
}
