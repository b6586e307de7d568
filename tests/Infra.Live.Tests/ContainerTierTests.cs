using Infra.Live.Tests.Harness;
using Infra.Live.Tests.Harness.Containers;

namespace Infra.Live.Tests;

/// <summary>
/// The path users run: every stack deployed as Docker containers on lab hosts reached over SSH, step by step from its
/// plan (<see cref="PlanRunner"/>), with stand-in images carrying the stack's image names. Single-host and two-host
/// come up from nothing in <see cref="ContainerChangeTests"/>, with the same <see cref="FirstDeploy"/> checks, before
/// they change: each stack is brought up once per run.
/// </summary>
public sealed class ContainerTierTests(ITestOutputHelper output)
{

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Dev_comes_up_in_containers() => ComesUp("dev");

    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Three_host_comes_up_in_containers() => ComesUp("three-host");

    /// <summary>
    /// With monitoring: a node exporter on every host puts a neighbour beside each CrateDB node, which on split-role has
    /// its hosts to itself otherwise.
    /// </summary>
    [LiveFact("dockerd", "sshd", "ssh", "ssh-agent", "ssh-keygen", "sudo", "useradd", "unshare", "debootstrap", "nft")]
    public Task Split_role_comes_up_in_containers() => ComesUp("split-role", yaml => yaml +
        "  microblog:monitoring:\n    name: monitor\n    address: 192.0.2.50\n    webhook: http://192.0.2.99:9999/hook\n");

    private Task ComesUp(string name, Func<string, string>? edit = null)
    {
        var spec = edit is null ? Stacks.Spec(name) : Stacks.Edited(name, edit);
        return ContainerLab.Run(output, ContainerStack.HostNames(spec), ImageNames.Of(spec), async lab =>
        {
            var stack = ContainerStack.Deploy(lab, spec, out var runs);
            await FirstDeploy.Verify(stack, runs, output);
        });
    }
}
