using Infra.Live.Tests.Harness;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>The reference design's reliability claims, measured: an app, a host, a link goes away mid-load and no request fails.</summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    [LiveFact("haproxy", "supervisord", "supervisorctl", "nft")]
    public Task Single_host_supervisorctl_stop_of_an_app_mid_load_fails_no_request_and_start_brings_it_back() => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec("single-host"));
        var haproxy = stack.Topology.Of(Role.Haproxy).Single();
        var host = stack.HostOf(haproxy);
        var stopped = stack.Topology.Of(Role.App).Single(a => a.Port == 9210);
        var other = stack.Topology.Of(Role.App).Single(a => a.Port == 9211);

        var load = lab.StartLoad(stack.Client, stack.FrontUrl(), count: 2000, concurrency: 8, rate: 500);
        await load.WaitForProgress(500, Settle);
        var stopAt = Figures.Now;
        var stop = stack.Supervisorctl(host.Name, "stop", "app:app_9210");
        Assert.True(stop.Ok, stop.ToString());
        var down = await HaproxyStats.WaitFor(lab, host, stack.StatsUrl(haproxy), stopped.Name, "DOWN", Settle);
        var downAt = Figures.Now;
        var result = await load.Result(TimeSpan.FromSeconds(60));
        output.WriteLine($"supervisorctl stop app:app_9210 took {downAt - stopAt - down.TotalMilliseconds:F0} ms; haproxy showed it DOWN {down.TotalMilliseconds:F0} ms later");
        output.WriteLine(result.ToString());

        Assert.Equal(2000, result.Sent);
        Assert.Equal(0, result.Failed);
        Figures.AssertMidLoad(load, stopAt);
        var afterDown = load.Requests().Where(r => r.StartUnixMs > downAt).ToList();
        Assert.NotEmpty(afterDown);
        Assert.All(afterDown, r => Assert.Equal(other.Name, r.ServedBy));

        var start = stack.Supervisorctl(host.Name, "start", "app:app_9210");
        Assert.True(start.Ok, start.ToString());
        var up = await HaproxyStats.WaitFor(lab, host, stack.StatsUrl(haproxy), stopped.Name, "UP", Settle);
        var again = await lab.StartLoad(stack.Client, stack.FrontUrl(), count: 200, name: "after-start").Result(TimeSpan.FromSeconds(30));
        output.WriteLine($"supervisorctl start: UP on the stats page after {up.TotalMilliseconds:F0} ms; then {again}");
        Assert.Equal(200, again.Ok);
        Assert.True(again.ServedBy.GetValueOrDefault(stopped.Name) > 0, $"{stopped.Name} serves again");
    });

    [LiveFact("nginx", "haproxy", "nft")]
    public Task Two_host_every_process_of_host2_killed_mid_load_fails_no_request() => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec("two-host"));
        var load = lab.StartLoad(stack.Client, stack.FrontUrl(), count: 2000, concurrency: 8, rate: 400);
        await load.WaitForProgress(400, Settle);
        var killAt = Figures.Now;
        var killed = await lab.KillEverythingIn(lab["host2"]);
        // Until its last process is gone host2 may still answer: what must go to host1 is counted from then.
        var goneAt = Figures.Now;
        lab.Note($"host2 crashed: {killed.Count} processes killed");
        var detected = await HostGone(stack, "host2");
        var result = await load.Result(TimeSpan.FromSeconds(60));
        output.WriteLine($"every process of host2 killed ({killed.Count}, the last gone {goneAt - killAt} ms after the first signal); LB and host1's haproxy showed host2 DOWN {detected.TotalMilliseconds:F0} ms after that");
        output.WriteLine(result.ToString());

        Assert.Equal(2000, result.Sent);
        Assert.Equal(0, result.Failed);
        Figures.AssertMidLoad(load, killAt);
        Assert.All(load.Requests().Where(r => r.StartUnixMs > goneAt + detected.TotalMilliseconds), r => Assert.Equal("host1-app-9210", r.ServedBy));
    });

    [LiveFact("nginx", "haproxy", "nft")]
    public Task Two_host_link_of_host2_down_mid_load_fails_no_request() => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec("two-host"));
        var load = lab.StartLoad(stack.Client, stack.FrontUrl(), count: 2000, concurrency: 8, rate: 400, requestTimeoutMs: 120_000);
        await load.WaitForProgress(400, Settle);
        var downAt = Figures.Now;
        lab.LinkDown(lab["host2"]);
        lab.Note("host2's link is down");
        var detected = await HostGone(stack, "host2");
        var result = await load.Result(TimeSpan.FromSeconds(150));
        output.WriteLine($"host2's link down; LB and host1's haproxy showed host2 DOWN after {detected.TotalMilliseconds:F0} ms");
        output.WriteLine(result.ToString());

        Assert.Equal(2000, result.Sent);
        Assert.Equal(0, result.Failed);
        Figures.AssertMidLoad(load, downAt);
    });

    [LiveFact("nginx", "haproxy", "nft")]
    public Task Two_host_posts_during_an_app_kill_are_never_applied_twice() => NetnsLab.Run(output, async lab =>
    {
        var stack = await LiveStack.Start(lab, Stacks.Spec("two-host"));
        var victim = stack.Topology.Of(Role.App).Single(a => a.Host == "host2");
        // The app sleeps after applying each post: the window in which a lost answer could tempt a proxy to resend.
        var load = lab.StartLoad(stack.Client, stack.FrontUrl("/posts?delay_ms=20"), count: 1000, concurrency: 8, method: "POST", rate: 250);
        await load.WaitForProgress(250, Settle);
        var killAt = Figures.Now;
        Assert.Empty(await stack.Service(victim).Kill());
        lab.Note($"{victim.Name} killed");
        var result = await load.Result(TimeSpan.FromSeconds(60));
        var (applied, duplicates) = stack.Journal();
        var journaled = Directory.GetFiles(stack.JournalDir, "*.posts").SelectMany(File.ReadAllLines).ToHashSet();
        var answered = load.Requests().Where(r => r.Status == 201).Select(r => r.RequestId).ToList();
        output.WriteLine(result.ToString());
        output.WriteLine($"POSTs: {result.Sent} sent, {result.Ok} answered 201, {result.Failed} failed; the apps applied {applied} " +
            $"({applied - result.Ok} of the failed ones were applied before their answer was lost), {duplicates.Count} applied more than once");

        Assert.Equal(1000, result.Sent);
        Figures.AssertMidLoad(load, killAt);
        Assert.Empty(duplicates);
        Assert.All(answered, id => Assert.Contains(id, journaled));
        Assert.InRange(applied, result.Ok, result.Sent);
    });

    /// <summary>Until the load balancer has the host's nginx and every other haproxy has the host's apps DOWN.</summary>
    private static async Task<TimeSpan> HostGone(LiveStack stack, string host)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var waits = new List<Task<TimeSpan>>();
        foreach (var proxy in stack.Topology.Instances.Where(i => i.Role is Role.Haproxy or Role.LoadBalancer && i.Host != host))
        {
            foreach (var target in stack.Topology.Targets(proxy).Where(t => t.Host == host))
            {
                waits.Add(HaproxyStats.WaitFor(stack.Lab, stack.HostOf(proxy), stack.StatsUrl(proxy), target.Name, "DOWN", Settle));
            }
        }

        await Task.WhenAll(waits);
        return clock.Elapsed;
    }
}
