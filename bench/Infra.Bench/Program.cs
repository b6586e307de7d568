using System.Diagnostics;
using Infra.Bench.Growth;

namespace Infra.Bench;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: Infra.Bench growth|datapath|failover|probe [--out DIR] [--hosts 1,10,100,1000]");
            return 2;
        }

        var outDir = Option(args, "--out") ?? Path.Combine("bench", "out");
        var hosts = (Option(args, "--hosts") ?? "1,10,100,1000").Split(',').Select(int.Parse).ToArray();
        Directory.CreateDirectory(outDir);
        switch (args[0])
        {
            case "probe":
                foreach (var n in hosts)
                {
                    var sw = Stopwatch.StartNew();
                    var spec = Pipeline.Load(n);
                    var load = sw.Elapsed;
                    var topo = Pipeline.Resolve(spec);
                    var resolve = sw.Elapsed - load;
                    Console.Write($"{n} hosts: load {load.TotalMilliseconds:F1} ms, resolve {resolve.TotalMilliseconds:F1} ms, {topo.Edges.Count} edges");
                    try
                    {
                        var files = Pipeline.Render(topo);
                        Console.WriteLine($", render {(sw.Elapsed - load - resolve).TotalMilliseconds:F1} ms, {files.Count} files");
                    }
                    catch (NotImplementedException e)
                    {
                        Console.WriteLine($", render: not implemented ({e.TargetSite?.DeclaringType?.Name})");
                    }
                }

                return 0;
            case "growth":
                return GrowthPart.Run(hosts, outDir);
            case "datapath":
                return Live(() => DataPath.DataPathPart.Run(outDir));
            case "failover":
                return Live(() => Failover.FailoverPart.Run(outDir));
            default:
                Console.Error.WriteLine($"unknown part \"{args[0]}\": use growth, datapath, failover or probe");
                return 2;
        }
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
