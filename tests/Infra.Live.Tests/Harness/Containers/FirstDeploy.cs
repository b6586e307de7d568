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
        AppConfigFitsTheAppImage(stack, apps, output);
        Assert.True(CrateNeighbours.AskWithoutCredentials(stack, output) > 0, "no container shares a host with a CrateDB node");
        CrateNeighbours.AppCredentialsGrantOnlyTheAppsPrivileges(stack, LabDeployTarget.Secrets[Secrets.CratePasswordKey], output);
    }

    /// <summary>
    /// The stand-in app runs as an unprivileged user, as most app images do: its config, which holds the password, is
    /// owned by that user and readable by no one else (mode 0600), on the host and in the container; another user in the
    /// same container cannot read it.
    /// </summary>
    private static void AppConfigFitsTheAppImage(ContainerStack stack, IReadOnlyList<string> apps, ITestOutputHelper output)
    {
        foreach (var app in apps)
        {
            var host = stack.HostOf(app);
            var file = stack.Plan.Hosts.SelectMany(h => h.Files).Single(f => f.File.Instance == app && f.ContainerPath is not null);
            var onHost = stack.Lab.AsRoot(host, $"stat -c '%u:%g %a' '{file.HostPath}'");
            var user = stack.Lab.Docker(host, "exec", app, "id", "-u");
            var stranger = stack.Lab.Docker(host, "exec", "--user", "65534:65534", app, "cat", file.ContainerPath!);
            output.WriteLine($"{app}: runs as uid {user.Stdout.Trim()}; {file.HostPath} is {onHost.Stdout.Trim()}; as nobody: {stranger.Stderr.Trim()}");
            Assert.Equal(StandInImages.AppUid, user.Stdout.Trim());
            Assert.Equal($"{StandInImages.AppUid}:{StandInImages.AppUid} 600", onHost.Stdout.Trim());
            Assert.False(stranger.Ok, $"nobody read {file.ContainerPath} in {app}");
            Assert.Contains("Permission denied", stranger.Stderr, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The plan made the apps' CrateDB user: every app signs in to every node as `microblog` with the password the
    /// runner filled in; the superuser is refused from an app host (it is trusted from the admin network only); the
    /// node that ran the user step logged the statements in order; every statement any node took as the superuser
    /// came from the admin network; and no log holds the password.
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
        var admin = System.Net.IPNetwork.Parse(CrateAccess.AdminClients);
        foreach (var crate in stack.Topology.Of(Role.Crate))
        {
            var logs = stack.Lab.Docker(stack.HostOf(crate.Name), "logs", crate.Name);
            Assert.DoesNotContain(password, logs.Stdout + logs.Stderr, StringComparison.Ordinal);
            // Every statement the superuser sent came from the admin network: the plan's, and no one else's.
            var sources = logs.Stdout.Split('\n').Where(l => l.Contains($"(as {CrateAccess.Superuser}, from ", StringComparison.Ordinal))
                .Select(l => System.Net.IPAddress.Parse(l.Split($"(as {CrateAccess.Superuser}, from ", 2)[1].TrimEnd(')')))
                .ToList();
            output.WriteLine($"{crate.Name}: {sources.Count} statements as {CrateAccess.Superuser}, from {string.Join(", ", sources.Distinct())}");
            Assert.NotEmpty(sources);
            Assert.All(sources, source => Assert.True(admin.Contains(source), $"{crate.Name} took a statement as {CrateAccess.Superuser} from {source}"));
        }
    }
}
