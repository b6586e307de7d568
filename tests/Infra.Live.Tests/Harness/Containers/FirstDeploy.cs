using Infra.Topology.Configs;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Live.Tests.Harness.Containers;

/// <summary>
/// What every stack deployed from nothing must show, whichever test goes on to change it: every step of the plan ran
/// (the runner fails on a failing step, so the plan's own checks passed), every container is healthy, the front door
/// serves from every app, and the apps sign in to CrateDB as the user the plan made.
/// </summary>
public static class FirstDeploy
{
    public static async Task Verify(ContainerStack stack, IReadOnlyList<StepRun> runs, ITestOutputHelper output)
    {
        var name = stack.Plan.Stack;
        Assert.Equal(stack.Plan.Steps.Count, runs.Count);
        Assert.All(runs, r => Assert.Equal(StepChangeKind.Create, r.Change));
        Assert.Contains(runs, r => r.Id.StartsWith("check-front-door-", StringComparison.Ordinal));
        var services = stack.Plan.Services.ToList();
        var health = services.ToDictionary(s => s.Name, s => stack.Inspect(s.Name));
        output.WriteLine($"{name}: {runs.Count} steps in {runs.Sum(r => r.Took.TotalSeconds):F1} s; containers: {string.Join(", ", health.Select(h => $"{h.Key} {h.Value.Health}"))}");
        Assert.All(health, h => Assert.Equal("healthy", h.Value.Health));

        var apps = services.Where(s => s.Role == Role.App).Select(s => s.Name).Order().ToList();
        var load = await stack.Lab.Net.StartLoad(stack.Client, stack.FrontDoorUrl(), count: 400, name: "front-door").Result(TimeSpan.FromSeconds(60));
        output.WriteLine(load.ToString());
        Assert.Equal(400, load.Ok);
        Assert.Equal(apps, load.ServedBy.Keys.Order());
        Credentials(stack, apps, output);
    }

    /// <summary>
    /// The plan made the apps' CrateDB user: every app signs in to every node as `microblog` with the password the
    /// runner filled in; the superuser is refused from an app host (it is trusted on a node's own loopback only); the
    /// node that ran the user step logged the statements in order, and no log holds the password.
    /// </summary>
    private static void Credentials(ContainerStack stack, IReadOnlyList<string> apps, ITestOutputHelper output)
    {
        var password = LabDeployTarget.Secrets[Secrets.CratePasswordKey];
        foreach (var app in apps)
        {
            var instance = stack.Topology.Instance(app);
            var reach = stack.Lab.Docker(stack.HostOf(app), "exec", app, "curl", "-fsS", $"http://{Endpoints.Format(instance.Address, instance.Port)}/__crate");
            Assert.True(reach.Ok, reach.ToString());
            using var json = System.Text.Json.JsonDocument.Parse(reach.Stdout);
            var nodes = json.RootElement.GetProperty("crate").EnumerateArray().ToList();
            output.WriteLine($"{app} signs in to CrateDB: {string.Join(", ", nodes.Select(n => $"{n.GetProperty("node")} as {n.GetProperty("user")} ({n.GetProperty("login")})"))}");
            Assert.NotEmpty(nodes);
            Assert.All(nodes, n => Assert.Equal("microblog", n.GetProperty("user").GetString()));

            if (!stack.Local)
            {
                var node = stack.Topology.Of(Role.Crate).First();
                var sql = $"http://{Endpoints.Format(node.Address, node.Port)}/_sql";
                var superuser = stack.Lab.Docker(stack.HostOf(app), "exec", app, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                    "-X", "POST", sql, "-d", "{\"stmt\":\"select name from sys.nodes\"}");
                Assert.Equal("401", superuser.Stdout.Trim());
                var guessed = stack.Lab.Docker(stack.HostOf(app), "exec", app, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "microblog:not-the-password-at-all",
                    "-H", "Content-Type: application/json", "-X", "POST", sql, "-d", "{\"stmt\":\"select current_user\"}");
                Assert.Equal("401", guessed.Stdout.Trim());
            }
        }

        var first = stack.Topology.Of(Role.Crate).First().Name;
        var log = stack.Lab.Docker(stack.HostOf(first), "logs", first).Stdout;
        // The user step's statements, among the rollout's own (membership, health, allocation).
        var statements = log.Split('\n').Where(l => l.Contains("statement ", StringComparison.Ordinal))
            .Select(l => l.Split("statement ", 2)[1].Split(" (as ", 2)[0])
            .Where(t => t.Contains("sys.users", StringComparison.Ordinal) || t.Contains(" USER ", StringComparison.Ordinal) || t.StartsWith("GRANT ", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(["select count(*) from sys.users where name = ?", "CREATE USER microblog WITH (password = ?)", "GRANT DQL, DML, DDL ON SCHEMA doc TO microblog"], statements);
        foreach (var crate in stack.Topology.Of(Role.Crate))
        {
            var logs = stack.Lab.Docker(stack.HostOf(crate.Name), "logs", crate.Name);
            Assert.DoesNotContain(password, logs.Stdout + logs.Stderr, StringComparison.Ordinal);
        }
    }
}
