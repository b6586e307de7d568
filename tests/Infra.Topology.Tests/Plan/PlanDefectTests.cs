using Infra.Topology.Configs;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;
using YamlDotNet.Serialization;

namespace Infra.Topology.Tests.Plan;

/// <summary>What `pulumi up` got wrong before the plan described the whole deployment; each of these failed then.</summary>
public class PlanDefectTests
{
    private const string Certificate = "/etc/ssl/private/front.pem";

    [Fact]
    public void The_load_balancers_certificate_is_checked_on_its_host_and_mounted_read_only_where_haproxy_cfg_names_it()
    {
        var plan = Planner.Plan(TwoHostWithTls());

        var lb = (ContainerStep)plan.Step("front-lb-container");
        Assert.Contains(new Mount(MountKind.Bind, Certificate, Certificate, ReadOnly: true), lb.Spec.Mounts);
        var config = plan.Hosts.Single(h => h.Host.Name == "front").Files.Single(f => f.File.Path == FilePaths.LoadBalancer);
        Assert.Contains($"ssl crt {Certificate} ", config.File.Content, StringComparison.Ordinal);

        var preflight = (CommandStep)plan.Step("front-check-tls-certificate");
        Assert.Equal(CommandPurpose.Preflight, preflight.Purpose);
        Assert.Contains($"test -r '\\''{Certificate}'\\''", preflight.Script, StringComparison.Ordinal);
        Assert.Contains("microblog:loadBalancer.tlsCertificate", preflight.Script, StringComparison.Ordinal);
        Assert.Contains(preflight.Id, lb.After);
        Assert.Contains("https://192.0.2.10:443/", plan.Outputs.FrontDoorUrls);
    }

