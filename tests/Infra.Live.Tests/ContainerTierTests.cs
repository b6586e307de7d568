using Infra.Live.Tests.Harness;
using Infra.Live.Tests.Harness.Containers;

namespace Infra.Live.Tests;

/// <summary>
/// The path users run: every stack deployed as Docker containers on lab hosts reached over SSH, step by step from its
/// plan (<see cref="PlanRunner"/>), with stand-in images carrying the stack's image names. Single-host and two-host
/// come up from nothing in <see cref="ContainerChangeTests"/>, three-host and split-role in <see cref="ContainerMoveTests"/>,
/// with the same <see cref="FirstDeploy"/> checks, before they change: each stack is brought up once per run.
/// </summary>
public sealed class ContainerTierTests(ITestOutputHelper output)
{

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Dev_comes_up_in_containers() => ComesUp("dev");


    private Task ComesUp(string name)
    {
        var spec = Stacks.Spec(name);
        return ContainerLab.Run(output, ContainerStack.HostNames(spec), ImageNames.Of(spec), async lab =>
        {
            var stack = ContainerStack.Deploy(lab, spec, out var runs);
            await FirstDeploy.Verify(stack, runs, output);
        });
    }
}
