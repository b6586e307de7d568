using Infra.Stacks;
using Infra.Tests.Support;
using Pulumi;

namespace Infra.Tests;

/// <summary>
/// Upgrades replace nothing: for every committed stack the stack-file program registers the resources of
/// tests/Infra.Tests/golden/upgrade/&lt;stack&gt;.txt, written from the program before the components, each answering to
/// its URN there (its own, or through its alias) with the same inputs.
/// </summary>
public class UpgradeTests
{
    public static TheoryData<string> Committed => StackConfigs.Committed;

    [Theory]
    [MemberData(nameof(Committed))]
    public async Task Every_committed_stack_registers_the_resources_and_inputs_of_its_upgrade_golden_file(string stack)
    {
        var deployed = await Deploy.Stack(stack);

        Golden.Check($"upgrade/{stack}.txt", Registered.Render(deployed));
    }

    [Theory]
    [MemberData(nameof(Committed))]
    public async Task Each_resource_is_named_after_the_topology_and_answers_to_the_names_it_had_before_through_its_aliases(string stack)
    {
        var deployed = await Deploy.Stack(stack);
        var plan = Plans.Of(stack);

        foreach (var resource in deployed.Declared.Where(d => d.Name != MicroblogStack.TopologyName))
        {
            Assert.StartsWith(Deploy.Prefix, resource.Name, StringComparison.Ordinal);
            var id = resource.Name[Deploy.Prefix.Length..];
            // A step with former ids answers to each under the components' name and under the name before them.
            var formers = plan.Steps.FirstOrDefault(s => s.Id == id)?.FormerIds.ToList() ?? [];
            List<string> expected = formers.Count == 0 ? [id] : [.. formers.Select(Deploy.Name), .. formers];
            Assert.Equal(expected, Registered.AliasNames(resource));
        }

        Assert.Empty(Assert.Single(deployed.Declared, d => d.Name == MicroblogStack.TopologyName).Options.Aliases);
    }
}
