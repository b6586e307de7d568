using Infra.Components;
using Infra.Tests.Support;
using Infra.Topology.Model;
using Infra.Topology.Plan;
using Pulumi;
using Docker = Pulumi.Docker;
using LocalCommand = Pulumi.Command.Local.Command;
using RemoteCommand = Pulumi.Command.Remote.Command;

namespace Infra.Tests;

/// <summary>Which resources each committed stack declares, what they are called, and who their parent is.</summary>
public class ResourceTests
{
    public static TheoryData<string> Stacks => new(Repo.StackNames);

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Every_stack_declares_the_resource_tree_of_its_golden_file(string stack)
    {
        var deployed = await Deploy.Stack(stack);

        Golden.Check($"{stack}.resources.txt", ResourceTree.Render(deployed));
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Every_resource_the_engine_registers_is_declared_once_under_the_topology(string stack)
    {
        var deployed = await Deploy.Stack(stack);

        var registered = deployed.Mocks.Created.Select(c => $"{c.Type} {c.Name}").Order().ToList();
        var declared = deployed.Declared.Select(d => $"{d.Type} {d.Name}").Order().ToList();
        Assert.Equal(declared, registered);
        Assert.Equal(registered.Count, registered.Distinct().Count());

        var topology = Assert.Single(deployed.Declared, d => d.Resource is Components.Topology);
        Assert.True(topology.Parent is null or Stack);
        Assert.All(deployed.Declared.Where(d => d != topology), d => Assert.IsAssignableFrom<ComponentResource>(d.Parent));
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Each_host_and_service_is_a_component_of_its_own_type_holding_its_resources(string stack)
    {
        var plan = Plans.Of(stack);
        var deployed = await Deploy.Stack(stack);

        foreach (var host in plan.Hosts)
        {
            var hostStack = deployed.Get<HostStack>(host.Host.Name);
            Assert.IsType<Components.Topology>(deployed.Of(host.Host.Name).Parent);
            Assert.Same(hostStack, deployed.Of($"{host.Host.Name}-docker").Parent);
            foreach (var service in host.Services)
            {
                var component = deployed.Of(service.Name);
                Assert.Same(hostStack, component.Parent);
                Assert.Equal($"microblog:infra:{Plans.ComponentOf(service.Role)}", component.Type);
                Assert.Same(component.Resource, deployed.Of($"{service.Name}-container").Parent);
                Assert.All(service.Files, _ => Assert.Same(component.Resource, deployed.Of($"{service.Name}-config").Parent));
            }
        }
    }

    [Theory]
    [InlineData("two-host", "host1", "ssh://deploy@192.0.2.11")]
    [InlineData("two-host", "front", "ssh://deploy@192.0.2.10")]
    [InlineData("split-role", "crate-host2", "ssh://deploy@192.0.2.42")]
    [InlineData("dev", "localhost", "unix:///var/run/docker.sock")]
    [InlineData("single-host", "localhost", "unix:///var/run/docker.sock")]
    public async Task Each_host_has_one_docker_provider_at_its_endpoint(string stack, string host, string endpoint)
    {
        var deployed = await Deploy.Stack(stack);

        var providers = deployed.Mocks.Created.Where(c => c.Type == "pulumi:providers:docker").ToList();
        Assert.Equal(Plans.Of(stack).Hosts.Count, providers.Count);
        Assert.Equal(endpoint, providers.Single(p => p.Name == $"{host}-docker").Inputs["host"]);
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Each_host_pulls_each_image_it_runs_once_and_keeps_it(string stack)
    {
        var plan = Plans.Of(stack);
        var deployed = await Deploy.Stack(stack);

        foreach (var host in plan.Hosts)
        {
            var images = deployed.Declared.Where(d => d.Resource is Docker.RemoteImage && d.Parent == deployed.Get<HostStack>(host.Host.Name)).ToList();
            Assert.Equal(host.Services.Select(s => s.Image).Distinct().Order(), images.Select(i => (string)deployed.Mocks.Created.Single(c => c.Name == i.Name).Inputs["name"]).Order());
            Assert.All(images, i => Assert.Equal(true, deployed.Mocks.Created.Single(c => c.Name == i.Name).Inputs["keepLocally"]));
        }
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("single-host")]
    public async Task Localhost_stacks_run_host_work_on_the_operators_machine(string stack)
    {
        var deployed = await Deploy.Stack(stack);

        Assert.Empty(deployed.Resources.OfType<RemoteCommand>());
        Assert.NotEmpty(deployed.Resources.OfType<LocalCommand>());
    }

    [Fact]
    public async Task Remote_hosts_run_host_work_over_ssh_as_the_stack_user()
    {
        var deployed = await Deploy.Stack("two-host");

        var write = deployed.Get<RemoteCommand>("host2-app-9210-config");
        var connection = await write.Connection.GetValueAsync();
        Assert.Equal("192.0.2.12", connection.Host);
        Assert.Equal("deploy", connection.User);
        Assert.Equal(22, connection.Port);
        Assert.Null(connection.PrivateKey);
        // Only the post-update checks run locally.
        Assert.All(deployed.Resources.OfType<LocalCommand>(), c => Assert.StartsWith("check-", c.GetResourceName(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Supervisord_conf_is_not_deployed_containers_need_no_supervisor()
    {
        var topology = Repo.Topology("single-host");
        Assert.Contains(Topology.Configs.Render.All(topology), f => f.Path == Topology.Configs.FilePaths.Supervisord);

        var deployed = await Deploy.Stack("single-host");

        Assert.DoesNotContain(deployed.Declared, d => d.Name.Contains("supervisord", StringComparison.Ordinal));
        Assert.DoesNotContain(deployed.Mocks.Created, c => c.Inputs.TryGetValue("create", out var create) && ((string)create).Contains("supervisord", StringComparison.Ordinal));
    }
}
