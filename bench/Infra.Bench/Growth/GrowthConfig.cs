using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Infra.Bench.Growth;

/// <summary>
/// A short in-process job: 3 warmup and 3 measured iterations are enough to see how cost grows by 10x steps,
/// and running in-process saves BenchmarkDotNet's per-benchmark build, keeping the whole part to minutes on 2 cores.
/// </summary>
public sealed class GrowthConfig : ManualConfig
{
    public GrowthConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(3)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250))
            .WithId("short"));
        AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default);
        AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance);
        WithOptions(ConfigOptions.DisableLogFile);
    }
}
