using Infra.Topology.Plan;


namespace Infra.Lab.Containers;

/// <summary>
/// Where the plan runner's steps go in a container lab, as they go under Pulumi: a command with an SSH target over
/// SSH from the outside namespace (the operator's machine) as the stack's user; a command without one on the
/// operator's machine, which for a localhost stack is the host itself; Docker over ssh://deploy@host, or the
/// host's own socket for a localhost stack.
/// </summary>
public sealed class LabDeployTarget(ContainerLab lab) : IDeployTarget
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The lab's own secrets, made up per test run as `pulumi config set --secret` would hold them: filled into a
    /// step's stdin at the moment it runs, exactly where Pulumi fills in the stack's.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Secrets { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Topology.Spec.Secrets.CratePasswordKey] = "lab-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)),
    };

    public ShellResult Run(CommandStep plain)
    {
        // What Pulumi sends: the stdin and the values that make the step run again, the secrets filled in.
        var sent = plain.StdinSent;
        var step = plain with { Stdin = sent is not null && plain.SecretKeys.Count > 0 ? Topology.Spec.Secrets.Fill(sent, Secrets) : sent };
        if (step.Ssh is { } ssh)
        {
            if (ssh.User != DeployAccess.User)
            {
                throw new InvalidOperationException($"{step.Id}: the lab's hosts have the user {DeployAccess.User}, the step wants {ssh.User}");
            }

            return lab.Ssh(HostAt(ssh.Address), step.Script, step.Stdin ?? "", StepLimit);
        }

        // A localhost stack's operator is on its one host; otherwise the operator's machine is the outside namespace.
        var local = step.Host is { } name ? lab[name] : lab.Hosts.Count == 1 && IsLocalStack ? lab.Hosts[0] : null;
        return local is not null
            ? lab.AsRoot(local, step.Script, step.Stdin ?? "", StepLimit)
            : Shell.Run("nsenter", ["--net=" + lab.Net.Outside.NsPath, "--", "sh", "-c", step.Script], step.Stdin ?? "", StepLimit);
    }

    public ShellResult Docker(EngineStep engine, IReadOnlyList<string> args) =>
        engine.Endpoint.StartsWith("ssh://", StringComparison.Ordinal)
            ? lab.DockerOverSsh(HostAt(engine.Endpoint[(engine.Endpoint.IndexOf('@', StringComparison.Ordinal) + 1)..]), args, null, StepLimit)
            : LabDocker.Run(lab[engine.Host!].DockerSocket, args, null, StepLimit);

    /// <summary>
    /// The Engine API's create call, as Pulumi's Docker provider makes it: over `docker system dial-stdio` (through SSH
    /// for an ssh:// engine, as the CLI reaches it), the request written and the connection held until the daemon
    /// answered and closed it.
    /// </summary>
    public ShellResult CreateContainer(EngineStep engine, ContainerSpec spec)
    {
        var (file, args) = engine.Endpoint.StartsWith("ssh://", StringComparison.Ordinal)
            ? ("nsenter", lab.Access.DockerCommand(lab.Net.Outside, HostAt(engine.Endpoint[(engine.Endpoint.IndexOf('@', StringComparison.Ordinal) + 1)..]).Address))
            : ("env", LabDocker.Command(lab[engine.Host!].DockerSocket));
        var result = DialStdio.Exchange(file, [.. args, "system", "dial-stdio"], DockerApi.CreateRequest(spec), StepLimit);
        var (status, body) = DockerApi.ParseResponse(result.Stdout);
        return status == 201 ? result with { ExitCode = 0 } : result with { ExitCode = result.ExitCode == 0 ? 1 : result.ExitCode, Stderr = $"POST {DockerApi.CreatePath(spec)} answered {status}: {body} {result.Stderr}" };
    }

    /// <summary>Set for dev and single-host: every command without an SSH target runs on the one host.</summary>
    public bool IsLocalStack { get; init; }

    private ContainerHost HostAt(string address) =>
        lab.Hosts.SingleOrDefault(h => h.Address == address) ?? throw new InvalidOperationException($"no lab host at {address}: the plan names an address outside the lab");
}
