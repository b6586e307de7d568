using System.Collections.Immutable;
using Infra.Components;
using Infra.Tests.Support;
using Infra.Topology.Plan;
using Moq;
using Pulumi;
using Pulumi.Testing;
using Pulumi.Utilities;
using Docker = Pulumi.Docker;

namespace Infra.Tests;

/// <summary>Each component made alone by a program of its own, with given args: its resources, their inputs, its outputs.</summary>
public class ComponentTests
{
    public static TheoryData<bool> PreviewAndUpdate => new([true, false]);

    [Theory]
    [MemberData(nameof(PreviewAndUpdate))]
    public async Task A_topology_makes_a_resource_per_step_named_after_it_each_with_the_steps_values(bool preview)
    {
        var plan = Plans.Of("two-host");
        var deployed = await Deploy.Program(o => Outputs(new MicroblogTopology("prod", Args.Of("two-host"), o)), new RecordingMocks { Preview = preview });

        var expected = plan.Steps.Select(s => $"prod-{s.Id}")
            .Concat(plan.Hosts.Select(h => $"prod-{h.Host.Name}"))
            .Concat(plan.Services.Select(s => $"prod-{s.Name}"))
            .Append("prod")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, deployed.Mocks.Created.Select(c => c.Name!).Order(StringComparer.Ordinal));
        foreach (var step in plan.Steps.Where(s => s is not ContainerStep || !preview))
        {
            // At preview an image's id is unknown until it is pulled, and so is the container's image.
            Assert.Equal(Canonical.Pretty(StepInputs.Of(step, plan, "prod-", preview)), Canonical.Pretty(deployed.Inputs[$"prod-{step.Id}"]));
        }

