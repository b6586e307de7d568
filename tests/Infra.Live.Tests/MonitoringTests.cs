using Infra.Live.Tests.Harness;
using Infra.Live.Tests.Harness.Containers;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>
/// `microblog:monitoring` running for real on two-host plus a monitoring host of its own: every target the topology
/// names scraped, every metrics port reachable from the monitoring host only, a stopped app fires AppServerDown and
/// resolves when it is back, and Alertmanager posts both to a webhook receiver outside the stack. As processes
/// (Debian's prometheus, prometheus-alertmanager and exporters with the plan's flags), and as the plan's containers
/// (stand-in images of the same packages).
/// </summary>
public sealed class MonitoringTests(ITestOutputHelper output)
{
    private const int WebhookPort = 9999;

    private static StackSpec Monitored(string monitorAddress, string webhookHost) => Stacks.Edited("two-host", yaml => yaml +
        $"  microblog:monitoring:\n    name: monitor\n    address: {monitorAddress}\n    webhook: http://{webhookHost}:{WebhookPort}/hook\n");

    [LiveFact("nginx", "haproxy", "nft", "python3", "prometheus", "prometheus-alertmanager", "prometheus-node-exporter", "prometheus-nginx-exporter")]
    public Task Two_host_processes_a_stopped_app_fires_AppServerDown_resolves_when_back_and_the_webhook_gets_both() => NetnsLab.Run(output, async lab =>
    {
        var monitorHost = lab.AddHost("monitor");
        var hookLog = await PrometheusApi.StartWebhook(lab, lab.Outside, WebhookPort);
        var stack = await LiveStack.Start(lab, Monitored(monitorHost.Address, lab.Outside.Address), limit: TimeSpan.FromSeconds(60));
        var topology = stack.Topology;
        var prometheus = topology.Of(Role.Prometheus).Single();
        var api = new PrometheusApi(lab, monitorHost, prometheus);
        var targets = PrometheusConfig.Targets(topology, prometheus);

        var allUp = await api.WaitAllUp(targets.Count, TimeSpan.FromSeconds(60));
        output.WriteLine($"all {targets.Count} targets up {allUp.TotalSeconds:F1} s after the stack was ready: {string.Join(", ", targets.Select(t => $"{t.Job}:{t.Instance.Name}"))}");
        Assert.Equal(["haproxy", "loadbalancer", "nginx", "node", "alertmanager"], targets.Select(t => t.Job).Distinct());
        Assert.Equal(["host1-nginx-exporter", "host2-nginx-exporter"], (await api.Query("nginx_up == 1")).Select(r => r.Instance).Order());
        // 2 haproxies x 2 apps, and the load balancer's 2 nginx: read from haproxy's own exporter
        Assert.Equal(6, (await api.Query("haproxy_server_status{state=\"UP\"} == 1")).Count);

        await MetricsPortsAnswerOnlyTheMonitoringHost(lab, topology, prometheus);

        var app = topology.Instance("host2-app-9210");
        await AlertFiresAndResolves(api, hookLog, app,
            stop: async () => Assert.Empty(await stack.Service(app).Stop(TimeSpan.FromSeconds(5))),
            start: () =>
            {
                stack.StartInstance(app);
                return Task.CompletedTask;
            });
    });

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft", "python3")]
    public Task Two_host_containers_from_the_plan_scrape_everything_and_a_stopped_app_container_alerts_and_resolves()
    {
        var placeholder = Monitored("192.0.2.20", "192.0.2.99");
        return ContainerLab.Run(output, ContainerStack.HostNames(placeholder), ImageNames.Of(placeholder), async lab =>
        {
            var hookLog = await PrometheusApi.StartWebhook(lab.Net, lab.Net.Outside, WebhookPort);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var stack = ContainerStack.Deploy(lab, Monitored("192.0.2.20", lab.Net.Outside.Address), out var runs);
            var services = stack.Plan.Services.ToList();
            var health = services.ToDictionary(s => s.Name, s => stack.Inspect(s.Name).Health);
            output.WriteLine($"monitored two-host: {runs.Count} steps in {clock.Elapsed.TotalSeconds:F1} s; {string.Join(", ", health.Select(h => $"{h.Key} {h.Value}"))}");
            Assert.All(health, h => Assert.Equal("healthy", h.Value));
            Assert.Contains(runs, r => r.Id == "monitor-prometheus-ready");

            var topology = stack.Topology;
            var prometheus = topology.Of(Role.Prometheus).Single();
            // the operators' network (adminSources) is the outside: Prometheus' page answers it
            var api = new PrometheusApi(lab.Net, lab.Net.Outside, prometheus);
            var targets = PrometheusConfig.Targets(topology, prometheus);
            var allUp = await api.WaitAllUp(targets.Count, TimeSpan.FromSeconds(60));
            output.WriteLine($"all {targets.Count} targets up {allUp.TotalSeconds:F1} s after the deploy");
            Assert.Equal(["host1-nginx-exporter", "host2-nginx-exporter"], (await api.Query("nginx_up == 1")).Select(r => r.Instance).Order());
            Assert.Equal(4, (await api.Query("node_uname_info")).Count);

            // As node_exporter's README runs it (--pid=host, / at /host with rslave, --path.rootfs=/host): each reports the
            // host's own root file system, not the container's root or the files Docker mounts into it.
            var roots = await api.Query("node_filesystem_size_bytes{mountpoint=\"/\"}");
            var dockerFiles = await api.Query("node_filesystem_size_bytes{mountpoint=~\"/etc/(hosts|hostname|resolv.conf)|/host.*\"}");
            output.WriteLine($"node exporters: / reported by {string.Join(", ", roots.Select(r => r.Instance))}; container mounts reported: {string.Join(", ", dockerFiles.Select(r => r.Instance))}");
            Assert.Equal(["front-node-exporter", "host1-node-exporter", "host2-node-exporter", "monitor-node-exporter"], roots.Select(r => r.Instance).Order());
            Assert.Empty(dockerFiles);

            // The exporters share their hosts with CrateDB nodes: like every neighbour, they get nothing without credentials.
            CrateNeighbours.AskWithoutCredentials(stack, output);

            var app = topology.Instance("host2-app-9210");
            var host = stack.HostOf(app.Name);
            await AlertFiresAndResolves(api, hookLog, app,
                stop: () =>
                {
                    Assert.True(lab.Docker(host, "stop", app.Name).Ok);
                    return Task.CompletedTask;
                },
                start: () =>
                {
                    Assert.True(lab.Docker(host, "start", app.Name).Ok);
                    return Task.CompletedTask;
                });
        });
    }

