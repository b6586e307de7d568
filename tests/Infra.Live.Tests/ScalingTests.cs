using Infra.Live.Tests.Harness;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>The seed's scaling steps done the product's way: edit the stack, re-render, deliver by reload under load.</summary>
public sealed class ScalingTests(ITestOutputHelper output)
{
    /// <summary>
    /// The seed's procedure: numprocs=3, `supervisorctl update`. supervisord restarts a changed group whole (the
    /// seed's own "app: stopped"), so both running apps are down for a moment: requests fail then, and only then.
    /// </summary>
    [LiveFact("haproxy", "supervisord", "supervisorctl", "nft")]
    public Task Single_host_gains_an_app_instance_losing_requests_only_while_supervisord_restarts_the_app_group() => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec("single-host"));
        var grown = Stacks.Edited("single-host", text => text.Replace("app: 2", "app: 3"));
        await GrowsUnderLoad(stack, grown, "localhost-app-9212", groupRestart: true);
    });

    [LiveFact("nginx", "haproxy", "nft")]
    public Task Two_host_gains_a_third_host_under_load_without_a_failed_request() => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec("two-host"));
        var grown = Stacks.Edited("two-host", text => text.TrimEnd() + "\n    - name: host3\n      address: 192.0.2.13\n");
        await GrowsUnderLoad(stack, grown, "host3-app-9210");
    });

    private async Task GrowsUnderLoad(LiveStack stack, StackSpec grown, string newApp, bool groupRestart = false)
    {
        var lab = stack.Lab;
        var load = lab.StartLoad(stack.Client, stack.FrontUrl(), count: 100_000, concurrency: 8, rate: 400, seconds: 15);
        await load.WaitForProgress(400, TimeSpan.FromSeconds(10));
        var deliveryStart = Figures.Now;
        var steps = await stack.Deliver(grown, TimeSpan.FromSeconds(30));
        var deliveredAt = Figures.Now;
        Assert.False(load.Process.HasExited, "the load ended before the delivery did: nothing was measured after it");
        var result = await load.Result(TimeSpan.FromSeconds(60));
        output.WriteLine("delivery:\n  " + string.Join("\n  ", steps));
        output.WriteLine(result.ToString());

        Assert.Equal("time", result.StoppedBy);
        if (groupRestart)
        {
            var failed = load.Requests().Where(r => r.Status is < 200 or > 299).ToList();
            output.WriteLine($"failed while supervisord restarted the app group: {failed.Count} of {result.Sent}");
            Assert.All(failed, r => Assert.InRange(r.StartUnixMs, deliveryStart, deliveredAt));
        }
        else
        {
            Assert.Equal(0, result.Failed);
        }

        Assert.Contains(stack.Topology.Of(Role.App), a => a.Name == newApp);
        var after = load.Requests().Where(r => r.StartUnixMs > deliveredAt).ToList();
        Assert.True(after.Count > 100, $"only {after.Count} requests after the delivery");
        Assert.Equal(
            stack.Topology.Of(Role.App).Select(a => a.Name).Order(),
            after.Select(r => r.ServedBy).Distinct().Order());
    }
}
