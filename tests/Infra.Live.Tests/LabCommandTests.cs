using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Infra.Lab.Session;
using Infra.Live.Tests.Harness;

namespace Infra.Live.Tests;

/// <summary>
/// `infra lab` end to end, as an operator runs it: each command the built infra.dll in a process of its own, so the
/// lab's daemons must outlive the command that started them and the next command must find them from the state file.
/// </summary>
public sealed partial class LabCommandTests(ITestOutputHelper output)
{
    [LiveFact("supervisord", "supervisorctl", "haproxy", "nft", "sysctl")]
    public async Task Single_host_up_then_a_third_app_under_load_then_status_then_down_even_without_its_state_file()
    {
        Assert.True(LabState.Read() is null && LabSweep.Leftovers().Count == 0,
            "an `infra lab` runs on this machine (or its leftovers are here): this test needs the one lab to itself; `infra lab down` ends it");
        var edited = Directory.CreateTempSubdirectory("lab-command-test-");
        try
        {
            var up = Infra("lab", "up", "single-host");
            Assert.Equal(0, up.Exit);
            Assert.Contains("localhost        127.0.0.1        -> 10.232.0.11 (its services stay on 127.0.0.1 inside it)", up.Out);
            Assert.Contains("front door: http://10.232.0.11:9100/ (GET /health from this machine: 200", up.Out);

            // The front door from this machine's own namespace, after `up` has exited.
            using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
            {
                Assert.StartsWith("served-by localhost-app-921", await client.GetStringAsync("http://10.232.0.11:9100/"));
            }

            var file = Path.Combine(edited.FullName, "Pulumi.single-host.yaml");
            File.WriteAllText(file, File.ReadAllText(Path.Combine(Stacks.Root, "stacks", "Pulumi.single-host.yaml")).Replace("app: 2", "app: 3", StringComparison.Ordinal));
            var apply = Infra("lab", "apply", file, "--load");
            Assert.Equal(0, apply.Exit);
            Assert.Contains("supervisorctl resize on localhost: app:app_9212: added", apply.Out);
            Assert.Contains("localhost-haproxy reloaded", apply.Out);
            var traffic = Traffic().Match(apply.Out);
            Assert.True(traffic.Success, "no traffic line in the output");
            Assert.True(int.Parse(traffic.Groups["sent"].Value, CultureInfo.InvariantCulture) >= 200, "too few GETs to have spanned the change");
            Assert.Equal("0", traffic.Groups["failed"].Value);

            // The front door moved under load: every GET still sent to the old port fails, and apply says so last and exits 4.
            File.WriteAllText(file, File.ReadAllText(file) + "  microblog:ports:\n    haproxy: 9101\n");
            var moved = Infra("lab", "apply", file, "--load");
            Assert.Equal(4, moved.Exit);
            Assert.Matches(@"^infra lab: [1-9]\d* of \d+ GETs failed during the change \(worst latency \d+ ms\): the change was applied, but not without an outage$", moved.Error.TrimEnd('\n').Split('\n')[^1]);
            Assert.NotEqual("0", Traffic().Match(moved.Out).Groups["failed"].Value);

            var status = Infra("lab", "status");
            Assert.Equal(0, status.Exit);
            Assert.Contains("single-host in the lab (processes under supervisord): up", status.Out);
            foreach (var app in new[] { 9210, 9211, 9212 })
            {
                Assert.Matches($@"localhost\s+10\.232\.0\.11\s+localhost-app-{app}\s+{app}\s+RUNNING pid \d+", status.Out);
            }

            Assert.Contains("front door: http://10.232.0.11:9101/ (GET /health from this machine: 200", status.Out);
        }
        finally
        {
            // As after a crash that lost the state file: down finds everything by name.
            File.Delete(LabPlaces.StateFile);
            var down = Infra("lab", "down");
            edited.Delete(recursive: true);
            Assert.Equal(0, down.Exit);
            Assert.Contains("no state file: removing whatever carries the lab's name", down.Out);
            Assert.Contains("nothing of the lab is left", down.Out);
            Assert.Empty(LabSweep.Leftovers());
        }
    }

    private (int Exit, string Out, string Error) Infra(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Stacks.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "infra.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        output.WriteLine($"$ infra {string.Join(' ', args)}   (exit {process.ExitCode} in {clock.Elapsed.TotalSeconds:F1} s)\n{stdout}{error.Result}");
        return (process.ExitCode, stdout, error.Result);
    }

    [GeneratedRegex(@"traffic during the change: (?<sent>\d+) GETs, (?<failed>\d+) failed, worst latency \d+ ms")]
    private static partial Regex Traffic();
}
