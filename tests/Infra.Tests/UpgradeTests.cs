using Infra.Tests.Support;

namespace Infra.Tests;

/// <summary>
/// Upgrades replace nothing: the stack-file program registers, for every committed stack, the resources of
/// tests/Infra.Tests/golden/upgrade/&lt;stack&gt;.txt, each under its URN with the same inputs.
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
}
