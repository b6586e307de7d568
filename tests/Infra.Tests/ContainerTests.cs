using Infra.Tests.Support;
using Infra.Topology.Configs;
using Infra.Topology.Spec;
using Pulumi;
using Docker = Pulumi.Docker;

namespace Infra.Tests;

/// <summary>Each container runs what the plan says, with its config files written on the host and mounted read-only.</summary>
public class ContainerTests
{
    public static TheoryData<string> Stacks => new(Repo.StackNames);

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Each_container_runs_its_plans_image_on_host_networking_with_its_env_user_health_and_args(string stack)
    {
        var plan = Plans.Of(stack);
        var deployed = await Deploy.Stack(stack);

        var services = plan.Hosts.SelectMany(h => h.Services).ToList();
        Assert.Equal(services.Select(s => $"{s.Name}-container").Order(), deployed.Resources.OfType<Docker.Container>().Select(c => c.GetResourceName()).Order());
        foreach (var service in services)
        {
            var container = deployed.Get<Docker.Container>($"{service.Name}-container");
            Assert.Equal(service.Name, await container.Name.GetValueAsync());
            Assert.Equal(RecordingMocks.ImageIdOf(service.Image), await container.Image.GetValueAsync());
            Assert.Equal("host", await container.NetworkMode.GetValueAsync());
            Assert.Equal("unless-stopped", await container.Restart.GetValueAsync());
            Assert.Equal(service.Environment, await container.Envs.ListAsync());
            Assert.Equal(service.Args, await container.Command.ListAsync());
            Assert.Equal(service.User, await container.User.GetValueAsync());

            var health = await container.Healthcheck.GetValueAsync();
            Assert.Equal(service.Health.Test, health.Tests);
            Assert.Equal(
                (service.Health.Interval, service.Health.Timeout, service.Health.Retries, service.Health.StartPeriod),
                (health.Interval, health.Timeout, health.Retries ?? 0, health.StartPeriod));

            // Host networking publishes nothing; the plan's ports are on the container as a label for operators.
            Assert.Empty(await container.Ports.ListAsync());
            var labels = (await container.Labels.ListAsync()).ToDictionary(l => l.Label, l => l.Value);
            Assert.Equal(string.Join(",", service.Ports), labels["microblog.ports"]);
            Assert.Equal(stack, labels["microblog.stack"]);
            Assert.Equal(service.Role.ToString(), labels["microblog.role"]);
        }
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Each_config_file_is_written_with_the_cores_render_and_mounted_read_only(string stack)
    {
        var topology = Repo.Topology(stack);
        var plan = Plans.Of(stack);
        var deployed = await Deploy.Stack(stack);

        foreach (var host in plan.Hosts)
        {
            var rendered = Render.ForHost(topology, host.Host).ToDictionary(f => $"{host.ConfigDir}/{f.Path}");
            foreach (var service in host.Services)
            {
                var container = deployed.Get<Docker.Container>($"{service.Name}-container");
                var mounts = (await container.Volumes.ListAsync()).Where(v => v.HostPath is not null).ToList();
                Assert.Equal(service.Files.Count(f => f.ContainerPath is not null), mounts.Count);
                foreach (var file in service.Files)
                {
                    var mount = Assert.Single(mounts, m => m.HostPath == file.HostPath);
                    Assert.Equal(file.ContainerPath, mount.ContainerPath);
                    Assert.True(mount.ReadOnly);

                    var write = await Written(deployed, $"{service.Name}-config");
                    Assert.Equal(rendered[file.HostPath].Content, write.Stdin);
                    Assert.Equal([rendered[file.HostPath].Sha256], write.Triggers);
                    Assert.EndsWith($"mkdir -p {Path.GetDirectoryName(file.HostPath)} && cat > {file.HostPath}'", write.Create, StringComparison.Ordinal);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Each_crate_node_keeps_its_data_on_a_named_volume(string stack)
    {
        var plan = Plans.Of(stack);
        var deployed = await Deploy.Stack(stack);

        foreach (var node in plan.Hosts.SelectMany(h => h.Services).Where(s => s.Role == Role.Crate))
        {
            var volume = deployed.Get<Docker.Volume>($"{node.Name}-data");
            Assert.Equal(node.DataVolume, await volume.Name.GetValueAsync());
            var container = deployed.Get<Docker.Container>($"{node.Name}-container");
            var data = Assert.Single(await container.Volumes.ListAsync(), v => v.VolumeName is not null);
            Assert.Equal((node.DataVolume, node.DataPath), (data.VolumeName, data.ContainerPath));
        }

        Assert.Equal(
            plan.Hosts.SelectMany(h => h.Services).Count(s => s.DataVolume is not null),
            deployed.Resources.OfType<Docker.Volume>().Count());
    }

    [Fact]
    public async Task The_firewall_is_written_then_loaded_by_nft_whenever_it_changes()
    {
        var plan = Plans.Of("two-host");
        var deployed = await Deploy.Stack("two-host");

        var file = plan.Hosts[0].Files.Single(f => f.File.Path == FilePaths.Firewall);
        var write = await Written(deployed, "host1-nftables-config");
        Assert.Equal(file.File.Content, write.Stdin);
        var apply = await Written(deployed, "host1-nftables-apply");
        Assert.Equal($"sudo -n sh -c 'nft -f {file.HostPath}'", apply.Create);
        Assert.Equal([file.Sha256], apply.Triggers);
        Assert.Contains(deployed.Get<Resource>("host1-nftables-config"), deployed.Of("host1-nftables-apply").DependsOn);
    }

    [Fact]
    public async Task On_a_localhost_stack_the_firewall_is_written_but_not_applied()
    {
        var deployed = await Deploy.Stack("dev");

        var names = deployed.Resources.Select(r => r.GetResourceName()).ToList();
        Assert.Contains("localhost-nftables-config", names);
        Assert.DoesNotContain("localhost-nftables-apply", names);
    }

    [Fact]
    public async Task Host_preparation_runs_the_plans_commands_as_root()
    {
        var plan = Plans.Of("two-host");
        var deployed = await Deploy.Stack("two-host");

        foreach (var command in plan.Hosts[0].Preparation)
        {
            var run = await Written(deployed, $"host1-prepare-{command.Name}");
            Assert.Equal($"sudo -n sh -c '{command.Script.Replace("'", "'\\''", StringComparison.Ordinal)}'", run.Create);
        }
    }

    internal static async Task<(string? Create, string? Stdin, IReadOnlyList<string> Triggers)> Written(Deployed deployed, string name)
    {
        var command = deployed.Resources.Single(r => r.GetResourceName() == name);
        return command switch
        {
            Pulumi.Command.Remote.Command remote => (await remote.Create.GetValueAsync(), await remote.Stdin.GetValueAsync(),
                (await remote.Triggers.ListAsync()).Select(t => (string)t).ToList()),
            Pulumi.Command.Local.Command local => (await local.Create.GetValueAsync(), await local.Stdin.GetValueAsync(),
                (await local.Triggers.ListAsync()).Select(t => (string)t).ToList()),
            _ => throw new InvalidOperationException($"{name} is not a command"),
        };
    }
}
