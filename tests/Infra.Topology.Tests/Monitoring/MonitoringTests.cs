using Infra.Topology.Configs;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Monitoring;

/// <summary>
/// `microblog:monitoring`: the scrape targets, rules and openings derived from the topology, each rendered file through
/// the real promtool and amtool, and every alert through `promtool test rules`.
/// </summary>
public class MonitoringTests
{
    /// <summary>monitored with every optional target named, so every rule is rendered.</summary>
    private static StackTopology Everything() => Repo.TopologyEdited("monitored", yaml => yaml + "    appMetricsPath: /metrics\n    crateMetricsPort: 7071\n");

    /// <summary>Each layout with monitoring next to another host's services, and how many alert rules it has.</summary>
    public static TheoryData<string, string, int> Placements => new()
    {
        { "dev", "localhost", 2 },
        { "single-host", "localhost", 5 },
        { "two-host", "front", 7 },
        { "three-host", "host3", 7 },
        { "split-role", "crate-host1", 7 },
    };

    private static StackTopology Beside(string stack, string host) =>
        Repo.TopologyEdited(stack, yaml => yaml + $"  microblog:monitoring:\n    host: {host}\n    webhook: http://127.0.0.1:9999/hook\n");

    [Fact]
    public void Prometheus_scrapes_every_haproxy_nginx_host_app_and_crate_node_at_its_own_port()
    {
        var topology = Everything();
        var prometheus = topology.Of(Role.Prometheus).Single();

        var targets = PrometheusConfig.Targets(topology, prometheus).Select(t => (t.Job, t.Instance.Name, t.Address, t.Path)).ToList();

        Assert.Equal(
            [
                ("nginx", "host1-nginx-exporter", "192.0.2.11:9113", "/metrics"),
                ("haproxy", "host1-haproxy", "192.0.2.11:8405", "/metrics"),
                ("app", "host1-app-9210", "192.0.2.11:9210", "/metrics"),
                ("crate", "host1-crate-4200", "192.0.2.11:7071", "/metrics"),
                ("nginx", "host2-nginx-exporter", "192.0.2.12:9113", "/metrics"),
                ("haproxy", "host2-haproxy", "192.0.2.12:8405", "/metrics"),
                ("app", "host2-app-9210", "192.0.2.12:9210", "/metrics"),
                ("crate", "host2-crate-4200", "192.0.2.12:7071", "/metrics"),
                ("loadbalancer", "front-lb", "192.0.2.10:8405", "/metrics"),
                ("node", "host1-node-exporter", "192.0.2.11:9101", "/metrics"),
                ("node", "host2-node-exporter", "192.0.2.12:9101", "/metrics"),
                ("node", "front-node-exporter", "192.0.2.10:9101", "/metrics"),
                ("node", "monitor-node-exporter", "192.0.2.20:9101", "/metrics"),
                ("alertmanager", "monitor-alertmanager", "192.0.2.20:9093", "/metrics"),
            ],
            targets.OrderBy(t => Order(topology, t.Name)).ToList());
    }

    private static int Order(StackTopology topology, string name)
    {
        // host by host, then the exporters (added after each host's services), as written above
        string[] order = ["host1-nginx-exporter", "host1-haproxy", "host1-app-9210", "host1-crate-4200", "host2-nginx-exporter", "host2-haproxy", "host2-app-9210", "host2-crate-4200", "front-lb", "host1-node-exporter", "host2-node-exporter", "front-node-exporter", "monitor-node-exporter", "monitor-alertmanager"];
        var index = Array.IndexOf(order, name);
        Assert.True(index >= 0, $"unexpected target {name} in {topology.Stack}");
        return index;
    }

