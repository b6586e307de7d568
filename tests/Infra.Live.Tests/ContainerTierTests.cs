using Infra.Live.Tests.Harness;
using Infra.Live.Tests.Harness.Containers;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>
/// The path users run: every stack deployed as Docker containers on lab hosts reached over SSH, step by step from its
/// plan (<see cref="PlanRunner"/>), with stand-in images carrying the stack's image names.
/// </summary>
public sealed class ContainerTierTests(ITestOutputHelper output)
{

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Dev_comes_up_in_containers() => ComesUp("dev");

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Single_host_comes_up_in_containers() => ComesUp("single-host");

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Two_host_comes_up_in_containers() => ComesUp("two-host");

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Three_host_comes_up_in_containers() => ComesUp("three-host");

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Split_role_comes_up_in_containers() => ComesUp("split-role");

    /// <summary>
    /// The whole plan from nothing: the plan's own checks pass (the runner fails on a failing step), every container
    /// is healthy, and the front door serves from every app.
    /// </summary>
    private Task ComesUp(string name)
    {
        var spec = Stacks.Spec(name);
        return ContainerLab.Run(output, ContainerStack.HostNames(spec), ImageNames.Of(spec), async lab =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var stack = ContainerStack.Deploy(lab, spec, out var runs);
            var deployed = clock.Elapsed;

            Assert.Equal(stack.Plan.Steps.Count, runs.Count);
            Assert.All(runs, r => Assert.Equal(StepChangeKind.Create, r.Change));
            Assert.Contains(runs, r => r.Id.StartsWith("check-front-door-", StringComparison.Ordinal));
            var services = stack.Plan.Services.ToList();
            var health = services.ToDictionary(s => s.Name, s => stack.Inspect(s.Name));
            output.WriteLine($"{name}: {runs.Count} steps in {deployed.TotalSeconds:F1} s; containers: {string.Join(", ", health.Select(h => $"{h.Key} {h.Value.Health}"))}");
            Assert.All(health, h => Assert.Equal("healthy", h.Value.Health));

            var apps = services.Where(s => s.Role == Role.App).Select(s => s.Name).Order().ToList();
            var load = await lab.Net.StartLoad(stack.Client, stack.FrontDoorUrl(), count: 400, name: "front-door").Result(TimeSpan.FromSeconds(60));
            output.WriteLine(load.ToString());
            Assert.Equal(400, load.Ok);
            Assert.Equal(apps, load.ServedBy.Keys.Order());
            Credentials(stack, apps);
        });
    }

    /// <summary>
    /// The plan made the apps' CrateDB user: every app signs in to every node as `microblog` with the password the
    /// runner filled in; the superuser is refused from an app host (it is trusted on a node's own loopback only); the
    /// node that ran the user step logged the statements in order, and no log holds the password.
    /// </summary>
    private void Credentials(ContainerStack stack, IReadOnlyList<string> apps)
    {
        var password = LabDeployTarget.Secrets[Secrets.CratePasswordKey];
        foreach (var app in apps)
        {
            var instance = stack.Topology.Instance(app);
            var reach = stack.Lab.Docker(stack.HostOf(app), "exec", app, "curl", "-fsS", $"http://{Topology.Configs.Endpoints.Format(instance.Address, instance.Port)}/__crate");
            Assert.True(reach.Ok, reach.ToString());
            using var json = System.Text.Json.JsonDocument.Parse(reach.Stdout);
            var nodes = json.RootElement.GetProperty("crate").EnumerateArray().ToList();
            output.WriteLine($"{app} signs in to CrateDB: {string.Join(", ", nodes.Select(n => $"{n.GetProperty("node")} as {n.GetProperty("user")} ({n.GetProperty("login")})"))}");
            Assert.NotEmpty(nodes);
            Assert.All(nodes, n => Assert.Equal("microblog", n.GetProperty("user").GetString()));

            if (!stack.Local)
            {
                var node = stack.Topology.Of(Role.Crate).First();
                var superuser = stack.Lab.Docker(stack.HostOf(app), "exec", app, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                    "-X", "POST", $"http://{Topology.Configs.Endpoints.Format(node.Address, node.Port)}/_sql", "-d", "{\"stmt\":\"select name from sys.nodes\"}");
                Assert.Equal("401", superuser.Stdout.Trim());
                var guessed = stack.Lab.Docker(stack.HostOf(app), "exec", app, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "microblog:not-the-password-at-all",
                    "-H", "Content-Type: application/json", "-X", "POST", $"http://{Topology.Configs.Endpoints.Format(node.Address, node.Port)}/_sql", "-d", "{\"stmt\":\"select current_user\"}");
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
