using System.Diagnostics;
using Infra.Bench.Growth;

namespace Infra.Bench;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: Infra.Bench growth|datapath|failover|rollout|probe [--out DIR] [--hosts 1,10,100,1000,3000]");
            return 2;
        }

        var outDir = Option(args, "--out") ?? Path.Combine("bench", "out");
        var hosts = (Option(args, "--hosts") ?? "1,10,100,1000,3000").Split(',').Select(int.Parse).ToArray();
        Directory.CreateDirectory(outDir);
        switch (args[0])
        {
            case "probe":
                // Quick figures while working: CPU time and bytes allocated per stage, less disturbed by a busy machine than wall time.
                foreach (var n in hosts)
                {
                    var yaml = ColocatedStack.Yaml(n);
                    var spec = Stage($"{n} hosts: load+validate", () => Pipeline.Load(yaml, n));
                    var topo = Stage("  resolve", () => Pipeline.Resolve(spec));
                    var files = Stage("  render", () => Pipeline.Render(topo));
                    var plan = Stage("  plan", () => Pipeline.Plan(topo));
                    Console.WriteLine($"  {files.Count} files, {plan.Steps.Count} steps");
                }

                return 0;
            case "growth":
                return GrowthPart.Run(hosts, outDir);
            case "datapath":
                return Live(() => DataPath.DataPathPart.Run(outDir));
            case "failover":
                return Live(() => Failover.FailoverPart.Run(outDir));
            case "rollout":
                return Live(() => Rollout.RolloutPart.Run(outDir));
            default:
                Console.Error.WriteLine($"unknown part \"{args[0]}\": use growth, datapath, failover, rollout or probe");
                return 2;
        }
    }

    private static T Stage<T>(string name, Func<T> stage)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var wall = Stopwatch.StartNew();
        var result = stage();
        Console.WriteLine($"{name}: {wall.Elapsed.TotalMilliseconds:F0} ms wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds:F0} ms CPU, {(GC.GetAllocatedBytesForCurrentThread() - allocated) / 1048576.0:F1} MiB allocated");
        return result;
    }

    /// <summary>The live parts create network namespaces: root only, and nothing left behind, also on Ctrl-C.</summary>
    private static int Live(Func<int> part)
    {
        if (Environment.UserName != "root")
        {
            Console.Error.WriteLine("the data path and failover benchmarks create network namespaces: run them as root");
            return 1;
        }

        // The lab sweeps its namespaces when the process exits (Ctrl-C too), and the next run removes a crashed one's.
        return part();
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
