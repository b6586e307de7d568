using Infra.Tests.Support;
using Docker = Pulumi.Docker;

namespace Infra.Tests;

/// <summary>What a change to the topology does to resources that already exist: configs change, containers do not.</summary>
public class ChangeTests
{
    [Fact]
    public async Task Adding_a_host_to_two_host_keeps_every_existing_name_and_container_and_changes_only_configs_and_their_triggers()
    {
        var config = PulumiConfigOf.StackFile(Repo.StackFile("two-host"));
        var before = await Deploy.Config("two-host", config);
        var beforeInputs = before.Inputs;
        var grown = new Dictionary<string, string>(config)
        {
            ["microblog:hosts"] = config["microblog:hosts"].TrimEnd(']') + """,{"name":"host3","address":"192.0.2.13"}]""",
        };
        var after = await Deploy.Config("two-host", grown);
        var afterInputs = after.Inputs;

        Assert.Empty(beforeInputs.Keys.Except(afterInputs.Keys));
        Assert.Equal(beforeInputs.Keys.Where(IsContainer).Order(), beforeInputs.Keys.Where(k => IsContainer(k) && beforeInputs[k] == afterInputs[k]).Order());

        var changed = beforeInputs.Keys
            .Where(k => beforeInputs[k] != afterInputs[k])
            .ToDictionary(k => k, k => Canonical.DifferingKeys(beforeInputs[k], afterInputs[k]));
        // Files change their content, reloads and restarts their triggers; the checks expect one more node.
        Assert.All(changed, c => Assert.True(
            IsFileOrItsApply(c.Key) && c.Value.All(key => key is "stdin" or "triggers" || (key == "create" && c.Key.StartsWith("check-", StringComparison.Ordinal))),
            $"{c.Key} changed in {string.Join(", ", c.Value)}"));

        // The new host shows up in every existing host's backends and seeds: those files and their reloads change.
        Assert.Contains("host1-haproxy-config", changed.Keys);
        Assert.Contains("host1-haproxy-reload", changed.Keys);
        Assert.Contains("host2-app-9210-restart", changed.Keys);
        Assert.Contains("front-lb-config", changed.Keys);
        Assert.Contains("host3-app-9210-container", afterInputs.Keys);
    }

    [Fact]
    public async Task Switching_the_same_hosts_from_colocated_to_split_role_gives_the_split_role_resource_set()
    {
        var colocated = PulumiConfigOf.StackFile(Repo.StackFile("three-host"));
        var split = new Dictionary<string, string>(colocated)
        {
            ["microblog:layout"] = "split-role",
            ["microblog:hosts"] = """
                [{"name":"host1","address":"192.0.2.11","roles":["proxy"]},
                 {"name":"host2","address":"192.0.2.12","roles":["app"]},
                 {"name":"host3","address":"192.0.2.13","roles":["crate"]}]
                """,
        };

        var deployed = await Deploy.Config("three-host", split);

        string[] expected =
        [
            "microblog:infra:Topology microblog",
            "command:remote:Command check-crate-cluster",
            "command:local:Command check-front-door-front-lb",
            .. HostBase("front"),
            "docker:index/remoteImage:RemoteImage front-image-haproxy",
            .. Service("HaproxyBalancer", "front-lb", "reload"),
            .. HostBase("host1"),
            "docker:index/remoteImage:RemoteImage host1-image-nginx",
            "docker:index/remoteImage:RemoteImage host1-image-haproxy",
            .. Service("NginxProxy", "host1-nginx", "reload"),
            .. Service("HaproxyBalancer", "host1-haproxy", "reload"),
            .. HostBase("host2"),
            "docker:index/remoteImage:RemoteImage host2-image-app",
            .. Service("AppInstance", "host2-app-9210", "restart"),
            .. HostBase("host3"),
            "command:remote:Command host3-prepare-max-map-count",
            "docker:index/remoteImage:RemoteImage host3-image-crate",
            .. Service("CrateNode", "host3-crate-4200", null),
            "docker:index/volume:Volume host3-crate-4200-data",
        ];
        Assert.Equal(expected.Order(), deployed.Declared.Select(d => $"{d.Type} {d.Name}").Order());
    }

