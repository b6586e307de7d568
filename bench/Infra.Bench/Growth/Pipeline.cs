using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Bench.Growth;

/// <summary>The program's path from stack text to files, one stage at a time, failing loudly on an invalid spec.</summary>
public static class Pipeline
{
    public static StackSpec Load(int hosts) => Load(ColocatedStack.Yaml(hosts), hosts);

    public static StackSpec Load(string yaml, int hosts)
    {
        var result = SpecLoader.LoadYaml(yaml, ColocatedStack.FileName(hosts), ColocatedStack.Name(hosts));
        return result.Spec ?? throw new InvalidOperationException(
            $"generated {ColocatedStack.FileName(hosts)} is invalid: " + string.Join("; ", result.Errors.Select(e => e.ToString())));
    }

    public static StackTopology Resolve(StackSpec spec) => TopologyResolver.Resolve(spec);

    public static IReadOnlyList<RenderedFile> Render(StackTopology topology) => Infra.Topology.Configs.Render.All(topology);

    /// <summary>The deployment plan: every host's files (rendered again, for containers) and containers, and the graph of steps.</summary>
    public static DeploymentPlan Plan(StackTopology topology) => Planner.Plan(topology);
}
