using System.Text.Json;
using Infra.Topology.Configs;
using Infra.Topology.Model;

namespace Infra.Live.Tests.Harness;

/// <summary>A running Prometheus asked over its HTTP API from a lab host, and a webhook receiver standing in for the operator's.</summary>
public sealed class PrometheusApi(NetnsLab lab, LabHost from, Instance prometheus)
{
    private string Url(string path) => $"http://{Endpoints.Format(prometheus.Address, prometheus.Port)}{path}";

    private async Task<JsonElement> Data(string path)
    {
        var response = await lab.Get(from, Url(path));
        Assert.True(response.Status == 200, $"{path}: {response.Status} {response.Body}");
        return JsonDocument.Parse(response.Body).RootElement.GetProperty("data");
    }

    /// <summary>Each active target's instance label and health.</summary>
    public async Task<IReadOnlyList<(string Instance, string Health)>> Targets() =>
        (await Data("/api/v1/targets?state=active")).GetProperty("activeTargets").EnumerateArray()
            .Select(t => (t.GetProperty("labels").GetProperty("instance").GetString()!, t.GetProperty("health").GetString()!))
            .ToList();

    public async Task<IReadOnlyList<(string Instance, string Value)>> Query(string query) =>
        (await Data("/api/v1/query?query=" + Uri.EscapeDataString(query))).GetProperty("result").EnumerateArray()
            .Select(r => (r.GetProperty("metric").GetProperty("instance").GetString()!, r.GetProperty("value")[1].GetString()!))
            .ToList();

    public async Task<IReadOnlyList<(string Name, string Instance, string? Server, string State)>> Alerts() =>
        (await Data("/api/v1/alerts")).GetProperty("alerts").EnumerateArray().Select(a =>
        {
            var labels = a.GetProperty("labels");
            return (labels.GetProperty("alertname").GetString()!, labels.GetProperty("instance").GetString()!,
                labels.TryGetProperty("server", out var server) ? server.GetString() : null, a.GetProperty("state").GetString()!);
        }).ToList();

    /// <summary>Until every target is up and there are <paramref name="count"/> of them.</summary>
    public Task<TimeSpan> WaitAllUp(int count, TimeSpan limit)
    {
        var last = "";
        return Bounded.Until($"all {count} targets up in Prometheus", limit, async () =>
        {
            // Prometheus answers 503 until its storage is open; the lab starts it without waiting for /-/ready.
            var ready = await lab.Get(from, Url("/-/ready"));
            if (ready.Status != 200)
            {
                last = $"/-/ready: {ready.Status}";
                return false;
            }
            var targets = await Targets();
            last = string.Join(", ", targets.Select(t => $"{t.Instance} {t.Health}"));
            return targets.Count == count && targets.All(t => t.Health == "up");
        }, pollMs: 500, lastSeen: () => last);
    }

    /// <summary>Python's http.server appending each POST, with its arrival time, to a file (one JSON line each).</summary>
    public const string WebhookReceiver = """
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

    /// <summary>Starts the receiver on <paramref name="host"/>; returns the file it appends to.</summary>
    public static async Task<string> StartWebhook(NetnsLab lab, LabHost host, int port)
    {
        var log = Path.Combine(lab.RunDir, "webhook.jsonl");
        var script = Path.Combine(lab.RunDir, "webhook.py");
        await File.WriteAllTextAsync(script, WebhookReceiver);
        lab.Start(host, "webhook", "python3", [script, host.Address, port.ToString(System.Globalization.CultureInfo.InvariantCulture), log]);
        await NetnsLab.WaitForPort(host, host.Address, port, TimeSpan.FromSeconds(10));
        return log;
    }

    /// <summary>What the receiver got: each POST's status and its alerts (name, server label).</summary>
    public static IReadOnlyList<(string Status, IReadOnlyList<(string Alert, string? Server)> Alerts)> Hooks(string log) =>
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
