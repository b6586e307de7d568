using Infra.Components;
using Infra.Tests.Support;
using Infra.Topology.Plan;
using Pulumi;
using Docker = Pulumi.Docker;
using LocalCommand = Pulumi.Command.Local.Command;
using RemoteCommand = Pulumi.Command.Remote.Command;

namespace Infra.Tests;

/// <summary>The program maps the core's plan one to one: a resource per step, with the step's values, waits and place.</summary>
public class MappingTests
{
    /// <summary>StackComponent's Pulumi type keeps its first name: every resource's URN carries it, so a new one would replace each deployed resource.</summary>
    private const string StackComponentType = "microblog:infra:Topology";

    public static TheoryData<string> Stacks => StackConfigs.All;

    public static TheoryData<string> Committed => StackConfigs.Committed;

    [Theory]
    [MemberData(nameof(Committed))]
    public async Task Every_stack_declares_the_resource_tree_of_its_golden_file(string stack)
    {
        var deployed = await Deploy.Stack(stack);

        Golden.Check($"{stack}.resources.txt", ResourceTree.Render(deployed));
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Every_step_is_one_resource_of_its_kind_named_by_its_id_and_the_rest_are_the_components(string name)
    {
        var plan = Plans.OfConfig(name);
        var deployed = await Plans.Deploy(name);

        var expected = plan.Steps.Select(s => $"{TypeOf(s)} {Deploy.Name(s.Id)}")
            .Append($"{StackComponentType} microblog")
            .Concat(plan.Hosts.Select(h => $"microblog:infra:HostStack {Deploy.Name(h.Host.Name)}"))
            .Concat(plan.Services.Select(s => $"microblog:infra:{Plans.ComponentOf(s.Role)} {Deploy.Name(s.Name)}"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var registered = deployed.Mocks.Created.Select(c => $"{c.Type} {c.Name}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, registered);
        Assert.Equal(registered, deployed.Declared.Select(d => $"{d.Type} {d.Name}").Order(StringComparer.Ordinal));
        Assert.Equal(registered.Count, registered.Select(r => r.Split(' ')[1]).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Each_command_runs_its_steps_script_stdin_and_triggers_over_ssh_or_on_the_operators_machine(string name)
    {
        var plan = Plans.OfConfig(name);
        var deployed = await Plans.Deploy(name);

        foreach (var step in plan.Steps.OfType<CommandStep>())
        {
            var resource = deployed.Get<CustomResource>(Deploy.Name(step.Id));
            Assert.True(step.Ssh is null ? resource is LocalCommand : resource is RemoteCommand, $"{step.Id} is a {resource.GetResourceType()}");
            Assert.Equal(Canonical.Pretty(StepInputs.Of(step, plan, Deploy.Prefix)), Canonical.Pretty(deployed.Inputs[Deploy.Name(step.Id)]));
        }
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Each_engine_image_volume_and_container_gets_exactly_its_steps_values(string name)
    {
        var plan = Plans.OfConfig(name);
        var deployed = await Plans.Deploy(name);

        foreach (var step in plan.Steps.Where(s => s is not CommandStep))
        {
            Assert.Equal(Canonical.Pretty(StepInputs.Of(step, plan, Deploy.Prefix)), Canonical.Pretty(deployed.Inputs[Deploy.Name(step.Id)]));
            var options = Assert.IsType<CustomResourceOptions>(deployed.Of(Deploy.Name(step.Id)).Options);
            Assert.Equal(step is ContainerStep { DeleteBeforeReplace: true }, options.DeleteBeforeReplace == true);
            Assert.Equal(step is VolumeStep { RetainOnDelete: true }, options.RetainOnDelete == true);
        }

        // The plan's own account of a container's image: the spec's reference is the one its image step pulls.
        Assert.All(plan.Steps.OfType<ContainerStep>(), c => Assert.Equal(c.Spec.Image, ((ImageStep)plan.Step(c.ImageStep)).Image));
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Each_resource_waits_for_exactly_its_steps_after_list_and_runs_on_its_hosts_engine(string name)
    {
        var plan = Plans.OfConfig(name);
        var deployed = await Plans.Deploy(name);

        foreach (var step in plan.Steps)
        {
            var declared = deployed.Of(Deploy.Name(step.Id));
            Assert.Equal(step.After.Select(Deploy.Name), declared.DependsOn.Select(r => r.GetResourceName()));
            Assert.All(declared.DependsOn, r => Assert.Same(deployed.Get<Resource>(r.GetResourceName()), r));

            var engine = step switch
            {
                ImageStep image => image.Engine,
                VolumeStep volume => volume.Engine,
                ContainerStep container => container.Engine,
                _ => null,
            };
            if (engine is null)
            {
                Assert.Null(declared.Options.Provider);
                continue;
            }

            Assert.Equal(step.Host, ((EngineStep)plan.Step(engine)).Host);
            Assert.Same(deployed.Get<Docker.Provider>(Deploy.Name(engine)), declared.Options.Provider);
            Assert.EndsWith($"::{Deploy.Name(engine)}::{Deploy.Name(engine)}-id", deployed.Mocks.Created.Single(c => c.Name == Deploy.Name(step.Id)).Provider, StringComparison.Ordinal);
        }

        Assert.All(deployed.Declared.Where(d => d.Resource is ComponentResource), d => Assert.Empty(d.DependsOn));
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task Hosts_hold_their_services_and_each_step_sits_under_its_service_its_host_or_for_checks_the_topology(string name)
    {
        var plan = Plans.OfConfig(name);
        var deployed = await Plans.Deploy(name);

        var stackComponent = deployed.Of("microblog");
        Assert.Equal(StackComponentType, stackComponent.Type);
        Assert.True(stackComponent.Parent is null or Stack);
        foreach (var host in plan.Hosts)
        {
            Assert.Same(stackComponent.Resource, deployed.Of(Deploy.Name(host.Host.Name)).Parent);
            Assert.All(host.Services, s => Assert.Same(deployed.Get<HostStack>(Deploy.Name(host.Host.Name)), deployed.Of(Deploy.Name(s.Name)).Parent));
        }

        var roles = plan.Services.ToDictionary(s => s.Name, s => s.Role);
        foreach (var step in plan.Steps)
        {
            var expected = step switch
            {
                CommandStep { Purpose: CommandPurpose.Check } or { Host: null } => $"{StackComponentType} microblog",
                { Service: { } service } => $"microblog:infra:{Plans.ComponentOf(roles[service])} {Deploy.Name(service)}",
                _ => $"microblog:infra:HostStack {Deploy.Name(step.Host!)}",
            };
            var parent = deployed.Of(Deploy.Name(step.Id)).Parent!;
            Assert.Equal(expected, $"{parent.GetResourceType()} {parent.GetResourceName()}");
        }
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public async Task The_stack_outputs_the_plans_urls_and_each_hosts_services_and_ports(string name)
    {
        var plan = Plans.OfConfig(name);
        var deployed = await Plans.Deploy(name);
        var stack = deployed.Stack;

        Assert.Equal(plan.Outputs.FrontDoorUrls, await stack.FrontDoorUrls.GetValueAsync());
        Assert.Equal(plan.Outputs.HaproxyStatsUrls, await stack.HaproxyStatsUrls.GetValueAsync());
        Assert.Equal(plan.Outputs.CrateAdminUrls, await stack.CrateAdminUrls.GetValueAsync());
        var services = await stack.Services.GetValueAsync();
        Assert.Equal(
            plan.Hosts.SelectMany(h => h.Services.Select(s => $"{h.Host.Name} {s.Name} {string.Join(",", s.Ports)}")).Order(),
            services.SelectMany(h => h.Value.Select(s => $"{h.Key} {s.Key} {string.Join(",", s.Value)}")).Order());

        foreach (var host in plan.Hosts)
        {
            var hostStack = deployed.Get<HostStack>(Deploy.Name(host.Host.Name));
            Assert.Equal(host.Host.Access.DockerEndpoint, await hostStack.DockerEndpoint.GetValueAsync());
            Assert.Equal(host.Services.Select(s => s.Name), await hostStack.Services.GetValueAsync());
            foreach (var service in host.Services)
            {
                var component = deployed.Get<ServiceComponent>(Deploy.Name(service.Name));
                Assert.Equal(service.Container.Name, await component.ContainerName.GetValueAsync());
                Assert.Equal(service.Ports, await component.Ports.GetValueAsync());
                Assert.Equal(service.Files.Select(f => f.HostPath), await component.ConfigFiles.GetValueAsync());
            }
        }
    }

    [Fact]
    public async Task A_load_balancer_with_a_tls_certificate_mounts_it_read_only_after_its_hosts_preflight_check()
    {
        var plan = Plans.OfConfig(StackConfigs.TwoHostTls);
        var deployed = await Plans.Deploy(StackConfigs.TwoHostTls);

        var container = deployed.Get<Docker.Container>(Deploy.Name("front-lb-container"));
        var mount = Assert.Single(await container.Volumes.ListAsync(), v => v.HostPath == StackConfigs.Certificate);
        Assert.Equal((StackConfigs.Certificate, true), (mount.ContainerPath, mount.ReadOnly));

        var preflight = deployed.Get<RemoteCommand>(Deploy.Name("front-check-tls-certificate"));
        Assert.Contains(preflight, deployed.Of(Deploy.Name("front-lb-container")).DependsOn);
        Assert.Same(deployed.Get<HostStack>(Deploy.Name("front")), deployed.Of(Deploy.Name("front-check-tls-certificate")).Parent);
        Assert.Equal(CommandPurpose.Preflight, ((CommandStep)plan.Step(preflight.GetResourceName()[Deploy.Prefix.Length..])).Purpose);
        Assert.Contains(StackConfigs.Certificate, (await preflight.Create.GetValueAsync())!, StringComparison.Ordinal);

        // Without a certificate there is nothing to check.
        Assert.DoesNotContain(Plans.Of("two-host").Steps, s => s.Id.EndsWith("-check-tls-certificate", StringComparison.Ordinal));
    }

    private static string TypeOf(Step step) => step switch
    {
        EngineStep => "pulumi:providers:docker",
        CommandStep { Ssh: null } => "command:local:Command",
        CommandStep => "command:remote:Command",
        ImageStep => "docker:index/remoteImage:RemoteImage",
        VolumeStep => "docker:index/volume:Volume",
        ContainerStep => "docker:index/container:Container",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step.Kind, null),
    };
}