    [Fact]
    public void Every_scraped_port_is_open_to_the_monitoring_host_only_and_the_pages_to_the_operators()
    {
        var topology = Everything();

        var host1 = FirewallConfig.Render(topology, topology.Hosts.Single(h => h.Name == "host1"));
        var monitor = FirewallConfig.Render(topology, topology.Hosts.Single(h => h.Name == "monitor"));
        var front = FirewallConfig.Render(topology, topology.Hosts.Single(h => h.Name == "front"));

        Assert.Contains("\nadd element inet microblog prometheus_hosts { 192.0.2.20 }\nadd element inet microblog prometheus_ports { 7071, 8405, 9101, 9113, 9210 }\n", host1);
        // the app's port: from both haproxies, and from Prometheus for its metrics path
        Assert.Contains("\nadd element inet microblog haproxy_hosts { 192.0.2.11, 192.0.2.12 }\nadd element inet microblog haproxy_ports { 9210 }\n", host1);
        Assert.Contains("\nadd element inet microblog prometheus_hosts { 192.0.2.20 }\nadd element inet microblog prometheus_ports { 8405, 9101 }\n", front);
        Assert.Contains("\nadd element inet microblog open_ports { 80 }\n", front);
        Assert.Contains("\nadd element inet microblog admin_sources { 203.0.113.0/24 }\nadd element inet microblog admin_ports { 22, 9090, 9093 }\n", monitor);
        Assert.Contains("\nadd element inet microblog prometheus_ports { 9093, 9101 }\n", monitor);
        Assert.Single(host1.Split('\n'), l => l.StartsWith("add element inet microblog prometheus_ports ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_stack_without_monitoring_has_no_metrics_port_exporter_or_scrape()
    {
        foreach (var stack in new[] { "dev", "single-host", "two-host", "three-host", "split-role" })
        {
            var topology = Repo.Topology(stack);
            Assert.DoesNotContain(topology.Instances, i => i.MetricsPort is not null || i.Role >= Role.Prometheus);
            Assert.DoesNotContain(topology.Edges, e => e.Kind is EdgeKind.Scrape or EdgeKind.Alert);
            Assert.Empty(Planner.Plan(topology).Outputs.PrometheusUrls);
        }
    }

    [Theory]
    [MemberData(nameof(Placements))]
    public void Promtool_and_amtool_accept_every_rendered_file_in_every_layout(string stack, string host, int rules)
    {
        AssertToolsAccept(Beside(stack, host), rules);
    }

    [Fact]
    public void Promtool_and_amtool_accept_the_monitored_stack_with_every_target()
    {
        AssertToolsAccept(Repo.Topology("monitored"), 7);
        AssertToolsAccept(Everything(), 8);
    }

    private static void AssertToolsAccept(StackTopology topology, int ruleCount)
    {
        using var folder = new Tools.TempFolder();
        var monitoring = topology.Of(Role.Prometheus).Single().Host;
        var files = Render.ForHost(topology, topology.Hosts.Single(h => h.Name == monitoring), RunMode.Containers).ToList();
        foreach (var file in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder.Path, file.Path))!);
            file.WriteTo(Path.Combine(folder.Path, file.Path));
        }

        var config = Tools.Run(Tools.Find("promtool"), "check", "config", Path.Combine(folder.Path, FilePaths.Prometheus));
        Assert.True(config.ExitCode == 0, config.ToString());
        Assert.Contains("SUCCESS: 1 rule files found", config.Output);
        var rules = Tools.Run(Tools.Find("promtool"), "check", "rules", Path.Combine(folder.Path, FilePaths.AlertRules));
        Assert.True(rules.ExitCode == 0, rules.ToString());
        Assert.Contains($"SUCCESS: {ruleCount} rules found", rules.Output);
        var alertmanager = Tools.Run(Tools.Find("amtool"), "check-config", Path.Combine(folder.Path, FilePaths.Alertmanager));
        Assert.True(alertmanager.ExitCode == 0, alertmanager.ToString());
    }

    [Fact]
    public void Promtool_unit_tests_fire_every_alert_of_the_rendered_rules()
    {
        var topology = Everything();
        using var folder = new Tools.TempFolder();
        folder.Write(PrometheusConfig.RulesFile, AlertRules.Render(topology));
        var tests = File.ReadAllText(Path.Combine(Repo.Root, "tests", "Infra.Topology.Tests", "Monitoring", "alerts.test.yml"));
        var testFile = folder.Write("alerts.test.yml", tests);

        var result = Tools.Run(Tools.Find("promtool"), "test", "rules", testFile);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SUCCESS", result.Output);
        Assert.Equal(
            ["AppServerDown", "NginxServerDown", "BackendWithoutServer", "FrontDoorErrors", "NginxDown", "CrateNodeMissing", "HostExporterDown", "MetricsUnreachable"],
            AlertRules.Rules(topology).Select(r => r.Alert));
        foreach (var rule in AlertRules.Rules(topology))
        {
            Assert.Contains($"alertname: {rule.Alert}\n        exp_alerts:\n          - exp_labels", tests);
        }
    }