    [Fact]
    public void A_stack_without_a_certificate_mounts_none_and_checks_none()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));

        Assert.DoesNotContain(plan.Steps, s => s.Id.Contains("tls", StringComparison.Ordinal));
        Assert.All(((ContainerStep)plan.Step("front-lb-container")).Spec.Mounts, m => Assert.StartsWith("/etc/microblog/", m.Source, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/etc/ssl/front key.pem")]
    [InlineData("certs/front.pem")]
    [InlineData("/etc/ssl/$(id).pem")]
    [InlineData("/etc/ssl/../shadow")]
    [InlineData("/etc/ssl/")]
    public void An_unusable_certificate_path_is_an_error_that_says_what_to_write(string path)
    {
        var result = Repo.LoadEdited("two-host", yaml => yaml.Replace("  microblog:loadBalancer:\n", $"  microblog:loadBalancer:\n    tlsCertificate: \"{path}\"\n", StringComparison.Ordinal));

        var error = Assert.Single(result.Errors);
        Assert.Equal("microblog:loadBalancer.tlsCertificate", error.KeyPath);
        Assert.Contains("e.g. /etc/ssl/private/front.pem", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("single-host")]
    [InlineData("two-host")]
    [InlineData("split-role")]
    public void Every_crate_node_under_pulumi_keeps_its_data_and_logs_on_its_volume_whatever_the_layout(string stack)
    {
        var plan = Planner.Plan(Repo.Topology(stack));

        foreach (var node in plan.Services.Where(s => s.Role == Role.Crate))
        {
            var settings = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(node.Files.Single().File.Content);
            var volume = Assert.Single(node.Container.Mounts, m => m.Kind == MountKind.Volume);
            Assert.Equal("/data", volume.Target);
            Assert.Equal("/data/data", settings["path.data"]);
            Assert.Equal("/data/log", settings["path.logs"]);
        }
    }

    [Fact]
    public void By_hand_the_process_managed_layouts_still_give_crate_its_paths_on_supervisords_command_line()
    {
        var topology = Repo.Topology("single-host");

        var crate = Render.All(topology).Single(f => f.Path == "crate-4200/crate.yml");

        Assert.DoesNotContain("path.data:", crate.Content, StringComparison.Ordinal);
        Assert.Contains(Render.All(topology), f => f.Path == FilePaths.Supervisord);
        Assert.DoesNotContain(Planner.Plan(topology).Hosts.Single().Files, f => f.File.Path == FilePaths.Supervisord);
    }

    [Theory]
    [InlineData("two-host", "host1-crate-4200", "http://192.0.2.11:4200/")]
    [InlineData("split-role", "crate-host2-crate-4200", "http://192.0.2.42:4200/")]
    [InlineData("single-host", "localhost-crate-4201", "http://127.0.0.1:4201/")]
    [InlineData("two-host", "host2-app-9210", "http://192.0.2.12:9210/health")]
    [InlineData("two-host", "host1-nginx", "http://192.0.2.11:80/health")]
    public void Each_health_check_asks_the_address_and_port_its_service_binds(string stack, string service, string url)
    {
        var plan = Planner.Plan(Repo.Topology(stack));

        var health = ((ContainerStep)plan.Step($"{service}-container")).Spec.Health;
        Assert.Equal(url, health.Test[^1]);
        if (service.Contains("crate", StringComparison.Ordinal))
        {
            var crate = plan.Services.Single(s => s.Name == service).Files.Single().File.Content;
            var uri = new Uri(url);
            Assert.Contains($"network.host: {uri.Host}\n", crate, StringComparison.Ordinal);
            Assert.Contains($"http.port: {uri.Port}\n", crate, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Haproxy_checks_its_own_stats_page_at_its_address_since_its_image_has_no_http_client()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));

        var health = ((ContainerStep)plan.Step("host2-haproxy-container")).Spec.Health;
        Assert.Equal(["CMD", "bash", "-c"], health.Test.Take(3));
        Assert.StartsWith("exec 3<>/dev/tcp/192.0.2.12/9100 && printf 'GET /__haproxy_stats;csv HTTP/1.0", health.Test[3], StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_app_image_replaces_the_apps_one_at_a_time_each_healthy_before_the_next()
    {
        var before = Planner.Plan(Repo.Topology("three-host"));
        var after = Planner.Plan(Repo.TopologyEdited("three-host", yaml => yaml.Replace("microblog/app:1.0.0", "microblog/app:1.1.0", StringComparison.Ordinal)));

        var changes = PlanChanges.Compare(before, after).Where(c => c.Step.Service is { } s && s.Contains("-app-", StringComparison.Ordinal)).Select(c => $"{c.Change} {c.Step.Id}");

        Assert.Equal(
        [
            "Replace host1-app-9210-container", "Run host1-app-9210-ready",
            "Replace host2-app-9210-container", "Run host2-app-9210-ready",
            "Replace host3-app-9210-container", "Run host3-app-9210-ready",
        ], changes);
        Assert.Contains("host1-app-9210-ready", PlanGraphTests.Upstream(after, "host2-app-9210-container"));
        Assert.Contains("host2-app-9210-ready", PlanGraphTests.Upstream(after, "host3-app-9210-container"));
    }

    [Fact]
    public void A_new_crate_image_replaces_the_nodes_one_at_a_time_each_back_in_the_cluster_before_the_next()
    {
        var before = Planner.Plan(Repo.Topology("three-host"));
        var after = Planner.Plan(Repo.TopologyEdited("three-host", yaml => yaml.Replace("    app: registry.example.com/microblog/app:1.0.0\n", "    app: registry.example.com/microblog/app:1.0.0\n    crate: crate:6.0.9\n", StringComparison.Ordinal)));

        var changes = PlanChanges.Compare(before, after).Where(c => c.Step is ContainerStep or CommandStep { Purpose: CommandPurpose.Ready }).Select(c => $"{c.Change} {c.Step.Id}").ToList();

        Assert.Equal(
        [
            "Retire host1-crate-4200-ready", "Replace host1-crate-4200-container", "Replace host1-crate-4200-ready",
            "Retire host2-crate-4200-ready", "Replace host2-crate-4200-container", "Replace host2-crate-4200-ready",
            "Retire host3-crate-4200-ready", "Replace host3-crate-4200-container", "Replace host3-crate-4200-ready",
        ], changes);
        var ready = (CommandStep)after.Step("host2-crate-4200-ready");
        // Healthy first (the crate image's chown of /data does not count), then listed in sys.nodes, asked through itself
        // at its host's admin gateway, from the admin network, where the superuser is trusted.
        Assert.Contains("docker top -- 'host2-crate-4200' -o pid,comm 2>/dev/null | grep -q '[[:space:]]chown$'", ready.Script, StringComparison.Ordinal);
        Assert.Contains("docker run --rm --network microblog-admin --cap-drop NET_RAW --entrypoint sh \"$image\" -c", ready.Script, StringComparison.Ordinal);
        Assert.Contains("select name from sys.nodes", ready.Script, StringComparison.Ordinal);
        Assert.Contains("*'\\''\"host2-crate-4200\"'\\''*) exit 0", ready.Script, StringComparison.Ordinal);
        Assert.Contains("-X POST '\\''http://169.254.77.1:4200/_sql'\\''", ready.Script, StringComparison.Ordinal);
        Assert.DoesNotContain("192.0.2.1", ready.Script.Split("--network microblog-admin", 2)[1], StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_first_deploy_only_the_nodes_started_before_a_quorum_may_go_on_without_a_cluster()
    {
        var plan = Planner.Plan(Repo.Topology("three-host"));

        // Three master-eligible nodes elect a master once two run: the first may go on alone, the second must see a cluster.
        Assert.Contains("[ 1 -lt 2 ]", ((CommandStep)plan.Step("host1-crate-4200-ready")).Script, StringComparison.Ordinal);
        Assert.Contains("[ 2 -lt 2 ]", ((CommandStep)plan.Step("host2-crate-4200-ready")).Script, StringComparison.Ordinal);
        Assert.Contains("[ 3 -lt 2 ]", ((CommandStep)plan.Step("host3-crate-4200-ready")).Script, StringComparison.Ordinal);
    }

    private static Model.StackTopology TwoHostWithTls() =>
        Repo.TopologyEdited("two-host", yaml => yaml.Replace("  microblog:loadBalancer:\n", $"  microblog:loadBalancer:\n    tlsCertificate: {Certificate}\n", StringComparison.Ordinal));
}
