using System.Text.Json;
using Infra.Live.Tests.Harness;
using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Live.Tests;

/// <summary>
/// `microblog:monitoring` running for real (Debian's prometheus, prometheus-alertmanager and exporters) on a
/// two-host stack with a monitoring host of its own: every target scraped, every metrics port reachable from the
/// monitoring host only, a killed app fires AppServerDown and resolves when it is back, and Alertmanager posts both
/// to a webhook receiver outside the stack.
/// </summary>
public sealed class MonitoringTests(ITestOutputHelper output)
{
    private const int WebhookPort = 9999;

    /// <summary>A stand-in for the operator's alert endpoint: it appends each POST, with its arrival time, to a file.</summary>
    private const string Receiver = """
        import http.server, json, sys, time
        address, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with open(log, "a") as f:
                    f.write(json.dumps({"at": time.time(), "body": body}) + "\n")
                self.send_response(200)
                self.end_headers()
            def log_message(self, *args):
                pass
        http.server.HTTPServer((address, port), Hook).serve_forever()
        """;

    [LiveFact("nginx", "haproxy", "nft", "python3", "prometheus", "prometheus-alertmanager", "prometheus-node-exporter", "prometheus-nginx-exporter")]
    public Task Two_host_a_killed_app_fires_AppServerDown_resolves_when_back_and_the_webhook_gets_both() => NetnsLab.Run(output, async lab =>
    {
        var monitorHost = lab.AddHost("monitor");
        var spec = Stacks.Edited("two-host", yaml => yaml +
            $"  microblog:monitoring:\n    name: monitor\n    address: {monitorHost.Address}\n    webhook: http://{lab.Outside.Address}:{WebhookPort}/hook\n");
        var hookLog = Path.Combine(lab.RunDir, "webhook.jsonl");
        var script = Path.Combine(lab.RunDir, "webhook.py");
        await File.WriteAllTextAsync(script, Receiver);
        lab.Start(lab.Outside, "webhook", "python3", [script, lab.Outside.Address, WebhookPort.ToString(System.Globalization.CultureInfo.InvariantCulture), hookLog]);
        await NetnsLab.WaitForPort(lab.Outside, lab.Outside.Address, WebhookPort, TimeSpan.FromSeconds(10));

        var stack = await LiveStack.Start(lab, spec, limit: TimeSpan.FromSeconds(60));
        var topology = stack.Topology;
        var prometheus = topology.Of(Role.Prometheus).Single();
        var monitor = stack.HostOf(prometheus);
        var targets = PrometheusConfig.Targets(topology, prometheus);

        // Every target the topology names is scraped and up: haproxy's and the load balancer's built-in exporter, the nginx exporters, every node exporter.
        var allUp = await Bounded.Until("every target up in Prometheus", TimeSpan.FromSeconds(60), async () =>
        {
            var active = (await Api(lab, monitor, stack.Url(prometheus, "/api/v1/targets?state=active"))).GetProperty("activeTargets").EnumerateArray().ToList();
            return active.Count == targets.Count && active.All(t => t.GetProperty("health").GetString() == "up");
        }, pollMs: 500);
        output.WriteLine($"all {targets.Count} targets up {allUp.TotalSeconds:F1} s after the stack was ready: {string.Join(", ", targets.Select(t => $"{t.Job}:{t.Instance.Name}"))}");
        Assert.Equal(["haproxy", "loadbalancer", "nginx", "node", "alertmanager"], targets.Select(t => t.Job).Distinct());
        var nginxUp = await Query(lab, monitor, stack, prometheus, "nginx_up");
        Assert.Equal(["host1-nginx-exporter", "host2-nginx-exporter"], nginxUp.Where(r => r.Value == "1").Select(r => r.Instance).Order());
        var serversUp = await Query(lab, monitor, stack, prometheus, "haproxy_server_status{state=\"UP\"} == 1");
        Assert.Equal(6, serversUp.Count);

        await MetricsPortsAnswerOnlyTheMonitoringHost(lab, topology, prometheus);

        var app = topology.Instance("host2-app-9210");
        var killedAt = DateTimeOffset.UtcNow;
        var left = await stack.Service(app).Stop(TimeSpan.FromSeconds(5));
        Assert.Empty(left);
        var fired = await Bounded.Until("AppServerDown firing for host2-app-9210", TimeSpan.FromSeconds(60),
            async () => (await Alerts(lab, monitor, stack, prometheus)).Any(a => a.Name == "AppServerDown" && a.Server == app.Name && a.State == "firing"), pollMs: 250);
        var posted = await Bounded.Until("the webhook got AppServerDown firing", TimeSpan.FromSeconds(60),
            () => Hooks(hookLog).Any(h => h.Status == "firing" && h.Alerts.Contains(("AppServerDown", app.Name))), pollMs: 250);
        var firing = (await Alerts(lab, monitor, stack, prometheus)).Where(a => a.Name == "AppServerDown").Select(a => a.Instance).Order().ToList();
        output.WriteLine($"{app.Name} stopped: AppServerDown firing after {fired.TotalSeconds:F1} s (from {string.Join(", ", firing)}), at the webhook after {(DateTimeOffset.UtcNow - killedAt).TotalSeconds:F1} s");
        Assert.Equal(["host1-haproxy", "host2-haproxy"], firing);

        var startedAt = DateTimeOffset.UtcNow;
        stack.StartInstance(app);
        var resolved = await Bounded.Until("AppServerDown resolved", TimeSpan.FromSeconds(60),
            async () => !(await Alerts(lab, monitor, stack, prometheus)).Any(a => a.Name == "AppServerDown"), pollMs: 250);
        await Bounded.Until("the webhook got AppServerDown resolved", TimeSpan.FromSeconds(60),
            () => Hooks(hookLog).Any(h => h.Status == "resolved" && h.Alerts.Contains(("AppServerDown", app.Name))), pollMs: 250);
        output.WriteLine($"{app.Name} started again: AppServerDown resolved in Prometheus after {resolved.TotalSeconds:F1} s, the webhook got the resolution after {(DateTimeOffset.UtcNow - startedAt).TotalSeconds:F1} s");
        output.WriteLine($"webhook posts: {string.Join("; ", Hooks(hookLog).Select(h => $"{h.Status} {string.Join(",", h.Alerts.Select(a => $"{a.Alert}/{a.Server}"))}"))}");
        Assert.True(fired < TimeSpan.FromSeconds(45), $"fired after {fired}");
    });

