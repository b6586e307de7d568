using Infra.Topology.Model;

namespace Infra.Topology.Configs;

public static class NginxConfig
{
    public static string Render(StackTopology topology, Instance instance) => throw new NotImplementedException();
}
