using Infra.Live.Tests.Harness;
using Infra.Topology.Configs;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>
/// The plan's CrateDB scripts run against CrateDB doubles running as processes: a node's decommission, and the guard
/// that refuses the next one. A small `docker` stand-in maps what the scripts ask Docker (a container on the admin
/// network, a command in the node's container, is it running, its restart policy) to a namespace on the host's admin
/// bridge, the host's namespace and the node's process; the
/// statements each double received, and their order, are what is asserted.
/// </summary>
public sealed class CrateMembershipTests(ITestOutputHelper output)
{
    [LiveFact("nginx", "haproxy", "curl")]
    public Task Three_host_decommissions_host3_until_it_left_then_refuses_host2_that_would_cost_the_masters_their_majority() => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec("three-host"), firewall: false);
        var plan = Planner.Plan(stack.Topology);
        var nodes = stack.Topology.Of(Role.Crate).ToList();
        var shim = DockerStandIn(lab, stack);
        await Task.Delay(2000);
        var since = DateTime.UtcNow;

        var host3 = Run(lab, "host3", shim, ((CommandStep)plan.Step("host3-crate-4200-decommission")).Delete!);
        output.WriteLine($"host3's decommission: {host3}");
        Assert.True(host3.Ok, host3.ToString());
        Assert.True(stack.Service(nodes[2]).HasExited, "host3-crate-4200 still runs");
        Assert.Equal(0, stack.Service(nodes[2]).ExitCode);

        var statements = Statements(stack, since);
        output.WriteLine(string.Join('\n', statements));
        Assert.Equal(
            [
                "host3-crate-4200 select count(*) from sys.nodes",
                "host3-crate-4200 select name from sys.nodes",
                "host3-crate-4200 select count(*) from sys.health where health <> 'GREEN'",
                "host3-crate-4200 SET GLOBAL TRANSIENT \"cluster.graceful_stop.min_availability\" = 'full'",
                "host3-crate-4200 ALTER CLUSTER DECOMMISSION 'host3-crate-4200'",
            ],
            Collapsed(statements));
        // Left: the others stop listing it once it stopped greeting them.
        var remaining = "";
        for (var i = 0; i < 20 && remaining != "host1-crate-4200,host2-crate-4200"; i++)
        {
            await Task.Delay(500);
            // From host1's admin network: the superuser is trusted nowhere else.
            var answer = Shell.Run("nsenter", ["--net=" + lab.AdminClient(lab["host1"]).NsPath, "--", "curl", "-fsS", "-H", "Content-Type: application/json", "-X", "POST",
                CrateConfig.AdminSqlUrl(nodes[0]), "-d", "{\"stmt\":\"select name from sys.nodes\"}"]);
            remaining = string.Join(",", System.Text.Json.JsonDocument.Parse(answer.Stdout).RootElement.GetProperty("rows").EnumerateArray().Select(r => r[0].GetString()));
        }

        Assert.Equal("host1-crate-4200,host2-crate-4200", remaining);
        Assert.Equal(["update --restart=no -- host3-crate-4200"], File.ReadAllLines(Path.Combine(shim, "updates.log")));

        // host2 next would leave one of the three master-eligible nodes: refused, nothing sent but the questions.
        since = DateTime.UtcNow;
        var host2 = Run(lab, "host2", shim, ((CommandStep)plan.Step("host2-crate-4200-decommission")).Delete!);
        output.WriteLine($"host2's decommission: {host2}");
        Assert.False(host2.Ok);
        Assert.Contains(
            "refused: without host2-crate-4200 only 1 of the master-eligible nodes (host1-crate-4200, host2-crate-4200, host3-crate-4200) would be in the cluster, " +
            "fewer than the 2 it takes to elect a master. Remove master-eligible nodes at most 1 per update",
            host2.Stderr,
            StringComparison.Ordinal);
        Assert.False(stack.Service(nodes[1]).HasExited, "host2-crate-4200 stopped");
        Assert.Equal(["host2-crate-4200 select count(*) from sys.nodes", "host2-crate-4200 select name from sys.nodes"], Statements(stack, since));
        Assert.Single(File.ReadAllLines(Path.Combine(shim, "updates.log")));
    });

    /// <summary>`docker` for the process tier: a node's container is its double's process, run in the calling host's namespace.</summary>
    private static string DockerStandIn(NetnsLab lab, LiveStack stack)
    {
        var dir = Path.Combine(lab.RunDir, "docker-stand-in");
        Directory.CreateDirectory(dir);
        foreach (var node in stack.Topology.Of(Role.Crate))
        {
            File.WriteAllText(Path.Combine(dir, $"{node.Name}.pid"), stack.Service(node).Pid + "\n");
        }

        var docker = Path.Combine(dir, "docker");
        // `docker run ... --network microblog-admin ... sh -c SCRIPT` runs the script in the calling host's admin client
        // namespace ($MICROBLOG_ADMIN_NS), as a container on that network.
        File.WriteAllText(docker, """
            #!/bin/sh
            d=$(dirname "$0")
            case "$1" in
              exec) shift 3; exec "$@" ;;
              inspect) case "$3" in
                  *.Image*) echo crate-double-image ;;
                  *) pid=$(cat "$d/$5.pid"); state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null); if [ -n "$state" ] && [ "$state" != Z ]; then echo true; else echo false; fi ;;
                esac ;;
              run) while [ "$1" != -c ]; do shift; done; exec nsenter --net="$MICROBLOG_ADMIN_NS" -- sh -c "$2" ;;
              update) echo "$*" >> "$d/updates.log" ;;
              *) echo "docker stand-in: $*: not in the process tier" >&2; exit 1 ;;
            esac

            """);
        File.SetUnixFileMode(docker, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.WriteAllText(Path.Combine(dir, "updates.log"), "");
        return dir;
    }

    private static ShellResult Run(NetnsLab lab, string host, string shim, string script) =>
        Shell.Run("nsenter", ["--net=" + lab[host].NsPath, "--", "env", $"PATH={shim}:{Environment.GetEnvironmentVariable("PATH")}",
            "MICROBLOG_ADMIN_NS=" + lab.AdminClient(lab[host]).NsPath, "sh", "-c", script], "", TimeSpan.FromMinutes(2));

    /// <summary>Every statement the doubles logged since <paramref name="since"/>, in the order they arrived: `NODE STATEMENT`.</summary>
    private static List<string> Statements(LiveStack stack, DateTime since) =>
        stack.Topology.Of(Role.Crate)
            .Select(node => Path.Combine(stack.HostDir(node.Host), "crate-4200", "data", "statements.log"))
            .Where(File.Exists)
            .SelectMany(File.ReadAllLines)
            .Select(line => line.Split(' ', 2))
            .Select(parts => (Time: DateTime.Parse(parts[0], null, System.Globalization.DateTimeStyles.RoundtripKind), Text: parts[1]))
            .Where(s => s.Time >= since)
            .OrderBy(s => s.Time)
            .Select(s => s.Text)
            .ToList();

    private static List<string> Collapsed(IEnumerable<string> statements) =>
        statements.Aggregate(new List<string>(), (list, s) =>
        {
            if (list.Count == 0 || list[^1] != s)
            {
                list.Add(s);
            }

            return list;
        });
}