    /// <summary>Each scraped port, tried from every host and the outside, answers the monitoring host and its own host only.</summary>
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

    private static async Task<JsonElement> Api(NetnsLab lab, LabHost from, string url)
    {
        var response = await lab.Get(from, url);
        Assert.True(response.Status == 200, $"{url}: {response.Status} {response.Body}");
        return JsonDocument.Parse(response.Body).RootElement.GetProperty("data");
    }

    private static async Task<IReadOnlyList<(string Instance, string Value)>> Query(NetnsLab lab, LabHost from, LiveStack stack, Instance prometheus, string query)
    {
        var data = await Api(lab, from, stack.Url(prometheus, "/api/v1/query?query=" + Uri.EscapeDataString(query)));
        return data.GetProperty("result").EnumerateArray()
            .Select(r => (r.GetProperty("metric").GetProperty("instance").GetString()!, r.GetProperty("value")[1].GetString()!))
            .ToList();
    }

    private static async Task<IReadOnlyList<(string Name, string Instance, string? Server, string State)>> Alerts(NetnsLab lab, LabHost from, LiveStack stack, Instance prometheus)
    {
        var data = await Api(lab, from, stack.Url(prometheus, "/api/v1/alerts"));
        return data.GetProperty("alerts").EnumerateArray().Select(a =>
        {
            var labels = a.GetProperty("labels");
            return (labels.GetProperty("alertname").GetString()!, labels.GetProperty("instance").GetString()!,
                labels.TryGetProperty("server", out var server) ? server.GetString() : null, a.GetProperty("state").GetString()!);
        }).ToList();
    }

    private static IReadOnlyList<(string Status, IReadOnlyList<(string Alert, string? Server)> Alerts)> Hooks(string log) =>
        !File.Exists(log) ? [] : File.ReadAllLines(log).Where(l => l.Length > 0).Select(line =>
        {
            var body = JsonDocument.Parse(line).RootElement.GetProperty("body");
            var alerts = body.GetProperty("alerts").EnumerateArray()
                .Select(a => (a.GetProperty("labels").GetProperty("alertname").GetString()!,
                    a.GetProperty("labels").TryGetProperty("server", out var s) ? s.GetString() : null))
                .ToList();
            return (body.GetProperty("status").GetString()!, (IReadOnlyList<(string, string?)>)alerts);
        }).ToList();
}