    [Fact]
    public void Only_rules_whose_targets_exist_are_rendered()
    {
        Assert.Equal(["HostExporterDown", "MetricsUnreachable"], AlertRules.Rules(Beside("dev", "localhost")).Select(r => r.Alert));
        Assert.Equal(["AppServerDown", "BackendWithoutServer", "FrontDoorErrors", "HostExporterDown", "MetricsUnreachable"], AlertRules.Rules(Beside("single-host", "localhost")).Select(r => r.Alert));
        Assert.Contains("job=\"haproxy\",proxy=\"http-in\"", AlertRules.Rules(Beside("single-host", "localhost")).Single(r => r.Alert == "FrontDoorErrors").Expr);
    }

    [Fact]
    public void Alertmanager_posts_to_the_stacks_webhook_with_resolutions()
    {
        var topology = Repo.Topology("monitored");

        var config = AlertmanagerConfig.Render(topology, topology.Of(Role.Alertmanager).Single());

        Assert.Contains("  - url: https://alerts.example.com/microblog\n    send_resolved: true\n", config);
    }

    [Fact]
    public void The_plan_runs_the_monitoring_containers_with_the_stacks_images_and_outputs_their_urls()
    {
        var topology = Repo.TopologyEdited("monitored", yaml => yaml.Replace(
            "    app: registry.example.com/microblog/app:1.0.0\n",
            "    app: registry.example.com/microblog/app:1.0.0\n    prometheus: registry.example.com/prom:2\n", StringComparison.Ordinal));

        var plan = Planner.Plan(topology);

        var prometheus = plan.Services.Single(s => s.Role == Role.Prometheus).Container;
        Assert.Equal("registry.example.com/prom:2", prometheus.Image);
        Assert.Equal(
            ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--storage.tsdb.retention.time=15d", "--web.listen-address=192.0.2.20:9090"],
            prometheus.Command);
        Assert.Contains(new Mount(MountKind.Bind, "/etc/microblog/monitored/prometheus/alerts.yml", "/etc/prometheus/alerts.yml", ReadOnly: true), prometheus.Mounts);
        Assert.Contains(new Mount(MountKind.Volume, "monitor-prometheus-data", "/prometheus", ReadOnly: false), prometheus.Mounts);
        Assert.Equal("prom/alertmanager:v0.27.0", plan.Services.Single(s => s.Role == Role.Alertmanager).Container.Image);
        Assert.Equal(
            ["--nginx.scrape-uri=http://127.0.0.1:80/__nginx_status", "--web.listen-address=192.0.2.11:9113"],
            plan.Services.Single(s => s.Name == "host1-nginx-exporter").Container.Command);
        Assert.Equal(4, plan.Services.Count(s => s.Role == Role.NodeExporter));
        Assert.Equal(["http://192.0.2.20:9090/"], plan.Outputs.PrometheusUrls);
        Assert.Equal(["http://192.0.2.20:9093/"], plan.Outputs.AlertmanagerUrls);
        // a changed rules file reloads Prometheus in place
        var reload = Assert.IsType<CommandStep>(plan.Step("monitor-prometheus-reload"));
        Assert.Equal("docker kill --signal=HUP -- 'monitor-prometheus'", reload.Script);
    }

    [Fact]
    public void The_monitoring_hosts_files_match_their_golden_files()
    {
        var topology = Repo.Topology("monitored");
        var monitor = topology.Hosts.Single(h => h.Name == "monitor");

        var files = Render.ForHost(topology, monitor, RunMode.Containers).Where(f => f.Instance is not null).ToList();

        Assert.Equal([FilePaths.Prometheus, FilePaths.AlertRules, FilePaths.Alertmanager], files.Select(f => f.Path));
        foreach (var file in files)
        {
            Golden.Check($"monitored/monitor/{file.Path}", file.Content);
        }
    }

