using Infra.Live.Tests.Harness;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>The reference design's scaling steps done the product's way: edit the stack, re-render, deliver under load.</summary>
public sealed class ScalingTests(ITestOutputHelper output)
{
    /// <summary>
    /// numprocs=3 as in the reference design, applied with `bin/supervisorctl resize`: supervisord starts app_9212 alone
    /// (`supervisorctl update` would stop and start the whole app group), then haproxy reloads.
    /// </summary>
    [LiveFact("haproxy", "supervisord", "supervisorctl", "nft")]
    public Task Single_host_gains_an_app_instance_under_load_without_a_failed_request() => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec("single-host"));
        var grown = Stacks.Edited("single-host", text => text.Replace("app: 2", "app: 3"));
        await ChangesUnderLoad(stack, grown, newApp: "localhost-app-9212");
    });

    /// <summary>Back from 3 apps to 2: haproxy drops app_9212 first, then `resize` stops it alone.</summary>
    [LiveFact("haproxy", "supervisord", "supervisorctl", "nft")]
    public Task Single_host_gives_up_an_app_instance_under_load_without_a_failed_request() => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Edited("single-host", text => text.Replace("app: 2", "app: 3")));
        await ChangesUnderLoad(stack, Stacks.Spec("single-host"), newApp: null);
        Assert.DoesNotContain("app_9212", stack.Supervisorctl("localhost", "status").Stdout);
    });

    [LiveFact("nginx", "haproxy", "nft")]
    public Task Two_host_gains_a_third_host_under_load_without_a_failed_request() => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec("two-host"));
        var grown = Stacks.Edited("two-host", text => text.TrimEnd() + "\n    - name: host3\n      address: 192.0.2.13\n");
        await ChangesUnderLoad(stack, grown, newApp: "host3-app-9210");
    });

    private async Task ChangesUnderLoad(LiveStack stack, StackSpec target, string? newApp)
    {
        var lab = stack.Lab;
        var before = stack.Topology.Of(Role.App).Select(a => a.Name).ToList();
        var load = lab.StartLoad(stack.Client, stack.FrontUrl(), count: 100_000, concurrency: 8, rate: 400, seconds: 15);
        await load.WaitForProgress(400, TimeSpan.FromSeconds(10));
        var steps = await stack.Deliver(target, TimeSpan.FromSeconds(30));
        var deliveredAt = Figures.Now;
        Assert.False(load.Process.HasExited, "the load ended before the delivery did: nothing was measured after it");
        var result = await load.Result(TimeSpan.FromSeconds(60));
        output.WriteLine("delivery:\n  " + string.Join("\n  ", steps));
        output.WriteLine(result.ToString());

        Assert.Equal("time", result.StoppedBy);
        Assert.Equal(0, result.Failed);
        var apps = stack.Topology.Of(Role.App).Select(a => a.Name).Order().ToList();
        Assert.NotEqual(before.Order(), apps);
        if (newApp is not null)
        {
            Assert.Contains(newApp, apps);
        }

        var after = load.Requests().Where(r => r.StartUnixMs > deliveredAt).ToList();
        Assert.True(after.Count > 100, $"only {after.Count} requests after the delivery");
        Assert.Equal(apps, after.Select(r => r.ServedBy).Distinct().Order());
    }
}
