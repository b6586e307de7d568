using System.Collections.Immutable;
using Infra.Tests.Support;
using Infra.Topology.Plan;
using Pulumi;
using Pulumi.Utilities;

namespace Infra.Tests;

/// <summary>The example programs under examples/: each composes its topology in C# and deploys what its stack file does.</summary>
public class ExampleTests
{
    private static readonly Dictionary<string, string> Config = new() { ["microblog:cratePassword"] = Deploy.CratePassword };

    [Fact]
    public Task Single_host_deploys_what_its_stack_file_does() => Same<SingleHostStack>("single-host");

    [Fact]
    public Task Two_host_deploys_what_its_stack_file_does() => Same<TwoHostStack>("two-host");

    [Fact]
    public Task Three_host_deploys_what_its_stack_file_does() => Same<ThreeHostStack>("three-host");

    [Fact]
    public Task Split_role_deploys_what_its_stack_file_does() => Same<SplitRoleStack>("split-role");

    [Fact]
    public async Task Hosts_from_outputs_at_preview_shows_every_resource_and_leaves_what_embeds_an_address_unknown()
    {
        var plan = PlanOfHostsFromOutputs();
        var deployed = await Deploy.Example<HostsFromOutputsStack>(new RecordingMocks { Preview = true }, Config);

        Assert.Equal(Names(plan, "fleet").Append(HostsFromOutputsStack.Inventory).Order(StringComparer.Ordinal),
            deployed.Mocks.Created.Select(c => c.Name!).Order(StringComparer.Ordinal));
        foreach (var step in plan.Steps)
        {
            Assert.Equal(Canonical.Pretty(StepInputs.Filled(step, plan, null, "fleet-")), Canonical.Pretty(deployed.Inputs[$"fleet-{step.Id}"]));
        }

        // Not vacuous: the hosts' engines and the files that list the apps wait for the addresses, the preparation does not.
        Assert.DoesNotContain("host", deployed.Inputs["fleet-host1-docker"], StringComparison.Ordinal);
        Assert.DoesNotContain("stdin", deployed.Inputs["fleet-host1-haproxy-config"], StringComparison.Ordinal);
        Assert.Contains("mkdir -p", deployed.Inputs["fleet-host1-prepare-config-dir"], StringComparison.Ordinal);
        var stack = deployed.Resources.OfType<HostsFromOutputsStack>().Single();
        Assert.False(await OutputUtilities.GetIsKnownAsync(stack.FrontDoorUrls));
    }

    [Fact]
    public async Task Hosts_from_outputs_in_an_update_fills_every_address_in_and_outputs_the_front_door()
    {
        var plan = PlanOfHostsFromOutputs();
        var deployed = await Deploy.Example<HostsFromOutputsStack>(Inventory("192.0.2.11", "192.0.2.12", "192.0.2.10"), Config);

        var values = Values("192.0.2.11", "192.0.2.12", "192.0.2.10");
        foreach (var step in plan.Steps)
        {
            Assert.Equal(Canonical.Pretty(StepInputs.Filled(step, plan, values, "fleet-")), Canonical.Pretty(deployed.Inputs[$"fleet-{step.Id}"]));
        }

        Assert.Equal<string>(["http://192.0.2.10:80/"], await deployed.Resources.OfType<HostsFromOutputsStack>().Single().FrontDoorUrls.GetValueAsync());
    }

    [Fact]
    public async Task When_an_address_changes_every_step_that_embeds_it_runs_again_and_no_other()
    {
        var plan = PlanOfHostsFromOutputs();
        var before = (await Deploy.Example<HostsFromOutputsStack>(Inventory("192.0.2.11", "192.0.2.12", "192.0.2.10"), Config)).Inputs;
        var after = (await Deploy.Example<HostsFromOutputsStack>(Inventory("192.0.2.11", "192.0.2.13", "192.0.2.10"), Config)).Inputs;

        var triggers = new PlanValues(plan);
        var embedding = plan.Steps
            .Where(s => StepInputs.Of(s, plan, "fleet-").Contains("host2.address", StringComparison.Ordinal)
                || (s is CommandStep c && c.Triggers.Concat(c.RunsAgainWhen).Any(t => triggers.KeysOf(t).Contains("host2.address"))))
            .Select(s => $"fleet-{s.Id}")
            .Order(StringComparer.Ordinal)
            .ToList();
        // The steps' resources: the components' inputs are their args, which no provider acts on.
        var steps = plan.Steps.Select(s => $"fleet-{s.Id}").ToHashSet();
        var changed = before.Keys.Where(k => steps.Contains(k) && before[k] != after[k]).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(embedding, changed);
        // Among them what only hashes a file that lists host2: host1's haproxy reloads for its new backend list.
        Assert.Contains("fleet-host1-haproxy-reload", changed);
        Assert.DoesNotContain("fleet-host1-app-9210-container", changed);
    }

    /// <summary>An example deploys its stack file's plan: a resource per step named after the topology, with the step's values, and its front door.</summary>
    private static async Task Same<TStack>(string stack)
        where TStack : Stack, new()
    {
        var plan = Plans.Of(stack);
        var deployed = await Deploy.Example<TStack>(new RecordingMocks(), Config);

        Assert.Equal(Names(plan, stack).Order(StringComparer.Ordinal), deployed.Mocks.Created.Select(c => c.Name!).Order(StringComparer.Ordinal));
        foreach (var step in plan.Steps)
        {
            Assert.Equal(Canonical.Pretty(StepInputs.Of(step, plan, $"{stack}-")), Canonical.Pretty(deployed.Inputs[$"{stack}-{step.Id}"]));
        }

        var frontDoor = (Output<ImmutableArray<string>>)typeof(TStack).GetProperty("FrontDoorUrls")!.GetValue(deployed.Resources.OfType<TStack>().Single())!;
        Assert.Equal(plan.Outputs.FrontDoorUrls, await frontDoor.GetValueAsync());
    }

    private static IEnumerable<string> Names(DeploymentPlan plan, string topology) =>
        plan.Steps.Select(s => s.Id).Concat(plan.Hosts.Select(h => h.Host.Name)).Concat(plan.Services.Select(s => s.Name))
            .Select(id => $"{topology}-{id}")
            .Append(topology);

    /// <summary>The example's plan, made as its topology makes it before the inventory has answered.</summary>
    private static DeploymentPlan PlanOfHostsFromOutputs()
    {
        var unknown = OutputUtilities.CreateUnknown("");
        return Plans.OfArgs(HostsFromOutputsStack.Topology(unknown, unknown, unknown, Output.CreateSecret(Deploy.CratePassword)), "fleet");
    }

    private static RecordingMocks Inventory(string host1, string host2, string front)
    {
        var mocks = new RecordingMocks();
        mocks.Stdout[HostsFromOutputsStack.Inventory] = $"{host1}\n{host2}\n{front}\n";
        return mocks;
    }

    private static Dictionary<string, string> Values(string host1, string host2, string front) => new()
    {
        ["host1.address"] = host1,
        ["host2.address"] = host2,
        ["front.address"] = front,
    };
}
