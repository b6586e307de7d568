using BenchmarkDotNet.Attributes;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Bench.Growth;

/// <summary>Each stage of the program on a colocated topology of N hosts; inputs of a stage are prepared outside the timing.</summary>
[MemoryDiagnoser]
[Config(typeof(GrowthConfig))]
public class GrowthBenchmarks
{
    private string yaml = "";
    private StackSpec? spec;
    private StackTopology? topology;

    /// <summary>Set by the runner before BenchmarkDotNet starts (in-process, so the static is seen).</summary>
    public static IReadOnlyList<int> HostCounts { get; set; } = [1, 10, 100, 1000, 3000];

    [ParamsSource(nameof(HostCounts))]
    public int Hosts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        yaml = ColocatedStack.Yaml(Hosts);
        spec = Pipeline.Load(yaml, Hosts);
        topology = Pipeline.Resolve(spec);
    }

    [Benchmark(Description = "load+validate")]
    public StackSpec LoadAndValidate() => Pipeline.Load(yaml, Hosts);

    [Benchmark(Description = "resolve")]
    public StackTopology Resolve() => Pipeline.Resolve(spec!);

    [Benchmark(Description = "render")]
    public IReadOnlyList<RenderedFile> RenderAll() => Pipeline.Render(topology!);

    [Benchmark(Description = "plan")]
    public DeploymentPlan Plan() => Pipeline.Plan(topology!);
}
