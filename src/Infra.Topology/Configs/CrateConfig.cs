using Infra.Topology.Model;

namespace Infra.Topology.Configs;

public static class CrateConfig
{
    public static string Render(StackTopology topology, Instance instance) => throw new NotImplementedException();
}
