using Infra.Topology.Model;
using Pulumi;
using Pulumi.Command.Remote.Inputs;
using LocalCommand = Pulumi.Command.Local.Command;
using LocalCommandArgs = Pulumi.Command.Local.CommandArgs;
using RemoteCommand = Pulumi.Command.Remote.Command;
using RemoteCommandArgs = Pulumi.Command.Remote.CommandArgs;

namespace Infra.Components;

/// <summary>What one command on a host runs: its script, what it reads on stdin, and what re-runs it.</summary>
public sealed record ShellRun(string Script, string? Stdin = null, IReadOnlyList<string>? Triggers = null, bool AsRoot = false);

/// <summary>
/// Runs host work where a host's services live: over SSH (as the stack's SSH user, with the operator's
/// ssh-agent) on remote hosts, on the operator's own machine for localhost stacks.
/// </summary>
public sealed class HostShell(Host host)
{
    public Host Host { get; } = host;

    public CustomResource Run(string name, ShellRun run, CustomResourceOptions options)
    {
        var script = run.AsRoot ? AsRoot(run.Script) : run.Script;
        if (Host.Access.Local)
        {
            var local = new LocalCommandArgs { Create = script };
            if (run.Stdin is not null)
            {
                local.Stdin = run.Stdin;
            }

            foreach (var trigger in run.Triggers ?? [])
            {
                local.Triggers.Add(Trigger(trigger));
            }

            return new LocalCommand(name, local, options);
        }

        var remote = new RemoteCommandArgs
        {
            Connection = new ConnectionArgs { Host = Host.Address, User = Host.Access.Ssh.User, Port = Host.Access.Ssh.Port },
            Create = script,
        };
        if (run.Stdin is not null)
        {
            remote.Stdin = run.Stdin;
        }

        foreach (var trigger in run.Triggers ?? [])
        {
            remote.Triggers.Add(Trigger(trigger));
        }

        return new RemoteCommand(name, remote, options);
    }

    /// <summary>Writing under /etc, sysctl and nft need root; docker commands run as the (docker group) user.</summary>
    private string AsRoot(string script) =>
        !Host.Access.Local && Host.Access.Ssh.User == "root" ? script : $"sudo -n sh -c {Quote(script)}";

    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    // Triggers is InputList<object>; a plain string would be ambiguous between its implicit conversions.
    public static Input<object> Trigger(string value) => Output.Create<object>(value);
}
