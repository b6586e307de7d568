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
        });
    }
}
