using Infra.Live.Tests.Harness;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>Each committed stack, rendered and started on the lab, serves through every front door and every app.</summary>
public sealed class StackUpTests(ITestOutputHelper output)
{
    [LiveFact("nginx", "haproxy", "nft")]
    public Task Two_host_serves_through_its_load_balancer() => ServesThroughEveryFrontDoor("two-host");

    [LiveFact("nginx", "haproxy", "nft")]
    public Task Three_host_serves_through_its_load_balancer() => ServesThroughEveryFrontDoor("three-host");

    [LiveFact("nginx", "haproxy", "nft")]
    public Task Split_role_serves_through_its_load_balancer() => ServesThroughEveryFrontDoor("split-role");

    [LiveFact("haproxy", "supervisord", "nft")]
    public Task Single_host_serves_through_its_haproxy() => ServesThroughEveryFrontDoor("single-host");

    private Task ServesThroughEveryFrontDoor(string stackName) => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec(stackName));
        var apps = stack.Topology.Of(Role.App).Select(a => a.Name).ToList();
        foreach (var door in stack.Topology.FrontDoor)
        {
            var result = await lab.StartLoad(stack.Client, stack.Url(door), count: 400, name: "load-" + door.Name).Result(TimeSpan.FromSeconds(30));
            output.WriteLine($"{door.Name}: {result}");
            Assert.Equal(400, result.Ok);
            Assert.Equal(apps.Order(), result.ServedBy.Keys.Order());
        }

        // Behind the load balancer, each reverse proxy on its own reaches every app (asked from where the LB asks).
        foreach (var nginx in stack.Topology.Of(Role.Nginx))
        {
            var from = stack.HostOf(stack.Topology.Sources(nginx).First());
            var result = await lab.StartLoad(from, stack.Url(nginx), count: 200, name: "load-" + nginx.Name).Result(TimeSpan.FromSeconds(30));
            output.WriteLine($"{nginx.Name} from {from.Name}: {result}");
            Assert.Equal(200, result.Ok);
            Assert.Equal(apps.Order(), result.ServedBy.Keys.Order());
        }
    });
}