    [Fact]
    public async Task App_restarts_roll_one_at_a_time_across_hosts_each_after_its_file_and_container()
    {
        var deployed = await Deploy.Stack("three-host");

        Assert.DoesNotContain(deployed.Of("host1-app-9210-restart").DependsOn, r => r.GetResourceName().EndsWith("-restart", StringComparison.Ordinal));
        Assert.Contains(deployed.Get<Pulumi.Resource>("host1-app-9210-restart"), deployed.Of("host2-app-9210-restart").DependsOn);
        Assert.Contains(deployed.Get<Pulumi.Resource>("host2-app-9210-restart"), deployed.Of("host3-app-9210-restart").DependsOn);
        Assert.Contains(deployed.Get<Pulumi.Resource>("host2-app-9210-config"), deployed.Of("host2-app-9210-restart").DependsOn);
        Assert.Contains(deployed.Get<Pulumi.Resource>("host2-app-9210-container"), deployed.Of("host2-app-9210-restart").DependsOn);

        var restart = await ContainerTests.Written(deployed, "host2-app-9210-restart");
        Assert.StartsWith("docker restart host2-app-9210 && {", restart.Create, StringComparison.Ordinal);
        Assert.Contains("State.Health.Status", restart.Create, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_apps_on_one_host_restart_one_after_the_other()
    {
        var deployed = await Deploy.Stack("single-host");

        Assert.Contains(deployed.Get<Pulumi.Resource>("localhost-app-9210-restart"), deployed.Of("localhost-app-9211-restart").DependsOn);
    }

    [Fact]
    public async Task Proxies_reload_by_signal_after_their_new_file_and_never_wait_for_other_hosts()
    {
        var deployed = await Deploy.Stack("two-host");

        var nginx = await ContainerTests.Written(deployed, "host2-nginx-reload");
        Assert.Equal("docker kill --signal=HUP host2-nginx", nginx.Create);
        var haproxy = await ContainerTests.Written(deployed, "host2-haproxy-reload");
        Assert.Equal("docker kill --signal=USR2 host2-haproxy", haproxy.Create);
        Assert.Equal(
            ["host2-haproxy-config", "host2-haproxy-container"],
            deployed.Of("host2-haproxy-reload").DependsOn.Select(r => r.GetResourceName()).Order());
    }

    [Theory]
    [MemberData(nameof(ContainerTests.Stacks), MemberType = typeof(ContainerTests))]
    public async Task Containers_wait_for_their_files_and_host_preparation_and_are_replaced_delete_first(string stack)
    {
        var plan = Plans.Of(stack);
        var deployed = await Deploy.Stack(stack);

        foreach (var host in plan.Hosts)
        {
            foreach (var service in host.Services)
            {
                var waitsFor = deployed.Of($"{service.Name}-container").DependsOn.Select(r => r.GetResourceName()).Order();
                var expected = host.Preparation.Select(p => $"{host.Host.Name}-prepare-{p.Name}").Concat(service.Files.Select(_ => $"{service.Name}-config"));
                Assert.Equal(expected.Order(), waitsFor);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ContainerTests.Stacks), MemberType = typeof(ContainerTests))]
    public async Task The_checks_run_after_everything_settled_and_again_whenever_a_file_or_image_changes(string stack)
    {
        var plan = Plans.Of(stack);
        var deployed = await Deploy.Stack(stack);

        var settled = deployed.Declared
            .Where(d => d.Resource is Docker.Container || d.Name.EndsWith("-reload", StringComparison.Ordinal) || d.Name.EndsWith("-restart", StringComparison.Ordinal) || d.Name.EndsWith("-apply", StringComparison.Ordinal))
            .Select(d => d.Name)
            .Order()
            .ToList();
        // Every file a container mounts, and the firewall; not supervisord.conf or log4j2.properties, which only supervisord uses.
        var hashes = plan.Hosts
            .SelectMany(h => h.Files.Where(f => f.File.OnChange == Topology.Configs.ChangeAction.ApplyFirewall || h.Services.Any(s => s.Files.Contains(f))))
            .Select(f => f.Sha256);
        var images = plan.Hosts.SelectMany(h => h.Services).Select(s => s.Image).Distinct();
        Assert.Equal(plan.Checks.Select(c => $"check-{c.Name}").Order(), deployed.Declared.Where(d => d.Name.StartsWith("check-", StringComparison.Ordinal)).Select(d => d.Name).Order());
        foreach (var check in plan.Checks)
        {
            Assert.Equal(settled, deployed.Of($"check-{check.Name}").DependsOn.Select(r => r.GetResourceName()).Order());
            var run = await ContainerTests.Written(deployed, $"check-{check.Name}");
            Assert.Equal(hashes.Concat(images), run.Triggers);
            if (check.Container is { } container)
            {
                // Inside the checked service's container, on its host: the firewall keeps its port from everyone else.
                Assert.Equal($"docker exec {container} sh -c '{check.Script.Replace("'", "'\\''", StringComparison.Ordinal)}'", run.Create);
                var host = plan.Hosts.Single(h => h.Services.Any(s => s.Name == container)).Host;
                var resource = deployed.Of($"check-{check.Name}").Resource;
                Assert.Equal(host.Access.Local, resource is Pulumi.Command.Local.Command);
                if (resource is Pulumi.Command.Remote.Command remote)
                {
                    Assert.Equal(host.Address, (await remote.Connection.GetValueAsync()).Host);
                }
            }
            else
            {
                Assert.Equal(check.Script, run.Create);
                Assert.IsType<Pulumi.Command.Local.Command>(deployed.Of($"check-{check.Name}").Resource);
            }
        }
    }

    private static bool IsContainer(string name) => name.EndsWith("-container", StringComparison.Ordinal);

    private static bool IsFileOrItsApply(string name) =>
        name.StartsWith("check-", StringComparison.Ordinal) ||
        new[] { "-config", "-reload", "-restart", "-apply" }.Any(s => name.EndsWith(s, StringComparison.Ordinal));

    private static string[] HostBase(string host) =>
    [
        $"microblog:infra:HostStack {host}",
        $"pulumi:providers:docker {host}-docker",
        $"command:remote:Command {host}-prepare-config-dir",
        $"command:remote:Command {host}-nftables-config",
        $"command:remote:Command {host}-nftables-apply",
    ];

    private static string[] Service(string component, string name, string? apply) =>
    [
        $"microblog:infra:{component} {name}",
        $"docker:index/container:Container {name}-container",
        $"command:remote:Command {name}-config",
        .. apply is null ? Array.Empty<string>() : [$"command:remote:Command {name}-{apply}"],
    ];
}