        foreach (var step in plan.Steps)
        {
            Assert.Equal(step.After.Select(id => $"prod-{id}"), deployed.Of($"prod-{step.Id}").DependsOn.Select(r => r.GetResourceName()));
        }
    }

    [Fact]
    public async Task A_topologys_outputs_come_from_its_checks_and_are_registered_after_every_resource_under_it()
    {
        var plan = Plans.Of("two-host");
        var deployed = await Deploy.Program(o => Outputs(new MicroblogTopology("prod", Args.Of("two-host"), o)));

        Assert.Equal(plan.Outputs.FrontDoorUrls, await ((Output<ImmutableArray<string>>)deployed.Outputs["frontDoorUrls"]!).GetValueAsync());
        Assert.Equal(plan.Outputs.CrateAdminUrls, await ((Output<ImmutableArray<string>>)deployed.Outputs["crateAdminUrls"]!).GetValueAsync());
        var events = deployed.Mocks.Events.ToList();
        var registered = events.IndexOf(events.Single(e => e.StartsWith("outputs ", StringComparison.Ordinal) && e.EndsWith("::prod", StringComparison.Ordinal)));
        Assert.All(plan.Steps, s => Assert.True(events.IndexOf($"new prod-{s.Id}") < registered, $"prod-{s.Id} registered after the topology's outputs"));
    }

    [Fact]
    public async Task At_preview_the_outputs_are_unknown_until_the_checks_ran()
    {
        var deployed = await Deploy.Program(o => Outputs(new MicroblogTopology("prod", Args.Of("two-host"), o)), new RecordingMocks { Preview = true });

        var topology = deployed.Resources.OfType<MicroblogTopology>().Single();
        Assert.False(await OutputUtilities.GetIsKnownAsync(topology.FrontDoorUrls));
        Assert.False(await OutputUtilities.GetIsKnownAsync(topology.Hosts[0].Services));
    }

    [Fact]
    public async Task Two_topologies_in_one_program_do_not_collide()
    {
        var staging = Args.Of("two-host");
        staging.Stack = "staging";
        var production = Args.Of("three-host");
        production.Stack = "production";

        var deployed = await Deploy.Program(o =>
        {
            _ = new MicroblogTopology("staging", staging, o);
            _ = new MicroblogTopology("production", production, o);
            return new Dictionary<string, object?>();
        });

        var names = deployed.Mocks.Created.Select(c => c.Name!).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal(Plans.Of("two-host").Steps.Count, names.Count(n => n.StartsWith("staging-", StringComparison.Ordinal) && deployed.Resources.Any(r => r is CustomResource && r.GetResourceName() == n)));
        Assert.Equal(Plans.Of("three-host").Steps.Count, names.Count(n => n.StartsWith("production-", StringComparison.Ordinal) && deployed.Resources.Any(r => r is CustomResource && r.GetResourceName() == n)));
        Assert.Contains("staging-host1-docker", names);
        Assert.Contains("production-host1-docker", names);
    }

    [Theory]
    [MemberData(nameof(PreviewAndUpdate))]
    public async Task A_host_made_alone_makes_its_engine_preparation_files_firewall_images_and_a_component_per_service(bool preview)
    {
        var plan = Plans.Of("single-host");
        var host = plan.Hosts.Single();
        HostStack? made = null;
        var deployed = await Deploy.Program(
            o =>
            {
                made = new HostStack("box", new HostStackArgs { Topology = Args.Of("single-host"), Host = host.Host.Name }, o);
                return new Dictionary<string, object?> { ["services"] = made.Services, ["docker"] = made.DockerEndpoint };
            },
            new RecordingMocks { Preview = preview });

        var steps = plan.Steps.Where(s => s.Host == host.Host.Name && s is not CommandStep { Purpose: CommandPurpose.Check }).ToList();
        Assert.Equal(
            steps.Select(s => $"box-{s.Id}").Concat(host.Services.Select(s => $"box-{s.Name}")).Append("box").Order(StringComparer.Ordinal),
            deployed.Mocks.Created.Select(c => c.Name!).Order(StringComparer.Ordinal));
        Assert.All(host.Services, s => Assert.Same(made, deployed.Of($"box-{s.Name}").Parent));
        Assert.Equal(host.Host.Access.DockerEndpoint, await made!.DockerEndpoint.GetValueAsync());
        Assert.Equal(!preview, await OutputUtilities.GetIsKnownAsync(made.Services));
    }

    [Fact]
    public async Task A_host_made_alone_waits_only_for_its_own_steps()
    {
        var plan = Plans.Of("two-host");
        var deployed = await Deploy.Program(o => Outputs(new HostStack("h2", new HostStackArgs { Topology = Args.Of("two-host"), Host = "host2" }, o)));

        var container = plan.Step("host2-app-9210-container");
        Assert.Contains(container.After, id => !id.StartsWith("host2-", StringComparison.Ordinal));
        Assert.Equal(
            container.After.Where(id => id.StartsWith("host2-", StringComparison.Ordinal)).Select(id => $"h2-{id}"),
            deployed.Of("h2-host2-app-9210-container").DependsOn.Select(r => r.GetResourceName()));
    }

    public static TheoryData<string, string> Services => new()
    {
        { NginxProxy.Type, "host1-nginx" },
        { HaproxyBalancer.Type, "host1-haproxy" },
        { HaproxyBalancer.Type, "front-lb" },
        { AppInstance.Type, "host2-app-9210" },
        { CrateNode.Type, "host1-crate-4200" },
        { MonitoringServer.Type, "monitor-prometheus" },
        { MetricsExporter.Type, "host1-nginx-exporter" },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_service_made_alone_makes_its_own_steps_on_the_engine_it_is_given(string type, string service)
    {
        var plan = Plans.Of("monitored");
        var servicePlan = plan.Services.Single(s => s.Name == service);
        ServiceComponent? made = null;
        var deployed = await Deploy.Program(o =>
        {
            var engine = new Docker.Provider("engine", new Docker.ProviderArgs { Host = "ssh://deploy@192.0.2.99" });
            o.Provider = engine;
            made = Service(type, "svc", new ServiceArgs { Topology = Args.Of("monitored"), Service = service }, o);
            return new Dictionary<string, object?> { ["ports"] = made.Ports };
        });

        var steps = plan.Steps.Where(s => s.Service == service && s is not CommandStep { Purpose: CommandPurpose.Check }).ToList();
        Assert.Equal(steps.Select(s => $"svc-{s.Id}").Append("svc").Order(StringComparer.Ordinal),
            deployed.Declared.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.Equal(type, made!.GetResourceType());
        foreach (var step in steps)
        {
            var expected = StepInputs.Of(step, plan, "svc-");
            if (step is ContainerStep container)
            {
                // Made alone, the container runs the image's reference: no image step of its own to take an id from.
                expected = expected.Replace(RecordingMocks.ImageIdOf(container.Spec.Image), container.Spec.Image, StringComparison.Ordinal);
            }

            Assert.Equal(Canonical.Pretty(expected), Canonical.Pretty(deployed.Inputs[$"svc-{step.Id}"]));
            if (step.Kind is StepKind.Container or StepKind.Volume)
            {
                Assert.EndsWith("::engine::engine-id", deployed.Mocks.Created.Single(c => c.Name == $"svc-{step.Id}").Provider, StringComparison.Ordinal);
            }
        }

        Assert.Equal(servicePlan.Container.Name, await made.ContainerName.GetValueAsync());
        Assert.Equal(servicePlan.Ports, await made.Ports.GetValueAsync());
        Assert.Equal(servicePlan.Files.Select(f => f.HostPath), await made.ConfigFiles.GetValueAsync());
    }

    [Fact]
    public async Task A_service_component_of_the_wrong_kind_fails_and_registers_nothing()
    {
        var mocks = new Mock<IMocks>();

        var error = await Assert.ThrowsAsync<RunException>(() => Deployment.TestAsync(mocks.Object, new TestOptions(),
            () => _ = new NginxProxy("svc", new ServiceArgs { Topology = Args.Of("two-host"), Service = "host1-app-9210" })));

        Assert.Equal("microblog:infra:NginxProxy svc: host1-app-9210 is a App, not what microblog:infra:NginxProxy deploys", error.Message);
        mocks.Verify(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()), Times.Never);
    }

    [Fact]
    public async Task Secrets_stay_secret_in_every_input_that_carries_one()
    {
        const string Key = "-----BEGIN OPENSSH PRIVATE KEY-----\nmock-key\n-----END OPENSSH PRIVATE KEY-----\n";
        var args = Args.Of("two-host");
        foreach (var host in args.Hosts)
        {
            host.Ssh!.PrivateKey = Key;
        }

        var deployed = await Deploy.Program(o => Outputs(new MicroblogTopology("prod", args, o)));

        var carrying = new List<string>();
        foreach (var resource in deployed.Declared)
        {
            foreach (var input in await InputsOf.Walk(resource.Args))
            {
                if (input.Text.Contains(Deploy.CratePassword, StringComparison.Ordinal) || input.Text.Contains("mock-key", StringComparison.Ordinal))
                {
                    Assert.True(input.Secret, $"{resource.Name}: {input.Path} carries a secret in plain text");
                    carrying.Add($"{resource.Name} {input.Path}");
                }
            }
        }

        // The topology's own password and keys, each host command's key, the apps' files and restarts, the user step.
        var plan = Plans.Of("two-host");
        var remoteOnHosts = plan.Steps.OfType<CommandStep>().Count(s => s.Ssh is not null && s.Host is "host1" or "host2");
        Assert.Contains("prod TopologyArgs.CratePassword", carrying);
        Assert.Contains("prod TopologyArgs.Hosts[1].Ssh.PrivateKey", carrying);
        Assert.Equal(remoteOnHosts, carrying.Count(c => c.EndsWith(".connection.privateKey", StringComparison.Ordinal)));
        Assert.Contains("prod-crate-app-user CommandArgs.Stdin", carrying);
        Assert.Contains("prod-host1-app-9210-config CommandArgs.Stdin", carrying);
    }

    [Fact]
    public async Task Invalid_args_fail_with_every_problem_before_anything_is_registered()
    {
        var args = Args.Of("two-host");
        args.Hosts[0].Address = "10.0.0.300";
        args.Hosts[1].Family = IpFamily.IPv6;
        args.CratePassword = null;
        var mocks = new Mock<IMocks>();

        var error = await Assert.ThrowsAsync<RunException>(() => Deployment.TestAsync(mocks.Object, new TestOptions(), () => _ = new MicroblogTopology("prod", args)));

        Assert.Equal(
            [
                $"{Repo.StackFile("two-host")}: error: hosts[1].family: IPv6, but the address \"192.0.2.12\" is not: remove Family or make it agree",
                $"{Repo.StackFile("two-host")}: error: microblog:hosts[0].address: \"10.0.0.300\" is not an IP address or host name (an IPv4 address is four numbers 0-255, e.g. 192.0.2.11)",
            ],
            error.Message.Split('\n'));
        mocks.Verify(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()), Times.Never);
    }

    private static Dictionary<string, object?> Outputs(MicroblogTopology topology) => new()
    {
        ["frontDoorUrls"] = topology.FrontDoorUrls,
        ["crateAdminUrls"] = topology.CrateAdminUrls,
    };

    private static Dictionary<string, object?> Outputs(HostStack host) => new() { ["services"] = host.Services };

    private static ServiceComponent Service(string type, string name, ServiceArgs args, ComponentResourceOptions options) => type switch
    {
        NginxProxy.Type => new NginxProxy(name, args, options),
        HaproxyBalancer.Type => new HaproxyBalancer(name, args, options),
        AppInstance.Type => new AppInstance(name, args, options),
        CrateNode.Type => new CrateNode(name, args, options),
        MonitoringServer.Type => new MonitoringServer(name, args, options),
        MetricsExporter.Type => new MetricsExporter(name, args, options),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    [Fact]
    public void The_readme_names_every_component_type_and_counts_them()
    {
        // Every component class of the library, by its Pulumi type token: MicroblogTopology, HostStack, one per service kind.
        var types = typeof(MicroblogTopology).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.IsSubclassOf(typeof(ComponentResource)))
            .Select(t => (string)t.GetField("Type")!.GetValue(null)!)
            .Select(token => token["microblog:infra:".Length..])
            .ToList();
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        var block = readme[readme.IndexOf("<!-- component-types -->", StringComparison.Ordinal)..readme.IndexOf("<!-- /component-types -->", StringComparison.Ordinal)];

        string[] words = ["none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
        Assert.Contains($"{words[types.Count]} component types", block, StringComparison.Ordinal);
        // Less the topology and the host: the service kinds.
        Assert.Contains($"one of {words[types.Count - 2]}", block, StringComparison.Ordinal);
        Assert.All(types, type => Assert.Contains($"`{type}`", block, StringComparison.Ordinal));
    }
}