    /// <summary>Stops the app; AppServerDown fires from every haproxy and reaches the webhook; started again, both resolve. Prints the times.</summary>
    private async Task AlertFiresAndResolves(PrometheusApi api, string hookLog, Instance app, Func<Task> stop, Func<Task> start)
    {
        var stoppedAt = DateTimeOffset.UtcNow;
        await stop();
        var fired = await Bounded.Until($"AppServerDown firing for {app.Name}", TimeSpan.FromSeconds(60),
            async () => (await api.Alerts()).Any(a => a.Name == "AppServerDown" && a.Server == app.Name && a.State == "firing"), pollMs: 250);
        await Bounded.Until("the webhook got AppServerDown firing", TimeSpan.FromSeconds(60),
            () => PrometheusApi.Hooks(hookLog).Any(h => h.Status == "firing" && h.Alerts.Contains(("AppServerDown", app.Name))), pollMs: 250);
        var posted = DateTimeOffset.UtcNow - stoppedAt;
        var firing = (await api.Alerts()).Where(a => a.Name == "AppServerDown").Select(a => a.Instance).Order().ToList();
        output.WriteLine($"{app.Name} stopped: AppServerDown firing after {fired.TotalSeconds:F1} s (from {string.Join(", ", firing)}), at the webhook after {posted.TotalSeconds:F1} s");
        Assert.Equal(["host1-haproxy", "host2-haproxy"], firing);

        var startedAt = DateTimeOffset.UtcNow;
        await start();
        var resolved = await Bounded.Until("AppServerDown resolved", TimeSpan.FromSeconds(60),
            async () => !(await api.Alerts()).Any(a => a.Name == "AppServerDown"), pollMs: 250);
        await Bounded.Until("the webhook got AppServerDown resolved", TimeSpan.FromSeconds(60),
            () => PrometheusApi.Hooks(hookLog).Any(h => h.Status == "resolved" && h.Alerts.Contains(("AppServerDown", app.Name))), pollMs: 250);
        output.WriteLine($"{app.Name} started again: AppServerDown resolved in Prometheus after {resolved.TotalSeconds:F1} s, at the webhook after {(DateTimeOffset.UtcNow - startedAt).TotalSeconds:F1} s");
        output.WriteLine($"webhook posts: {string.Join("; ", PrometheusApi.Hooks(hookLog).Select(h => $"{h.Status} {string.Join(",", h.Alerts.Select(a => $"{a.Alert}/{a.Server}"))}"))}");
        // the bound: haproxy's detection (~1 s), a scrape and an evaluation (5 s each), the rule's 10 s, with room for a busy machine
        Assert.True(fired < TimeSpan.FromSeconds(45), $"fired after {fired}");
    }

    /// <summary>Each scraped port, tried from every host and the outside, answers the monitoring host only (its own host is not tried).</summary>
    private async Task MetricsPortsAnswerOnlyTheMonitoringHost(NetnsLab lab, StackTopology topology, Instance prometheus)
    {
        var froms = topology.Hosts.Select(h => lab[h.Name]).Append(lab.Outside).ToList();
        var probes = PrometheusConfig.Targets(topology, prometheus)
            .Where(t => t.Instance.Host != prometheus.Host)
            .SelectMany(t => froms.Where(f => f.Name != t.Instance.Host).Select(f => (Target: t, From: f)))
            .ToList();
        var answers = await Task.WhenAll(probes.Select(p => NetnsLab.CanConnect(p.From, p.Target.Instance.Address, p.Target.Port, FirewallMatrix.Probe)));
        var wrong = probes.Zip(answers).Where(x => x.Second != (x.First.From.Name == prometheus.Host))
            .Select(x => $"{x.First.Target.Instance.Name} :{x.First.Target.Port} from {x.First.From.Name}: {(x.Second ? "answered" : "did not answer")}")
            .ToList();
        output.WriteLine($"{probes.Count} attempts on {probes.Select(p => p.Target).Distinct().Count()} metrics ports from {froms.Count} places: only {prometheus.Host} got in");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