    [Fact]
    public void Adding_monitoring_to_a_running_stack_reloads_the_proxies_and_replaces_no_serving_container()
    {
        var before = Planner.Plan(Repo.Topology("two-host"));
        var after = Planner.Plan(Repo.TopologyEdited("two-host", yaml => yaml +
            "  microblog:monitoring:\n    name: monitor\n    address: 192.0.2.20\n    webhook: https://alerts.example.com/microblog\n"));

        var changes = PlanChanges.Compare(before, after);

        // Replaced: the firewalls' two versions, and the gate that orders them (it runs nothing).
        Assert.DoesNotContain(changes, c => c.Change is StepChangeKind.Delete || (c.Change is StepChangeKind.Replace && c.Step is not CommandStep { Purpose: CommandPurpose.ApplyFirewall or CommandPurpose.Gate }));
        string[] reloads = ["front-lb-reload", "host1-haproxy-reload", "host1-nginx-reload", "host2-haproxy-reload", "host2-nginx-reload"];
        Assert.Equal(reloads, changes.Where(c => c.Change == StepChangeKind.Run && c.Step.Id.EndsWith("-reload", StringComparison.Ordinal)).Select(c => c.Step.Id).Order());
        Assert.Equal(
            ["front-nftables-apply", "host1-nftables-apply", "host2-nftables-apply"],
            changes.Where(c => c.Change == StepChangeKind.Replace && c.Step.Id.EndsWith("-nftables-apply", StringComparison.Ordinal)).Select(c => c.Step.Id).Order());
        var created = changes.Where(c => c.Change == StepChangeKind.Create && c.Step is ContainerStep).Select(c => c.Step.Id).Order().ToList();
        Assert.Equal(
            ["front-node-exporter-container", "host1-nginx-exporter-container", "host1-node-exporter-container", "host2-nginx-exporter-container",
             "host2-node-exporter-container", "monitor-alertmanager-container", "monitor-node-exporter-container", "monitor-prometheus-container"],
            created);
    }

    [Theory]
    [InlineData("    webhook: https://alerts.example.com/microblog\n", "    webhook: ftp://alerts.example.com/x\n", "microblog:monitoring.webhook", "not a usable webhook URL")]
    [InlineData("    webhook: https://alerts.example.com/microblog\n", "", "microblog:monitoring.webhook", "missing")]
    [InlineData("    errorRatio: 0.05\n", "    errorRatio: 5\n", "microblog:monitoring.errorRatio", "above 0 and below 1")]
    [InlineData("    errorRatio: 0.05\n", "    errorRatio: 5%\n", "microblog:monitoring.errorRatio", "not a share of requests")]
    [InlineData("    name: monitor\n", "    name: host1\n", "microblog:monitoring.name", "already a host of this stack")]
    [InlineData("    address: 192.0.2.20\n", "    address: 192.0.2.11\n", "microblog:monitoring.address", "already the address of another host")]
    [InlineData("    name: monitor\n    address: 192.0.2.20\n", "    host: hots1\n", "microblog:monitoring.host", "did you mean \"host1\"")]
    [InlineData("    name: monitor\n    address: 192.0.2.20\n", "", "microblog:monitoring", "where does it run?")]
    [InlineData("    errorRatio: 0.05\n", "    errorRatio: 0.05\n    ports:\n      nodeExporter: 9100\n", "microblog:monitoring.ports.nodeExporter", "port 9100 is wanted twice on host1")]
    [InlineData("    errorRatio: 0.05\n", "    errorRatio: 0.05\n    appMetricsPath: metrics\n", "microblog:monitoring.appMetricsPath", "not a usable metrics path")]
    public void Bad_monitoring_values_are_errors_at_their_key(string find, string replace, string keyPath, string message)
    {
        var result = Repo.LoadEdited("monitored", yaml => yaml.Replace(find, replace, StringComparison.Ordinal));

        Assert.Null(result.Spec);
        Assert.Contains(result.Errors, e => e.KeyPath == keyPath && e.Message.Contains(message, StringComparison.Ordinal));
    }
}
